"""Logistic binary cross-entropy, with its engine, fused and scalar forms."""

from __future__ import annotations

import numpy as np

from ..engine import Tensor
from ..engine import functional as F
from . import inference, targets
from .base import Loss, register_loss
from .inference import as_tensor


@register_loss(aliases=("binary_crossentropy",))
class BinaryCrossEntropy(Loss):
    """E = -[t ln p + (1 - t) ln(1 - p)] with p = logistic(z): binary and multi-label.

    Targets are 0/1 (or in [0, 1]) with one column per output unit. ``from_logits=False``
    (default) takes the output of a logistic layer and fuses the logistic in.
    """

    name = "binary_cross_entropy"
    kind = "binary"

    def __init__(self, reduction: str = "mean", from_logits: bool = False):
        super().__init__(reduction)
        self.from_logits = bool(from_logits)

    def __call__(self, out, target, weight=None) -> Tensor:
        out = as_tensor(out)
        target = as_tensor(target)
        z = inference.logits(out, "logistic", self)
        if z is not None:
            return F.sigmoid_binary_cross_entropy(z, target, self.reduction, weight)
        return inference.binary_cross_entropy_of_probabilities(out, target, weight, self.reduction)

    def mean_divisor(self, examples, outputs):
        return examples * outputs if self.reduction == "mean" else None

    def fused_output(self, op):
        return op.name == ("identity" if self.from_logits else "logistic")

    def fused_loss_and_delta(self, step, z, t, wcol, weight_sum):
        k = len(z)
        tt = t.astype(z.dtype, copy=False).reshape(z.shape)
        e = np.exp(-np.abs(z))
        elementwise = np.maximum(z, 0) - z * tt + np.log1p(e)
        if wcol is not None:
            elementwise *= wcol
        total = float(elementwise.sum())
        # s(z) = 1 / (1 + e^-z), written without overflow from e = e^-|z|
        inv = 1.0 / (1.0 + e)
        s = np.where(z >= 0, inv, e * inv)
        np.subtract(s, tt, out=z)
        if wcol is not None:
            z *= wcol
        if self.reduction == "mean":
            count = (k if weight_sum is None else weight_sum) * z.shape[1]
            z *= 1.0 / count
            return total / count, z
        return total, z

    def scalar_lines(self, z, d, labels, weighted):
        m = len(z)
        lines = [", ".join(f"t{j}" for j in range(m)) + ", = targets[r]"]
        for j in range(m):
            lines.append(f"e = exp(-abs({z[j]}))")
            part = f"(0.0 if {z[j]} < 0 else {z[j]}) - {z[j]} * t{j} + log1p(e)"
            lines.append(f"total += ({part}) * wr" if weighted else f"total += {part}")
            lines.append("inv = 1.0 / (1.0 + e)")
            lines.append(f"{d[j]} = (inv if {z[j]} >= 0 else e * inv) - t{j}")
        return lines

    def prepare_target(self, y, n_outputs, dtype):
        return targets.binary_rows(y, n_outputs, dtype)

    def probabilities(self, out: np.ndarray) -> np.ndarray:
        if not self.from_logits:
            return out
        e = np.exp(-np.abs(out))
        return np.where(out >= 0, 1 / (1 + e), e / (1 + e))

    def predict(self, out):
        threshold = 0.0 if self.from_logits else 0.5
        return (out > threshold).astype(np.int64)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, "from_logits": self.from_logits}
