"""A loss given as any function of (out, target)."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from .base import Loss


class Custom(Loss):
    """Wraps any ``fn(out, target) -> scalar Tensor``; its epoch loss is the batches' mean."""

    name = "custom"
    kind = None

    def __init__(self, fn):
        self.fn = fn
        self.reduction = "mean"

    def __call__(self, out, target, weight=None):
        if weight is not None:
            raise ParameterError("sample weights need a named loss; a custom loss takes none")
        return self.fn(out, target)

    def prepare_target(self, y, n_outputs, dtype):
        y = np.asarray(y)
        return y.astype(dtype, copy=False) if y.dtype.kind == "f" else y
