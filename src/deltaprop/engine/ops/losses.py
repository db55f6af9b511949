"""Fused loss ops: each turns (output, target[, weight]) into one scalar E, with the reduction
named.

Reductions: ``"mean"`` divides by the number of examples (cross-entropy) or of elements
(squared and binary errors), ``"sum"`` adds, ``"sum_half"`` (squared error only) is the source
material's ``E = sum 1/2 (t - o)^2`` and ``"mean_half"`` (squared error only) its mean over
examples, ``1/N sum_n 1/2 sum_k (t_nk - o_nk)^2`` (scikit-learn's MLPRegressor loss).

An optional third input ``w`` of shape (N,) weighs example ``n``'s error by ``w_n``: sums
become ``sum_n w_n E_n`` and means become weighted means, ``sum_n w_n E_n / sum_n w_n`` (times
``1/K`` where the unweighted mean is over the K elements of each example too), so unit
weights change nothing. A batch whose weights are all zero has E = 0 and a zero gradient.
Weighting happens inside the fused op, so dE/dz stays one exact expression. Targets and
weights are constants: their vjp is None.
"""

from __future__ import annotations

import numpy as np

from ..op import Op, Sample, register


def _scalar(value, dtype):
    return np.asarray(value, dtype=dtype)


def _examples(z):
    """Number of examples in logits z of shape (..., K)."""
    return z.size // z.shape[-1]


def _weight_column(w, z):
    """Per-example weights shaped to broadcast over z's last axis, in z's dtype."""
    return w.astype(z.dtype, copy=False).reshape(z.shape[:-1] + (1,))


def _total_weight(w) -> float:
    total = float(np.sum(w))
    return total if total > 0 else 1.0  # all-zero weights: E = 0, so any divisor will do


def _reduce_elements(op, elementwise, z, w):
    """sum_n w_n sum_k e_nk, divided by the element count (K sum w with weights) for "mean";
    keeps that count on ``op`` for its vjp."""
    if w is None:
        total = np.sum(elementwise)
        op._count = z.size
    else:
        total = np.sum(elementwise * _weight_column(w, z))
        op._count = _total_weight(w) * z.shape[-1]
    return _scalar(total / op._count if op.reduction == "mean" else total, z.dtype)


def _element_deltas(op, residual, g, z, w):
    """dE/dz = w_n residual_nk * g (/ the count of ``_reduce_elements`` for "mean")."""
    delta = residual * (g / op._count if op.reduction == "mean" else g)
    if w is None:
        return delta, None
    delta *= _weight_column(w, z)
    return delta, None, None


def _weighted_samples(rng, z, t, reductions):
    w = rng.uniform(0.2, 2.0, size=z.shape[0])
    for reduction in reductions:
        yield Sample((z, t, w), {"reduction": reduction}, (True, False, False))


@register
class SoftmaxCrossEntropy(Op):
    """E = -sum_n w_n sum_k t_nk ln softmax(z_n)_k (/ sum_n w_n for "mean"), softmax fused in.

    ``t`` is integer class labels of shape (N,) or class probabilities of shape (N, K); ``w``
    (optional) weights the examples, 1 by default. dE/dz_n = w_n (softmax(z_n) - t_n) / sum w:
    the fused form is exact and cannot overflow, unlike differentiating ln(softmax(z)) in two
    steps.
    """

    name = "softmax_cross_entropy"

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)

    def forward(self, z, t, w=None):
        # ln softmax(z)_k = shifted_k - ln s with shifted = z - max(z), s = sum exp(shifted)
        shifted = z - z.max(axis=-1, keepdims=True)
        labels = t.ndim == z.ndim - 1
        if labels:  # the labelled logit, read before shifted is overwritten by exp
            rows = shifted.reshape(-1, shifted.shape[-1])
            picked = rows[np.arange(rows.shape[0]), t.reshape(-1).astype(np.intp, copy=False)]
            picked = picked.reshape(z.shape[:-1] + (1,))
        else:
            soft = t.astype(z.dtype, copy=False)
            cross = (soft * shifted).sum(axis=-1, keepdims=True)  # sum_k t_k shifted_k
            mass = soft.sum(axis=-1, keepdims=True)  # sum_k t_k (1 for a distribution)
        with np.errstate(under="ignore"):  # tiny probabilities may round to 0
            e = np.exp(shifted, out=shifted)
        s = e.sum(axis=-1, keepdims=True)
        e /= s
        self._p = e
        log_s = np.log(s)
        # per example: ln s - picked (labels) or sum_k t_k (ln s - shifted_k) (distributions)
        per_example = log_s - picked if labels else log_s * mass - cross
        if w is None:
            total = per_example.sum()
            count = _examples(z)
        else:
            total = np.dot(per_example.reshape(-1), w.reshape(-1).astype(z.dtype, copy=False))
            count = _total_weight(w)
        self._count = count
        return _scalar(total / count if self.reduction == "mean" else total, z.dtype)

    def vjp(self, g, out, z, t, w=None):
        delta = self._p.copy()
        if t.ndim == z.ndim - 1:
            rows = delta.reshape(-1, delta.shape[-1])  # a view: delta is a fresh copy
            rows[np.arange(rows.shape[0]), t.reshape(-1).astype(np.intp)] -= 1
        else:
            delta -= t.astype(z.dtype, copy=False)
        if w is not None:
            delta *= _weight_column(w, z)
        delta *= g / self._count if self.reduction == "mean" else g
        return (delta, None) if w is None else (delta, None, None)

    @staticmethod
    def sample_inputs(rng):
        z = rng.normal(size=(4, 3))
        yield Sample((z, np.array([0, 2, 1, 2])), differentiable=(True, False))
        yield Sample((z, rng.dirichlet(np.ones(3), size=4)), {"reduction": "sum"}, (True, False))
        yield from _weighted_samples(rng, z, np.array([1, 0, 2, 2]), ("mean", "sum"))
        yield from _weighted_samples(rng, z, rng.dirichlet(np.ones(3), size=4), ("mean",))


@register
class SigmoidBinaryCrossEntropy(Op):
    """E = -sum w_n [t ln s(z) + (1 - t) ln(1 - s(z))] (/ element count, or K sum w, for
    "mean"), with s the logistic function fused in; computed as max(z, 0) - z t +
    ln(1 + e^-|z|), which never overflows. dE/dz = w_n (s(z) - t) (/ count)."""

    name = "sigmoid_binary_cross_entropy"

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)

    def forward(self, z, t, w=None):
        t = t.astype(z.dtype, copy=False)
        with np.errstate(under="ignore"):  # e^-|z| rounding to 0 is the intended limit
            e = np.exp(-np.abs(z))
        elementwise = np.maximum(z, 0) - z * t + np.log1p(e)
        inv = 1.0 / (1.0 + e)
        self._s = np.where(z >= 0, inv, e * inv)
        return _reduce_elements(self, elementwise, z, w)

    def vjp(self, g, out, z, t, w=None):
        return _element_deltas(self, self._s - t.astype(z.dtype, copy=False), g, z, w)

    @staticmethod
    def sample_inputs(rng):
        z = rng.normal(scale=2.0, size=(4, 3))
        yield Sample((z, rng.integers(0, 2, size=(4, 3)).astype(float)), {}, (True, False))
        yield Sample((z, rng.uniform(size=(4, 3))), {"reduction": "sum"}, (True, False))
        yield from _weighted_samples(rng, z, rng.uniform(size=(4, 3)), ("mean", "sum"))


@register
class PoissonLoss(Op):
    """E = sum w_n [e^z - t z + t ln t - t] (/ element count, or K sum w, for "mean"): the
    Poisson deviance halved, of counts ``t >= 0`` against the rate ``mu = e^z`` (the log link
    fused in, so z is the log of the predicted mean; ``t ln t`` is 0 at t = 0).
    dE/dz = w_n (e^z - t) (/ count)."""

    name = "poisson_loss"

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)

    def forward(self, z, t, w=None):
        t = t.astype(z.dtype, copy=False)
        self._mu = np.exp(z)
        positive = t > 0
        t_log_t = np.zeros_like(t)
        np.multiply(t, np.log(t, where=positive, out=np.ones_like(t)), out=t_log_t, where=positive)
        elementwise = self._mu - t * z + t_log_t - t
        return _reduce_elements(self, elementwise, z, w)

    def vjp(self, g, out, z, t, w=None):
        return _element_deltas(self, self._mu - t.astype(z.dtype, copy=False), g, z, w)

    @staticmethod
    def sample_inputs(rng):
        z = rng.normal(scale=0.5, size=(4, 3))
        t = rng.poisson(2.0, size=(4, 3)).astype(float)
        yield Sample((z, t), {}, (True, False))
        yield Sample((z, t), {"reduction": "sum"}, (True, False))
        yield from _weighted_samples(rng, z, t, ("mean", "sum"))


@register
class SquaredError(Op):
    """E = 1/2 sum (t - o)^2 ("sum_half"), sum (t - o)^2 ("sum"), mean (t - o)^2 over every
    element ("mean") or 1/N sum_n 1/2 sum_k (t - o)^2 ("mean_half"); each term weighted by its
    example's ``w_n`` when weights are given (means then divide by sum w instead of N).

    dE/do = (o - t) for "sum_half" (the 1/2 cancels the 2 of the square), 2 (o - t) for
    "sum", 2 (o - t) / count for "mean", (o - t) / N for "mean_half"; times w_n.
    """

    name = "squared_error"

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)

    def forward(self, o, t, w=None):
        self._diff = o - t.astype(o.dtype, copy=False)
        squares = self._diff * self._diff
        if w is None:
            total = np.sum(squares)
            examples = _examples(o) if o.ndim else 1
        else:
            total = np.sum(squares * _weight_column(w, o))
            examples = _total_weight(w)
        if self.reduction == "sum_half":
            self._scale = 1.0
            total = 0.5 * total
        elif self.reduction == "sum":
            self._scale = 2.0
        elif self.reduction == "mean_half":
            self._scale = 1.0 / examples
            total = 0.5 * total / examples
        else:
            count = examples * (o.shape[-1] if o.ndim else 1)
            self._scale = 2.0 / count
            total = total / count
        return _scalar(total, o.dtype)

    def vjp(self, g, out, o, t, w=None):
        delta = self._diff * (self._scale * g)
        if w is None:
            return delta, None
        delta *= _weight_column(w, o)
        return delta, None, None

    @staticmethod
    def sample_inputs(rng):
        o, t = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
        for reduction in ("sum_half", "sum", "mean", "mean_half"):
            yield Sample((o, t), {"reduction": reduction}, (True, False))
        yield from _weighted_samples(rng, o, t, ("sum_half", "sum", "mean", "mean_half"))
