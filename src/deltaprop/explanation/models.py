"""The built-in examples and spec files as trainable networks (a float64 Sequential whose loss
is the spec's squared error), for the figures, the interactive page and the playground."""

from __future__ import annotations

import numpy as np

from .. import losses
from ..network import Sequential
from .presets import PRESETS, mazur_spec, one_weight_spec
from .record import Network
from .spec import LayerSpec, NetworkSpec, load_spec


def spec_model(spec: NetworkSpec):
    """``(net, X, y)``: the spec's network with its weights, loss and data."""
    built = Network(spec).module
    net = Sequential.from_architecture(built.architecture())
    net.load_state_dict(built.state_dict())
    net.loss = losses.get({"name": "squared_error", "reduction": spec.reduction})
    return net, spec.inputs.copy(), spec.targets.copy()


def preset_model(name: str):
    """``(net, X, y)`` of a built-in example: "mazur" (the worked example) or "one-weight"."""
    if name not in PRESETS:
        from ..errors import ParameterError

        raise ParameterError(f"example must be one of {', '.join(PRESETS)}; got {name!r}")
    return spec_model(mazur_spec() if name == "mazur" else one_weight_spec())


def load_model_spec(path):
    """``(net, X, y)`` from a spec file (.json or .toml, as ``deltaprop explain`` reads)."""
    return spec_model(load_spec(path))


def step_model(explanation: dict, step: dict):
    """``(net, X, y, parameters)`` with the weights a recorded ``step`` started from, rebuilt
    from the explanation's numbers; ``parameters`` maps each weight and bias name (w5, b1...)
    to the network's parameter name with its index (``layers.1.weight[0,0]``)."""
    layers_info = explanation["network"]["layers"]
    forward = {n["neuron"]: n for n in step["forward"][0]["neurons"]}
    layers, parameters = [], {}
    for k, info in enumerate(layers_info[1:]):
        weights = np.array([[t["w"] for t in forward[n]["terms"]] for n in info["neurons"]])
        for j, row in enumerate(info["weights"]):
            for i, name in enumerate(row):
                parameters[name] = f"layers.{k}.weight[{i},{j}]"
        biases = None
        if info["bias"] != "none":
            values = [forward[n]["bias"]["value"] for n in info["neurons"]]
            biases = np.array(values[:1] if info["bias"] == "shared" else values)
            for j, name in enumerate(info["biases"]):
                parameters[name] = f"layers.{k}.bias[{j}]"
        layers.append(
            LayerSpec(len(info["neurons"]), info["activation"], weights, info["bias"], biases)
        )
    settings = explanation["settings"]
    spec = NetworkSpec(
        inputs=np.array(explanation["inputs"], dtype=np.float64),
        targets=np.array(explanation["targets"], dtype=np.float64),
        layers=layers,
        reduction=settings["reduction"],
        lr=settings["lr"],
        update_biases=settings["update_biases"],
    )
    net, X, y = spec_model(spec)
    return net, X, y, parameters
