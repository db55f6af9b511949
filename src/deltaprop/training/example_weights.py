"""Per-example weights for training: ``sample_weight`` and ``class_weight``.

A weighted mean loss is ``E = sum_n w_n l_n / sum_n w_n`` (the fused loss ops do it; see
:mod:`deltaprop.engine.ops.losses`), so weights of 1 change nothing and scaling every weight
by the same factor changes nothing either. ``class_weight`` gives example ``n`` the weight of
its class; with ``sample_weight`` as well, the two multiply (as in scikit-learn and Keras).
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError, ParameterError, ParameterTypeError, ShapeError


def class_indices(y: np.ndarray, kind: str | None) -> np.ndarray:
    """The class index of every example of a prepared target (labels or one-hot rows)."""
    if kind == "multiclass":
        return y.astype(np.intp) if y.ndim == 1 else np.argmax(y, axis=1)
    if kind == "binary":
        if y.ndim == 2 and y.shape[1] != 1:
            raise ParameterError(
                "class_weight needs one class per example; got a multi-label target with "
                f"{y.shape[1]} columns (pass sample_weight instead)"
            )
        return np.round(y.reshape(-1)).astype(np.intp)
    raise ParameterError(
        "class_weight needs a classification loss ('cross_entropy' or 'binary_cross_entropy'); "
        "use sample_weight for regression"
    )


def balanced_class_weight(classes: np.ndarray) -> dict[int, float]:
    """scikit-learn's "balanced" weights: ``n_samples / (n_classes * bincount(y))``.

    ``n_classes`` counts the classes present, so a rare class weighs more.

    >>> balanced_class_weight(np.array([0, 0, 0, 1]))
    {0: 0.6666666666666666, 1: 2.0}
    """
    present, counts = np.unique(classes, return_counts=True)
    factor = len(classes) / len(present)
    return {int(c): factor / int(k) for c, k in zip(present, counts)}


def example_weights(y, kind, sample_weight=None, class_weight=None, dtype=np.float32):
    """The weight of every example (shape (n,), ``dtype``), or None when neither is given."""
    n = len(y)
    weights = None
    if sample_weight is not None:
        weights = _check_sample_weight(sample_weight, n)
    if class_weight is not None:
        classes = class_indices(y, kind)
        if isinstance(class_weight, str):
            if class_weight != "balanced":
                raise ParameterError(
                    f"class_weight must be a dict or 'balanced'; got {class_weight!r}"
                )
            table = balanced_class_weight(classes)
        elif isinstance(class_weight, dict):
            table = {}
            for key, value in class_weight.items():
                if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
                    raise ParameterError(
                        f"class_weight keys must be class indices 0..K-1; got {key!r}"
                    )
                if not np.isfinite(value) or value < 0:
                    raise ParameterError(
                        f"class_weight values must be finite and >= 0; got {value!r} for {key!r}"
                    )
                table[int(key)] = float(value)
        else:
            raise ParameterTypeError(
                f"class_weight must be a dict or 'balanced'; got {type(class_weight).__name__}"
            )
        per_class = np.array([table.get(int(c), 1.0) for c in range(int(classes.max()) + 1)])
        from_class = per_class[classes]
        weights = from_class if weights is None else weights * from_class
    if weights is None:
        return None
    if not np.any(weights > 0):
        raise DataError("the example weights must not all be zero")
    return weights.astype(dtype)


def _check_sample_weight(sample_weight, n: int) -> np.ndarray:
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"sample_weight must be numbers; could not convert it: {exc}") from exc
    if w.ndim != 1 or len(w) != n:
        raise ShapeError(f"sample_weight must have shape ({n},), one per example; got {w.shape}")
    bad = np.flatnonzero(~(np.isfinite(w) & (w >= 0)))
    if bad.size:
        raise DataError(
            f"sample_weight must be finite and >= 0 everywhere; got {w[bad[0]]} at index {bad[0]}"
        )
    return w
