"""Data preparation for ``fit``, in one place: arrays or a stream, targets, example weights,
the validation split and the validation data, the input and output widths, the batches.

:func:`prepare` checks everything that enters with the data (raising where it enters, naming
the argument and the value) and returns a :class:`TrainingData`; the training loop then only
reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_number
from ..engine import no_grad
from ..errors import ParameterError, ParameterTypeError
from ..nn import Standardize
from .data import check_features, check_lengths
from .example_weights import example_weights
from .source import StreamBatches, is_batch_source
from .split import split_indices


@dataclass
class TrainingData:
    """What ``fit`` trains on.

    ``X``, ``y``: the training rows and their targets as the loss takes them (None for a
    batch source, whose batches are never all held); ``weights``: per-example weights or None;
    ``validation``: ``(X_val, y_val)`` or None; ``n_features``, ``n_outputs``: the widths;
    ``stream``: the :class:`~deltaprop.training.source.StreamBatches` of a batch source;
    ``arrays`` and ``dtypes``: the arrays batched together, and each one's batch dtype;
    ``batch_size``: the rows per batch (the whole set for ``batch_size=None``).
    """

    X: np.ndarray | None
    y: np.ndarray | None
    weights: np.ndarray | None
    validation: tuple | None
    n_features: int
    n_outputs: int
    dtype: type
    stream: StreamBatches | None = None
    arrays: tuple = ()
    dtypes: tuple = ()
    batch_size: int | None = None

    @property
    def weighted(self) -> bool:
        return self.weights is not None


def prepare(
    module,
    X,
    y,
    loss,
    *,
    epochs: int,
    batch_size: int | None,
    rng,
    sample_weight=None,
    class_weight=None,
    validation_split=None,
    validation_data=None,
    train_metrics: bool = False,
    distributed: bool = False,
) -> TrainingData:
    """Check and shape the data of a ``fit`` call (see :func:`deltaprop.training.fit` for the
    arguments); builds ``module`` on the data's width if it has no weights yet."""
    in_features = (
        getattr(module, "in_features", None) if getattr(module, "is_built", False) else None
    )
    dtype = getattr(module, "dtype", None) or np.float32
    if is_batch_source(X, y):
        _refuse_for_a_stream(train_metrics, distributed, sample_weight, class_weight,
                             validation_split)  # fmt: skip
        scaler = _first_standardize(module)
        if scaler is not None and not scaler.is_fitted:
            raise ParameterError(
                "the first layer is a Standardize that was never fitted, and a batch source "
                "is never held whole to fit it: fit it on a sample first, "
                "Standardize().fit(X_sample)"
            )
        stream = StreamBatches(X, epochs, loss, dtype)
        stream.n_features = in_features
        first = stream.first()
        n_outputs = stream.n_outputs = output_width(module, first, dtype)
        data = TrainingData(None, None, None, None, first.shape[1], n_outputs, dtype, stream)
    else:
        data = _arrays(module, X, y, loss, in_features, dtype, rng, sample_weight,
                       class_weight, validation_split, validation_data)  # fmt: skip
        data.batch_size = len(data.X) if batch_size is None else batch_size
    if data.validation is None and validation_data is not None:
        data.validation = _validation(validation_data, loss, data.n_features, data.n_outputs,
                                      dtype)  # fmt: skip
    return data


def _refuse_for_a_stream(train_metrics, distributed, sample_weight, class_weight, split):
    if train_metrics:
        raise ParameterError(
            "train_metrics needs array data X, y (a pass over the training rows); got a "
            "batch source"
        )
    if distributed:
        raise ParameterError(
            "distributed training needs array data X, y (the same in every process); "
            "got a batch source"
        )
    for name, value in (
        ("sample_weight", sample_weight),
        ("class_weight", class_weight),
        ("validation_split", split),
    ):
        if value is not None:
            raise ParameterError(
                f"{name} needs array data; got a batch source (weight the source's "
                "batches, or pass validation_data)"
            )


def _arrays(module, X, y, loss, in_features, dtype, rng, sample_weight, class_weight,
            validation_split, validation_data) -> TrainingData:  # fmt: skip
    """The TrainingData of array features and targets (split for validation if asked)."""
    if y is None:
        raise ParameterError(
            "y must be given with array features X; got y=None (to train from a stream, "
            "pass an iterable of (X_batch, y_batch) pairs as X)"
        )
    X = check_features(X, "X", in_features)
    n_outputs = output_width(module, X, dtype)
    y = loss.prepare_target(y, n_outputs, dtype)
    check_lengths(X, y)
    weights = example_weights(y, loss.kind, sample_weight, class_weight, dtype)
    validation = None
    if validation_split is not None:
        if validation_data is not None:
            raise ParameterError("pass validation_data or validation_split, not both")
        fraction = check_number(
            "validation_split", validation_split,
            low=0.0, high=1.0, low_inclusive=False, high_inclusive=False,
        )  # fmt: skip
        if len(X) < 2:
            raise ParameterError(f"validation_split needs at least 2 examples; got {len(X)}")
        train_idx, val_idx = split_indices(y, fraction, loss.kind, rng)
        validation = (np.asarray(X[val_idx], dtype=dtype), y[val_idx])
        X, y = X[train_idx], y[train_idx]
        weights = None if weights is None else weights[train_idx]
    scaler = _first_standardize(module)
    if scaler is not None and not scaler.is_fitted:
        scaler.fit(X)  # on the training rows, as the command line does
    arrays = (X, y) if weights is None else (X, y, weights)
    return TrainingData(X, y, weights, validation, X.shape[1], n_outputs, dtype,
                        arrays=arrays, dtypes=(dtype, None, dtype))  # fmt: skip


def _first_standardize(module):
    """The module's first layer when it is a Standardize, else None."""
    layers = getattr(module, "layers", None) or [None]
    return layers[0] if isinstance(layers[0], Standardize) else None


def output_width(module, X, dtype) -> int:
    """Build the module on X's width if needed and return its output width (a 1-row probe)."""
    if hasattr(module, "build") and not getattr(module, "is_built", True):
        module.build(X.shape[1])
    was_training = module.training
    module.eval()
    try:
        with no_grad():
            probe = module(np.asarray(X[:1], dtype=dtype))
    finally:
        module.train(was_training)
    return probe.shape[-1] if probe.ndim > 1 else 1


def _validation(validation_data, loss, n_features, n_outputs, dtype):
    try:
        Xv, yv = validation_data
    except (TypeError, ValueError) as exc:
        raise ParameterTypeError(
            f"validation_data must be a pair (X_val, y_val); got {type(validation_data).__name__}"
        ) from exc
    Xv = np.asarray(check_features(Xv, "validation X", n_features), dtype=dtype)
    yv = loss.prepare_target(yv, n_outputs, dtype)
    check_lengths(Xv, yv, "validation X", "validation y")
    return Xv, yv
