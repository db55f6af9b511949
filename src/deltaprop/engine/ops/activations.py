"""Activation functions out = f(net), each with every form a training path runs.

One class per activation is its one home: the engine's ``forward`` and ``vjp`` (the tape and
the replay), and, where the fused Dense-stack step (:mod:`deltaprop.training.fused`) covers it,

- ``activate_inplace(z, tmp, mask)``: ``z = f(z)`` in place, in NumPy;
- ``times_derivative(d, h, tmp, mask)``: ``d *= f'(net)``, in place, written in the stored
  output ``h`` (the fused step keeps no ``net``);
- ``scalar_activate(h)`` / ``scalar_derivative(h)``: the Python statements and the factor the
  straight-line scalar step (:mod:`deltaprop.training.scalar`) emits for one unit;
- ``compiled_forms``: optional plain-Python loops that :mod:`deltaprop.kernels` compiles with
  numba (``bias_activate(z, b, *constants)``, ``times_derivative(d, h, *constants)``,
  ``times_derivative_and_sum(d, h, sums, *constants)``, constants from
  ``compiled_constants(dtype)``), each making the NumPy form's float operations, so the bits
  stay the same.

``tmp`` and ``mask`` are scratch arrays of ``z``'s shape (float and bool). ``formula`` and
``derivative_formula`` are what explain prints. :func:`activation_ops` lists the registered
activation ops; ``ActivationOp.fused`` tells whether one has the fused forms. Each vjp uses
the stored output where the derivative can be written in it (logistic, tanh, softmax), so
backward needs no second pass over net.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..op import REGISTRY, Op, Sample, register


def _away_from_zero(rng, shape):
    """Normal samples pushed off the kink at 0 so central differences stay one-sided-free."""
    x = rng.normal(size=shape)
    return x + np.sign(x) * 0.1


class ActivationOp(Op):
    """Base of the activation ops: out = f(net), element-wise unless ``elementwise`` is False.

    A subclass writes ``forward``/``vjp`` and, to be covered by the fused and scalar steps,
    the four forms of the module docstring (all of them, or none)."""

    #: f(net) and d out/d net as explain writes them ({out}, {net}, attributes filled in)
    formula: ClassVar[str] = ""
    derivative_formula: ClassVar[str | None] = None
    elementwise: ClassVar[bool] = True
    #: name -> plain-Python loop compiled by deltaprop.kernels (see the module docstring)
    compiled_forms: ClassVar[dict] = {}

    @classmethod
    def fused(cls) -> bool:
        """Whether the fused and scalar steps cover this activation: it has their forms,
        written by the class defining ``forward`` or one below it (a subclass changing
        ``forward`` alone takes the general path)."""
        owner = next(c for c in cls.__mro__ if "forward" in c.__dict__)
        for name in _FORMS:
            found = next(c for c in cls.__mro__ if name in c.__dict__)
            if found is ActivationOp or not issubclass(found, owner):
                return False
        return True

    def activate_inplace(self, z, tmp, mask) -> None:
        raise NotImplementedError

    def times_derivative(self, d, h, tmp, mask) -> None:
        raise NotImplementedError

    def scalar_activate(self, h: str) -> list[str]:
        raise NotImplementedError

    def scalar_derivative(self, h: str) -> str:
        raise NotImplementedError

    def compiled_constants(self, dtype) -> tuple:
        """The scalar arguments after the arrays of each compiled form, in ``dtype``."""
        return (dtype.type(0), dtype.type(1))


_FORMS = ("activate_inplace", "times_derivative", "scalar_activate", "scalar_derivative")


def activation_ops() -> dict[str, type[ActivationOp]]:
    """name -> class of every registered activation op (the engine's list of activations)."""
    return {n: c for n, c in REGISTRY.items() if issubclass(c, ActivationOp)}


# -- compiled forms (plain Python; deltaprop.kernels compiles them with numba) ---------------
def _relu_bias_activate(z, b, zero, one):  # pragma: no cover - compiled
    # z = max(z + b, 0), row by row (b None: no bias); NaN stays NaN as in np.maximum;
    # zero is 0 in z's dtype (a literal 0.0 would be float64)
    rows, units = z.shape
    for r in range(rows):
        for j in range(units):
            v = z[r, j] if b is None else z[r, j] + b[j]
            z[r, j] = zero if v < 0 else v


def _relu_times_derivative(d, h, zero, one):  # pragma: no cover - compiled
    # d = d * 1[h > 0], written in the layer's output h (as d * mask in NumPy)
    rows, units = d.shape
    for r in range(rows):
        for j in range(units):
            d[r, j] = d[r, j] * (one if h[r, j] > 0 else zero)


def _relu_times_derivative_and_sum(d, h, sums, zero, one):  # pragma: no cover - compiled
    # d = d * 1[h > 0], and sums_j = sum over the rows of the new d, added row after row
    # (the order of NumPy's d.sum(axis=0) on a C-ordered d)
    rows, units = d.shape
    for r in range(rows):
        for j in range(units):
            v = d[r, j] * (one if h[r, j] > 0 else zero)
            d[r, j] = v
            sums[j] = v if r == 0 else sums[j] + v


@register
class Logistic(ActivationOp):
    """out = 1 / (1 + e^-net);  d out/d net = out (1 - out)."""

    name = "logistic"
    formula = "1 / (1 + e^-net)"
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

    def activate_inplace(self, z, tmp, mask):
        z *= 0.5  # (1 + tanh(z / 2)) / 2, as forward
        np.tanh(z, out=z)
        z *= 0.5
        z += 0.5

    def times_derivative(self, d, h, tmp, mask):
        np.subtract(1, h, out=tmp)
        tmp *= h
        d *= tmp

    def scalar_activate(self, h):
        return [f"{h} = tanh({h} * 0.5) * 0.5 + 0.5"]

    def scalar_derivative(self, h):
        return f" * ((1.0 - {h}) * {h})"

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(scale=2.0, size=(3, 4)),))


@register
class Tanh(ActivationOp):
    """out = tanh(net);  d out/d net = 1 - out^2."""

    name = "tanh"
    formula = "tanh(net)"
    derivative_formula = "1 - {out}^2"

    def forward(self, x):
        return np.tanh(x)

    def vjp(self, g, out, x):
        return (g * (1.0 - out * out),)

    def activate_inplace(self, z, tmp, mask):
        np.tanh(z, out=z)

    def times_derivative(self, d, h, tmp, mask):
        np.multiply(h, h, out=tmp)
        np.subtract(1, tmp, out=tmp)
        d *= tmp

    def scalar_activate(self, h):
        return [f"{h} = tanh({h})"]

    def scalar_derivative(self, h):
        return f" * (1.0 - {h} * {h})"

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),))


@register
class ReLU(ActivationOp):
    """out = max(net, 0);  d out/d net = 1 if net > 0 else 0.

    At net = 0 the subgradient 0 is used, as in PyTorch and scikit-learn.
    """

    name = "relu"
    formula = "max(net, 0)"
    derivative_formula = "1 if {net} > 0 else 0"
    compiled_forms = {
        "bias_activate": _relu_bias_activate,
        "times_derivative": _relu_times_derivative,
        "times_derivative_and_sum": _relu_times_derivative_and_sum,
    }

    def forward(self, x):
        # Against an array of zeros NumPy takes its vectorised loop; against the scalar 0 it
        # is about 2.5x slower. The zeros are kept for later calls of the same shape (a
        # smaller last batch uses the leading rows).
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

    def activate_inplace(self, z, tmp, mask):
        np.maximum(z, 0, out=z)

    def times_derivative(self, d, h, tmp, mask):
        np.greater(h, 0, out=mask)
        np.multiply(d, mask, out=d)

    def scalar_activate(self, h):
        return [f"if {h} < 0: {h} = 0.0"]  # NaN stays NaN, as np.maximum

    def scalar_derivative(self, h):
        return f" * (1.0 if {h} > 0 else 0.0)"

    @staticmethod
    def sample_inputs(rng):
        yield Sample((_away_from_zero(rng, (3, 4)),))


@register
class LeakyReLU(ActivationOp):
    """out = net if net > 0 else slope * net;  d out/d net = 1 or slope (slope at net = 0)."""

    name = "leaky_relu"
    formula = "net if net > 0 else {slope} net"
    derivative_formula = "1 if {net} > 0 else {slope}"

    def __init__(self, slope=0.01):
        super().__init__(slope=slope)

    def forward(self, x):
        return np.where(x > 0, x, x * self.slope)

    def vjp(self, g, out, x):
        return (np.where(x > 0, g, g * self.slope),)

    def activate_inplace(self, z, tmp, mask):
        np.multiply(z, self.slope, out=tmp)
        np.maximum(z, tmp, out=z)

    def times_derivative(self, d, h, tmp, mask):
        # 1 where h > 0, else the slope
        np.greater(h, 0, out=mask)
        np.multiply(mask, 1.0 - self.slope, out=tmp)
        tmp += self.slope
        d *= tmp

    def scalar_activate(self, h):
        slope = float(self.slope)
        return [f"s = {h} * {slope!r}", f"if {h} < s: {h} = s"]

    def scalar_derivative(self, h):
        slope = float(self.slope)
        return f" * ((1.0 if {h} > 0 else 0.0) * {1.0 - slope!r} + {slope!r})"

    @staticmethod
    def sample_inputs(rng):
        yield Sample((_away_from_zero(rng, (3, 4)),), {"slope": 0.1})


@register
class Identity(ActivationOp):
    """out = net (the linear output of regression);  d out/d net = 1."""

    name = "identity"
    formula = "net"
    derivative_formula = "1"

    def forward(self, x):
        return x

    def vjp(self, g, out, x):
        return (g,)

    def activate_inplace(self, z, tmp, mask):
        pass

    def times_derivative(self, d, h, tmp, mask):
        pass

    def scalar_activate(self, h):
        return []

    def scalar_derivative(self, h):
        return ""

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),))


@register
class Softmax(ActivationOp):
    """out_k = e^net_k / sum_j e^net_j over the last axis;
    dE/d net = out * (g - sum_k g_k out_k)."""

    name = "softmax"
    formula = "e^net_k / sum_j e^net_j"
    elementwise = False  # each output depends on the whole row: no fused hidden form

    def forward(self, x):
        with np.errstate(under="ignore"):  # tiny probabilities may round to 0
            e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def vjp(self, g, out, x):
        return (out * (g - np.sum(g * out, axis=-1, keepdims=True)),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),))
