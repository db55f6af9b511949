"""Metrics on NumPy arrays: y_true first, as in scikit-learn."""

from __future__ import annotations

import numpy as np


def accuracy(y_true, y_pred) -> float:
    """Fraction of examples whose prediction equals the label (every column, for multi-label).

    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2])
    0.75
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    same = y_true == y_pred
    if same.ndim > 1:
        same = same.all(axis=tuple(range(1, same.ndim)))
    return float(np.mean(same))


def mean_squared_error(y_true, y_pred) -> float:
    """mean (t - o)^2 over every element."""
    diff = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    return float(np.mean(diff * diff))


def r2_score(y_true, y_pred) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, averaged over output columns.

    A constant target column scores 1.0 if predicted exactly, else 0.0 (scikit-learn's rule).

    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    t = np.asarray(y_true, dtype=np.float64)
    o = np.asarray(y_pred, dtype=np.float64)
    t = t.reshape(len(t), -1)
    o = o.reshape(len(o), -1)
    ss_res = np.sum((t - o) ** 2, axis=0)
    ss_tot = np.sum((t - t.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(
            ss_tot > 0,
            1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0),
            np.where(ss_res == 0, 1.0, 0.0),
        )
    return float(np.mean(scores))


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts C[i, j] of examples of class i predicted as class j (labels 0..K-1).

    >>> confusion_matrix([0, 1, 2, 2], [0, 1, 1, 2]).tolist()
    [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    """
    t = np.asarray(y_true, dtype=np.int64).ravel()
    p = np.asarray(y_pred, dtype=np.int64).ravel()
    k = n_classes if n_classes is not None else int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    # One bincount over the flattened (true, predicted) pairs: no Python loop over examples.
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)
