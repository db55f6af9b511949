"""MLPClassifier: scikit-learn's multilayer perceptron classifier, trained by deltaprop."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data

from .._checks import check_choice
from ..errors import DataError, ParameterError, ParameterTypeError
from ._base import _BaseMLP, _data_checks, _store_params, partial_fit_available


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier trained by backpropagation (scikit-learn API).

    Every layer computes ``out = f(x @ W + b)``; hidden layers use ``activation``, the output
    layer softmax (several classes) or logistic (two classes, multi-label). Training
    minimises ``E = -1/n sum log p(t) + alpha / (2 n) sum ||W||^2`` per batch of ``n``
    examples with ``solver`` ("adam" or "sgd"), for at most ``max_iter`` epochs, stopping when
    the training loss (or, with ``early_stopping``, the validation accuracy) has not improved
    by ``tol`` for ``n_iter_no_change`` epochs; or over the whole training set with
    ``solver="lbfgs"`` (SciPy's L-BFGS-B, at most ``max_iter`` iterations and ``max_fun``
    evaluations, until the largest gradient component is at most ``tol``).

    Parameters
    ----------
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, warm_start,
    momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2,
    epsilon, n_iter_no_change, max_fun :
        As in scikit-learn, with the same defaults and constraints (a bad value raises
        :class:`~deltaprop.sklearn.InvalidParameterError`, scikit-learn's exception).
    dtype : None, numpy.float32 or numpy.float64, default None
        Training precision. None keeps the input's floating dtype, as scikit-learn (float32
        data trains float32 weights, anything else float64); ``numpy.float32`` trains in
        float32 whatever the input, about twice as fast on large data.
    class_weight : dict, "balanced" or None, default None
        Weight of each class in the loss: ``{label: weight}``, or "balanced"
        (``n_samples / (n_classes * count(label))``). Not for multi-label targets.
    partial_fit_early_stopping : bool, default False
        With ``early_stopping=True``, let ``partial_fit`` hold out ``validation_fraction`` of
        the first call's data as a fixed validation set (a first chunk too small to hold every
        class out is split unstratified), score it after every call, and once the score has
        not improved by ``tol`` for ``n_iter_no_change`` calls restore the best weights and
        train no further. False: ``partial_fit`` refuses ``early_stopping=True``, as
        scikit-learn's does.
    distributed : None, "mpi" or Communicator, default None
        Data-parallel training over the processes of an MPI job (``deltaprop launch -n N --
        python script.py``; see :func:`deltaprop.fit`): every process calls ``fit`` with the
        same data, trains on its slice of each batch, and ends with the same weights as one
        process would. Only process 0 prints (``verbose``). With ``random_state=None``,
        process 0's draw seeds every process. Stochastic solvers only.

    Attributes
    ----------
    classes_, coefs_, intercepts_, n_iter_, n_layers_, n_outputs_, out_activation_, loss_,
    loss_curve_, best_loss_, validation_scores_, best_validation_score_, t_,
    n_features_in_, feature_names_in_ :
        As in scikit-learn. ``coefs_[i]`` has shape (in, out): ``net = x @ W + b``.
        ``coefs_`` and ``intercepts_`` are the network's own arrays: editing them in place or
        assigning ``coefs_[i] = ...`` changes what the estimator predicts and trains from.
    best_iter_ : int
        The epoch (counted over every call) of ``best_validation_score_`` / ``best_loss_``.

    Examples
    --------
    >>> import numpy as np
    >>> from deltaprop.sklearn import MLPClassifier
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 10, dtype=float)
    >>> y = np.array(["no", "yes", "yes", "no"] * 10)
    >>> clf = MLPClassifier((16,), activation="tanh", learning_rate_init=0.05, max_iter=500,
    ...                     random_state=0).fit(X, y)
    >>> clf.predict([[0, 1], [1, 1]]).tolist()
    ['yes', 'no']
    """

    _is_classifier = True

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype=None,
        class_weight=None,
        partial_fit_early_stopping=False,
        distributed=None,
    ):
        _store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Train on (X, y); returns self.

        ``sample_weight`` (n_samples,) weights each example's loss (times its class weight);
        each batch's loss is the weighted mean, as in scikit-learn.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @partial_fit_available
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y); ``classes`` (every label) is required on the first call."""
        if getattr(self, "classes_", None) is None:
            if classes is None:
                raise DataError("classes must be passed on the first call to partial_fit.")
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(np.asarray(classes))
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise DataError(
                f"`classes={unique_labels(classes)!r}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_!r}"
            )
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        with _data_checks():
            X, y = validate_data(
                self,
                X,
                y,
                reset=reset,
                multi_output=True,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                y_numeric=False,
            )
            if y.ndim == 2 and y.shape[1] == 1:
                y = column_or_1d(y, warn=True)
            check_classification_targets(y)
        if not hasattr(self, "classes_") or not (self.warm_start or incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes.tolist()) != set(self.classes_.tolist()):
                    raise DataError(
                        "warm_start can only be used where `y` has the same classes as in the "
                        f"previous call to fit. Previously got {self.classes_}, `y` has "
                        f"{classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_)):
                raise DataError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        Y = self._label_binarizer.transform(y).astype(X.dtype)
        return X, Y, self._sample_weights(y)

    def _sample_weights(self, y):
        if self.class_weight is None:
            return None
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            raise ParameterError("class_weight must be None for multi-label targets")
        classes = self.classes_
        if isinstance(self.class_weight, str):
            check_choice("class_weight", self.class_weight, ("balanced",))
            counts = np.array([np.sum(y == c) for c in classes], dtype=np.float64)
            per_class = len(y) / (len(classes) * np.maximum(counts, 1))
        elif isinstance(self.class_weight, dict):
            unknown = set(self.class_weight) - set(classes.tolist())
            if unknown:
                raise ParameterError(
                    f"class_weight must name classes of y {classes.tolist()}; got "
                    f"{sorted(map(str, unknown))}"
                )
            per_class = np.array([float(self.class_weight.get(c, 1.0)) for c in classes])
            if np.any(per_class < 0) or not np.all(np.isfinite(per_class)):
                raise ParameterError(
                    f"class_weight values must be finite and >= 0; got {self.class_weight!r}"
                )
        else:
            raise ParameterTypeError(
                f"class_weight must be a dict, 'balanced' or None; got {self.class_weight!r}"
            )
        return per_class[np.searchsorted(classes, y)]

    def _out_activation(self, n_outputs):
        binary = self._label_binarizer.y_type_ in ("binary", "multilabel-indicator")
        return "logistic" if binary or n_outputs == 1 else "softmax"

    def _score_outputs(self, out, Yv, wv) -> float:
        return float(accuracy_score(self._labels(Yv), self._labels(out), sample_weight=wv))

    def _labels(self, p):
        if p.shape[1] == 1:
            p = p[:, 0]
        return self._label_binarizer.inverse_transform(p)

    def predict(self, X):
        """The predicted class labels, shape (n_samples,) (or (n_samples, n_labels))."""
        return self._labels(self._forward(X))

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes); columns follow ``classes_``."""
        p = self._forward(X)
        if p.shape[1] == 1:
            return np.hstack([1 - p, p])
        return p

    def predict_log_proba(self, X):
        """The natural logarithm of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
