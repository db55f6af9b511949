"""The user-facing network: a Sequential stack that can fit, predict, evaluate and save itself.

It lives above the training layer and the file format (it calls both); the pure stack of
layers is :class:`deltaprop.nn.Sequential`.
"""

from __future__ import annotations

import os

import numpy as np

from . import losses, nn
from ._checks import check_number
from ._version import __version__
from .errors import DataError, ModelFileError, ParameterError, ParameterTypeError, ShapeError
from .io.checkpoint import FORMAT as CHECKPOINT_FORMAT
from .io.checkpoint import ModelCheckpoint, read_checkpoint
from .io.modelfile import FORMAT as MODEL_FORMAT
from .io.modelfile import read_model_file, write_model_file
from .training import fit as _fit
from .training.data import check_features, check_lengths
from .training.predict import evaluate_outputs, predict_outputs
from .training.source import is_batch_source

LAYER_TYPES = {"Dense": nn.Dense, "Dropout": nn.Dropout, "Standardize": nn.Standardize}


class Sequential(nn.Sequential):
    """A multilayer network: layers applied in order, trained by backpropagation.

    Parameters
    ----------
    layers : list of Module
        Usually :class:`~deltaprop.Dense` layers; the first one's input size is inferred from
        the data unless given (``in_features``).
    seed : int or numpy.random.Generator, optional
        Initial weights (layer ``i`` uses the ``i``-th stream spawned from it).
    dtype : "float32" (default) or "float64"

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    >>> y = np.array([0, 1, 1, 0])
    >>> net = dp.Sequential([dp.Dense(8, "tanh"), dp.Dense(2, "softmax")], seed=0)
    >>> history = net.fit(X, y, loss="cross_entropy", optimizer=dp.SGD(net.parameters(), lr=0.5),
    ...                   epochs=2000, batch_size=None, stop=dp.AllClassified())
    >>> net.predict(X).tolist()
    [0, 1, 1, 0]
    """

    def __init__(self, layers, *, seed=None, dtype="float32"):
        super().__init__(layers, seed=seed, dtype=dtype)
        self.loss = None
        self.classes_ = None
        self.feature_names = None
        self.target_name = None

    # -- training ---------------------------------------------------------------------------
    def fit(
        self,
        X,
        y=None,
        *,
        loss=None,
        optimizer=None,
        epochs: int = 1,
        batch_size=32,
        shuffle: bool = True,
        seed=None,
        stop=None,
        validation_data=None,
        callbacks=None,
        record_batches: bool = False,
        verbose: int = 0,
        on_divergence: str = "raise",
        max_rollbacks: int = 3,
        validation_split=None,
        alpha: float = 0.0,
        sample_weight=None,
        class_weight=None,
        schedule=None,
        checkpoint=None,
        resume=None,
        distributed=None,
        train_metrics: bool = False,
    ):
        """Train by backpropagation; see :func:`deltaprop.training.fit` for every argument.

        ``loss`` defaults to the loss of the previous ``fit``, else ``"squared_error"``. For
        classification losses, ``y`` may hold any labels (strings, say): they are sorted into
        ``classes_`` and ``predict`` returns them; integer labels must be 0..K-1, and
        ``class_weight`` keys are labels as given in ``y``.

        ``checkpoint=path`` writes a resumable checkpoint after every epoch (a
        :class:`~deltaprop.io.checkpoint.ModelCheckpoint`, run after the other callbacks);
        ``resume=path`` reads one and carries on from the epoch after it, up to ``epochs``.

        With ``y`` omitted, ``X`` is a batch source: an iterable of ``(X_batch, y_batch)``
        pairs (see :mod:`deltaprop.training.source`); its labels must be numeric.
        """
        self.loss = losses.get(loss if loss is not None else (self.loss or "squared_error"))
        if is_batch_source(X, y):
            self.classes_ = None  # batches arrive later: their labels are used as given
        else:
            X, self.feature_names = _features_and_names(X, self.feature_names)
            y = None if y is None else self._encode(y, fitting=True)
        if validation_data is not None:
            try:
                Xv, yv = validation_data
            except (TypeError, ValueError) as exc:
                raise ParameterError(
                    "validation_data must be a pair (X_val, y_val); got "
                    f"{type(validation_data).__name__}"
                ) from exc
            validation_data = (_features_and_names(Xv, None)[0], self._encode(yv, fitting=False))
        if isinstance(class_weight, dict) and self.classes_ is not None:
            class_weight = self._encode_class_weight(class_weight)
        callbacks = (
            []
            if callbacks is None
            else list(callbacks if isinstance(callbacks, (list, tuple)) else [callbacks])
        )
        if checkpoint is not None:
            callbacks.append(ModelCheckpoint(checkpoint))
        if resume is not None and not isinstance(resume, dict):
            if not isinstance(resume, (str, os.PathLike)):
                raise ParameterTypeError(
                    f"resume must be a checkpoint path or a saved state; got {resume!r}"
                )
            resume = read_checkpoint(resume)["state"]
        return _fit(
            self,
            X,
            y,
            loss=self.loss,
            optimizer=optimizer,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            stop=stop,
            validation_data=validation_data,
            callbacks=callbacks,
            record_batches=record_batches,
            verbose=verbose,
            on_divergence=on_divergence,
            max_rollbacks=max_rollbacks,
            validation_split=validation_split,
            alpha=alpha,
            sample_weight=sample_weight,
            class_weight=class_weight,
            schedule=schedule,
            resume=resume,
            distributed=distributed,
            train_metrics=train_metrics,
        )

    def _encode_class_weight(self, class_weight: dict) -> dict:
        """Class weights by label (as in ``y``) to class weights by index into ``classes_``."""
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        unknown = [k for k in class_weight if k not in index]
        if unknown:
            raise DataError(
                f"class_weight names labels not in y: {unknown[:5]}; classes: "
                f"{self.classes_.tolist()}"
            )
        return {index[k]: v for k, v in class_weight.items()}

    def _encode(self, y, fitting: bool):
        """Map class labels to indices 0..K-1 for classification losses (others pass through)."""
        y = np.asarray(y)
        if self.loss is None or self.loss.kind not in ("multiclass", "binary") or y.ndim != 1:
            return y
        numeric = y.dtype.kind in "iuf"
        if fitting:
            if numeric:
                # Numeric labels index the output units, whose number fixes the classes:
                # data that shows only one of them (a small batch, say) is still valid.
                self.classes_ = None
            else:
                classes, encoded = np.unique(y, return_inverse=True)
                if len(classes) < 2:
                    raise DataError(
                        f"y must hold at least 2 classes for {self.loss.name}; got only "
                        f"{classes.tolist()}"
                    )
                if self.loss.kind == "binary" and len(classes) > 2:
                    raise DataError(
                        f"binary_cross_entropy with labels needs at most 2 classes; got "
                        f"{len(classes)}: {classes[:5].tolist()}"
                    )
                units = getattr(self.layers[-1], "units", None) if self.layers else None
                if self.loss.kind == "multiclass" and units is not None and units != len(classes):
                    raise DataError(
                        f"y holds {len(classes)} classes {classes[:5].tolist()} but the output "
                        f"layer has {units} units: give it one unit per class, so that every "
                        "prediction names a class (or pass integer labels 0..K-1)"
                    )
                self.classes_ = classes
                return encoded
        if self.classes_ is None:
            if not numeric:
                raise DataError(f"the network was trained on numeric labels; got dtype {y.dtype}")
            return y
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        unknown = [label for label in y.tolist() if label not in index]
        if unknown:
            raise DataError(
                f"labels not seen in training: {sorted(set(map(str, unknown)))[:5]}; "
                f"known classes: {self.classes_.tolist()}"
            )
        return np.array([index[label] for label in y.tolist()], dtype=np.int64)

    # -- inference --------------------------------------------------------------------------
    def forward_outputs(self, X, batch_size: int = 4096) -> np.ndarray:
        """The output layer's values for every row of X (no tape, dropout off)."""
        X, _ = _features_and_names(X, None)
        check_number("batch_size", batch_size, low=1, integer=True)
        if not self.is_built:
            raise ParameterError("the network has no weights yet: fit it (or call it) first")
        X = check_features(X, "X", self.in_features)
        return predict_outputs(self, X, batch_size=batch_size, dtype=self.dtype)

    def predict(self, X, batch_size: int = 4096) -> np.ndarray:
        """Class labels for classifiers (the loss says which), else the outputs."""
        out = self.forward_outputs(X, batch_size)
        if self.loss is None or self.loss.kind is None:
            return out
        pred = self.loss.predict(out)
        if self.loss.kind == "binary" and pred.shape[-1] == 1:
            pred = pred[:, 0]
        if self.classes_ is not None and self.loss.kind in ("multiclass", "binary"):
            return self.classes_[pred]
        return pred

    def predict_proba(self, X, batch_size: int = 4096) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes); one column per unit for
        multi-label networks; for a single logistic unit, (n_samples, 2) as scikit-learn."""
        if self.loss is None or self.loss.kind not in ("multiclass", "binary"):
            raise ParameterError(
                "predict_proba needs a classifier: fit with loss='cross_entropy' or "
                f"'binary_cross_entropy' (this network's loss: {getattr(self.loss, 'name', None)})"
            )
        p = self.loss.probabilities(self.forward_outputs(X, batch_size))
        if self.loss.kind == "binary" and p.shape[-1] == 1:
            p = np.hstack([1 - p, p])
        return p

    def evaluate(self, X, y, *, loss=None, batch_size: int = 4096) -> dict:
        """Loss plus accuracy (classifiers) or MSE and R^2 (regression) on (X, y).

        ``loss`` defaults to the one the network was fitted with.
        """
        if loss is None and self.loss is None:
            raise ParameterError("evaluate needs a loss: fit the network first or pass loss=")
        loss = self.loss if loss is None else losses.get(loss)
        out = self.forward_outputs(X, batch_size)
        target = loss.prepare_target(self._encode(y, fitting=False), out.shape[-1], self.dtype)
        check_lengths(out, target, "X", "y")
        return evaluate_outputs(out, target, loss)

    # -- files ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        layers = []
        for i, layer in enumerate(self.layers):
            if not hasattr(layer, "get_config"):
                raise ParameterError(
                    f"layers[{i}] ({type(layer).__name__}) cannot be saved: no get_config()"
                )
            layers.append(layer.get_config())
        return {
            "architecture": {"type": "Sequential", "dtype": self.dtype.name, "layers": layers},
            "loss": None if self.loss is None or self.loss.kind is None else self.loss.get_config(),
            "classes": None if self.classes_ is None else self.classes_.tolist(),
            "feature_names": self.feature_names,
            "target_name": self.target_name,
        }

    def save(self, path) -> None:
        """Write weights and config to ``path`` (a safe, atomic model file; see io.modelfile)."""
        if not self.is_built:
            raise ParameterError(
                "the network has no weights yet: fit it (or call it) before saving"
            )
        write_model_file(path, self.get_config(), self.state_dict())

    def summary(self) -> str:
        """A table of layers, output widths and parameter counts."""
        lines = [f"{'layer':<28}{'output':>10}{'parameters':>14}"]
        for i, layer in enumerate(self.layers):
            count = layer.count_parameters() if layer.is_built else 0
            width = getattr(layer, "units", "")
            lines.append(f"{f'{i}: {layer!r}'[:27]:<28}{width!s:>10}{count:>14,}")
        lines.append(
            f"total parameters: {self.count_parameters():,} "
            f"(trainable {self.count_parameters(trainable_only=True):,})"
        )
        return "\n".join(lines)


def load(path) -> Sequential:
    """Read a network written by ``Sequential.save``, or the network of a training checkpoint
    (``fit(checkpoint=...)``, ``ModelCheckpoint``) as it stood at the checkpoint's epoch;
    validates everything (never unpickles)."""
    config, tensors = read_model_file(path, kind=(MODEL_FORMAT, CHECKPOINT_FORMAT))
    if config.get("format") == CHECKPOINT_FORMAT:
        checkpoint = read_checkpoint(path)
        if not isinstance(checkpoint["model"], dict):
            raise ModelFileError(
                f"{str(path)!r}: this checkpoint holds no network config (it was written for a "
                "module without get_config); build the network and pass fit(resume=path)"
            )
        config, tensors = checkpoint["model"], checkpoint["state"]["weights"]
    try:
        arch = config["architecture"]
        if arch.get("type") != "Sequential":
            raise ModelFileError(f"{str(path)!r}: unknown architecture type {arch.get('type')!r}")
        layers = []
        for i, lc in enumerate(arch["layers"]):
            lc = dict(lc)
            kind = lc.pop("type", None)
            if kind not in LAYER_TYPES:
                raise ModelFileError(f"{str(path)!r}: layers[{i}] has unknown type {kind!r}")
            layers.append(LAYER_TYPES[kind](**lc))
        net = Sequential(layers, dtype=arch["dtype"])
        net.build(layers[0].in_features)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{str(path)!r}: invalid architecture in the config ({exc})") from exc
    # Parameters and buffers (a Standardize layer's statistics) alike: name -> current array.
    expected = {name: p.data for name, p in net.named_parameters()}
    expected.update(net.named_buffers())
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise ModelFileError(
            f"{str(path)!r}: tensors do not fit the architecture: "
            f"missing {missing}, unexpected {extra}"
        )
    for name, current in expected.items():
        t = tensors[name]
        if t.shape != current.shape or t.dtype != current.dtype:
            raise ModelFileError(
                f"{str(path)!r}: tensor {name} is {t.dtype}{list(t.shape)}; the architecture "
                f"needs {current.dtype}{list(current.shape)}"
            )
        if not np.all(np.isfinite(t)):
            raise ModelFileError(f"{str(path)!r}: tensor {name} holds NaN or infinite values")
    net.load_state_dict(tensors)
    try:
        net.loss = None if config.get("loss") is None else losses.get(config["loss"])
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"{str(path)!r}: invalid loss in the config ({exc})") from exc
    classes = config.get("classes")
    net.classes_ = None if classes is None else np.asarray(classes)
    net.feature_names = config.get("feature_names")
    net.target_name = config.get("target_name")
    net.library_version = config.get("library_version", __version__)
    return net


def _features_and_names(X, names):
    """Accept arrays or a pandas DataFrame (its column names are kept)."""
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
