"""The training loop: forward pass, error, backward pass, update, until a stopping rule holds."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import losses
from .._checks import as_generator, check_number
from ..engine import no_grad, tracer
from ..engine.replay import Replay
from ..errors import ConvergenceWarning, ParameterTypeError
from ..optim import SGD, Optimizer
from .batching import Batches
from .callbacks import Callback
from .data import check_features, check_lengths
from .divergence import DivergenceGuard
from .history import History
from .interrupt import InterruptGuard
from .predict import evaluate_outputs, predict_outputs
from .progress import ProgressBar
from .stopping import StoppingRule


class TrainingRun:
    """The state of one ``fit`` call, as callbacks see it."""

    def __init__(self, module, optimizer, loss, X, y, history):
        self.module = module
        self.optimizer = optimizer
        self.loss = loss
        self.X = X
        self.y = y
        self.history = history
        self.epoch = 0
        self.stop_reason: str | None = None

    def stop(self, reason: str) -> None:
        """End training after the current epoch (the first reason given is kept)."""
        if self.stop_reason is None:
            self.stop_reason = reason

    def all_classified(self, tolerance: float = 0.5) -> bool:
        """Whether every training example is classified correctly (see AllClassified)."""
        out = predict_outputs(self.module, self.X, dtype=self.dtype)
        if self.loss.kind == "multiclass":
            labels = self.y if self.y.ndim == 1 else np.argmax(self.y, axis=1)
            return bool(np.all(self.loss.predict(out) == labels))
        if self.loss.kind == "binary":
            return bool(np.all(self.loss.predict(out) == np.round(self.y)))
        return bool(np.all(np.abs(out - self.y) < tolerance))


def fit(
    module,
    X,
    y,
    *,
    loss="squared_error",
    optimizer: Optimizer | None = None,
    epochs: int = 1,
    batch_size: int | None = 32,
    shuffle: bool = True,
    seed=None,
    stop=None,
    validation_data=None,
    callbacks=None,
    record_batches: bool = False,
    verbose: int = 0,
    on_divergence: str = "raise",
    max_rollbacks: int = 3,
) -> History:
    """Train ``module`` on (X, y) by backpropagation and gradient descent.

    Each step: forward pass ``out = module(x_batch)``, error ``E = loss(out, y_batch)``,
    backward pass ``E.backward()`` (the chain rule, filling every parameter's ``grad``), update
    ``optimizer.step()``. One epoch visits every example once; after each epoch the stopping
    rules are checked.

    Parameters
    ----------
    module : Module
        The network (built on the first batch if its input size is not known yet).
    X : array of shape (n_samples, n_features)
        Features; converted to the network's dtype batch by batch (a memory-mapped ``.npy``
        is read batch by batch, never loaded whole).
    y : array
        Targets, as the loss takes them (see :mod:`deltaprop.losses`).
    loss : name, Loss or callable, default "squared_error"
    optimizer : Optimizer, optional
        Built on ``module.parameters()``; default ``SGD(lr=0.01)``.
    epochs : int, default 1
        The most epochs to run.
    batch_size : int or None, default 32
        1 is online learning (one example per update), None the full batch.
    shuffle : bool, default True
        Visit examples in a new random order each epoch (from ``seed``).
    seed : int or numpy.random.Generator, optional
        Randomness of the shuffling.
    stop : StoppingRule or list of them, optional
        Extra stopping rules: training ends when the first holds.
    validation_data : (X_val, y_val), optional
        Held-out data, evaluated after every epoch into ``val_loss`` (and ``val_accuracy``
        or ``val_r2``).
    callbacks : list of Callback, optional
    record_batches : bool, default False
        Keep every batch's loss in ``History.batch_loss``.
    verbose : int, default 0
        1 shows progress (:class:`~deltaprop.training.progress.ProgressBar`: a bar on a
        terminal with tqdm installed, else one line per epoch); 0 is silent.
    on_divergence : {"raise", "rollback"}, default "raise"
        When a batch's loss or (checked after each epoch) a parameter becomes infinite or NaN:
        "raise" stops with :class:`~deltaprop.errors.TrainingDiverged`; "rollback" returns to
        the weights and optimizer state of the start of the epoch, halves the learning rate and
        runs the epoch again, at most ``max_rollbacks`` times (then raises). See
        :mod:`deltaprop.training.divergence`.
    max_rollbacks : int, default 3

    Returns
    -------
    History
        ``stop_reason`` says why training ended; ``interrupted`` names the signal
        ("SIGINT", "SIGTERM") when SIGINT or SIGTERM stopped it after the current batch
        (see :mod:`deltaprop.training.interrupt`); ``rollbacks`` counts rollbacks.

    Raises
    ------
    TrainingDiverged
        When training diverged (see ``on_divergence``); it names the epoch and batch, and the
        network keeps the weights of the start of that epoch.
    """
    loss = losses.get(loss)
    epochs = check_number("epochs", epochs, low=1, integer=True)
    if batch_size is not None:
        batch_size = check_number("batch_size", batch_size, low=1, integer=True)
    rng = as_generator(seed)
    rules = _as_list(stop, "stop", StoppingRule)
    extra = _as_list(callbacks, "callbacks", Callback)
    if verbose:
        extra.append(ProgressBar(epochs))
    in_features = (
        getattr(module, "in_features", None) if getattr(module, "is_built", False) else None
    )
    X = check_features(X, "X", in_features)
    dtype = getattr(module, "dtype", None) or np.float32
    n_outputs = _output_width(module, X, dtype)
    y = loss.prepare_target(y, n_outputs, dtype)
    check_lengths(X, y)
    validation = None
    if validation_data is not None:
        validation = _prepare_validation(validation_data, loss, X.shape[1], n_outputs, dtype)
    if optimizer is None:
        optimizer = SGD(module.parameters(), lr=0.01)
    elif not isinstance(optimizer, Optimizer):
        raise ParameterTypeError(
            "optimizer must be an Optimizer such as SGD(net.parameters(), lr=0.1); "
            f"got {optimizer!r}"
        )

    history = History()
    run = TrainingRun(module, optimizer, loss, X, y, history)
    run.dtype = dtype
    everyone = rules + extra
    n = len(X)
    bs = n if batch_size is None else batch_size
    batches = Batches((X, y), bs, shuffle, rng, dtypes=(dtype, None))
    divergence = DivergenceGuard(on_divergence, max_rollbacks, module, optimizer)
    module.train()
    for cb in everyone:
        cb.on_train_begin(run)
    last_finite = None
    # A static network's step is recorded once and replayed (same ops, no graph rebuilding).
    replayable = getattr(module, "replayable", False) and not isinstance(loss, losses.Custom)
    replay = None
    interrupt = InterruptGuard()
    try:
        # Non-finite values are caught and reported by the divergence policy; NumPy's own
        # overflow warnings on the way there would only be noise.
        with interrupt, np.errstate(over="ignore", invalid="ignore"):
            epoch = 1
            while epoch <= epochs:
                run.epoch = epoch
                for cb in everyone:
                    cb.on_epoch_begin(run, epoch)
                divergence.epoch_begins()
                total = 0.0
                retry = False
                for b, (xb, yb) in batches.epoch():
                    optimizer.zero_grad()
                    if replay is not None and replay.is_valid():
                        value = float(replay.step(xb, yb))
                    elif replayable and not tracer.active():
                        replay, error = Replay.record(lambda x, t: loss(module(x), t), xb, yb)
                        value = float(error.data)
                    else:
                        error = loss(module(xb), yb)
                        error.backward()
                        value = float(error.data)
                    if not math.isfinite(value):
                        retry = divergence.diverged(
                            f"the loss became {value}", epoch, b, last_finite
                        )
                        break
                    optimizer.step()
                    last_finite = value
                    total += value if loss.sums else value * len(xb)
                    if record_batches:
                        history.batch_loss.append(value)
                    for cb in extra:
                        cb.on_batch_end(run, b, value)
                    if interrupt.received is not None:
                        break
                if not retry and interrupt.received is None:
                    if not divergence.parameters_finite():
                        retry = divergence.diverged(
                            "a parameter became infinite or NaN", epoch, b, last_finite
                        )
                if retry:
                    history.rollbacks = divergence.rollbacks
                    continue  # the same epoch again, from its first weights
                if interrupt.received is not None:
                    history.interrupted = interrupt.name
                    run.stop(f"interrupted by {interrupt.name} in epoch {epoch} after batch {b}")
                    break
                logs = {"loss": total if loss.sums else total / n}
                if validation is not None:
                    Xv, yv = validation
                    out = predict_outputs(module, Xv, dtype=dtype)
                    logs.update(
                        {f"val_{k}": v for k, v in evaluate_outputs(out, yv, loss).items()}
                    )
                history.append(epoch, logs)
                for cb in everyone:
                    cb.on_epoch_end(run, epoch, logs)
                if run.stop_reason is not None:
                    break
                epoch += 1
        if run.stop_reason is None:
            run.stop_reason = f"reached epochs={epochs}"
            if rules:
                warnings.warn(
                    f"training stopped at the epoch limit ({epochs}) before any stopping rule "
                    f"held ({', '.join(type(r).__name__ for r in rules)}); raise epochs or the "
                    "learning rate",
                    ConvergenceWarning,
                    stacklevel=2,
                )
        history.stop_reason = run.stop_reason
    finally:
        for cb in everyone:
            cb.on_train_end(run)
    return history


def _as_list(value, name, kind) -> list:
    if value is None:
        return []
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if not isinstance(item, kind):
            raise ParameterTypeError(f"{name} must hold {kind.__name__} objects; got {item!r}")
    return items


def _output_width(module, X, dtype) -> int:
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


def _prepare_validation(validation_data, loss, n_features, n_outputs, dtype):
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
