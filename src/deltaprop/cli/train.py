"""``deltaprop train``: fit a network to a data file and save it as a model file.

The task comes from the target column unless ``--task`` says: class labels (strings, or
whole numbers with at most ``MAX_AUTO_CLASSES`` distinct values) make a classifier, other
numbers a regression. The features are standardised by a first
:class:`~deltaprop.nn.Standardize` layer fitted on the training split (``--no-standardize``
turns it off), so the saved model takes raw features.

Training options beyond the usual: ``--alpha`` (L2 penalty), ``--early-stopping N`` (patience
on the validation loss, best weights kept), ``--checkpoint FILE`` (a resumable checkpoint
after every epoch) and ``--resume FILE`` (carry on from one: the same options give the same
network as an uninterrupted run, since the checkpoint holds the weights, optimizer state,
random generators and callback counters of the last finished epoch).
"""

from __future__ import annotations

import signal
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .. import losses, metrics, optim
from .._text import plural
from ..comm import get_communicator
from ..errors import ConvergenceWarning, DataError, ParameterError
from ..io.checkpoint import read_checkpoint
from ..io.data import read_data
from ..network import Sequential
from ..nn import Dense, Standardize, activations, init
from ..tabular import Preprocessor
from ..training import EarlyStopping, ProgressBar
from ..training.interrupt import EXIT_STATUS, InterruptGuard
from ..training.predict import predict_outputs
from ._common import (
    add_labels_option,
    emit_json,
    fraction_below_one,
    non_negative_float,
    non_negative_int,
    note,
    positive_float,
    positive_int,
)
from ._saving import check_outputs, resume_hint, save_model
from ._tabular import (
    _Extend,
    add_reading_options,
    add_role_options,
    encode,
    is_tabular,
    training_columns,
)

MAX_AUTO_CLASSES = 20
# The automatic schedule (no --epochs, --validation-split or --early-stopping given)
AUTO_VALIDATION = 0.1
AUTO_MIN_ROWS = 50
AUTO_PATIENCE = 50
AUTO_MIN_DELTA = 1e-4  # an improvement of the validation loss smaller than this is none
AUTO_MAX_EPOCHS = 1000
AUTO_SAMPLE_PASSES = 2_000_000
AUTO_EPOCHS_NO_VAL = 200
AUTO_BATCH = 200  # scikit-learn's MLP: batches of min(200, rows)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train a network on a CSV, .npz, .npy or IDX file and save the model",
        description="Train a multilayer network by backpropagation and save it (atomically).",
        epilog="Automatic schedule (when none of --epochs, --validation-split, --early-stopping "
        f"is given): {AUTO_VALIDATION:g} of the rows held out for validation (from "
        f"{AUTO_MIN_ROWS} rows), training stopped after {AUTO_PATIENCE} epochs without "
        f"improvement (by {AUTO_MIN_DELTA:g}) of their loss (the best epoch kept), up to "
        f"{AUTO_MAX_EPOCHS} epochs or {AUTO_SAMPLE_PASSES:,} rows seen; without validation "
        f"rows, {AUTO_EPOCHS_NO_VAL} epochs; "
        f"batches of min({AUTO_BATCH}, rows) unless --batch-size is given.",
    )
    p.add_argument(
        "data", help="CSV with a header row, .npz (arrays X and y), .npy, or IDX (MNIST) images"
    )
    p.add_argument(
        "--target",
        action=_Extend,
        metavar="COL[,COL...]",
        help="target column: a name, or an index (CSV, or .npy without --labels); several "
        "(comma-separated or repeated) for multi-output regression",
    )
    add_labels_option(p)
    add_role_options(p)
    add_reading_options(p)
    p.add_argument(
        "--task",
        choices=("auto", "classification", "regression"),
        default="auto",
        help="auto (default): labels or few whole numbers -> classification, else regression",
    )
    p.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=[64],
        help="hidden layer sizes, comma-separated (default 64; 'none' for no hidden layer)",
    )
    p.add_argument(
        "--activation",
        default="relu",
        choices=activations.names(),
        help="activation of the hidden layers (default relu)",
    )
    p.add_argument(
        "--init",
        default="glorot_uniform",
        choices=init.NAMES,
        help="initial weights of the hidden layers (default glorot_uniform, as scikit-learn's "
        "MLP: on small tabular data sets it generalises better than he_uniform)",
    )
    p.add_argument(
        "--loss",
        default="auto",
        choices=("auto", *losses.LOSSES.names()),
        help="auto (default): cross_entropy for classification, squared_error for regression",
    )
    p.add_argument("--optimizer", default="adam", choices=optim.OPTIMIZERS.names())
    default_lrs = ", ".join(f"{name} {optim.default_lr(name):g}" for name in optim.OPTIMIZERS)
    p.add_argument("--lr", type=positive_float, help=f"learning rate (default: {default_lrs})")
    _add_schedule_options(p)
    p.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed of weights, split and shuffling"
    )
    p.add_argument(
        "--alpha",
        type=non_negative_float,
        default=0.0,
        help="L2 penalty: adds alpha/2 * sum of squared weights to the loss (default 0)",
    )
    p.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="write a resumable checkpoint to FILE after every epoch (atomically; see "
        "--checkpoint-every)",
    )
    p.add_argument(
        "--checkpoint-every",
        type=positive_int,
        default=1,
        metavar="N",
        help="write the checkpoint every N epochs only (and at the end); default 1",
    )
    p.add_argument(
        "--resume",
        metavar="FILE",
        help="carry on from a checkpoint, up to --epochs; give the data and network options of "
        "the run that wrote it (the result equals an uninterrupted run)",
    )
    p.add_argument(
        "--no-standardize",
        dest="standardize",
        action="store_false",
        help="do not standardise the features (they are by default)",
    )
    p.add_argument(
        "--distributed",
        choices=("mpi",),
        help="data-parallel training over the processes of an MPI job (deltaprop launch -n N "
        "-- deltaprop train ... --distributed mpi); only process 0 prints and writes the model",
    )
    p.add_argument("--out", required=True, metavar="MODEL", help="model file to write")
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="also draw the training history to FILE (.png or .svg; needs the plot extra)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress or status output")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.set_defaults(handler=run)


def _add_schedule_options(p) -> None:
    """--epochs, --batch-size, --validation-split, --early-stopping (their defaults: the
    automatic schedule, unless one of them is given)."""
    p.add_argument(
        "--epochs",
        type=positive_int,
        help="epochs to train (default: the automatic schedule, see --help's epilog)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        help=f"default 32, or min({AUTO_BATCH}, rows) in the automatic schedule",
    )
    p.add_argument(
        "--validation-split",
        type=fraction_below_one,
        help="fraction of rows held out for validation metrics (default 0, or 0.1 in the "
        "automatic schedule)",
    )
    p.add_argument(
        "--early-stopping",
        type=positive_int,
        metavar="N",
        help="stop when val_loss has not improved for N epochs and keep the best epoch's "
        "weights (needs --validation-split)",
    )


def _hidden_sizes(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    return [positive_int(part.strip()) for part in text.split(",")]


def infer_task(y: np.ndarray) -> str:
    """classification for labels or whole numbers with few distinct values, else regression.

    >>> infer_task(np.array(["cat", "dog"])), infer_task(np.array([0, 2, 1]))
    ('classification', 'classification')
    >>> infer_task(np.array([0.5, 1.25]))
    'regression'
    """
    if y.dtype.kind in "biu" and len(np.unique(y)) <= MAX_AUTO_CLASSES:
        return "classification"
    return "classification" if y.dtype.kind in "US" else "regression"


@dataclass
class _Data:
    """What training reads: features X (encoded), targets y (labels, or numbers: scaled ones
    for a CSV's regression), the split, and how the columns were read."""

    X: np.ndarray
    y: np.ndarray
    where: str
    train_rows: np.ndarray
    val_rows: np.ndarray
    feature_names: list | None = None
    target_name: str | None = None
    preprocessor: Preprocessor | None = None


def run(args) -> int:
    if args.plot:  # a bad file name or a missing matplotlib is found before training
        from ..plots._figure import check_figure_path

        check_figure_path(args.plot)
    if args.early_stopping is not None and not args.validation_split:
        raise ParameterError(
            "--early-stopping watches the validation loss: give --validation-split too"
        )
    # The communicator before the data: a missing mpi4py is a usage error, found at once.
    comm = get_communicator(args.distributed)
    show = not (args.quiet or args.json) and comm.is_root
    data, task, loss_name, classes, y, out_units, out_activation = _targets(args, show)
    train_rows, val_rows = data.train_rows, data.val_rows
    X_train = data.X[train_rows]
    layers = [Standardize().fit(X_train)] if args.standardize else []
    layers += [Dense(units, args.activation, init=args.init) for units in args.hidden]
    layers.append(Dense(out_units, out_activation))
    net = Sequential(layers, seed=args.seed)
    net.build(data.X.shape[1])
    if args.resume is not None:
        _check_resumable(args.resume, net)
    lr = args.lr if args.lr is not None else optim.default_lr(args.optimizer)
    optimizer = optim.OPTIMIZERS.get(args.optimizer)(net.parameters(), lr=lr)
    if comm.is_root:  # an unwritable --out or --checkpoint is refused before training
        check_outputs(net, args.out, args.checkpoint)
    note(
        f"training a {task} network {_layer_sizes(data.X.shape[1], args.hidden, out_units)} on "
        f"{plural(len(train_rows), 'row')} ({len(val_rows)} held out), loss {loss_name}, "
        f"{args.optimizer} lr={lr:g}",
        quiet=not show,
    )
    if args.auto_schedule:
        note(
            f"schedule: up to {plural(args.epochs, 'epoch')}"
            + (
                f", stopping after {AUTO_PATIENCE} without improvement on the validation rows "
                "(--epochs N to choose)"
                if args.early_stopping
                else " (--epochs N to choose)"
            ),
            quiet=not show,
        )
    validation = None if len(val_rows) == 0 else (data.X[val_rows], y[val_rows])
    show_bar = not args.quiet and comm.is_root
    start, started = time.perf_counter(), time.time()
    # From the end of training until the model file is complete, SIGINT and SIGTERM are only
    # recorded (fit handles them while it runs): the exit status then names the signal.
    _save_before_abort(comm, net, classes, data, args.out)
    with InterruptGuard(second_interrupts=False) as late:
        with warnings.catch_warnings():
            # With --early-stopping, running all --epochs is an outcome, not a problem to warn
            # of.
            warnings.simplefilter("ignore", ConvergenceWarning)
            history = _fit(
                net, args, X_train, y[train_rows], loss_name, optimizer, validation, comm,
                show_bar,
            )  # fmt: skip
        seconds = time.perf_counter() - start

        _label(net, classes, data)
        final = {k: float(v[-1]) for k, v in history.history.items()}
        net.training_info = _training_info(args, task, loss_name, lr, history, data, final)
        saved = save_model(net, args.out, args.checkpoint, started) if comm.is_root else 0
        comm.barrier()  # every process waits for process 0's file before the job can end
    # A SIGINT/SIGTERM stopped fit cleanly after a batch: the model is saved as it stood; the
    # exit status is the shell's 128 + signal number.
    interrupted = history.interrupted or late.name
    status = EXIT_STATUS[getattr(signal, interrupted)] if interrupted else saved
    if not comm.is_root:  # the other processes hold the same weights: one writes them
        return status
    if saved:
        return status
    if args.plot:
        _plot_history(history, args.plot)
    if interrupted:
        note(f"interrupted by {interrupted}; saved the model as it stood to {args.out}")
        hint = resume_hint(args.checkpoint, started)
        if hint:
            note(hint)
    if task == "regression" and not args.quiet:
        _warn_if_worse_than_the_mean(net, data, y, args.json)
    summary = {
        "model": str(args.out),
        "task": task,
        "loss_function": loss_name,
        "epochs": len(history),
        "seconds": round(seconds, 4),
        "n_train": int(len(train_rows)),
        "n_validation": int(len(val_rows)),
        "classes": None if classes is None else classes.tolist(),
        "interrupted": history.interrupted,
        "stop_reason": history.stop_reason,
        "final": final,
    }
    if args.json:
        emit_json(summary)
    elif not args.quiet:
        shown = ", ".join(f"{k} {v:.6g}" for k, v in final.items())
        print(
            f"trained {plural(len(history), 'epoch')} in {seconds:.2f} s: {shown}; saved {args.out}"
        )
        if not history.stop_reason.startswith("reached epochs"):
            note(f"stopped: {history.stop_reason}")
    return status


def _targets(args, show: bool):
    """The data read, the task, the loss and the targets as the network learns them:
    ``(data, task, loss name, classes or None, y, output units, output activation)``."""
    task = args.task if args.task != "auto" else None
    loss_name = None if args.loss == "auto" else args.loss
    if loss_name is not None and task is not None and losses.task_of(loss_name) != task:
        raise ParameterError(
            f"--loss {loss_name} is a {losses.task_of(loss_name)} loss; it does not fit --task "
            f"{task}"
        )
    if is_tabular(args.data, args.labels):
        data = _csv_data(args, task or (losses.task_of(loss_name) if loss_name else "auto"), show)
        targets = data.preprocessor.targets_
        task = task or ("classification" if targets[0]["kind"] == "class" else "regression")
    else:
        data = _array_data(args)
        task = task or (losses.task_of(loss_name) if loss_name else infer_task(data.y))
    where = data.where

    classes = None
    if task == "classification":
        if data.y.ndim != 1:
            raise DataError("several targets are for regression; give one class column")
        classes, y = np.unique(data.y, return_inverse=True)
        if len(classes) < 2:
            raise DataError(
                f"the target {data.target_name or 'y'!r} of {where} has a single class "
                f"{classes.tolist()}; a classifier needs at least 2 (or use --task regression)"
            )
        loss_name = loss_name or "cross_entropy"
        binary = losses.LOSSES.get(loss_name).kind == "binary"
        if binary and len(classes) != 2:
            raise DataError(
                f"--loss {loss_name} needs exactly 2 classes; the target of {where} "
                f"has {len(classes)}"
            )
        out_units = 1 if binary else len(classes)
        out_activation = "logistic" if out_units == 1 else "softmax"
    else:
        if data.y.dtype.kind not in "biuf":
            raise DataError(
                f"regression needs a numeric target; the target of {where} holds labels "
                f"such as {data.y[0]!r} (use --task classification)"
            )
        y = data.y.astype(np.float32)
        loss_name = loss_name or "squared_error"
        out_units, out_activation = (1 if y.ndim == 1 else y.shape[1]), None
    return data, task, loss_name, classes, y, out_units, out_activation


def _array_data(args) -> _Data:
    """.npz, .npy, IDX (or a CSV with --labels): numbers as they are."""
    table = read_data(args.data, target=_one_target(args.target), labels=args.labels)
    where = repr(table.path)
    if table.y is None:
        raise DataError(
            f"{where} has no target: give --target COLUMN, --labels FILE (for .npy or IDX "
            "features), or an .npz file with arrays X and y"
        )
    train_rows, val_rows = _split(len(table.X), _schedule(args, len(table.X)), args.seed)
    return _Data(
        table.X, table.y, where, train_rows, val_rows, table.feature_names, table.target_name
    )


def _csv_data(args, task: str, show: bool) -> _Data:
    """A CSV file: columns by role through a Preprocessor (text one-hot, missing imputed)."""
    columns, prep = training_columns(args, task)
    where = repr(columns.path)
    try:
        prep.fit(columns)
        for message in columns.notes + prep.notes:
            note(message, quiet=not show)
        train_rows, val_rows = _split(len(prep.rows_), _schedule(args, len(prep.rows_)), args.seed)
        X, y = encode(prep, columns, train_rows)
    except DataError as exc:  # name the file in every message about its contents
        if where in str(exc):
            raise
        raise DataError(f"{where}: {exc}") from exc
    targets = prep.target_names
    return _Data(X, y, where, train_rows, val_rows, prep.input_names(), ", ".join(targets), prep)


def _one_target(target):
    if target and len(target) > 1:
        raise ParameterError(
            f"several targets ({', '.join(target)}) need a CSV file; this is not one"
        )
    return target[0] if target else None


def _schedule(args, n_rows: int) -> float:
    """The validation fraction; with none of --epochs, --validation-split, --early-stopping
    given, also sets the automatic schedule's epochs and patience on ``args``."""
    args.auto_schedule = (
        args.epochs is None and args.validation_split is None and args.early_stopping is None
    )
    args.min_delta = AUTO_MIN_DELTA if args.auto_schedule else 0.0
    if not args.auto_schedule:
        args.epochs = args.epochs or 20
        args.batch_size = args.batch_size or 32
        return args.validation_split or 0.0
    args.batch_size = args.batch_size or min(AUTO_BATCH, n_rows)
    if n_rows < AUTO_MIN_ROWS:
        args.epochs = AUTO_EPOCHS_NO_VAL
        return 0.0
    n_train = n_rows - int(round(n_rows * AUTO_VALIDATION))
    args.epochs = int(min(AUTO_MAX_EPOCHS, max(20, AUTO_SAMPLE_PASSES // max(1, n_train))))
    args.early_stopping = AUTO_PATIENCE
    return AUTO_VALIDATION


def _warn_if_worse_than_the_mean(net, data: _Data, y, as_json: bool) -> None:
    """A note when R^2 (validation rows, else training rows) is below 0: the model does worse
    than predicting the mean."""
    rows = data.val_rows if len(data.val_rows) else data.train_rows
    # the encoded rows straight into the layers (the network's preprocessor is for raw data)
    pred = np.asarray(predict_outputs(net, data.X[rows], dtype=net.dtype), dtype=np.float64)
    truth = np.asarray(y[rows], dtype=np.float64).reshape(pred.shape)
    r2 = metrics.r2_score(truth, pred)
    if r2 < 0:
        which = "validation" if len(data.val_rows) else "training"
        note(
            f"warning: the model predicts worse than the mean of the target (R^2 {r2:.3g} on "
            f"the {which} rows); try more epochs, another --lr or more --hidden units"
        )


def _training_info(args, task, loss_name, lr, history, data: _Data, final) -> dict:
    """How the model was trained, saved with it (shown by ``deltaprop info``)."""
    return {
        "data": str(args.data),
        "task": task,
        "loss": loss_name,
        "optimizer": args.optimizer,
        "lr": lr,
        "batch_size": args.batch_size,
        "hidden": list(args.hidden),
        "activation": args.activation,
        "alpha": args.alpha,
        "seed": args.seed,
        "epochs": len(history),
        "max_epochs": args.epochs,
        "early_stopping": args.early_stopping,
        "n_train": int(len(data.train_rows)),
        "n_validation": int(len(data.val_rows)),
        "stop_reason": history.stop_reason,
        "final": final,
        "na_values": list(getattr(args, "na_values", None) or []),
    }


def _label(net, classes, data) -> None:
    """What a saved model carries besides its weights: class labels, names, preprocessing."""
    net.classes_ = classes
    net.feature_names = data.feature_names or None
    net.target_name = data.target_name
    net.preprocessor = data.preprocessor


def _save_before_abort(comm, net, classes, data, out) -> None:
    """If process 0 ends the job because another process stopped answering (see
    comm.mpi.Watchdog), it first saves the model as it stood after the last step."""
    if not comm.is_root or not hasattr(comm, "before_abort"):
        return

    def rescue():
        _label(net, classes, data)
        net.save(out)
        note(f"deltaprop: saved the model as it stood to {out}")

    comm.before_abort = rescue


def _fit(net, args, X, y, loss_name, optimizer, validation, comm, show_bar):
    stop = (
        None
        if args.early_stopping is None
        else EarlyStopping(patience=args.early_stopping, min_delta=args.min_delta)
    )
    return net.fit(
        X,
        y,
        loss=loss_name,
        optimizer=optimizer,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        validation_data=validation,
        callbacks=[ProgressBar(args.epochs, stream=sys.stderr)] if show_bar else None,
        stop=stop,
        alpha=args.alpha,
        checkpoint=args.checkpoint,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        distributed=comm,
    )


def _plot_history(history, path) -> None:
    from ..plots import plot_history
    from ..plots._figure import save_figure

    save_figure(plot_history(history), path)


def _check_resumable(path, net: Sequential) -> None:
    """The checkpoint must come from a network of the architecture these options build."""
    saved = read_checkpoint(path)["model"]
    ours = net.get_config()["architecture"]
    if not isinstance(saved, dict) or saved.get("architecture") != ours:
        raise ParameterError(
            f"--resume {str(path)!r} was written for another network than the one these "
            f"options build ({_describe(ours)}); give the data and network options "
            "(--hidden, --activation, --loss, --no-standardize) of the run that wrote it"
        )


def _describe(architecture: dict) -> str:
    layers = architecture.get("layers", [])
    return ", ".join(
        f"{layer['type']}({layer.get('units', '')})".replace("()", "") for layer in layers
    )


def _split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled row indices for training and validation (validation may be empty)."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * fraction))
    if fraction > 0 and n_val == 0:
        n_val = 1
    if n - n_val < 1:
        raise DataError(
            f"--validation-split {fraction} leaves no rows for training out of {plural(n, 'row')}"
        )
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _layer_sizes(n_in: int, hidden: list, n_out: int) -> str:
    return "-".join(str(n) for n in [n_in, *hidden, n_out])
