"""Activation functions out = f(net). Each vjp uses the stored output where the derivative
can be written in it (logistic, tanh, softmax), so backward needs no second pass over net."""

from __future__ import annotations

import numpy as np

from ..op import Op, Sample, register


def _away_from_zero(rng, shape):
    """Normal samples pushed off the kink at 0 so central differences stay one-sided-free."""
    x = rng.normal(size=shape)
    return x + np.sign(x) * 0.1


@register
class Logistic(Op):
    """out = 1 / (1 + e^-net);  d out/d net = out (1 - out)."""

    name = "logistic"
    #: d out/d net as explain writes it: {out}, {net} and the op's attributes filled in
    derivative_formula = "{out} (1 - {out})"

    def forward(self, x):
        # 1/(1+e^-x) = (1 + tanh(x/2)) / 2: one transcendental, and tanh never overflows, so
        # inputs of any size are safe without branches or error-state changes.
        out = np.tanh(x * 0.5)
        out *= 0.5
        out += 0.5
        return out

    def vjp(self, g, out, x):
        return (g * out * (1.0 - out),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(scale=2.0, size=(3, 4)),))


@register
class Tanh(Op):
    """out = tanh(net);  d out/d net = 1 - out^2."""

    name = "tanh"
    derivative_formula = "1 - {out}^2"

    def forward(self, x):
        return np.tanh(x)

    def vjp(self, g, out, x):
        return (g * (1.0 - out * out),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),))


@register
class ReLU(Op):
    """out = max(net, 0);  d out/d net = 1 if net > 0 else 0.

    At net = 0 the subgradient 0 is used, as in PyTorch and scikit-learn.
    """

    name = "relu"
    derivative_formula = "1 if {net} > 0 else 0"

    def forward(self, x):
        # Against an array of zeros NumPy takes its vectorised loop; against the scalar 0 it
        # is about 2.5x slower. The zeros are kept for the next call of the same shape.
        # The zeros are kept for later calls (a smaller last batch uses the leading rows).
        zeros = self.__dict__.get("_zeros")
        if (
            zeros is None
            or zeros.ndim != x.ndim
            or zeros.ndim == 0
            or zeros.shape[1:] != x.shape[1:]
            or len(zeros) < len(x)
            or zeros.dtype != x.dtype
        ):
            zeros = self._zeros = np.zeros_like(x)
        return np.maximum(x, zeros[: len(x)] if x.ndim else zeros)

    def vjp(self, g, out, x):
        return (g * (out > 0),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((_away_from_zero(rng, (3, 4)),))


@register
class LeakyReLU(Op):
    """out = net if net > 0 else slope * net;  d out/d net = 1 or slope (slope at net = 0)."""

    name = "leaky_relu"
    derivative_formula = "1 if {net} > 0 else {slope}"

    def __init__(self, slope=0.01):
        super().__init__(slope=slope)

    def forward(self, x):
        return np.where(x > 0, x, x * self.slope)

    def vjp(self, g, out, x):
        return (np.where(x > 0, g, g * self.slope),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((_away_from_zero(rng, (3, 4)),), {"slope": 0.1})


@register
class Identity(Op):
    """out = net (the linear output of regression);  d out/d net = 1."""

    name = "identity"
    derivative_formula = "1"

    def forward(self, x):
        return x

    def vjp(self, g, out, x):
        return (g,)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),))


@register
class Softmax(Op):
    """out_k = e^net_k / sum_j e^net_j over the last axis;
    dE/d net = out * (g - sum_k g_k out_k)."""

    name = "softmax"

    def forward(self, x):
        with np.errstate(under="ignore"):  # tiny probabilities may round to 0
            e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def vjp(self, g, out, x):
        return (out * (g - np.sum(g * out, axis=-1, keepdims=True)),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),))
