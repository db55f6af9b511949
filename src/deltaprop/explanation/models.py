"""The built-in examples and spec files as trainable networks (a float64 Sequential whose loss
is the spec's squared error), for the figures, the interactive page and the playground."""

from __future__ import annotations

from .. import losses
from ..network import Sequential
from .presets import PRESETS, mazur_spec, one_weight_spec
from .record import Network
from .spec import NetworkSpec, load_spec


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
