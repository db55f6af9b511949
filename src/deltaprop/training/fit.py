"""``fit``: data, then steps, then the loop.

:func:`fit` checks its options, has :func:`~deltaprop.training.prepare.prepare` check and
shape the data, sets up the step chooser (:mod:`deltaprop.training.steps`), the batches and
the callbacks, and runs the loop (:mod:`deltaprop.training.loop`): forward pass, error,
backward pass, update, until a stopping rule holds.
"""

from __future__ import annotations

import numpy as np

from .. import kernels, losses
from .._checks import as_generator, check_flags, check_number, warn
from ..comm import get_communicator
from ..errors import ConvergenceWarning, ParameterError, ParameterTypeError
from ..optim import SGD, Optimizer
from ..optim.schedules import Schedule
from .batching import Batches
from .callbacks import Callback
from .distributed import DataParallel, shared_generator
from .divergence import DivergenceGuard
from .history import History
from .loop import Loop
from .predict import predict_outputs
from .prepare import prepare
from .progress import ProgressBar
from .resume import capture_state, restore_state
from .state_checks import run_settings
from .steps import Objective, StepChooser
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
        self.reached_limit = False  # True when the epoch limit, not a rule, ended the run
        self.samples_seen = 0  # training examples used so far (InverseScaling counts them)
        self.base_lr = getattr(optimizer, "lr", None)
        self.lr_scale = 1.0  # ReduceLROnPlateau's reductions (and rollbacks' halvings) so far
        self.rng = None
        self.callbacks: list = []
        # Data-parallel training (fit's ``distributed``): this process's number, the number of
        # processes, and whether this is the one process that prints and writes files.
        self.rank = 0
        self.world_size = 1
        self.is_root = True

    def state(self) -> dict:
        """Everything needed to resume this run after the current epoch (see fit's resume)."""
        return capture_state(self)

    def stop(self, reason: str) -> None:
        """End training after the current epoch (the first reason given is kept)."""
        if self.stop_reason is None:
            self.stop_reason = reason

    def all_classified(self, tolerance: float = 0.5) -> bool:
        """Whether every training example is classified correctly (see AllClassified)."""
        if self.X is None:
            raise ParameterError(
                "AllClassified needs the training arrays X and y; with a batch source, stop "
                "on the loss instead (LossBelow, NoImprovement)"
            )
        out = predict_outputs(self.module, self.X, dtype=self.dtype)
        if self.loss.kind == "multiclass":
            labels = self.y if self.y.ndim == 1 else np.argmax(self.y, axis=1)
            return bool(np.all(self.loss.predict(out) == labels))
        if self.loss.kind == "binary":
            return bool(np.all(self.loss.predict(out) == np.round(self.y)))
        return bool(np.all(np.abs(out - self.y) < tolerance))


_FIT_DOC = """Train ``module`` on (X, y) by backpropagation and gradient descent.

Each step: forward pass ``out = module(x_batch)``, error ``E = loss(out, y_batch)``,
backward pass ``E.backward()`` (the chain rule, filling every parameter's ``grad``), update
``optimizer.step()``. One epoch visits every example once; after each epoch the stopping
rules are checked.

Parameters
----------
module : Module
    The network (built on the first batch if its input size is not known yet).
X : array of shape (n_samples, n_features), or a batch source
    Features; converted to the network's dtype batch by batch (a memory-mapped ``.npy``
    is read batch by batch, never loaded whole). With ``y`` omitted, an iterable of
    ``(X_batch, y_batch)`` pairs instead (see :mod:`deltaprop.training.source`).
y : array, optional
    Targets, as the loss takes them (see :mod:`deltaprop.losses`); omitted only for a
    batch source.
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
on_divergence : {"raise", "rollback", "continue"}, default "raise"
    When a batch's loss or (checked after each epoch) a parameter becomes infinite or NaN:
    "raise" stops with :class:`~deltaprop.errors.TrainingDiverged`; "rollback" returns to
    the weights and optimizer state of the start of the epoch, halves the learning rate and
    runs the epoch again, at most ``max_rollbacks`` times (then raises); "continue" trains
    on with the non-finite values (scikit-learn's behaviour, for its estimators). See
    :mod:`deltaprop.training.divergence`.
max_rollbacks : int, default 3
validation_split : float in (0, 1), optional
    Hold out this fraction of (X, y) as validation data instead of ``validation_data``:
    stratified by class for classification losses, drawn from ``seed``. (The training
    rows are then gathered into memory.)
alpha : float, default 0
    L2 penalty, scikit-learn's: each batch's loss gets ``+ alpha / 2 * sum ||W||^2 / B``
    over every trainable weight matrix (parameters named ``weight``, not biases), with
    ``B`` the batch's size, or its sum of example weights when weighted, as scikit-learn
    (``B = 1`` for "sum" reductions); its gradient is ``alpha * W / B``. Decoupled weight
    decay is :class:`~deltaprop.optim.AdamW`'s.
sample_weight : array of shape (n_samples,), optional
    Non-negative weight of each example: a "mean" loss becomes ``sum w_n l_n / sum w_n``
    (within each batch), a "sum" loss ``sum w_n l_n``.
class_weight : dict or "balanced", optional
    Weight per class index (classification losses); "balanced" is scikit-learn's
    ``n_samples / (n_classes * bincount(y))``. Multiplies ``sample_weight``.
schedule : Schedule, optional
    Sets ``optimizer.lr = schedule(epoch, base_lr, samples_seen) * lr_scale`` at the start
    of every epoch (see :mod:`deltaprop.optim.schedules`; ``lr_scale`` is 1 unless a
    :class:`~deltaprop.training.ReduceLROnPlateau` reduced it). ``History["lr"]`` records
    each epoch's rate, with or without a schedule.
resume : dict, optional
    A state from ``TrainingRun.state()`` (as a checkpoint file holds it, see
    :mod:`deltaprop.io.checkpoint`): weights, optimizer state, random-number states,
    callback states, history and epoch are restored and training continues at the next
    epoch, up to ``epochs`` in total. Same data and settings give weights identical to an
    uninterrupted run.
train_metrics : bool, default False
    Also record the training data's ``accuracy`` (classifiers) or ``mse`` and ``r2``
    (regression) after every epoch, as Keras' training metrics: one extra forward pass
    over the training rows, with the epoch's final weights (dropout off; unweighted).
    Needs array data.
distributed : None, "mpi" or Communicator, default None
    Data-parallel training over the processes of a job (``deltaprop launch -n N``): each
    process holds the same (X, y), trains on its slice of every batch, and the gradients
    are summed, so the result equals one process's on the same batches (see
    :mod:`deltaprop.training.distributed`). Only process 0 prints and writes files.
step_path : {"auto", "tape", "replay", "fused", "scalar", "compiled"}, default "auto"
    Which computation trains each batch (:mod:`deltaprop.training.steps`): "auto" the
    fastest that applies; another name forces that path, or raises ParameterError saying
    why it does not apply. ``History.step_paths`` counts the steps each path took.

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


def fit(
    module,
    X,
    y=None,
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
    validation_split: float | None = None,
    alpha: float = 0.0,
    sample_weight=None,
    class_weight=None,
    schedule: Schedule | None = None,
    resume: dict | None = None,
    distributed=None,
    train_metrics: bool = False,
    step_path: str = "auto",
) -> History:
    loss = losses.get(loss)
    epochs = check_number("epochs", epochs, low=1, integer=True)
    check_flags(shuffle=shuffle, verbose=verbose)
    if batch_size is not None:
        batch_size = check_number("batch_size", batch_size, low=1, integer=True)
    comm = get_communicator(distributed)
    rng = as_generator(seed)
    if comm.size > 1 and seed is None:
        rng = shared_generator(comm, rng)  # every process must draw the same orders
    alpha = check_number("alpha", alpha, low=0.0)
    if schedule is not None and not isinstance(schedule, Schedule):
        raise ParameterTypeError(f"schedule must be a Schedule such as StepDecay; got {schedule!r}")
    rules = _as_list(stop, "stop", StoppingRule)
    extra = _as_list(callbacks, "callbacks", Callback)
    if verbose and comm.is_root:
        extra.append(ProgressBar(epochs))
    data = prepare(
        module, X, y, loss, epochs=epochs, batch_size=batch_size, rng=rng,
        sample_weight=sample_weight, class_weight=class_weight,
        validation_split=validation_split, validation_data=validation_data,
        train_metrics=train_metrics, distributed=comm.size > 1,
    )  # fmt: skip
    optimizer = _optimizer(optimizer, module)
    history = History()
    run = TrainingRun(module, optimizer, loss, data.X, data.y, history)
    run.dtype, run.rng = data.dtype, rng
    run.settings = run_settings(run, batch_size, seed, validation_split)
    run.callbacks = rules + extra
    run.rank, run.world_size, run.is_root = comm.rank, comm.size, comm.is_root
    objective = Objective(module, loss, data.weighted, alpha, data.dtype)
    chooser = StepChooser(module, loss, objective, path=step_path, counts=history.step_paths)
    parallel = None
    if comm.size > 1:
        parallel = DataParallel(
            comm, module, optimizer, loss, rng,
            n_rows=len(data.X), n_features=data.n_features, batch_size=data.batch_size,
            epochs=epochs,
        )  # fmt: skip
        batches = parallel.shard(data.arrays, data.batch_size, shuffle, data.dtypes)
    elif data.stream is None:
        batches = Batches(data.arrays, data.batch_size, shuffle, rng, dtypes=data.dtypes)
    else:
        batches = data.stream
    loop = Loop(
        run, data, batches, chooser, objective, parallel,
        divergence=DivergenceGuard(on_divergence, max_rollbacks, module, optimizer),
        schedule=schedule, record_batches=record_batches, train_metrics=train_metrics,
        batch_callbacks=extra,
    )  # fmt: skip
    module.train()
    for cb in run.callbacks:
        cb.on_train_begin(run)
    first_epoch = 1 if resume is None else restore_state(run, resume) + 1
    loop.divergence.rollbacks = history.rollbacks  # a resumed run goes on counting
    # With numba installed, its compiled kernels are loaded for a fit long enough to repay
    # loading them (deltaprop.kernels.prepare); a stream's length is not known.
    planned = (epochs - first_epoch + 1) * len(batches) if hasattr(batches, "__len__") else 0
    kernels.prepare(sum(p.data.size for p in module.parameters()), planned)
    # With numba, whole epochs of fused steps run as one compiled loop when it pays (or when
    # step_path="loop" asks for it): see training/compiled.py.
    if parallel is None and data.stream is None:
        loop.compiled = chooser.epoch_loop(
            optimizer, batches, data.weighted, run.callbacks, planned
        )
    finished = resume.get("stop_reason") if isinstance(resume, dict) else None
    try:
        if finished:  # the resumed run had ended: nothing to train, its history stands
            run.stop(f"the run had already finished ({finished}); nothing was trained")
        else:
            loop.run(first_epoch, epochs)
        if run.stop_reason is None:
            run.stop_reason = f"reached epochs={epochs}"
            run.reached_limit = True
            if rules and not finished:
                warn(
                    f"training stopped at the epoch limit ({epochs}) before any stopping rule "
                    f"held ({', '.join(type(r).__name__ for r in rules)}); raise epochs or the "
                    "learning rate",
                    ConvergenceWarning,
                )
        history.stop_reason = run.stop_reason
    finally:
        for cb in run.callbacks:
            cb.on_train_end(run)
    return history


fit.__doc__ = _FIT_DOC  # kept apart: the parameters' documentation is longer than the code


def _optimizer(optimizer, module) -> Optimizer:
    """The optimizer fit uses: ``SGD(lr=0.01)`` on the module's parameters by default."""
    if optimizer is None:
        return SGD(module.parameters(), lr=0.01)
    if not isinstance(optimizer, Optimizer):
        raise ParameterTypeError(
            "optimizer must be an Optimizer such as SGD(net.parameters(), lr=0.1); "
            f"got {optimizer!r}"
        )
    own = {id(p) for p in module.parameters()}
    if not any(id(p) in own for p in optimizer.params):
        raise ParameterError(
            f"the optimizer was built on another network's parameters: none of its "
            f"{len(optimizer.params)} parameters is one of this network's, so training would "
            f"change nothing; build it on this network's: {type(optimizer).__name__}"
            "(net.parameters(), ...)"
        )
    return optimizer


def _as_list(value, name, kind) -> list:
    if value is None:
        return []
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if not isinstance(item, kind):
            raise ParameterTypeError(f"{name} must hold {kind.__name__} objects; got {item!r}")
    return items


