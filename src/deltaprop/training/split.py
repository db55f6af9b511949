"""Hold out part of the training data for validation (``fit(validation_split=...)``)."""

from __future__ import annotations

import numpy as np

from .example_weights import class_indices


def split_indices(y: np.ndarray, fraction: float, kind, rng: np.random.Generator):
    """Return ``(train_idx, val_idx)``, sorted, with about ``fraction`` of the rows held out.

    For classifiers (``kind`` "multiclass" or single-output "binary") the split is stratified:
    each class gives ``round(fraction * count)`` of its rows, so validation has the training
    set's class proportions. Otherwise the rows are drawn at random. Both parts keep at least
    one row; the draw comes from ``rng``, so a seeded fit splits the same way every time.

    >>> y = np.array([0] * 8 + [1] * 4)
    >>> train, val = split_indices(y, 0.25, "multiclass", np.random.default_rng(0))
    >>> len(train), len(val), int(np.sum(y[val] == 1))
    (9, 3, 1)
    """
    n = len(y)
    groups = [np.arange(n)]
    if kind == "multiclass" or (kind == "binary" and (y.ndim == 1 or y.shape[1] == 1)):
        classes = class_indices(y, kind)
        groups = [np.flatnonzero(classes == c) for c in np.unique(classes)]
    held = []
    for rows in groups:
        take = int(round(fraction * len(rows)))
        held.append(rng.permutation(rows)[:take])
    val = np.sort(np.concatenate(held)).astype(np.intp)
    if len(val) == 0:
        val = np.array([rng.integers(n)], dtype=np.intp)
    if len(val) == n:
        val = val[1:]
    train = np.setdiff1d(np.arange(n), val, assume_unique=True)
    return train, val
