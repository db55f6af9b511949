"""Checking targets before training: each loss's ``prepare_target`` calls one of these.

Each raises :class:`~deltaprop.errors.DataError` or :class:`~deltaprop.errors.ShapeError`
naming the problem and the value received, and returns the targets in the form the loss's
op takes (float rows in the network's dtype, or int64 class labels).
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError, ShapeError


def numeric(y, what="targets") -> np.ndarray:
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise DataError(f"{what} must be numbers; got y of dtype {y.dtype}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        bad = np.argwhere(~np.isfinite(y))[0]
        raise DataError(
            f"{what} must be finite; got {y[tuple(bad)]} at index {tuple(bad.tolist())} of y"
        )
    return y


def real_rows(y, n_outputs: int, dtype, loss: str = "squared_error") -> np.ndarray:
    """Real-valued targets of shape (n_samples, n_outputs) (a 1-D y for one output) for the
    regression loss named ``loss``; labels are refused naming it and the classifiers' loss."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf" and y.size:
        first = y.reshape(-1)[0]
        raise DataError(
            f"{loss} is a regression loss and needs numeric targets; got labels such as "
            f"{first.item() if hasattr(first, 'item') else first!r} (y of dtype {y.dtype}): "
            "to classify, use loss='cross_entropy' (or 'binary_cross_entropy' for two classes)"
        )
    y = numeric(y)
    if y.ndim == 1 and n_outputs == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != n_outputs:
        raise ShapeError(
            f"{loss} targets must have shape (n_samples, {n_outputs}) to match the "
            f"output layer's {n_outputs} units; got shape {y.shape}"
        )
    return y.astype(dtype, copy=False)


def class_targets(y, n_outputs: int, dtype) -> np.ndarray:
    """Class labels 0..n_outputs-1 (int64), or probability / one-hot rows (in ``dtype``)."""
    if n_outputs < 2:
        raise ShapeError(
            "cross_entropy needs an output layer with one unit per class (at least 2); "
            f"got {n_outputs} (for two classes and one unit use binary_cross_entropy)"
        )
    y = numeric(y, "class labels")
    if y.ndim == 1:
        if y.dtype.kind == "f" and not np.all(y == np.round(y)):
            bad = y[y != np.round(y)][0].item()
            raise DataError(f"class labels must be integers 0..{n_outputs - 1}; got {bad!r}")
        bad = (y < 0) | (y >= n_outputs)
        if np.any(bad):
            raise DataError(
                f"class labels must be in 0..{n_outputs - 1} for an output layer of "
                f"{n_outputs} units; got {y[bad][0].item()!r}"
            )
        return y.astype(np.int64)
    if y.ndim == 2 and y.shape[1] == n_outputs:
        if np.any(y < 0):
            raise DataError("one-hot / probability targets must be >= 0; got a negative value")
        return y.astype(dtype, copy=False)
    raise ShapeError(
        f"cross_entropy targets must be labels of shape (n_samples,) or rows of shape "
        f"(n_samples, {n_outputs}); got shape {y.shape}"
    )


def binary_rows(y, n_outputs: int, dtype) -> np.ndarray:
    """Targets in [0, 1], one column per output unit (a 1-D y for one output)."""
    y = numeric(y)
    if y.ndim == 1 and n_outputs == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != n_outputs:
        raise ShapeError(
            f"binary_cross_entropy targets must have shape (n_samples, {n_outputs}), one "
            f"column per output unit; got shape {y.shape}"
        )
    if np.any((y < 0) | (y > 1)):
        bad = y[(y < 0) | (y > 1)][0].item()
        raise DataError(f"binary_cross_entropy targets must be in [0, 1]; got {bad!r}")
    return y.astype(dtype, copy=False)
