"""What the classifier and the regressor share: parameters, training, the live weights.

The objective is scikit-learn's: for a batch of ``n`` examples

    E = L(out, t) + alpha / (2 n) * sum_l ||W_l||^2

with ``L`` the mean squared error halved (regression; ``1/n sum 1/2 ||t - o||^2``), the mean
Poisson deviance halved (``loss="poisson"``, mean ``e^z``), the mean cross-entropy of a
softmax output (multi-class) or the summed binary cross-entropy of logistic outputs divided by
``n`` (binary, multi-label). Biases are not penalised. ``loss_`` is the epoch mean of the
batches' ``E`` (stochastic solvers) or the final full-batch ``E`` (L-BFGS), as scikit-learn
reports it.
"""

from __future__ import annotations

import contextlib

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import losses, nn
from .._checks import warn
from ..comm import get_communicator
from ..engine import Tensor, no_grad
from ..engine import functional as F
from ..errors import DataError, DeltapropError, ParameterError
from ..export import export
from ..optim import LBFGS, SGD, Adam
from ..training import Callback
from ..training import fit as train
from ..training.fused import FusedStep
from . import _params
from ._params import ConvergenceWarning


class _OutputSum:
    """Mixin: a mean loss times the number of outputs, i.e. summed over the outputs and
    averaged over the examples (scikit-learn's multi-label and multi-output Poisson loss).

    The number is a constant input, which keeps the recorded step replayable.
    """

    def __init__(self, n_outputs: int, dtype):
        super().__init__()
        self.n_outputs = Tensor(np.asarray(n_outputs, dtype=dtype))

    def __call__(self, out, target, weight=None):
        return F.mul(super().__call__(out, target, weight), self.n_outputs)


class _LabelSum(_OutputSum, losses.BinaryCrossEntropy):
    """Internal: binary cross-entropy summed over the labels."""


class _PoissonSum(_OutputSum, losses.Poisson):
    """Internal: Poisson deviance summed over the outputs."""


class _SGD(SGD):
    """SGD that also answers scikit-learn's ``_optimizer.learning_rate``."""

    @property
    def learning_rate(self) -> float:
        return self.lr


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
        est._epochs += 1
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
                f"{what} did not improve more than tol={est.tol:f} for "
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


def _stochastic(est) -> bool:
    if est.solver == "lbfgs":
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers. {est.solver} is not "
            "stochastic."
        )
    return True


class _BaseMLP(BaseEstimator):
    """Internal: what the classifier and the regressor share."""

    # No __init__ here: scikit-learn reads each estimator's parameters from its own
    # __init__ signature, and the two differ (class_weight; the regressor's leading loss).
    _parameter_constraints: dict = _params.CONSTRAINTS

    # -- training -----------------------------------------------------------------------------
    def _fit(self, X, y, sample_weight, incremental: bool):
        sizes = _params.validate(self)
        if incremental and self.early_stopping and not self.partial_fit_early_stopping:
            raise ParameterError(
                "partial_fit does not support early_stopping=True (as scikit-learn); pass "
                "partial_fit_early_stopping=True for deltaprop's fixed validation set"
            )
        comm = get_communicator(self.distributed)
        first_pass = not hasattr(self, "coefs_") or not (self.warm_start or incremental)
        X, Y, weights = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            with _data_checks():
                sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
            weights = sample_weight if weights is None else weights * sample_weight
        if first_pass:
            dtype = X.dtype if self.dtype is None else np.dtype(self.dtype)
            self._initialize(X.shape[1], Y.shape[1], sizes, dtype, comm)
        else:
            self._sync_net()
            dtype = self._net.layers[0].weight.data.dtype
        X = X.astype(dtype).tocsr() if sp.issparse(X) else np.asarray(X, dtype=dtype)
        Y = np.asarray(Y, dtype=dtype)
        weights = None if weights is None else np.asarray(weights, dtype=dtype)
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, Y, weights)
        else:
            self._fit_stochastic(X, Y, weights, incremental, comm)
        if not all(np.isfinite(p.data).all() for p in self._net.parameters()):
            raise DataError(
                "Solver produced non-finite parameter weights. The input data may contain "
                "large values and need to be preprocessed."
            )
        return self

    def _fit_stochastic(self, X, Y, weights, incremental, comm):
        if sp.issparse(X):  # the mini-batch loop takes dense rows (L-BFGS multiplies sparse)
            X = X.toarray()
        if getattr(self, "_stopped", False) and incremental and self.early_stopping:
            warn(
                f"early stopping ended training at iteration {self.best_iter_}; partial_fit "
                "does not train further (call fit to start again)",
                ConvergenceWarning,
            )
            return
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
        self.n_iter_ = 0  # scikit-learn counts the epochs of this call
        train(
            self._net,
            X,
            Y,
            loss=self._loss(Y.shape[1], X.dtype),
            alpha=float(self.alpha),
            sample_weight=weights,
            optimizer=self._optimizer,
            epochs=1 if incremental else self.max_iter,
            batch_size=bs,
            shuffle=self.shuffle,
            seed=self._shuffle_rng,
            callbacks=[_Monitor(self, n, bs, validation)],
            distributed=comm,
            on_divergence="continue",  # scikit-learn trains on; fit checks the weights after
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

    def _fit_lbfgs(self, X, Y, weights):
        """Full-batch L-BFGS-B on scikit-learn's objective (:class:`deltaprop.LBFGS`)."""
        net = self._net
        loss = self._loss(Y.shape[1], X.dtype)
        closure = self._full_batch_closure(loss, X, Y, weights)
        optimizer = LBFGS(
            net.parameters(),
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self.tol,
            warn_limit=False,
        )
        net.train()
        with np.errstate(over="ignore", invalid="ignore"):
            result = optimizer.minimize(closure)
        self.n_iter_ = result.n_iter
        self.loss_ = result.loss
        if not result.converged:
            warn(
                f"lbfgs failed to converge after {result.n_iter} iteration(s) (status="
                f"{result.status}): {result.message}. Increase the number of iterations "
                f"(max_iter={self.max_iter}) or evaluations (max_fun={self.max_fun}), or "
                "scale the data.",
                ConvergenceWarning,
            )

    def _full_batch_closure(self, loss, X, Y, weights):
        """``closure()``: E of the whole training set with every gradient filled (the fused
        step where it applies, else the engine's graph)."""
        net = self._net
        alpha = float(self.alpha)
        size = X.shape[0] if weights is None else float(np.sum(weights))
        scale = np.asarray(alpha / size if size > 0 else 0.0, X.dtype)
        inputs = (X, Y) + (() if weights is None else (weights,)) + ((scale,) if alpha else ())
        if sp.issparse(X):
            return self._sparse_closure(loss, X, Y, weights, scale)
        fused = FusedStep.build(net, loss, weights is not None, alpha)
        penalised = [layer.weight for layer in net.layers]

        def closure():
            if fused is not None and fused.is_valid():
                return fused.step(*inputs)
            error = loss(net(X), Y) if weights is None else loss(net(X), Y, weights)
            if alpha:
                error = F.add(error, F.l2_penalty(scale, *penalised))
            error.backward()
            return error

        return closure

    def _sparse_closure(self, loss, X, Y, weights, scale):
        """The full-batch closure for a sparse X: the first layer multiplies the sparse matrix
        (``z = X @ W + b``, ``dE/dW = X^T dE/dz + c W``); the layers above run in the engine."""
        first, rest = self._net.layers[0], self._net.layers[1:]
        c = float(scale) if self.alpha else 0.0

        def closure():
            W, b = first.weight, first.bias
            z = Tensor(np.asarray(X @ W.data) + b.data, requires_grad=True)
            h = first.activation(z)
            for layer in rest:
                h = layer(h)
            error = loss(h, Y) if weights is None else loss(h, Y, weights)
            if c and rest:
                error = F.add(error, F.l2_penalty(scale, *[layer.weight for layer in rest]))
            error.backward()
            W.grad = np.asarray(X.T @ z.grad) + c * W.data
            b.grad = z.grad.sum(axis=0)
            return float(error.data) + 0.5 * c * float(np.vdot(W.data, W.data))

        return closure

    def _loss_grad_lbfgs(self, packed, X, Y, sample_weight=None, *buffers):
        """scikit-learn's private ``(E, dE/dtheta)`` at ``packed`` (coefs_ then intercepts_,
        each flattened): the objective L-BFGS minimises, for gradient checks."""
        self._sync_net()
        layers = self._net.layers
        order = [layer.weight for layer in layers] + [layer.bias for layer in layers]
        dtype = self._net.layers[0].weight.data.dtype
        X, Y = np.asarray(X, dtype=dtype), np.asarray(Y, dtype=dtype)
        Y = Y.reshape(len(Y), -1)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=dtype)
        closure = self._full_batch_closure(self._loss(Y.shape[1], dtype), X, Y, weights)
        offset = 0
        for p in order:
            p.data = np.asarray(packed[offset : offset + p.data.size]).reshape(p.data.shape)
            offset += p.data.size
            p.grad = None
        value = closure()
        value = float(value.data if isinstance(value, Tensor) else value)
        grad = np.concatenate([np.asarray(p.grad).ravel() for p in order])
        return value, grad

    # -- the network and the live weights -----------------------------------------------------
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
        self._epochs = 0
        self._no_improvement_count = 0
        self._optimizer = None
        self._validation = None
        self._best_params = None
        self.best_iter_ = 0
        if self.solver == "lbfgs":  # as scikit-learn: no curves or scores for L-BFGS
            return
        self.loss_curve_ = []
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _build_net(self, n_features, sizes, dtype):
        layers = [nn.Dense(w, self.activation) for w in sizes]
        # the exp of a Poisson output is the loss's log link: the layer itself is linear
        last = "identity" if self.out_activation_ == "exp" else self.out_activation_
        layers.append(nn.Dense(self.n_outputs_, last))
        self._net = nn.Stack(layers, dtype=dtype)
        self._net.build(n_features)

    def _link_parameters(self):
        # coefs_ and intercepts_ are the network's own arrays: training updates them in place
        self.coefs_ = [layer.weight.data for layer in self._net.layers]
        self.intercepts_ = [layer.bias.data for layer in self._net.layers]

    def _sync_net(self):
        """Take in what was assigned to ``coefs_`` / ``intercepts_`` since the last call.

        In-place edits of the arrays need nothing (they are the network's own); an assigned
        array is copied into the network (which keeps its dtype), and ``coefs_[i]`` is then
        the network's array again. Weights set on an estimator that was never fitted (or
        arrays of other shapes) get a network built around them.
        """
        coefs, intercepts = list(self.coefs_), list(self.intercepts_)
        net = getattr(self, "_net", None)
        shapes = [np.shape(a) for a in coefs + intercepts]
        if net is None or shapes != [np.shape(p.data) for p in self._ordered(net)]:
            floats = [np.asarray(a) for a in coefs]
            dtype = np.result_type(*floats, np.float32) if self.dtype is None else self.dtype
            if not hasattr(self, "out_activation_"):
                raise DataError("coefs_ was set without out_activation_; call fit first")
            self._build_net(floats[0].shape[0], [c.shape[1] for c in floats[:-1]], dtype)
            net = self._net
            for name, default in (("t_", 0), ("n_iter_", 0), ("_no_improvement_count", 0)):
                if not hasattr(self, name):
                    setattr(self, name, default)
        for p, value in zip(self._ordered(net), coefs + intercepts):
            if value is not p.data:
                with _data_checks():
                    p.data = np.asarray(value)
        self._link_parameters()
        self._ensure_state()

    @staticmethod
    def _ordered(net):
        return [layer.weight for layer in net.layers] + [layer.bias for layer in net.layers]

    def _ensure_state(self):
        """The private state a run needs, for weights given by hand instead of by ``fit``."""
        if getattr(self, "_shuffle_rng", None) is None:
            rs = check_random_state(self.random_state)
            self._shuffle_rng = np.random.default_rng(rs.randint(np.iinfo(np.int32).max))
            self._split_seed = int(rs.randint(np.iinfo(np.int32).max))
        for name, default in (("_epochs", 0), ("best_iter_", 0)):
            if not hasattr(self, name):
                setattr(self, name, default)
        for name in ("_optimizer", "_validation", "_best_params"):
            if not hasattr(self, name):
                setattr(self, name, None)
        if self.solver != "lbfgs" and not hasattr(self, "loss_curve_"):
            self.loss_curve_ = []
            self.best_loss_ = None if self.early_stopping else np.inf
            self.validation_scores_ = [] if self.early_stopping else None
            self.best_validation_score_ = -np.inf if self.early_stopping else None

    def _make_optimizer(self):
        params = self._net.parameters()
        if self.solver == "sgd":
            return _SGD(
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
        if self.out_activation_ == "exp":
            return losses.Poisson() if n_outputs == 1 else _PoissonSum(n_outputs, dtype)
        return losses.SquaredError("mean_half")

    def _split_validation(self, X, Y, weights, incremental=False):
        """Hold out ``validation_fraction``, stratified for a single-output classifier (as
        scikit-learn: multi-class and multi-label splits are not stratified).

        A partial_fit chunk may be too small to hold every class out; its split is then not
        stratified rather than refused (fit refuses, as scikit-learn does).
        """
        stratify = None
        if self._is_classifier and Y.shape[1] == 1:
            stratify = Y.astype(bool)  # a column, as scikit-learn (its classes print as text)
        arrays = [X, Y] + ([] if weights is None else [weights])
        split = dict(test_size=self.validation_fraction, random_state=self._split_seed)
        with _data_checks():
            try:
                parts = train_test_split(*arrays, stratify=stratify, **split)
            except ValueError:
                if not incremental or stratify is None:
                    raise
                parts = train_test_split(*arrays, **split)
        X, Xv, Y, Yv = parts[:4]
        if len(Xv) < 2:
            raise DataError(
                "The validation set is too small. Increase 'validation_fraction' or the size "
                f"of your dataset (validation_fraction={self.validation_fraction} of "
                f"{len(X) + len(Xv)} samples gives {len(Xv)})."
            )
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
                self.best_iter_ = self._epochs
                self._best_params = [p.data.copy() for p in self._net.parameters()]
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]
                self.best_iter_ = self._epochs

    def _validation_score(self, Xv, Yv, wv) -> float:
        """scikit-learn's score of the validation set (NaN when the outputs are not finite)."""
        out = self._outputs(Xv)
        if not np.isfinite(out).all():
            return float("nan")
        return self._score_outputs(out, Yv, wv)

    def _restore(self, params):
        if params is not None:
            for p, value in zip(self._net.parameters(), params):
                p.data = value

    # -- inference ----------------------------------------------------------------------------
    def _outputs(self, X) -> np.ndarray:
        """The network's outputs for the rows of X (array, in the network's dtype)."""
        net = self._net
        dtype = net.layers[0].weight.data.dtype
        was_training = net.training
        net.eval()
        try:
            with no_grad():
                chunks = [
                    self._rows_out(X[i : i + 4096], dtype) for i in range(0, X.shape[0], 4096)
                ]
        finally:
            net.train(was_training)
        out = np.concatenate(chunks, axis=0)
        return np.exp(out) if self.out_activation_ == "exp" else out

    def _rows_out(self, rows, dtype) -> np.ndarray:
        """The network's outputs for a chunk of rows; sparse rows meet the first layer as a
        sparse matrix product."""
        if not sp.issparse(rows):
            return self._net(np.asarray(rows, dtype=dtype)).data
        first = self._net.layers[0]
        rows = rows.astype(dtype, copy=False)
        h = first.activation(Tensor(np.asarray(rows @ first.weight.data) + first.bias.data))
        for layer in self._net.layers[1:]:
            h = layer(h)
        return h.data

    def _forward(self, X) -> np.ndarray:
        check_is_fitted(self)
        with _data_checks():
            X = validate_data(
                self, X, reset=False, dtype=(np.float64, np.float32), accept_sparse=["csr", "csc"]
            )
        self._sync_net()
        # predictions come back in the caller's float precision, as scikit-learn's do
        return self._outputs(X).astype(X.dtype, copy=False)

    # -- export -------------------------------------------------------------------------------
    def export(self, path, format="onnx", **options):
        """Write the fitted estimator for another runtime (``format="onnx"``: ``label`` and
        ``probabilities`` for classifiers, ``predictions`` for regressors; docs/onnx.md)."""
        check_is_fitted(self)
        self._sync_net()
        export(self, path, format, **options)

    def _export_spec(self):
        from ..export.onnx import estimator_spec

        check_is_fitted(self)
        self._sync_net()
        if self.out_activation_ == "exp":
            raise ParameterError(
                "export of loss='poisson' is not supported (its exp output is not in the "
                "exported network); got an MLPRegressor fitted with loss='poisson'"
            )
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
            self._net = None
            self._sync_net()
            self._optimizer = None
            if optimizer_state is not None:
                self._optimizer = self._make_optimizer()
                self._optimizer.load_state_dict(optimizer_state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


partial_fit_available = available_if(_stochastic)
