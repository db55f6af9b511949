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

import numpy as np

from .. import losses, optim
from .._text import plural
from ..comm import get_communicator
from ..errors import ConvergenceWarning, DataError, ParameterError
from ..io.checkpoint import read_checkpoint
from ..io.data import read_data
from ..network import Sequential
from ..nn import Dense, Standardize, activations
from ..training import EarlyStopping, ProgressBar
from ..training.interrupt import EXIT_STATUS
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

MAX_AUTO_CLASSES = 20


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train a network on a CSV, .npz, .npy or IDX file and save the model",
        description="Train a multilayer network by backpropagation and save it (atomically).",
    )
    p.add_argument(
        "data", help="CSV with a header row, .npz (arrays X and y), .npy, or IDX (MNIST) images"
    )
    p.add_argument(
        "--target", help="target column: a name, or an index (CSV, or .npy without --labels)"
    )
    add_labels_option(p)
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
        choices=activations.NAMES,
        help="activation of the hidden layers (default relu)",
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
    p.add_argument("--epochs", type=positive_int, default=20, help="default 20")
    p.add_argument("--batch-size", type=positive_int, default=32, help="default 32")
    p.add_argument(
        "--validation-split",
        type=fraction_below_one,
        default=0.0,
        help="fraction of rows held out for validation metrics (default 0)",
    )
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
        "--early-stopping",
        type=positive_int,
        metavar="N",
        help="stop when val_loss has not improved for N epochs and keep the best epoch's "
        "weights (needs --validation-split)",
    )
    p.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="write a resumable checkpoint to FILE after every epoch (atomically)",
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


def run(args) -> int:
    if args.plot:  # a bad file name or a missing matplotlib is found before training
        from ..plots._figure import check_figure_path

        check_figure_path(args.plot)
    if args.early_stopping is not None and args.validation_split == 0:
        raise ParameterError(
            "--early-stopping watches the validation loss: give --validation-split too"
        )
    # The communicator before the data: a missing mpi4py is a usage error, found at once.
    comm = get_communicator(args.distributed)
    table = read_data(args.data, target=args.target, labels=args.labels)
    where = repr(table.path)
    if table.y is None:
        raise DataError(
            f"{where} has no target: give --target COLUMN, --labels FILE (for .npy or IDX "
            "features), or an .npz file with arrays X and y"
        )
    task = args.task if args.task != "auto" else None
    loss_name = None if args.loss == "auto" else args.loss
    if loss_name is not None and task is not None and losses.task_of(loss_name) != task:
        raise ParameterError(
            f"--loss {loss_name} is a {losses.task_of(loss_name)} loss; it does not fit --task "
            f"{task}"
        )
    task = task or (losses.task_of(loss_name) if loss_name else infer_task(table.y))

    classes = None
    if task == "classification":
        classes, y = np.unique(table.y, return_inverse=True)
        if len(classes) < 2:
            raise DataError(
                f"the target {table.target_name or 'y'!r} of {where} has a single class "
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
        if table.y.dtype.kind not in "biuf":
            raise DataError(
                f"regression needs a numeric target; the target of {where} holds labels "
                f"such as {table.y[0]!r} (use --task classification)"
            )
        y = table.y.astype(np.float32)
        loss_name = loss_name or "squared_error"
        out_units, out_activation = 1, None

    train_rows, val_rows = _split(len(table.X), args.validation_split, args.seed)
    X_train = table.X[train_rows]
    layers = [Standardize().fit(X_train)] if args.standardize else []
    init = "he_uniform" if args.activation in ("relu", "leaky_relu") else "glorot_uniform"
    layers += [Dense(units, args.activation, init=init) for units in args.hidden]
    layers.append(Dense(out_units, out_activation))
    net = Sequential(layers, seed=args.seed)
    net.build(table.X.shape[1])
    if args.resume is not None:
        _check_resumable(args.resume, net)
    lr = args.lr if args.lr is not None else optim.default_lr(args.optimizer)
    optimizer = optim.OPTIMIZERS.get(args.optimizer)(net.parameters(), lr=lr)
    show = not (args.quiet or args.json) and comm.is_root
    note(
        f"training a {task} network {_layer_sizes(table.X.shape[1], args.hidden, out_units)} on "
        f"{plural(len(train_rows), 'row')} ({len(val_rows)} held out), loss {loss_name}, "
        f"{args.optimizer} lr={lr:g}",
        quiet=not show,
    )
    validation = None if len(val_rows) == 0 else (table.X[val_rows], y[val_rows])
    show_bar = not args.quiet and comm.is_root
    start = time.perf_counter()
    with warnings.catch_warnings():
        # With --early-stopping, running all --epochs is an outcome, not a problem to warn of.
        warnings.simplefilter("ignore", ConvergenceWarning)
        history = _fit(
            net, args, X_train, y[train_rows], loss_name, optimizer, validation, comm, show_bar
        )
    seconds = time.perf_counter() - start

    net.classes_ = classes
    net.feature_names = table.feature_names or None
    net.target_name = table.target_name
    # A SIGINT/SIGTERM stopped fit cleanly after a batch: the model is saved as it stood; the
    # exit status is the shell's 128 + signal number.
    status = EXIT_STATUS[getattr(signal, history.interrupted)] if history.interrupted else 0
    if not comm.is_root:  # the other processes hold the same weights: one writes them
        return status
    net.save(args.out)
    if args.plot:
        _plot_history(history, args.plot)
    if history.interrupted:
        note(f"interrupted by {history.interrupted}; saved the model as it stood to {args.out}")
        if args.checkpoint:
            note(f"to carry on, run the same command with --resume {args.checkpoint}")

    final = {k: float(v[-1]) for k, v in history.history.items()}
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


def _fit(net, args, X, y, loss_name, optimizer, validation, comm, show_bar):
    stop = None if args.early_stopping is None else EarlyStopping(patience=args.early_stopping)
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
