"""Softmax cross-entropy, with its engine, fused, scalar and compiled forms."""

from __future__ import annotations

import numpy as np

from ..engine import Tensor
from ..engine import functional as F
from . import inference, targets
from .base import Loss, register_loss
from .inference import as_tensor


def _softmax_cross_entropy(z, labels, weights, scale):  # pragma: no cover - compiled
    # Per row: s = z - max(z); E_r = log(sum exp(s)) - s[label]; z becomes
    # (softmax(z) - onehot(label)) * w_r * scale. Returns sum_r E_r (* w_r), in float64.
    # Not bit-identical to NumPy: the exponential and logarithm are LLVM's, not NumPy's.
    rows, units = z.shape
    total = 0.0
    for r in range(rows):
        top = z[r, 0]
        for j in range(1, units):
            v = z[r, j]
            if v > top or v != v:
                top = v
        label = labels[r]
        if label < 0 or label >= units:  # fit checks labels first; never read outside z
            raise IndexError("a class label is outside the output layer")
        picked = z[r, label] - top
        norm = z[r, 0] - z[r, 0]  # zero in z's dtype
        for j in range(units):
            e = np.exp(z[r, j] - top)
            z[r, j] = e
            norm += e
        loss = np.log(norm) - picked
        for j in range(units):
            p = z[r, j] / norm
            if j == label:
                p -= 1
            if weights is not None:
                p = p * weights[r]
            z[r, j] = p * scale
        total += loss if weights is None else loss * weights[r]
    return total


@register_loss(aliases=("categorical_crossentropy",))
class CrossEntropy(Loss):
    """E = -sum_k t_k ln p_k with p = softmax(z): multi-class classification.

    Targets are integer class labels 0..K-1 (shape (N,)) or class probabilities / one-hot rows
    (shape (N, K)). ``from_logits=False`` (default) takes the output of a softmax layer and
    fuses that softmax in; ``from_logits=True`` takes the scores z directly.
    """

    name = "cross_entropy"
    kind = "multiclass"

    def __init__(self, reduction: str = "mean", from_logits: bool = False):
        super().__init__(reduction)
        self.from_logits = bool(from_logits)

    def __call__(self, out, target, weight=None) -> Tensor:
        out = as_tensor(out)
        target = as_tensor(target)
        z = inference.logits(out, "softmax", self)
        if z is not None:
            return F.softmax_cross_entropy(z, target, self.reduction, weight)
        return inference.cross_entropy_of_probabilities(out, target, weight, self.reduction)

    compiled_forms = {"softmax_cross_entropy": _softmax_cross_entropy}

    def mean_divisor(self, examples, outputs):
        return examples if self.reduction == "mean" else None

    def fused_output(self, op):
        return op.name == ("identity" if self.from_logits else "softmax")

    def takes_labels(self, t):
        return t.ndim == 1

    def fused_loss_and_delta(self, step, z, t, wcol, weight_sum):
        k = len(z)
        kernel = step.compiled_form(self, "softmax_cross_entropy") if t.ndim == 1 else None
        if kernel is not None:  # one compiled pass per row
            count = k if weight_sum is None else weight_sum
            mean = self.reduction == "mean"
            total = kernel(
                z,
                t if t.dtype == np.intp else t.astype(np.intp),
                None if wcol is None else wcol[:, 0],
                z.dtype.type(1.0 / count if mean else 1.0),
            )
            return (total / count if mean else total), z
        col = step.col[:k]
        # ufuncs' own reduce: no Python wrapper per batch (as ndarray.max/sum have)
        np.maximum.reduce(z, 1, None, col, True)
        z -= col  # shifted logits
        labels = t.ndim == 1
        if labels:
            # the labels' positions in z flattened: one 1-D gather and scatter per batch
            flat = np.add(step.rows_at[:k], t, out=step.label_positions[:k], casting="unsafe")
            zf = z.reshape(-1)
            picked = zf.take(flat, out=step.picked[:k], mode="clip")
        else:
            soft = t.astype(z.dtype, copy=False)
            cross = np.add.reduce(soft * z, 1)
            mass = np.add.reduce(soft, 1)
        np.exp(z, out=z)
        np.add.reduce(z, 1, None, col, True)
        z /= col
        log_s = np.log(col[:, 0])
        if labels:
            log_s -= picked  # the per-example losses
        else:
            log_s *= mass
            log_s -= cross
        if wcol is None:
            total = float(np.add.reduce(log_s))
        else:
            total = float(np.dot(log_s, wcol[:, 0]))
        if labels:
            zf[flat] -= 1
        else:
            z -= soft
        if wcol is not None:
            z *= wcol
        if self.reduction == "mean":
            count = k if weight_sum is None else weight_sum
            z *= 1.0 / count
            return total / count, z
        return total, z

    def scalar_lines(self, z, d, labels, weighted):
        m = len(z)
        lines = [f"top = {z[0]}"]
        for v in z[1:]:
            lines.append(f"if {v} > top or {v} != {v}: top = {v}")
        lines += [f"s{j} = {z[j]} - top" for j in range(m)]  # shifted logits
        lines += [f"e{j} = exp(s{j})" for j in range(m)]
        lines.append("norm = " + " + ".join(f"e{j}" for j in range(m)))
        lines.append("lognorm = log(norm)")
        if labels:
            lines.append("label = targets[r]")
            lines.append(f"part = lognorm - ({', '.join(f's{j}' for j in range(m))},)[label]")
            lines += [f"{d[j]} = e{j} / norm - (1.0 if label == {j} else 0.0)" for j in range(m)]
        else:
            lines.append(", ".join(f"t{j}" for j in range(m)) + ", = targets[r]")
            lines.append("cross = " + " + ".join(f"t{j} * s{j}" for j in range(m)))
            lines.append("mass = " + " + ".join(f"t{j}" for j in range(m)))
            lines.append("part = lognorm * mass - cross")
            lines += [f"{d[j]} = e{j} / norm - t{j}" for j in range(m)]
        lines.append("total += part * wr" if weighted else "total += part")
        return lines

    def prepare_target(self, y, n_outputs, dtype):
        return targets.class_targets(y, n_outputs, dtype)

    def probabilities(self, out: np.ndarray) -> np.ndarray:
        if not self.from_logits:
            return out
        e = np.exp(out - out.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def predict(self, out):
        return np.argmax(out, axis=-1)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, "from_logits": self.from_logits}
