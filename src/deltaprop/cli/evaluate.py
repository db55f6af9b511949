"""``deltaprop evaluate``: a saved model's loss and accuracy (with a confusion matrix) or R^2
on a labelled data file."""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from ..metrics import confusion_matrix
from ._common import add_labels_option, emit_json, load_model, read_for_model
from ._tabular import add_reading_options


def add_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="loss and accuracy or R^2 of a saved model on labelled data",
        description="Evaluate a model on a data file that holds the target column.",
    )
    p.add_argument("model", help="model file")
    p.add_argument("data", help="CSV, .npz (X and y), .npy or IDX")
    p.add_argument("--target", help="target column (default: the one the model was trained on)")
    add_labels_option(p)
    add_reading_options(p)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(handler=run)


def run(args) -> int:
    net = load_model(args.model)
    target = args.target
    if target is None and args.labels is None:
        target = net.target_name
    table = read_for_model(net, args.data, target=target, labels=args.labels, args=args)
    if table.y is None:
        raise DataError(
            f"{table.path!r} has no target: give --target COLUMN, or --labels FILE for .npy "
            "or IDX features"
        )
    results = {"n": int(len(table.X)), **net.evaluate(table.X, table.y)}
    labels = None
    if net.loss is not None and net.loss.kind in ("multiclass", "binary"):
        n_classes = len(net.classes_) if net.classes_ is not None else None
        truth, pred = table.y, net.predict(table.X)
        if net.classes_ is not None:
            # classes_ is sorted (np.unique) and evaluate() above rejected unknown labels.
            truth, pred = np.searchsorted(net.classes_, truth), np.searchsorted(net.classes_, pred)
        matrix = confusion_matrix(truth, pred, n_classes)
        labels = net.classes_.tolist() if net.classes_ is not None else list(range(len(matrix)))
        results["labels"] = labels
        results["confusion_matrix"] = matrix.tolist()
    if args.json:
        emit_json(results)
        return 0
    for key, value in results.items():
        if key not in ("labels", "confusion_matrix"):
            print(f"{key:<10}{value:.6g}" if isinstance(value, float) else f"{key:<10}{value}")
    if labels is not None:
        print("confusion matrix (rows: true class, columns: predicted class)")
        print(_table(labels, results["confusion_matrix"]))
    return 0


def _table(labels: list, matrix: list) -> str:
    names = [str(label) for label in labels]
    width = max(len(s) for s in names + [str(v) for row in matrix for v in row]) + 2
    lines = [" " * width + "".join(f"{s:>{width}}" for s in names)]
    lines += [
        f"{s:>{width}}" + "".join(f"{v:>{width}}" for v in row) for s, row in zip(names, matrix)
    ]
    return "\n".join(lines)
