"""The error as a function of one weight of any network, with its backpropagated gradient.

``E(w)`` is the loss of the whole network on (X, y) when one weight (or bias) takes the value
``w`` and every other parameter keeps its own. At the current value, the tangent of that curve
has slope ``dE/dw`` as backpropagation computes it; beside it the central difference
``(E(w + h) - E(w - h)) / (2 h)``; and one gradient-descent step goes to ``w - lr * dE/dw``.
Everything is computed in float64 on a copy of the network, so the network itself is untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .. import losses
from .._checks import check_number
from ..engine import Tensor, no_grad
from ..errors import ParameterError, ParameterTypeError
from ..nn import Stack
from ..training.labels import encode_labels

EPS = 1e-6  # central-difference step, as explain's gradient check
_WEIGHT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?:\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\])?\s*$")


@dataclass
class ErrorCurve:
    """One weight's error curve: ``values`` (w) against ``errors`` (E(w)), the current point
    ``(w, error)``, the backpropagated ``gradient`` dE/dw (the tangent's slope), its central
    difference ``numeric``, and the step ``w_new = w - lr * gradient`` with ``error_new``."""

    weight: str
    values: np.ndarray
    errors: np.ndarray
    w: float
    error: float
    gradient: float
    numeric: float
    lr: float
    w_new: float
    error_new: float
    loss: str

    def tangent(self, values=None) -> np.ndarray:
        """The tangent line ``E(w0) + dE/dw (v - w0)`` at ``values`` (default: the curve's)."""
        v = self.values if values is None else np.asarray(values, dtype=np.float64)
        return self.error + self.gradient * (v - self.w)

    def to_dict(self) -> dict:
        """Plain numbers and lists, for JSON."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["values"] = self.values.tolist()
        out["errors"] = self.errors.tolist()
        return out


class WeightProbe:
    """A float64 copy of ``net`` and its loss on (X, y), to evaluate E and dE/dw of one entry.

    ``weight`` names a parameter as ``named_parameters`` does, with an index:
    ``"layers.1.weight[0,0]"`` (row = input, column = neuron), ``"layers.0.bias[2]"``; a
    parameter with a single value needs no index.
    """

    def __init__(self, net, X, y, weight: str, loss=None):
        if not isinstance(net, Stack):
            raise ParameterTypeError(
                f"net must be a deltaprop network (Sequential); got {type(net).__name__}"
            )
        if not net.is_built:
            raise ParameterError("the network has no weights yet: fit it (or call it) first")
        own = getattr(net, "loss", None)
        self.loss = losses.get(loss if loss is not None else (own or "squared_error"))
        self.net = float64_copy(net)
        self.X = np.asarray(X, dtype=np.float64)
        if self.X.ndim != 2 or self.X.shape[1] != net.in_features:
            raise ParameterError(
                f"X must have shape (n_samples, {net.in_features}); got {self.X.shape}"
            )
        y = encode_labels(y, self.loss, getattr(net, "classes_", None))
        n_out = self._outputs().shape[1]
        self.target = self.loss.prepare_target(y, n_out, np.float64)
        if len(self.target) != len(self.X):
            raise ParameterError(f"X has {len(self.X)} rows but y has {len(self.target)}")
        self.weight = weight
        self.param, self.index = find_weight(self.net, weight)
        self.w0 = float(self.param.data[self.index])

    def _outputs(self) -> np.ndarray:
        with no_grad():
            return self.net(self.X).data

    def error(self, w: float | None = None) -> float:
        """E with the weight at ``w`` (its own value when None); the weight is put back."""
        if w is None:
            w = self.w0
        old = self.param.data[self.index]
        self.param.data[self.index] = w
        try:
            with no_grad():
                return float(self.loss(self.net(self.X), Tensor(self.target)).data)
        finally:
            self.param.data[self.index] = old

    def gradient(self) -> float:
        """dE/dw at the current value, by the engine's backward pass."""
        self.net.zero_grad()
        self.loss(self.net(Tensor(self.X)), Tensor(self.target)).backward()
        return float(self.param.grad[self.index])

    def numeric(self, eps: float = EPS) -> float:
        return (self.error(self.w0 + eps) - self.error(self.w0 - eps)) / (2 * eps)


def float64_copy(net) -> Stack:
    """A new network of the same layers with every parameter and buffer in float64."""
    architecture = dict(net.architecture(), dtype="float64")
    copy = Stack.from_architecture(architecture)
    copy.load_state_dict({k: np.asarray(v, dtype=np.float64) for k, v in net.state_dict().items()})
    return copy


def find_weight(net, weight: str):
    """The Parameter and index that ``weight`` names; ParameterError listing the names."""
    if not isinstance(weight, str):
        raise ParameterTypeError(
            f"weight must be a name such as 'layers.0.weight[0,0]'; got {weight!r}"
        )
    params = dict(net.named_parameters())
    match = _WEIGHT.match(weight)
    if match is None or match.group(1) not in params:
        raise ParameterError(
            f"no weight {weight!r} in this network; its parameters: "
            + ", ".join(f"{n}{list(p.data.shape)}" for n, p in params.items())
        )
    p = params[match.group(1)]
    index = tuple(int(g) for g in match.groups()[1:] if g is not None)
    if not index and p.data.size == 1:
        index = (0,) * p.data.ndim
    if len(index) != p.data.ndim or any(i >= s for i, s in zip(index, p.data.shape)):
        raise ParameterError(
            f"{weight!r}: {match.group(1)} has shape {list(p.data.shape)}; give an index "
            f"such as {match.group(1)}[{','.join('0' * p.data.ndim)}] within it"
        )
    return p, index


def error_curve(
    net,
    X,
    y,
    weight: str = "layers.1.weight[0,0]",
    *,
    loss=None,
    lr: float = 0.5,
    span: float | None = None,
    points: int = 201,
) -> ErrorCurve:
    """E as ``weight`` varies over ``w0 +- span`` (the others fixed), the gradient there, its
    central difference and one gradient-descent step ``w0 - lr dE/dw``.

    ``span`` defaults to enough to show the step and the curve around it:
    ``max(1, 2 |lr dE/dw|, |w0| / 2)``. ``loss`` defaults to the network's own (from fit),
    else squared error.
    """
    lr = check_number("lr", lr, low=0)
    points = check_number("points", points, low=3, high=100_000, integer=True)
    probe = WeightProbe(net, X, y, weight, loss)
    g = probe.gradient()
    w0 = probe.w0
    if span is None:
        span = max(1.0, 2 * abs(lr * g), abs(w0) / 2)
    span = check_number("span", span, low=0, low_inclusive=False)
    values = np.linspace(w0 - span, w0 + span, points)
    errors = np.array([probe.error(v) for v in values])
    w_new = w0 - lr * g
    return ErrorCurve(
        weight=weight,
        values=values,
        errors=errors,
        w=w0,
        error=probe.error(),
        gradient=g,
        numeric=probe.numeric(),
        lr=float(lr),
        w_new=w_new,
        error_new=probe.error(w_new),
        loss=probe.loss.name,
    )
