"""Undo NumPy broadcasting in one place: the gradient of a broadcast input is a sum."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError


def unbroadcast(g: np.ndarray, shape: tuple, out: np.ndarray | None = None) -> np.ndarray:
    """Sum ``g`` over the axes along which an input of ``shape`` was broadcast.

    If ``y = f(broadcast(x))`` then ``dE/dx = sum over the broadcast axes of dE/dy``.
    When ``out`` is given the result is written there (and returned).

    >>> unbroadcast(np.ones((4, 3)), (3,)).tolist()
    [4.0, 4.0, 4.0]
    >>> unbroadcast(np.ones((4, 3)), (1,)).tolist()
    [12.0]
    """
    if g.shape == shape:
        if out is not None and out is not g:
            np.copyto(out, g)
            return out
        return g
    lead = g.ndim - len(shape)
    if lead < 0:
        raise ShapeError(f"cannot reduce a gradient of shape {g.shape} to shape {shape}")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    kept = tuple(1 if i in axes else n for i, n in enumerate(g.shape))
    # ndarray.sum, not np.sum: the same reduction without the wrapper's dispatch cost, which
    # matters for the small batches of online training.
    if out is not None:
        # The buffer is contiguous, so reshape is a view and the sum lands in it directly.
        g.sum(axis=axes, keepdims=True, out=out.reshape(kept))
        return out
    return g.sum(axis=axes, keepdims=True).reshape(shape)
