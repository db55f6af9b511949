"""Class labels as users give them (strings, any sortable values) <-> the indices 0..K-1 that
classification losses take.

Labels that are not numbers are sorted into ``classes`` (as ``numpy.unique`` sorts them) and
encoded as their positions; numeric labels already index the output units and pass through.
Only classification losses (``loss.kind`` "multiclass" or "binary") encode; others, and 2-D
targets (one-hot rows, multi-label), pass through unchanged.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError


def _encodes(loss, y: np.ndarray) -> bool:
    return loss is not None and loss.kind in ("multiclass", "binary") and y.ndim == 1


def fit_labels(y, loss, units: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``(encoded y, classes)`` for training: ``classes`` is None when ``y`` passes through.

    ``units`` is the output layer's width, which must equal the number of classes of a
    multi-class loss (one unit per class, so that every prediction names a class).

    >>> from deltaprop import losses
    >>> y, classes = fit_labels(["dog", "cat", "dog"], losses.get("cross_entropy"), units=2)
    >>> y.tolist(), classes.tolist()
    ([1, 0, 1], ['cat', 'dog'])
    """
    y = np.asarray(y)
    if not _encodes(loss, y) or y.dtype.kind in "iuf":
        # Numeric labels index the output units, whose number fixes the classes: data that
        # shows only one of them (a small batch, say) is still valid.
        return y, None
    classes, encoded = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise DataError(
            f"y must hold at least 2 classes for {loss.name}; got only {classes.tolist()}"
        )
    if loss.kind == "binary" and len(classes) > 2:
        raise DataError(
            f"binary_cross_entropy with labels needs at most 2 classes; got "
            f"{len(classes)}: {classes[:5].tolist()}"
        )
    if loss.kind == "multiclass" and units is not None and units != len(classes):
        raise DataError(
            f"y holds {len(classes)} classes {classes[:5].tolist()} but the output "
            f"layer has {units} units: give it one unit per class, so that every "
            "prediction names a class (or pass integer labels 0..K-1)"
        )
    return encoded, classes


def encode_labels(y, loss, classes: np.ndarray | None) -> np.ndarray:
    """``y`` (validation, evaluation) in the indices of ``classes`` learnt by training; labels
    training never saw are refused, naming them."""
    y = np.asarray(y)
    if not _encodes(loss, y):
        return y
    if classes is None:
        if y.dtype.kind not in "iuf":
            raise DataError(f"the network was trained on numeric labels; got dtype {y.dtype}")
        return y
    index = {c: i for i, c in enumerate(classes.tolist())}
    unknown = [label for label in y.tolist() if label not in index]
    if unknown:
        raise DataError(
            f"labels not seen in training: {sorted(set(map(str, unknown)))[:5]}; "
            f"known classes: {classes.tolist()}"
        )
    return np.array([index[label] for label in y.tolist()], dtype=np.int64)


def encode_class_weight(class_weight: dict, classes: np.ndarray) -> dict:
    """Class weights by label (as in ``y``) to class weights by index into ``classes``."""
    index = {c: i for i, c in enumerate(classes.tolist())}
    unknown = [k for k in class_weight if k not in index]
    if unknown:
        raise DataError(
            f"class_weight names labels not in y: {unknown[:5]}; classes: {classes.tolist()}"
        )
    return {index[k]: v for k, v in class_weight.items()}
