"""The training loop: forward pass, error, backward pass, update, until a stopping rule holds."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import losses
from .._checks import as_generator, check_number
from ..comm import get_communicator
from ..engine import no_grad, tracer
from ..engine.replay import Replay
from ..errors import ConvergenceWarning, ParameterTypeError, TrainingDiverged
from ..optim import SGD, Optimizer
from .batching import Batches
from .callbacks import Callback
from .data import check_features, check_lengths
from .distributed import DataParallel
from .history import History
from .predict import evaluate_outputs, predict_outputs
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
        # Data-parallel training (fit's ``distributed``): this process's number, the number of
        # processes, and whether this is the one process that prints and writes files.
        self.rank = 0
        self.world_size = 1
        self.is_root = True

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
    distributed=None,
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
        1 prints one line per epoch.
    distributed : None, "mpi" or Communicator, default None
        Data-parallel training over the processes of a job (``deltaprop launch -n N``): each
        process trains on its slice of every batch and the gradients are summed, so the
        result equals one process's on the same batches (see
        :mod:`deltaprop.training.distributed`). Only process 0 prints.

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        When a batch's loss is infinite or NaN; it names the epoch and batch.
    """
    loss = losses.get(loss)
    epochs = check_number("epochs", epochs, low=1, integer=True)
    if batch_size is not None:
        batch_size = check_number("batch_size", batch_size, low=1, integer=True)
    rng = as_generator(seed)
    comm = get_communicator(distributed)
    rules = _as_list(stop, "stop", StoppingRule)
    extra = _as_list(callbacks, "callbacks", Callback)
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
    run.rank, run.world_size, run.is_root = comm.rank, comm.size, comm.is_root
    everyone = rules + extra
    n = len(X)
    bs = n if batch_size is None else batch_size
    parallel = None
    if comm.size > 1:
        parallel = DataParallel(
            comm, module, optimizer, loss, rng, seed,
            n_rows=n, n_features=X.shape[1], batch_size=bs, epochs=epochs,
        )  # fmt: skip
        batches = parallel.shard((X, y), bs, shuffle, dtypes=(dtype, None))
    else:
        batches = Batches((X, y), bs, shuffle, rng, dtypes=(dtype, None))
    module.train()
    for cb in everyone:
        cb.on_train_begin(run)
    last_finite = None
    # A static network's step is recorded once and replayed (same ops, no graph rebuilding).
    replayable = getattr(module, "replayable", False) and not isinstance(loss, losses.Custom)
    replay = None
    try:
        for epoch in range(1, epochs + 1):
            run.epoch = epoch
            for cb in everyone:
                cb.on_epoch_begin(run, epoch)
            total = 0.0
            for b, (xb, yb) in batches.epoch():
                optimizer.zero_grad()
                rows = len(xb)
                if parallel is not None and not rows:
                    value = parallel.empty_step()
                elif replay is not None and replay.is_valid():
                    value = float(replay.step(xb, yb))
                elif replayable and not tracer.active():
                    replay, error = Replay.record(lambda x, t: loss(module(x), t), xb, yb)
                    value = float(error.data)
                else:
                    error = loss(module(xb), yb)
                    error.backward()
                    value = float(error.data)
                if parallel is not None:
                    value, rows = parallel.reduce(value, rows)
                if not math.isfinite(value):
                    raise TrainingDiverged(
                        f"the loss became {value} at epoch {epoch}, batch {b}; the last finite "
                        f"batch loss was {last_finite}. Try a smaller learning rate "
                        f"(lr={getattr(optimizer, 'lr', '?')}) or standardise the features.",
                        epoch=epoch,
                        batch=b,
                        last_finite_loss=last_finite,
                    )
                optimizer.step()
                last_finite = value
                total += value if loss.sums else value * rows
                if record_batches:
                    history.batch_loss.append(value)
                for cb in extra:
                    cb.on_batch_end(run, b, value)
            logs = {"loss": total if loss.sums else total / n}
            if validation is not None:
                Xv, yv = validation
                out = predict_outputs(module, Xv, dtype=dtype)
                logs.update({f"val_{k}": v for k, v in evaluate_outputs(out, yv, loss).items()})
            history.append(epoch, logs)
            if verbose and comm.is_root:
                shown = " - ".join(f"{k} {v:.6g}" for k, v in logs.items())
                print(f"epoch {epoch}/{epochs} - {shown}")
            for cb in everyone:
                cb.on_epoch_end(run, epoch, logs)
            if parallel is not None:
                parallel.agree_to_stop(run)
            if run.stop_reason is not None:
                break
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
