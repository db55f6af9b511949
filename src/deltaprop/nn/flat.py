"""Packing parameters into one contiguous buffer (and their gradients into another).

After packing, every parameter's values are a view of one flat array and its ``grad_buffer``
a view of another, in ``named_parameters`` order. Backward then writes each gradient straight
into the flat gradient buffer, and an optimizer can update every parameter in one pass over
one array (or all-reduce one buffer across processes) instead of looping over layers.
"""

from __future__ import annotations

import numpy as np

from .parameter import Parameter


def pack(params: list[Parameter]) -> tuple[np.ndarray, np.ndarray] | None:
    """Move ``params`` into one flat value buffer and one flat gradient buffer.

    Returns ``(values, grads)``, or None (nothing changed) when the parameters are unbuilt,
    of mixed dtypes, or empty. Each parameter keeps its identity and values.
    """
    if not params or not all(p.is_built for p in params):
        return None
    dtype = params[0].data.dtype
    if any(p.data.dtype != dtype for p in params):
        return None
    total = sum(p.data.size for p in params)
    values = np.empty(total, dtype=dtype)
    grads = np.zeros(total, dtype=dtype)
    offset = 0
    for p in params:
        n = p.data.size
        p.rebind(values[offset : offset + n].reshape(p.data.shape))
        p.grad_buffer = grads[offset : offset + n].reshape(p.data.shape)
        p.grad = None
        p.flat = (values, grads, offset)
        offset += n
    return values, grads


def packed_buffers(params: list) -> tuple[np.ndarray, np.ndarray] | None:
    """The flat (values, grads) buffers if ``params`` are exactly one packed set, in order."""
    if not params:
        return None
    first = getattr(params[0], "flat", None)
    if first is None:
        return None
    values, grads, _ = first
    offset = 0
    for p in params:
        flat = getattr(p, "flat", None)
        if flat is None or flat[0] is not values or flat[2] != offset:
            return None
        offset += p.data.size
    return (values, grads) if offset == values.size else None
