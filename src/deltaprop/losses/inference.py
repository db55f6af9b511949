"""The losses' unfused forms, for outputs without a graph to fuse through.

Under ``no_grad`` (evaluation, inference) a cross-entropy gets the output layer's
probabilities rather than the net input of its softmax or logistic; these compute the loss from
the probabilities directly, clipped away from 0 and 1. :func:`logits` decides which form
applies.
"""

from __future__ import annotations

import numpy as np

from ..engine import Tensor
from ..errors import InputError


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def cross_entropy_of_probabilities(out: Tensor, target: Tensor, weight, reduction) -> Tensor:
    """-sum_k t_k ln p_k from the probabilities ``out`` (labels or rows as targets)."""
    p = np.clip(out.data, np.finfo(out.dtype).tiny, 1.0)
    t = target.data
    if t.ndim == p.ndim - 1:
        picked = np.take_along_axis(p, t[..., None].astype(np.intp), axis=-1)[..., 0]
        per_example = -np.log(picked)
    else:
        per_example = -np.sum(t * np.log(p), axis=-1)
    return reduce(per_example, weight, reduction, out.dtype)


def binary_cross_entropy_of_probabilities(out: Tensor, target: Tensor, weight, reduction):
    """-[t ln p + (1 - t) ln(1 - p)] from the probabilities ``out``."""
    tiny = np.finfo(out.dtype).eps
    p = np.clip(out.data, tiny, 1 - tiny)
    t = target.data.astype(out.dtype, copy=False)
    per_example = -np.mean(t * np.log(p) + (1 - t) * np.log1p(-p), axis=-1)
    if reduction == "sum":
        per_example = per_example * p.shape[-1]
    return reduce(per_example, weight, reduction, out.dtype)


def reduce(per_example: np.ndarray, weight, reduction: str, dtype) -> Tensor:
    """Sum or (weighted) mean of per-example losses, for the unfused inference path."""
    per_example = per_example.reshape(-1)
    if weight is None:
        total, count = np.sum(per_example), per_example.size
    else:
        w = np.asarray(weight, dtype=dtype).reshape(-1)
        total, count = np.sum(per_example * w), float(np.sum(w)) or 1.0
    return Tensor(np.asarray(total / count if reduction == "mean" else total, dtype))


def logits(out: Tensor, activation: str, loss) -> Tensor | None:
    """The scores z the fused op needs: ``out`` itself, or the input of its softmax/logistic."""
    if loss.from_logits:
        return out
    if out.op is not None and out.op.name == activation:
        return out.parents[0]
    if out.requires_grad:
        raise InputError(
            f"{loss.name} expects the probabilities of a {activation} output layer (or "
            f"from_logits=True for raw scores); got the output of op "
            f"{out.op.name if out.op else 'none'!r}. End the network with "
            f"activation={activation!r}."
        )
    return None
