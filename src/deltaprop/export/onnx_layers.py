"""ONNX nodes for the layers and activations of a network, one converter per layer class.

A converter is ``convert(builder, layer, x, dtype) -> name of the output``: it adds the nodes
that compute the layer's inference-mode output from the value named ``x``. Layers defined
outside deltaprop export once they register a converter with :func:`register_onnx_converter`
(the same way :func:`deltaprop.nn.register_layer` makes them savable).
"""

from __future__ import annotations

import numpy as np

from ..errors import ExportError
from ..nn import Dense, Dropout, Stack, Standardize, activations
from .onnx_graph import GraphBuilder

CONVERTERS: dict[type, object] = {}


def register_onnx_converter(layer_class: type):
    """Decorator: ``convert(builder, layer, x, dtype)`` exports layers of ``layer_class``.

    >>> import deltaprop as dp
    >>> class Doubler(dp.Module):
    ...     def forward(self, x):
    ...         return x * 2.0
    >>> @register_onnx_converter(Doubler)
    ... def _doubler(g, layer, x, dtype):
    ...     return g.node("Mul", [x, g.const("two", np.asarray(2.0, dtype))])
    >>> del CONVERTERS[Doubler]  # (doctests leave the table as they found it)
    """

    def decorate(convert):
        CONVERTERS[layer_class] = convert
        return convert

    return decorate


def convert_layer(g: GraphBuilder, layer, x: str, dtype, where: str) -> str:
    """The output of ``layer`` applied to ``x``; ExportError if its class has no converter."""
    for cls in type(layer).__mro__:
        if cls in CONVERTERS:
            return CONVERTERS[cls](g, layer, x, dtype)
    raise ExportError(
        f"{where} ({type(layer).__name__}) has no ONNX converter: register one with "
        "deltaprop.export.register_onnx_converter (docs/onnx.md)"
    )


def finite_values(array: np.ndarray, dtype, what: str) -> np.ndarray:
    """``array`` in ``dtype``; ExportError if it holds NaN or infinity."""
    array = np.asarray(array, dtype=dtype)
    if not np.all(np.isfinite(array)):
        raise ExportError(f"{what} holds NaN or infinite values (a diverged training?)")
    return array


@register_onnx_converter(Dense)
def _dense(g: GraphBuilder, layer: Dense, x: str, dtype) -> str:
    """net = x @ W + b (Gemm; without C when the layer has no bias), then out = f(net)."""
    if not layer.weight.is_built:
        raise ExportError(f"{layer!r} has no weights yet: fit the network before exporting")
    w = g.const("W", finite_values(layer.weight.data, dtype, f"{layer!r} weight"))
    inputs = [x, w]
    if layer.bias is not None:
        inputs.append(g.const("B", finite_values(layer.bias.data, dtype, f"{layer!r} bias")))
    net = g.node("Gemm", inputs, hint="net")
    return convert_activation(g, layer.activation, net, dtype)


@register_onnx_converter(Dropout)
def _dropout(g: GraphBuilder, layer: Dropout, x: str, dtype) -> str:
    """Inverted dropout is the identity at inference: no node."""
    return x


@register_onnx_converter(Standardize)
def _standardize(g: GraphBuilder, layer: Standardize, x: str, dtype) -> str:
    """(x - mean) / std, the same two operations as the layer."""
    if layer.mean is None:
        raise ExportError("Standardize has no statistics yet: fit the network before exporting")
    mean = g.const("mean", finite_values(layer.mean, dtype, "Standardize mean"))
    std = g.const("std", finite_values(layer.std, dtype, "Standardize std"))
    return g.node("Div", [g.node("Sub", [x, mean], hint="centred"), std], hint="standardized")


@register_onnx_converter(Stack)
def _stack(g: GraphBuilder, stack: Stack, x: str, dtype) -> str:
    for i, layer in enumerate(stack.layers):
        x = convert_layer(g, layer, x, dtype, f"layers[{i}]")
    return x


def _leaky_relu(g: GraphBuilder, act, net: str, dtype) -> str:
    # max(net, slope * net) equals "net if net > 0 else slope * net" for 0 <= slope < 1, and
    # runs in float64 too (onnxruntime's LeakyRelu kernel is float32 only).
    slope = g.const("slope", np.asarray(act.slope, dtype=dtype))
    return g.node("Max", [net, g.node("Mul", [net, slope], hint="scaled")], hint="out")


_ACTIVATIONS = {
    activations.Identity: lambda g, act, net, dtype: net,
    activations.Logistic: lambda g, act, net, dtype: g.node("Sigmoid", [net], hint="out"),
    activations.Tanh: lambda g, act, net, dtype: g.node("Tanh", [net], hint="out"),
    activations.ReLU: lambda g, act, net, dtype: g.node("Relu", [net], hint="out"),
    activations.LeakyReLU: _leaky_relu,
    activations.Softmax: lambda g, act, net, dtype: g.node("Softmax", [net], axis=-1, hint="out"),
}


def convert_activation(g: GraphBuilder, act, net: str, dtype) -> str:
    """out = f(net) for the activations of :mod:`deltaprop.nn.activations`."""
    convert = _ACTIVATIONS.get(type(act))
    if convert is None:
        raise ExportError(
            f"activation {getattr(act, 'name', '') or type(act).__name__!r} has no ONNX form; "
            f"exportable activations: {', '.join(sorted(a.name for a in _ACTIVATIONS))}"
        )
    return convert(g, act, net, dtype)
