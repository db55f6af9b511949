"""Penalty ops: terms added to the loss that depend on the parameters alone."""

from __future__ import annotations

import numpy as np

from ..op import Op, Sample, register


@register
class L2Penalty(Op):
    """E = c/2 * sum_k ||W_k||^2 over any number of weight arrays W_k; dE/dW_k = c * W_k.

    The first input ``c`` is a constant 0-d array rather than an attribute because training
    sets it per batch (scikit-learn's ``alpha / n_batch``), and a replayed step feeds new
    inputs to the same op instance. One fused node, however many layers, keeps the tape short.
    """

    name = "l2_penalty"

    def forward(self, c, *weights):
        total = sum(float(np.vdot(w, w)) for w in weights)
        return np.asarray(0.5 * float(c) * total, dtype=weights[0].dtype)

    def vjp(self, g, out, c, *weights):
        scale = float(c) * g
        needs = self.needs_input_grad[1:] or (True,) * len(weights)
        return (None,) + tuple(w * scale if need else None for w, need in zip(weights, needs))

    @staticmethod
    def sample_inputs(rng):
        W1, W2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
        yield Sample((np.array(0.3), W1), differentiable=(False, True))
        yield Sample((np.array(0.05), W1, W2), differentiable=(False, True, True))
