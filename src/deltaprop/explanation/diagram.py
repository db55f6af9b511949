"""A network's diagram as data: its Dense layers' neurons, weights and biases, and with an input
``x`` each neuron's ``net = sum_i w_i x_i + b`` and ``out = f(net)``, by the engine.

A leading Standardize layer is applied to ``x`` first (the diagram's inputs are then the
standardised values, and ``standardized`` says so); Dropout layers are the identity at
inference and are left out. Other kinds of layer cannot be drawn as neurons and edges.
"""

from __future__ import annotations

import numpy as np

from ..engine import Tensor, no_grad
from ..engine import functional as F
from ..errors import ParameterError, ParameterTypeError
from ..nn import Dense, Dropout, Stack, Standardize


def network_view(net, x=None) -> dict:
    """``{"inputs": n, "layers": [...], "standardized": bool, "x": [...] or None}``.

    Each layer: ``index`` (its position in ``net.layers``), ``units``, ``activation``,
    ``weight`` (in_features x units: ``weight[i][j]`` joins input ``i`` to neuron ``j``),
    ``bias`` (one per neuron, or one shared value, or None), and with ``x`` the neurons'
    ``net`` and ``out`` lists.
    """
    if not isinstance(net, Stack):
        raise ParameterTypeError(
            f"net must be a deltaprop network (Sequential); got {type(net).__name__}"
        )
    if not net.is_built:
        raise ParameterError("the network has no weights yet: fit it (or call it) first")
    values = None
    if x is not None:
        values = np.asarray(x, dtype=np.float64)
        if values.ndim == 2 and values.shape[0] == 1:
            values = values[0]
        if values.shape != (net.in_features,):
            raise ParameterError(
                f"x must be one example of {net.in_features} features; got shape {values.shape}"
            )
    standardized = False
    layers = []
    current = None if values is None else Tensor(values[None, :])
    with no_grad():
        for index, layer in enumerate(net.layers):
            if isinstance(layer, Standardize):
                if layers:
                    raise ParameterError("a Standardize layer can only be drawn first")
                standardized = True
                if current is not None:
                    current = Tensor((current.data - layer.mean) / layer.std)
                continue
            if isinstance(layer, Dropout):
                continue
            if not isinstance(layer, Dense):
                raise ParameterError(
                    f"layers[{index}] is a {type(layer).__name__}; only Dense networks "
                    "(with Standardize and Dropout) can be drawn"
                )
            W = layer.weight.data.astype(np.float64)
            b = None if layer.bias is None else layer.bias.data.astype(np.float64)
            entry = {
                "index": index,
                "units": layer.units,
                "activation": layer.activation.name,
                "weight": W.tolist(),
                "bias": None if b is None else b.tolist(),
                "shared_bias": b is not None and b.shape[0] == 1 and layer.units > 1,
            }
            if current is not None:
                z = F.linear(current, Tensor(W), None if b is None else Tensor(b))
                out = layer.activation(z)
                entry["net"] = z.data[0].tolist()
                entry["out"] = out.data[0].tolist()
                current = out
            layers.append(entry)
    if not layers:
        raise ParameterError("the network has no Dense layer to draw")
    return {
        "inputs": len(layers[0]["weight"]),
        "layers": layers,
        "standardized": standardized,
        "x": None if values is None else values.tolist(),
        "x_drawn": None if current is None else _first_inputs(net, values),
    }


def _first_inputs(net, values) -> list:
    """The values the first Dense layer receives (standardised when the net does that)."""
    first = net.layers[0]
    if isinstance(first, Standardize):
        return ((values - first.mean) / first.std).tolist()
    return values.tolist()
