"""``deltaprop predict``: a saved model's predictions for every row of a data file, as CSV.

Output columns: ``prediction`` (the original class label for classifiers, else the output
value; one ``output_<j>`` column per output for multi-output regression) and, with
``--proba``, one ``proba_<label>`` column per class.
"""

from __future__ import annotations

import csv
import io
import sys

import numpy as np

from .._text import plural
from ..errors import ParameterError
from ..io.atomic import atomic_write
from ._common import load_model, note, read_for_model
from ._tabular import add_reading_options


def add_parser(sub) -> None:
    p = sub.add_parser(
        "predict",
        help="predict with a saved model; CSV on stdout or --output",
        description="Predict with a model written by 'deltaprop train' or Sequential.save.",
    )
    p.add_argument("model", help="model file")
    p.add_argument(
        "data", help="CSV (feature columns found by name), .npz, .npy (features) or IDX images"
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write the CSV here (atomically)")
    p.add_argument("--proba", action="store_true", help="add class probability columns")
    add_reading_options(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    net = load_model(args.model)
    table = read_for_model(net, args.data, args=args)
    classifier = net.loss is not None and net.loss.kind in ("multiclass", "binary")
    if args.proba and not classifier:
        raise ParameterError("--proba needs a classifier; this model does regression")
    pred = np.asarray(net.predict(table.X))
    if pred.ndim == 1:
        header, columns = ["prediction"], [pred]
    else:
        header = [f"output_{j}" for j in range(pred.shape[1])]
        columns = list(pred.T)
    if args.proba:
        proba = net.predict_proba(table.X)
        labels = net.classes_.tolist() if net.classes_ is not None else range(proba.shape[1])
        header += [f"proba_{label}" for label in labels]
        columns += list(proba.T)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    # Floats with 9 significant digits: enough to recover every float32 exactly.
    cells = [c.astype(object) if c.dtype.kind != "f" else np.char.mod("%.9g", c) for c in columns]
    writer.writerows(zip(*cells))
    if args.output:
        with atomic_write(args.output, "w") as fh:
            fh.write(text.getvalue())
        note(f"wrote {plural(len(pred), 'prediction')} to {args.output}")
    else:
        sys.stdout.write(text.getvalue())
    return 0
