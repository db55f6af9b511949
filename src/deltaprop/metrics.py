"""Metrics on NumPy arrays: y_true first, as in scikit-learn, with its names and averages.

=========================  ==============================================================
``accuracy``               fraction of exact matches
``precision``              tp / (tp + fp), per class then averaged (see ``average``)
``recall``                 tp / (tp + fn)
``f1_score``               2 P R / (P + R)
``log_loss``               -1/N sum_n ln p_n(y_n), probabilities clipped to [eps, 1 - eps]
``mean_squared_error``     mean (t - o)^2
``mean_absolute_error``    mean |t - o|
``r2_score``               1 - SS_res / SS_tot, averaged over outputs
=========================  ==============================================================

``average`` for precision, recall and F1: ``"binary"`` scores the class ``pos_label`` only,
``"macro"`` is the unweighted mean over classes, ``"weighted"`` the mean weighted by each
class's number of true examples (support), ``"micro"`` pools every class's counts first (for
single-label data it equals accuracy), None returns the per-class array. A ratio whose
denominator is 0 counts as 0 (scikit-learn's ``zero_division=0``, without its warning).
"""

from __future__ import annotations

import numpy as np

from .errors import DataError, ParameterError, ShapeError

AVERAGES = ("binary", "macro", "micro", "weighted", None)


def _pair(y_true, y_pred, dtype=None) -> tuple[np.ndarray, np.ndarray]:
    t, o = np.asarray(y_true, dtype=dtype), np.asarray(y_pred, dtype=dtype)
    if len(t) != len(o):
        raise ShapeError(
            f"y_true and y_pred must have the same number of samples; got {len(t)} and {len(o)}"
        )
    if len(t) == 0:
        raise DataError("y_true must hold at least one sample; got none")
    return t, o


def accuracy(y_true, y_pred) -> float:
    """Fraction of examples whose prediction equals the label (every column, for multi-label).

    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2])
    0.75
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ShapeError(
            f"y_true and y_pred must have the same shape; got {y_true.shape} and {y_pred.shape}"
        )
    same = y_true == y_pred
    if same.ndim > 1:
        same = same.all(axis=tuple(range(1, same.ndim)))
    return float(np.mean(same))


def mean_squared_error(y_true, y_pred) -> float:
    """mean (t - o)^2 over every element."""
    t, o = _pair(y_true, y_pred, np.float64)
    diff = t - o
    return float(np.mean(diff * diff))


def mean_absolute_error(y_true, y_pred) -> float:
    """mean |t - o| over every element.

    >>> mean_absolute_error([1.0, 2.0], [2.0, 4.0])
    1.5
    """
    t, o = _pair(y_true, y_pred, np.float64)
    return float(np.mean(np.abs(t - o)))


def r2_score(y_true, y_pred) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, averaged over output columns.

    A constant target column scores 1.0 if predicted exactly, else 0.0 (scikit-learn's rule).

    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    t, o = _pair(y_true, y_pred, np.float64)
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


def _counts(y_true, y_pred, labels=None):
    """Per-class true positives, predicted counts and true counts, over ``labels``."""
    t, o = _pair(y_true, y_pred)
    if t.ndim != 1 or o.ndim != 1:
        raise ShapeError(f"y_true and y_pred must be 1-D labels; got shapes {t.shape}, {o.shape}")
    if _is_text(t) != _is_text(o) and len(t):
        raise DataError(
            f"y_true and y_pred must hold labels of one kind; got y_true {t[:3].tolist()} "
            f"({t.dtype}) and y_pred {o[:3].tolist()} ({o.dtype}): no label can match (map "
            "the predictions to labels, e.g. net.classes_[indices])"
        )
    labels = np.unique(np.concatenate([t, o])) if labels is None else np.asarray(labels)
    tp = np.array([np.sum((t == c) & (o == c)) for c in labels], dtype=np.float64)
    predicted = np.array([np.sum(o == c) for c in labels], dtype=np.float64)
    support = np.array([np.sum(t == c) for c in labels], dtype=np.float64)
    return labels, tp, predicted, support


def _is_text(a: np.ndarray) -> bool:
    return a.dtype.kind in "USO"


def _ratio(num, den):
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _average(per_class, labels, support, average, pos_label, micro):
    if average not in AVERAGES:
        raise ParameterError(f"average must be one of {AVERAGES}; got {average!r}")
    if average is None:
        return per_class
    if average == "binary":
        if len(labels) > 2:
            raise DataError(
                f"average='binary' needs at most 2 classes; got {len(labels)} "
                "(choose average='macro', 'micro' or 'weighted')"
            )
        hit = np.flatnonzero(labels == pos_label)
        if not len(hit) and _is_text(labels) != isinstance(pos_label, str):
            raise DataError(
                f"pos_label must be one of the labels {labels[:5].tolist()} for "
                f"average='binary'; got {pos_label!r}"
            )
        return float(per_class[hit[0]]) if len(hit) else 0.0
    if average == "micro":
        return float(micro)
    if average == "weighted":
        total = support.sum()
        return float(np.sum(per_class * support) / total) if total > 0 else 0.0
    return float(np.mean(per_class))


def _score(y_true, y_pred, average, pos_label, labels, parts):
    """A per-class ratio num / den, with (num, den) = parts(tp, predicted, support), averaged;
    "micro" is the ratio of the summed numerators and denominators."""
    labels, tp, predicted, support = _counts(y_true, y_pred, labels)
    num, den = parts(tp, predicted, support)
    micro = num.sum() / den.sum() if den.sum() > 0 else 0.0
    return _average(_ratio(num, den), labels, support, average, pos_label, micro)


def precision(y_true, y_pred, *, average="binary", pos_label=1, labels=None):
    """Precision tp / (tp + fp), averaged as ``average`` says (see the module docstring).

    >>> precision([0, 1, 1, 0], [1, 1, 1, 0])
    0.6666666666666666
    """
    return _score(y_true, y_pred, average, pos_label, labels, lambda tp, pred, sup: (tp, pred))


def recall(y_true, y_pred, *, average="binary", pos_label=1, labels=None):
    """Recall tp / (tp + fn), averaged as ``average`` says.

    >>> recall([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return _score(y_true, y_pred, average, pos_label, labels, lambda tp, pred, sup: (tp, sup))


def f1_score(y_true, y_pred, *, average="binary", pos_label=1, labels=None):
    """F1 = 2 P R / (P + R) = 2 tp / (2 tp + fp + fn) per class, averaged as ``average`` says
    (macro averages the per-class F1, as scikit-learn).

    >>> round(f1_score([0, 1, 2, 2], [0, 2, 2, 2], average="macro"), 6)
    0.6
    """
    return _score(
        y_true, y_pred, average, pos_label, labels, lambda tp, pred, sup: (2 * tp, pred + sup)
    )


def log_loss(y_true, y_prob, *, labels=None, eps=None) -> float:
    """Cross-entropy of predicted probabilities: -1/N sum_n ln p_n(y_n).

    ``y_prob`` is (n_samples, n_classes), columns in the sorted order of ``labels`` (default:
    the labels present in ``y_true``), or (n_samples,) for the probability of the larger of two
    labels. Probabilities are clipped to [eps, 1 - eps] (eps: the dtype's machine epsilon) so
    a confident mistake costs a large finite amount.

    >>> round(log_loss([0, 1], [[0.9, 0.1], [0.2, 0.8]]), 6)
    0.164252
    """
    t = np.asarray(y_true)
    p = np.asarray(y_prob, dtype=np.float64)
    _pair(t, p)
    outside = np.flatnonzero(~((p >= 0) & (p <= 1)).reshape(len(p), -1).all(axis=1))
    if outside.size:
        raise DataError(
            f"y_prob must hold probabilities in [0, 1]; got {p[outside[0]].tolist()} in row "
            f"{outside[0]}"
        )
    labels = np.unique(t) if labels is None else np.asarray(labels)
    if p.ndim == 1:
        p = np.stack([1.0 - p, p], axis=1)
    if p.ndim != 2 or p.shape[1] != max(len(labels), 2):
        raise ShapeError(
            f"y_prob must have one column per class ({len(labels)}); got shape {p.shape}"
        )
    index = np.searchsorted(labels, t)
    if np.any(index >= len(labels)) or np.any(labels[np.minimum(index, len(labels) - 1)] != t):
        raise DataError("y_true holds labels that are not in labels")
    if eps is None:
        given = np.asarray(y_prob).dtype
        eps = np.finfo(given if given.kind == "f" else np.float64).eps
    picked = np.clip(p[np.arange(len(t)), index], eps, 1 - eps)
    return float(-np.mean(np.log(picked)))


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
