"""The user-facing network: a stack of layers that can fit, predict, evaluate and save itself.

It lives above the training layer and the file format (it calls both); the plain stack of
layers is :class:`deltaprop.nn.Stack`, class labels are encoded by
:mod:`deltaprop.training.labels`, and :func:`deltaprop.load` (:mod:`deltaprop.io.load`) reads a
network back from a model file.
"""

from __future__ import annotations

import inspect
import os
import warnings

import numpy as np

from . import losses, nn
from ._checks import check_number
from .errors import ParameterError, ParameterTypeError
from .io.checkpoint import ModelCheckpoint, read_checkpoint
from .io.modelfile import write_model_file
from .tabular import Preprocessor, is_table
from .training import fit as _fit
from .training.data import check_features, check_lengths, features_and_names
from .training.labels import encode_class_weight, encode_labels, fit_labels
from .training.predict import evaluate_outputs, predict_outputs
from .training.source import is_batch_source


class Sequential(nn.Stack):
    """A multilayer network: layers applied in order, trained by backpropagation.

    Parameters
    ----------
    layers : list of Module
        Usually :class:`~deltaprop.Dense` layers; the first one's input size is inferred from
        the data unless given (``in_features``: the network then has its weights at once).
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
        #: the :class:`~deltaprop.tabular.Preprocessor` applied to data before the layers
        self.preprocessor = None
        #: how the network was trained (options and outcome), saved in model files
        self.training_info = None

    # -- training ---------------------------------------------------------------------------
    def fit(
        self,
        X,
        y=None,
        *,
        loss=None,
        validation_data=None,
        class_weight=None,
        callbacks=None,
        checkpoint=None,
        checkpoint_every: int = 1,
        resume=None,
        preprocessor=None,
        **options,
    ):
        """Train by backpropagation: :func:`deltaprop.training.fit` with this network, its
        options passed through (``options``: ``optimizer``, ``epochs``, ``batch_size``,
        ``seed``, ``stop``, ``sample_weight``... every keyword of that function, checked here
        by name).

        Tabular data: given a :class:`~deltaprop.tabular.Preprocessor` (``preprocessor=``), or
        a pandas DataFrame or dict of columns holding text or missing values, ``X`` is encoded
        by one (fitted here unless fitted already; ``y`` may then be the name of the target
        column), which is kept in ``preprocessor`` and applied by predict, evaluate and the
        model file.

        ``loss`` defaults to the loss of the previous ``fit``, else ``"squared_error"``. For
        classification losses, ``y`` may hold any labels (strings, say): they are sorted into
        ``classes_`` and ``predict`` returns them; integer labels must be 0..K-1, and
        ``class_weight`` keys are labels as given in ``y``.

        ``checkpoint=path`` writes a resumable checkpoint after every epoch, or every
        ``checkpoint_every`` epochs and at the end (a
        :class:`~deltaprop.io.checkpoint.ModelCheckpoint`, run after the other callbacks);
        resuming a run that a stopping rule had ended changes nothing and says so;
        ``resume=path`` reads one and carries on from the epoch after it, up to ``epochs``.

        With ``y`` omitted, ``X`` is a batch source: an iterable of ``(X_batch, y_batch)``
        pairs (see :mod:`deltaprop.training.source`); its labels must be numeric.
        """
        _check_fit_options(options)
        self.loss = losses.get(loss if loss is not None else (self.loss or "squared_error"))
        if preprocessor is not None or (
            is_table(X) and (self.preprocessor is not None or Preprocessor.needed(X))
        ):
            X, y, validation_data = self._preprocess(preprocessor, X, y, validation_data)
        if is_batch_source(X, y):
            self.classes_ = None  # batches arrive later: their labels are used as given
        else:
            X, self.feature_names = features_and_names(X, self.feature_names)
            if y is not None:
                y, self.classes_ = fit_labels(y, self.loss, units=self._output_units())
        if validation_data is not None:
            try:
                Xv, yv = validation_data
            except (TypeError, ValueError) as exc:
                raise ParameterError(
                    "validation_data must be a pair (X_val, y_val); got "
                    f"{type(validation_data).__name__}"
                ) from exc
            validation_data = (
                features_and_names(Xv)[0],
                encode_labels(yv, self.loss, self.classes_),
            )
        if isinstance(class_weight, dict) and self.classes_ is not None:
            class_weight = encode_class_weight(class_weight, self.classes_)
        callbacks = (
            []
            if callbacks is None
            else list(callbacks if isinstance(callbacks, (list, tuple)) else [callbacks])
        )
        if checkpoint is not None:
            callbacks.append(
                ModelCheckpoint(checkpoint, every_n_epochs=checkpoint_every, write_last=True)
            )
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
            validation_data=validation_data,
            class_weight=class_weight,
            callbacks=callbacks,
            resume=resume,
            **options,
        )

    def _preprocess(self, preprocessor, X, y, validation_data):
        """Encode tabular X (and y, validation_data) with the given, kept or a new
        Preprocessor; return the arrays fit trains on."""
        prep = preprocessor or self.preprocessor
        if prep is None:
            task = "classification" if self.loss.kind in ("multiclass", "binary") else "regression"
            prep = Preprocessor(task=task)
        elif not isinstance(prep, Preprocessor):
            raise ParameterTypeError(
                f"preprocessor must be a deltaprop.tabular.Preprocessor; got {type(prep).__name__}"
            )
        column = y if isinstance(y, str) else None
        if not prep.is_fitted:
            if column is not None:
                prep.target = [column]
            X_enc, y_enc = prep.fit_transform(X, None if column is not None else y)
            for message in prep.notes:
                warnings.warn(message, UserWarning, stacklevel=3)
        else:
            X_enc = prep.transform(X)
            y_enc = None if y is None else self._encoded_target(prep, X, y)
        self.preprocessor = prep
        if validation_data is not None:
            try:
                Xv, yv = validation_data
            except (TypeError, ValueError) as exc:
                raise ParameterError(
                    "validation_data must be a pair (X_val, y_val); got "
                    f"{type(validation_data).__name__}"
                ) from exc
            validation_data = (prep.transform(Xv), self._encoded_target(prep, Xv, yv))
        self.feature_names = prep.input_names()
        if prep.target_names and prep.target_names != ["y"]:
            self.target_name = ", ".join(prep.target_names)
        return X_enc, y_enc, validation_data

    @staticmethod
    def _encoded_target(prep, X, y):
        if isinstance(y, str):
            return prep.transform_target(X)
        if len(prep.target_names) != 1:
            return y
        return prep.transform_target({prep.target_names[0]: y})

    def _output_units(self) -> int | None:
        return getattr(self.layers[-1], "units", None) if self.layers else None

    # -- inference --------------------------------------------------------------------------
    def forward_outputs(self, X, batch_size: int = 4096) -> np.ndarray:
        """The output layer's values for every row of X (no tape, dropout off)."""
        if self.preprocessor is not None:
            X = self.preprocessor.transform(X, dtype=self.dtype)
        X, _ = features_and_names(X)
        check_number("batch_size", batch_size, low=1, integer=True)
        if not self.is_built:
            raise ParameterError("the network has no weights yet: fit it (or call it) first")
        X = check_features(X, "X", self.in_features)
        return predict_outputs(self, X, batch_size=batch_size, dtype=self.dtype)

    def predict(self, X, batch_size: int = 4096) -> np.ndarray:
        """Class labels for classifiers (the loss says which), else the outputs."""
        out = self.forward_outputs(X, batch_size)
        if self.preprocessor is not None and not _classifies(self.loss):
            out = self.preprocessor.inverse_target(out)  # regression targets in their own units
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
        if self.preprocessor is not None and not _classifies(loss):
            out = self.preprocessor.inverse_target(out)  # the loss in the target's own units
        y = encode_labels(y, loss, self.classes_)
        target = loss.prepare_target(y, out.shape[-1], self.dtype)
        check_lengths(out, target, "X", "y")
        return evaluate_outputs(out, target, loss)

    # -- files ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The model file's config: the architecture (see :meth:`nn.Stack.architecture`), the
        loss, the class labels and the feature and target names."""
        config = {
            "architecture": self.architecture(),
            "loss": None if self.loss is None or self.loss.kind is None else self.loss.get_config(),
            "classes": None if self.classes_ is None else self.classes_.tolist(),
            "feature_names": self.feature_names,
            "target_name": self.target_name,
        }
        if self.preprocessor is not None:
            config["preprocessor"] = self.preprocessor.get_config()
        if self.training_info is not None:
            config["training"] = self.training_info
        return config

    @classmethod
    def from_config(cls, config: dict) -> Sequential:
        """A new network (built, with fresh weights) from a :meth:`get_config` dict; ParameterError
        (or KeyError, TypeError, ValueError for a malformed dict) when it describes none."""
        net = cls.from_architecture(config["architecture"])
        net.loss = None if config.get("loss") is None else losses.get(config["loss"])
        classes = config.get("classes")
        net.classes_ = None if classes is None else np.asarray(classes)
        net.feature_names = config.get("feature_names")
        net.target_name = config.get("target_name")
        if config.get("preprocessor") is not None:
            net.preprocessor = Preprocessor.from_config(config["preprocessor"])
        net.training_info = config.get("training")
        return net

    def save(self, path) -> None:
        """Write weights and config to ``path`` (a safe, atomic model file; see io.modelfile)."""
        if not self.is_built:
            raise ParameterError(
                "the network has no weights yet: fit it (or call it) before saving"
            )
        write_model_file(path, self.get_config(), self.state_dict())

    def export(self, path, format: str = "onnx", **options) -> None:
        """Write the trained network for another runtime: ``format="onnx"`` gives a file that
        onnxruntime runs (``pip install "deltaprop[onnx]"``; options such as ``opset`` and the
        graph's inputs and outputs in :mod:`deltaprop.export.onnx` and docs/onnx.md)."""
        from .export import export

        export(self, path, format, **options)

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


def _classifies(loss) -> bool:
    return loss is not None and loss.kind in ("multiclass", "binary")


_OWN_OPTIONS = {
    "loss", "validation_data", "class_weight", "callbacks", "checkpoint", "checkpoint_every",
    "resume", "preprocessor",
}  # fmt: skip


def _check_fit_options(options: dict) -> None:
    """Every option Sequential.fit passes through must be one of training.fit's keywords."""
    known = set(inspect.signature(_fit).parameters) - {"module", "X", "y"} - _OWN_OPTIONS
    unknown = sorted(set(options) - known)
    if unknown:
        raise ParameterTypeError(
            f"fit got an unexpected option {unknown[0]!r}; it takes {', '.join(sorted(known))}"
            f" (and {', '.join(sorted(_OWN_OPTIONS))})"
        )
