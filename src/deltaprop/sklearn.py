"""scikit-learn estimators: :class:`MLPClassifier` and :class:`MLPRegressor`.

Drop-in counterparts of ``sklearn.neural_network.MLPClassifier`` / ``MLPRegressor``: the same
parameter names, defaults and fitted attributes, trained by deltaprop's engine and ``fit``
loop. They work in pipelines, ``GridSearchCV``, ``clone`` and pickle, and pass scikit-learn's
own estimator checks. Importing this module needs scikit-learn
(``pip install "deltaprop[sklearn]"``); the rest of deltaprop never imports it.

The objective is scikit-learn's: for a batch of ``n`` examples

    E = L(out, t) + alpha / (2 n) * sum_l ||W_l||^2

with ``L`` the mean squared error halved (regression; ``1/n sum 1/2 ||t - o||^2``), the mean
cross-entropy of a softmax output (multi-class) or the summed binary cross-entropy of
logistic outputs divided by ``n`` (binary, multi-label). Biases are not penalised. ``loss_``
is the epoch mean of the batches' ``E``, exactly as scikit-learn reports it.
"""

from __future__ import annotations

import contextlib

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import (
        _check_sample_weight,
        check_is_fitted,
        column_or_1d,
        validate_data,
    )
except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError(
        'deltaprop.sklearn needs scikit-learn >= 1.6: pip install "deltaprop[sklearn]"'
    ) from exc

from . import losses, nn
from ._checks import check_choice, check_number, warn
from .comm import get_communicator
from .engine import Tensor
from .engine import functional as F
from .errors import (
    ConvergenceWarning,
    DataError,
    DeltapropError,
    ParameterError,
    ParameterTypeError,
)
from .export import export
from .optim import SGD, Adam
from .training import Callback
from .training import fit as train
from .training.predict import predict_outputs

__all__ = ["MLPClassifier", "MLPRegressor"]

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
SOLVERS = ("sgd", "adam")
LEARNING_RATES = ("constant", "invscaling", "adaptive")


class _LabelSum(losses.BinaryCrossEntropy):
    """Internal: binary cross-entropy summed over the labels (scikit-learn's multi-label loss).

    deltaprop's mean reduction averages over examples and labels; scikit-learn averages over
    examples only, so the mean is multiplied by the number of labels (a constant input, which
    keeps the recorded step replayable).
    """

    def __init__(self, n_labels: int, dtype):
        super().__init__()
        self.n_labels = Tensor(np.asarray(n_labels, dtype=dtype))

    def __call__(self, out, target, weight=None):
        return F.mul(super().__call__(out, target, weight), self.n_labels)


class _Monitor(Callback):
    """Internal: scikit-learn's bookkeeping after each epoch of ``fit``.

    Records ``loss_curve_``, ``n_iter_``, ``t_``; counts epochs without improvement by
    ``tol`` (training loss, or validation score with early stopping) and, past
    ``n_iter_no_change`` of them, stops, or with ``learning_rate="adaptive"`` divides the
    learning rate by 5 (stopping once it is at most 1e-6); applies ``invscaling``.
    """

    def __init__(self, est, n_samples, batch_size, validation):
        self.est = est
        self.n = n_samples
        self.bs = batch_size
        self.validation = validation
        self.total = 0.0

    def on_epoch_begin(self, run, epoch):
        self.total = 0.0

    def on_batch_end(self, run, batch, loss):
        # scikit-learn's epoch loss weighs each batch by its size, even with sample weights
        self.total += loss * min(self.bs, self.n - (batch - 1) * self.bs)

    def on_epoch_end(self, run, epoch, logs):
        est = self.est
        est.n_iter_ += 1
        est.t_ += self.n
        est.loss_ = self.total / self.n
        est.loss_curve_.append(est.loss_)
        # in a data-parallel run every process computes the same numbers; one prints them
        verbose = est.verbose and run.is_root
        if verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        est._update_no_improvement_count(self.validation, verbose)
        optimizer = run.optimizer
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            _set_lr(optimizer, est.learning_rate_init / (est.t_ + 1) ** est.power_t)
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if self.validation is not None else "Training loss"
            message = (
                f"{what} did not improve more than tol={est.tol} for "
                f"{est.n_iter_no_change} consecutive epochs."
            )
            adaptive = est.solver == "sgd" and est.learning_rate == "adaptive"
            if adaptive and optimizer.lr > 1e-6:
                _set_lr(optimizer, optimizer.lr / 5.0)
                est._no_improvement_count = 0
                if verbose:
                    print(f"{message} Setting learning rate to {optimizer.lr:f}")
            else:
                if verbose:
                    print(f"{message} Stopping.")
                est._stopped = True
                run.stop(message)


@contextlib.contextmanager
def _data_checks():
    """scikit-learn's input checks, their ValueErrors re-raised as DataError (message kept,
    and still a ValueError) so every bad input meets the documented hierarchy."""
    try:
        yield
    except DeltapropError:
        raise
    except ValueError as exc:
        raise DataError(str(exc)) from exc


def _set_lr(optimizer, lr: float) -> None:
    """Change SGD's learning rate keeping scikit-learn's momentum convention.

    scikit-learn keeps the velocity in weight units (``v = mu v - lr g``), deltaprop's SGD in
    gradient units (``v = mu v + g``, step ``lr v``): rescaling ``v`` by ``lr_old / lr_new``
    makes the two agree exactly when the learning rate changes between epochs.
    """
    if isinstance(optimizer, SGD) and optimizer.momentum and optimizer.state is not None:
        for state in optimizer.state:
            state["velocity"] *= optimizer.lr / lr
    optimizer.lr = lr


def _store_params(est, args: dict) -> None:
    """Store ``__init__``'s arguments unchanged (scikit-learn validates them in ``fit``)."""
    for name, value in args.items():
        if name not in ("self", "__class__"):
            setattr(est, name, value)


class _BaseMLP(BaseEstimator):
    """Internal: what the classifier and the regressor share."""

    # No __init__ here: scikit-learn reads each estimator's parameters from its own
    # __init__ signature, and the two differ (class_weight; the regressor's leading loss).

    # -- parameters ---------------------------------------------------------------------------
    def _check_params(self) -> list[int]:
        if self.solver == "lbfgs":
            raise ParameterError(
                "solver must be one of 'sgd', 'adam'; got 'lbfgs' (deltaprop trains by "
                "stochastic gradient descent only; use sklearn.neural_network for L-BFGS)"
            )
        check_choice("solver", self.solver, SOLVERS)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("learning_rate", self.learning_rate, LEARNING_RATES)
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if np.isscalar(sizes) else list(sizes)
        rule = f"hidden_layer_sizes must hold positive integers; got {self.hidden_layer_sizes!r}"
        for size in sizes:
            if isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, np.integer)):
                raise ParameterTypeError(rule)
            if size < 1:
                raise ParameterError(rule)
        check_number("alpha", self.alpha, low=0.0)
        check_number("learning_rate_init", self.learning_rate_init, low=0.0, low_inclusive=False)
        check_number("power_t", self.power_t, low=0.0)
        check_number("max_iter", self.max_iter, low=1, integer=True)
        check_number("tol", self.tol, low=0.0)
        check_number("momentum", self.momentum, low=0.0, high=1.0)
        check_number(
            "validation_fraction",
            self.validation_fraction,
            low=0.0,
            high=1.0,
            low_inclusive=False,
            high_inclusive=False,
        )
        for name in ("beta_1", "beta_2"):
            check_number(name, getattr(self, name), low=0.0, high=1.0, high_inclusive=False)
        check_number("epsilon", self.epsilon, low=0.0, low_inclusive=False)
        check_number("n_iter_no_change", self.n_iter_no_change, low=1, integer=True)
        check_number("max_fun", self.max_fun, low=1, integer=True)  # used by lbfgs only
        if not (self.batch_size == "auto" or isinstance(self.batch_size, (int, np.integer))):
            raise ParameterTypeError(
                f"batch_size must be 'auto' or an int; got {self.batch_size!r}"
            )
        if self.batch_size != "auto":
            check_number("batch_size", self.batch_size, low=1, integer=True)
        if np.dtype(self.dtype) not in (np.float32, np.float64):
            raise ParameterError(f"dtype must be float32 or float64; got {self.dtype!r}")
        return [int(s) for s in sizes]

    # -- training -----------------------------------------------------------------------------
    def _fit(self, X, y, sample_weight, incremental: bool):
        sizes = self._check_params()
        comm = get_communicator(self.distributed)
        dtype = np.dtype(self.dtype)
        first_call = not hasattr(self, "coefs_")
        X, Y, weights = self._validate_input(
            X, y, incremental, reset=first_call or not (incremental or self.warm_start)
        )
        if sample_weight is not None:
            with _data_checks():
                sample_weight = _check_sample_weight(sample_weight, X, dtype=dtype)
            weights = sample_weight if weights is None else weights * sample_weight
        if first_call or not (self.warm_start or incremental):
            self._initialize(X.shape[1], Y.shape[1], sizes, dtype, comm)
        elif getattr(self, "_stopped", False) and incremental and self.early_stopping:
            warn(
                f"early stopping ended training at iteration {self.best_iter_}; partial_fit "
                "does not train further (call fit to start again)",
                ConvergenceWarning,
            )
            return self
        self._stopped = False
        validation = None
        if self.early_stopping:
            if not incremental:
                X, Y, weights, validation = self._split_validation(X, Y, weights)
            else:  # a fixed validation set, held out of the first partial_fit's data
                if getattr(self, "_validation", None) is None:
                    X, Y, weights, self._validation = self._split_validation(
                        X, Y, weights, incremental=True
                    )
                validation = self._validation
        n = len(X)
        if self.batch_size == "auto":
            bs = min(200, n)
        else:
            if self.batch_size > n:
                warn(
                    f"Got `batch_size` less than 1 or larger than sample size. It is going to "
                    f"be clipped; batch_size={self.batch_size}, n_samples={n}",
                    UserWarning,
                )
            bs = min(int(self.batch_size), n)
        if not incremental or getattr(self, "_optimizer", None) is None:
            self._optimizer = self._make_optimizer()
        monitor = _Monitor(self, n, bs, validation)
        train(
            self._net,
            X,
            Y,
            loss=self._loss(Y.shape[1], dtype),
            alpha=float(self.alpha),
            sample_weight=weights,
            optimizer=self._optimizer,
            epochs=1 if incremental else self.max_iter,
            batch_size=bs,
            shuffle=self.shuffle,
            seed=self._shuffle_rng,
            callbacks=[monitor],
            distributed=comm,
        )
        stopped = self._stopped
        if self.early_stopping and (not incremental or stopped):
            self._restore(self._best_params)
        if not incremental and not stopped:
            warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        return self

    def _initialize(self, n_features, n_outputs, sizes, dtype, comm):
        """A new network with scikit-learn's initialisation (Glorot uniform, biases too)."""
        rs = check_random_state(self.random_state)
        if comm.size > 1 and self.random_state is None:
            # each process drew its own entropy: its shuffling and validation split must be
            # process 0's (the initial weights are broadcast by fit anyway)
            seed = np.array([rs.randint(np.iinfo(np.int32).max)], dtype=np.float64)
            rs = check_random_state(int(comm.broadcast_(seed)[0]))
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(sizes) + 2
        self.out_activation_ = self._out_activation(n_outputs)
        widths = [n_features] + sizes + [n_outputs]
        self._build_net(n_features, sizes, dtype)
        # scikit-learn's factor: 6 (Glorot), 2 for logistic hidden units
        factor = 2.0 if self.activation == "logistic" else 6.0
        for layer, fan_in, fan_out in zip(self._net.layers, widths[:-1], widths[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            layer.weight.data = rs.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)
            layer.bias.data = rs.uniform(-bound, bound, fan_out).astype(dtype)
        self._shuffle_rng = np.random.default_rng(rs.randint(np.iinfo(np.int32).max))
        self._split_seed = int(rs.randint(np.iinfo(np.int32).max))
        self._link_parameters()
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._optimizer = None
        self._validation = None
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf
        self._best_params = None
        self.best_iter_ = 0

    def _build_net(self, n_features, sizes, dtype):
        layers = [nn.Dense(w, self.activation) for w in sizes]
        layers.append(nn.Dense(self.n_outputs_, self.out_activation_))
        self._net = nn.Stack(layers, dtype=dtype)
        self._net.build(n_features)

    def _link_parameters(self):
        # coefs_ and intercepts_ are the network's own arrays: training updates them in place
        self.coefs_ = [layer.weight.data for layer in self._net.layers]
        self.intercepts_ = [layer.bias.data for layer in self._net.layers]

    def _make_optimizer(self):
        params = self._net.parameters()
        if self.solver == "sgd":
            return SGD(
                params,
                lr=self.learning_rate_init,
                momentum=self.momentum,
                nesterov=bool(self.nesterovs_momentum) and self.momentum > 0,
            )
        return Adam(
            params,
            lr=self.learning_rate_init,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            eps=self.epsilon,
        )

    def _loss(self, n_outputs: int, dtype):
        """scikit-learn's loss for the output layer; ``fit`` adds its L2 term ``alpha``."""
        if self.out_activation_ == "softmax":
            return losses.CrossEntropy()
        if self.out_activation_ == "logistic":
            return losses.BinaryCrossEntropy() if n_outputs == 1 else _LabelSum(n_outputs, dtype)
        return losses.SquaredError("mean_half")

    def _split_validation(self, X, Y, weights, incremental=False):
        """Hold out ``validation_fraction`` (stratified for single-label classifiers).

        A partial_fit chunk may be too small to hold every class out; its split is then not
        stratified rather than refused (fit refuses, as scikit-learn does).
        """
        stratify = None
        if self._is_classifier and Y.shape[1] == 1:
            stratify = Y[:, 0]
        elif self._is_classifier and self.out_activation_ == "softmax":
            stratify = np.argmax(Y, axis=1)
        arrays = [X, Y] + ([] if weights is None else [weights])
        split = dict(test_size=self.validation_fraction, random_state=self._split_seed)
        try:
            try:
                parts = train_test_split(*arrays, stratify=stratify, **split)
            except ValueError:
                if not incremental or stratify is None:
                    raise
                parts = train_test_split(*arrays, **split)
        except ValueError as exc:
            raise DataError(
                f"early_stopping needs a validation set of validation_fraction="
                f"{self.validation_fraction} of {len(X)} samples; could not split ({exc})"
            ) from exc
        X, Xv, Y, Yv = parts[:4]
        weights, wv = parts[4:6] if weights is not None else (None, None)
        return X, Y, weights, (Xv, Yv, wv)

    def _update_no_improvement_count(self, validation, verbose: bool):
        if validation is not None:
            score = self._validation_score(*validation)
            self.validation_scores_.append(score)
            if verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self.best_iter_ = self.n_iter_
                self._best_params = [p.data.copy() for p in self._net.parameters()]
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]
                self.best_iter_ = self.n_iter_

    def _restore(self, params):
        if params is not None:
            for p, value in zip(self._net.parameters(), params):
                p.data = value

    # -- inference ----------------------------------------------------------------------------
    def _forward(self, X) -> np.ndarray:
        check_is_fitted(self)
        with _data_checks():
            X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        out = predict_outputs(self._net, X, dtype=np.dtype(self.dtype))
        # predictions come back in the caller's float precision, as scikit-learn's do
        return out.astype(X.dtype, copy=False)

    # -- export -------------------------------------------------------------------------------
    def export(self, path, format="onnx", **options):
        """Write the fitted estimator for another runtime (``format="onnx"``: ``label`` and
        ``probabilities`` for classifiers, ``predictions`` for regressors; docs/onnx.md)."""
        check_is_fitted(self)
        export(self, path, format, **options)

    def _export_spec(self):
        from .export.onnx import estimator_spec

        check_is_fitted(self)
        return estimator_spec(self)

    # -- pickling -----------------------------------------------------------------------------
    def __getstate__(self):
        state = dict(super().__getstate__())  # object.__getstate__ returns __dict__ itself
        net = state.pop("_net", None)
        optimizer = state.pop("_optimizer", None)
        if net is not None:
            state["coefs_"] = [c.copy() for c in self.coefs_]
            state["intercepts_"] = [b.copy() for b in self.intercepts_]
            state["_optimizer_state"] = None if optimizer is None else optimizer.state_dict()
        return state

    def __setstate__(self, state):
        optimizer_state = state.pop("_optimizer_state", None)
        super().__setstate__(state)
        if "coefs_" in state:
            sizes = [c.shape[1] for c in self.coefs_[:-1]]
            self._build_net(self.coefs_[0].shape[0], sizes, self.coefs_[0].dtype)
            self._restore([a for pair in zip(self.coefs_, self.intercepts_) for a in pair])
            self._link_parameters()
            self._optimizer = None
            if optimizer_state is not None:
                self._optimizer = self._make_optimizer()
                self._optimizer.load_state_dict(optimizer_state)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier trained by backpropagation (scikit-learn API).

    Every layer computes ``out = f(x @ W + b)``; hidden layers use ``activation``, the output
    layer softmax (several classes) or logistic (two classes, multi-label). Training
    minimises ``E = -1/n sum log p(t) + alpha / (2 n) sum ||W||^2`` per batch of ``n``
    examples with ``solver`` ("adam" or "sgd"), for at most ``max_iter`` epochs, stopping when
    the training loss (or, with ``early_stopping``, the validation accuracy) has not improved
    by ``tol`` for ``n_iter_no_change`` epochs.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
    activation : {"identity", "logistic", "tanh", "relu"}, default "relu"
    solver : {"adam", "sgd"}, default "adam"
        "lbfgs" is not supported and raises :class:`~deltaprop.errors.ParameterError`.
    alpha : float, default 1e-4
        L2 penalty on the weights (not the biases), divided by the batch size as in
        scikit-learn.
    batch_size : int or "auto", default "auto"
        "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default "constant"
        For ``solver="sgd"``: "invscaling" sets ``lr = learning_rate_init / (t + 1)^power_t``
        after each epoch (``t`` examples seen); "adaptive" divides lr by 5 whenever the
        no-improvement counter passes ``n_iter_no_change`` (stopping once lr <= 1e-6).
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, warm_start,
    momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2,
    epsilon, n_iter_no_change :
        As in scikit-learn, same defaults. ``max_fun`` is accepted and ignored (L-BFGS only).
    dtype : numpy float type, default numpy.float32
        Training precision (float32 or float64).
    class_weight : dict, "balanced" or None, default None
        Weight of each class in the loss: ``{label: weight}``, or "balanced"
        (``n_samples / (n_classes * count(label))``). Not for multi-label targets.
    distributed : None, "mpi" or Communicator, default None
        Data-parallel training over the processes of an MPI job (``deltaprop launch -n N --
        python script.py``; see :func:`deltaprop.fit`): every process calls ``fit`` with the
        same data, trains on its slice of each batch, and ends with the same weights as one
        process would. Only process 0 prints (``verbose``). With ``random_state=None``,
        process 0's draw seeds every process.

    Attributes
    ----------
    classes_, coefs_, intercepts_, n_iter_, n_layers_, n_outputs_, out_activation_, loss_,
    loss_curve_, best_loss_, validation_scores_, best_validation_score_, t_,
    n_features_in_, feature_names_in_ :
        As in scikit-learn. ``coefs_[i]`` has shape (in, out): ``net = x @ W + b``.
    best_iter_ : int
        The epoch (or partial_fit call) of ``best_validation_score_`` / ``best_loss_``.

    Notes
    -----
    ``partial_fit`` with ``early_stopping=True`` (which scikit-learn ignores) holds out
    ``validation_fraction`` of the first call's data as a fixed validation set (a first chunk
    too small to hold every class out is split unstratified), scores it after
    every call, and once the score has not improved by ``tol`` for ``n_iter_no_change`` calls
    restores the best weights and trains no further.

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
        dtype=np.float32,
        class_weight=None,
        distributed=None,
    ):
        _store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Train on (X, y) for up to ``max_iter`` epochs; returns self.

        ``sample_weight`` (n_samples,) weights each example's loss (times its class weight);
        each batch's loss is the weighted mean, as in scikit-learn.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y); ``classes`` (every label) is required on the first call."""
        if not hasattr(self, "coefs_") or getattr(self, "_label_binarizer", None) is None:
            if classes is None:
                raise DataError("classes must be passed on the first call to partial_fit")
            self._label_binarizer = LabelBinarizer().fit(np.asarray(classes))
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise DataError(
                f"classes must be the same on every call to partial_fit; got {classes!r}, "
                f"first call: {self.classes_.tolist()}"
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
                dtype=(np.float64, np.float32),
                y_numeric=False,
            )
            if y.ndim == 2 and y.shape[1] == 1:
                y = column_or_1d(y, warn=True)
            check_classification_targets(y)
        if not incremental:
            if not (self.warm_start and hasattr(self, "classes_")):
                self._label_binarizer = LabelBinarizer().fit(y)
                self.classes_ = self._label_binarizer.classes_
            elif set(np.unique(y).tolist()) != set(self.classes_.tolist()):
                raise DataError(
                    f"warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has "
                    f"{np.unique(y)}"
                )
        else:
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if len(unknown):
                raise DataError(f"`y` has classes not in `self.classes_`: {unknown.tolist()}")
        Y = self._label_binarizer.transform(y).astype(np.dtype(self.dtype))
        return np.asarray(X, dtype=np.dtype(self.dtype)), Y, self._sample_weights(y)

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
        return per_class[np.searchsorted(classes, y)].astype(np.dtype(self.dtype))

    def _out_activation(self, n_outputs):
        binary = self._label_binarizer.y_type_ in ("binary", "multilabel-indicator")
        return "logistic" if binary or n_outputs == 1 else "softmax"

    def _validation_score(self, Xv, Yv, wv):
        out = predict_outputs(self._net, Xv, dtype=np.dtype(self.dtype))
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


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multilayer perceptron regressor trained by backpropagation (scikit-learn API).

    Hidden layers ``out = f(x @ W + b)`` with ``activation``, an identity output layer, and
    the objective ``E = 1/n sum 1/2 ||t - o||^2 + alpha / (2 n) sum ||W||^2`` per batch of
    ``n`` examples. Parameters and fitted attributes are those of
    :class:`MLPClassifier` (without ``class_weight`` and ``classes_``), plus scikit-learn's
    ``loss`` (only "squared_error"; "poisson" raises :class:`~deltaprop.errors.ParameterError`);
    with ``early_stopping`` the validation score is R^2. ``distributed`` as in MLPClassifier.

    Examples
    --------
    >>> import numpy as np
    >>> from deltaprop.sklearn import MLPRegressor
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), activation="tanh", learning_rate_init=0.01,
    ...                    max_iter=500, random_state=0).fit(X, 3 * X[:, 0] + 1)
    >>> round(float(reg.score(X, 3 * X[:, 0] + 1)), 2)
    1.0
    """

    _is_classifier = False

    def __init__(
        self,
        loss="squared_error",
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
        dtype=np.float32,
        distributed=None,
    ):
        _store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Train on (X, y) for up to ``max_iter`` epochs; returns self.

        ``sample_weight`` (n_samples,) makes each batch's loss the weighted mean.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y); returns self."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _check_params(self):
        if self.loss == "poisson":
            raise ParameterError(
                "loss must be 'squared_error'; got 'poisson' (deltaprop has no Poisson loss yet)"
            )
        check_choice("loss", self.loss, ("squared_error",))
        return super()._check_params()

    def _validate_input(self, X, y, incremental, reset):
        with _data_checks():
            X, y = validate_data(
                self,
                X,
                y,
                reset=reset,
                multi_output=True,
                y_numeric=True,
                dtype=(np.float64, np.float32),
            )
        dtype = np.dtype(self.dtype)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return np.asarray(X, dtype=dtype), np.asarray(Y, dtype=dtype), None

    def _out_activation(self, n_outputs):
        return "identity"

    def _validation_score(self, Xv, Yv, wv):
        out = predict_outputs(self._net, Xv, dtype=np.dtype(self.dtype))
        return float(r2_score(Yv, out, sample_weight=wv))

    def predict(self, X):
        """Predicted targets, shape (n_samples,) for one output, else (n_samples, n_outputs)."""
        out = self._forward(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
