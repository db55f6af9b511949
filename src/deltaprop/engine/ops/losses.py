"""Fused loss ops: each turns (output, target) into one scalar E, with the reduction named.

Reductions: ``"mean"`` divides by the number of examples (cross-entropy) or of elements
(squared and binary errors), ``"sum"`` adds, ``"sum_half"`` (squared error only) is the source
material's ``E = sum 1/2 (t - o)^2``. Targets are constants: their vjp is None.
"""

from __future__ import annotations

import numpy as np

from ..op import Op, Sample, register


def _scalar(value, dtype):
    return np.asarray(value, dtype=dtype)


def _examples(z):
    """Number of examples in logits z of shape (..., K)."""
    return z.size // z.shape[-1]


@register
class SoftmaxCrossEntropy(Op):
    """E = -sum_n sum_k t_nk ln softmax(z_n)_k (/ N for "mean"), softmax fused in.

    ``t`` is integer class labels of shape (N,) or class probabilities of shape (N, K).
    dE/dz = (softmax(z) - t) / N: the fused form is exact and cannot overflow, unlike
    differentiating ln(softmax(z)) in two steps.
    """

    name = "softmax_cross_entropy"

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)

    def forward(self, z, t):
        shifted = z - z.max(axis=-1, keepdims=True)
        with np.errstate(under="ignore"):  # tiny probabilities may round to 0
            e = np.exp(shifted)
        s = e.sum(axis=-1, keepdims=True)
        self._p = e / s
        log_s = np.log(s)
        if t.ndim == z.ndim - 1:  # integer labels
            picked = np.take_along_axis(shifted, t[..., np.newaxis].astype(np.intp), axis=-1)
            total = np.sum(log_s - picked)
        else:
            total = np.sum(t.astype(z.dtype, copy=False) * (log_s - shifted))
        return _scalar(total / _examples(z) if self.reduction == "mean" else total, z.dtype)

    def vjp(self, g, out, z, t):
        delta = self._p.copy()
        if t.ndim == z.ndim - 1:
            rows = delta.reshape(-1, delta.shape[-1])  # a view: delta is a fresh copy
            rows[np.arange(rows.shape[0]), t.reshape(-1).astype(np.intp)] -= 1
        else:
            delta -= t.astype(z.dtype, copy=False)
        delta *= g / _examples(z) if self.reduction == "mean" else g
        return delta, None

    @staticmethod
    def sample_inputs(rng):
        z = rng.normal(size=(4, 3))
        yield Sample((z, np.array([0, 2, 1, 2])), differentiable=(True, False))
        yield Sample((z, rng.dirichlet(np.ones(3), size=4)), {"reduction": "sum"}, (True, False))


@register
class SigmoidBinaryCrossEntropy(Op):
    """E = -sum [t ln s(z) + (1 - t) ln(1 - s(z))] (/ element count for "mean"), with s the
    logistic function fused in; computed as max(z, 0) - z t + ln(1 + e^-|z|), which never
    overflows. dE/dz = s(z) - t (/ count)."""

    name = "sigmoid_binary_cross_entropy"

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)

    def forward(self, z, t):
        t = t.astype(z.dtype, copy=False)
        with np.errstate(under="ignore"):  # e^-|z| rounding to 0 is the intended limit
            e = np.exp(-np.abs(z))
        total = np.sum(np.maximum(z, 0) - z * t + np.log1p(e))
        inv = 1.0 / (1.0 + e)
        self._s = np.where(z >= 0, inv, e * inv)
        return _scalar(total / z.size if self.reduction == "mean" else total, z.dtype)

    def vjp(self, g, out, z, t):
        scale = g / z.size if self.reduction == "mean" else g
        return (self._s - t.astype(z.dtype, copy=False)) * scale, None

    @staticmethod
    def sample_inputs(rng):
        z = rng.normal(scale=2.0, size=(4, 3))
        yield Sample((z, rng.integers(0, 2, size=(4, 3)).astype(float)), {}, (True, False))
        yield Sample((z, rng.uniform(size=(4, 3))), {"reduction": "sum"}, (True, False))


@register
class SquaredError(Op):
    """E = 1/2 sum (t - o)^2 ("sum_half"), sum (t - o)^2 ("sum") or mean (t - o)^2 ("mean").

    dE/do = (o - t) for "sum_half" (the 1/2 cancels the 2 of the square), 2 (o - t) for
    "sum", 2 (o - t) / count for "mean".
    """

    name = "squared_error"

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)

    def forward(self, o, t):
        self._diff = o - t.astype(o.dtype, copy=False)
        total = np.sum(self._diff * self._diff)
        if self.reduction == "sum_half":
            total = 0.5 * total
        elif self.reduction == "mean":
            total = total / o.size
        return _scalar(total, o.dtype)

    def vjp(self, g, out, o, t):
        if self.reduction == "sum_half":
            scale = g
        elif self.reduction == "sum":
            scale = 2.0 * g
        else:
            scale = 2.0 * g / o.size
        return self._diff * scale, None

    @staticmethod
    def sample_inputs(rng):
        o, t = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
        for reduction in ("sum_half", "sum", "mean"):
            yield Sample((o, t), {"reduction": reduction}, (True, False))
