"""Checks on training data where it enters ``fit``, ``predict`` and ``evaluate``."""

from __future__ import annotations

import numpy as np

from .._text import plural
from ..errors import DataError, ShapeError


def check_features(X, name: str = "X", n_features: int | None = None) -> np.ndarray:
    """Return X as a 2-D numeric array (a memory map stays a memory map), else raise.

    Rules: numbers only, shape (n_samples, n_features) with both > 0, every value finite,
    and ``n_features`` columns when given.
    """
    if not isinstance(X, np.ndarray):
        try:
            X = np.asarray(X)
        except (ValueError, TypeError) as exc:
            raise DataError(
                f"{name} must be a 2-D array of numbers; could not convert it: {exc}"
            ) from exc
    if X.dtype.kind not in "biuf":
        raise DataError(f"{name} must hold numbers; got dtype {X.dtype}")
    if X.ndim != 2:
        hint = " (reshape a single feature with X.reshape(-1, 1))" if X.ndim == 1 else ""
        raise ShapeError(f"{name} must be 2-D, (n_samples, n_features); got shape {X.shape}{hint}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(
            f"{name} must have at least one sample and one feature; got shape {X.shape}"
        )
    if n_features is not None and X.shape[1] != n_features:
        raise ShapeError(
            f"{name} has {plural(X.shape[1], 'feature')} but the network expects {n_features}"
        )
    if X.dtype.kind == "f":
        _check_finite(X, name)
    return X


def _check_finite(X: np.ndarray, name: str, chunk_values: int = 2**22) -> None:
    """Raise naming the first NaN or inf; scans in chunks so a memory map is not loaded whole.

    Chunks hold about ``chunk_values`` values whatever the width (the temporary mask of a
    chunk stays a few MB even for very wide data).
    """
    chunk_rows = max(1, chunk_values // max(1, X.shape[1]))
    for start in range(0, X.shape[0], chunk_rows):
        block = np.asarray(X[start : start + chunk_rows])
        if not np.isfinite(block).all():
            r, c = np.argwhere(~np.isfinite(block))[0]
            raise DataError(
                f"{name} must be finite; got {block[r, c]} at row {start + r}, column {c}"
            )


def check_lengths(X: np.ndarray, y: np.ndarray, x_name: str = "X", y_name: str = "y") -> None:
    if len(y) != len(X):
        raise ShapeError(
            f"{x_name} and {y_name} must have the same number of samples; got {len(X)} and {len(y)}"
        )


def features_and_names(X, names=None) -> tuple:
    """``(X, feature names)`` from arrays or a pandas DataFrame (whose column names are kept;
    otherwise ``names`` is returned as given)."""
    columns = getattr(X, "columns", None)
    if columns is not None and hasattr(X, "to_numpy"):
        names = [str(c) for c in columns]
        X = X.to_numpy()
    if isinstance(X, (list, tuple)):
        try:
            X = np.asarray(X)
        except ValueError as exc:
            raise ShapeError(
                f"X must be a rectangular 2-D array; could not convert it ({exc})"
            ) from exc
    return X, names
