"""Squared error, with its engine, fused, scalar forms (o = f(z): the loss applies the output
layer's activation itself in the fast paths)."""

from __future__ import annotations

import numpy as np

from ..engine import Tensor
from ..engine import functional as F
from . import targets
from .base import Loss, register_loss
from .inference import as_tensor


@register_loss(aliases=("mse",))
class SquaredError(Loss):
    """E = 1/2 sum (t - o)^2 ("sum_half"), sum (t - o)^2 ("sum"), mean (t - o)^2 ("mean"),
    1/N sum_n 1/2 sum_k (t - o)^2 ("mean_half")."""

    name = "squared_error"
    kind = "regression"
    reductions = ("mean", "sum", "sum_half", "mean_half")

    def __call__(self, out, target, weight=None) -> Tensor:
        return F.squared_error(as_tensor(out), as_tensor(target), self.reduction, weight)

    applies_output_activation = True

    def gradient_factor(self):
        return 1.0 if self.reduction in ("sum_half", "mean_half") else 2.0

    def value_factor(self):
        return 0.5 if self.reduction in ("sum_half", "mean_half") else 1.0

    def mean_divisor(self, examples, outputs):
        if self.reduction == "mean":
            return examples * outputs
        return examples if self.reduction == "mean_half" else None

    def fused_output(self, op):
        return op.fused() and op.elementwise  # o = f(z), any element-wise f

    def fused_loss_and_delta(self, step, z, t, wcol, weight_sum):
        # squared error on o = f(z): dE/dz = dE/do * f'(o)
        k, outputs = z.shape
        last = len(step.layers) - 1
        step.activate(last, z)
        diff = step.diff[:k]
        np.subtract(z, t.reshape(z.shape) if t.ndim != z.ndim else t, out=diff)
        squares = diff * diff  # summed as the engine's op sums them: the same bits
        if wcol is not None:
            squares *= wcol
        total = float(squares.sum())
        examples = k if weight_sum is None else weight_sum
        value = self.reduce_total(total, examples, outputs)
        scale = self.delta_scale(examples, outputs)
        if wcol is not None:
            diff *= wcol
        if scale != 1.0:  # "sum_half": dE/do = o - t as it stands
            diff *= scale
        step.times_derivative(last, diff, z)
        return value, diff  # the delta lives in diff's buffer; z is not needed any more

    def scalar_lines(self, z, d, labels, weighted):
        m = len(z)
        lines = [", ".join(f"t{j}" for j in range(m)) + ", = targets[r]"]
        for j in range(m):
            lines.append(f"{d[j]} = {z[j]} - t{j}")
            square = f"{d[j]} * {d[j]}"
            lines.append(f"total += {square} * wr" if weighted else f"total += {square}")
        return lines

    def prepare_target(self, y, n_outputs, dtype):
        return targets.real_rows(y, n_outputs, dtype, self.name)
