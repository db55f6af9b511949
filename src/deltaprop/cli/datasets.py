"""``deltaprop datasets``: list the bundled data sets or export one as a CSV file.

``deltaprop datasets export iris iris.csv`` writes a header row (feature names, then the
target column) and one row per example, the target as its class name, ready for
``deltaprop train iris.csv --target species``. The worked example has two target columns
(``o1``, ``o2``). The generated sets (moons, circles, spirals) take ``--n-samples``,
``--noise`` and ``--seed``.
"""

from __future__ import annotations

import csv
from functools import partial

import numpy as np

from .. import datasets
from .._text import plural
from ..errors import ParameterError
from ..io.atomic import atomic_write
from ._common import non_negative_int, note, positive_int

# name -> (loader, target column name; None: the data set's target_names, one column each)
BUNDLED = {
    "iris": (datasets.load_iris, "species"),
    "digits": (datasets.load_digits, "digit"),
    "xor": (datasets.xor, "y"),
    "one-weight": (datasets.one_weight, "y"),
    "worked-example": (datasets.worked_example, None),
    "moons": (datasets.make_moons, "label"),
    "circles": (datasets.make_circles, "label"),
    "spirals": (datasets.make_spirals, "label"),
}
GENERATED = ("moons", "circles", "spirals")


def add_parser(sub) -> None:
    p = sub.add_parser("datasets", help="list the bundled data sets or export one as CSV")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="name, size and description of each data set")
    export = actions.add_parser("export", help="write a data set to a CSV file")
    export.add_argument("name", choices=tuple(BUNDLED))
    export.add_argument("path", help="CSV file to write (atomically)")
    export.add_argument(
        "--n-samples", type=positive_int, help="rows of a generated set (moons, circles, spirals)"
    )
    export.add_argument("--noise", type=float, help="noise of a generated set (its default)")
    export.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed of a generated set (0)"
    )
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.action == "list":
        for name, (loader, _) in BUNDLED.items():
            data = loader(seed=0) if name in GENERATED else loader()
            print(
                f"{name:<16}{plural(data.X.shape[0], 'row'):>11} "
                f"{plural(data.X.shape[1], 'feature'):>12}  "
                f"{data.description}"
            )
        return 0
    loader, target = BUNDLED[args.name]
    options = {k: getattr(args, k, None) for k in ("n_samples", "noise")}
    options = {k: v for k, v in options.items() if v is not None}
    if args.name in GENERATED:
        loader = partial(loader, seed=getattr(args, "seed", 0), **options)
    elif options:
        raise ParameterError(
            f"--n-samples and --noise apply to {', '.join(GENERATED)}; got {args.name!r}"
        )
    data = loader()
    names = data.target_names
    y = np.asarray(data.y)
    if y.ndim == 2:
        header, targets = names, y.tolist()
    else:
        header = [target]
        named = y.dtype.kind in "iu" and names and names != [str(i) for i in range(len(names))]
        targets = [[names[i]] for i in y] if named else [[v] for v in y.tolist()]
    with atomic_write(args.path, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([*data.feature_names, *header])
        values = data.X.astype(str)  # shortest text that reads back to the same float
        writer.writerows([*row, *t] for row, t in zip(values.tolist(), targets))
    note(
        f"wrote {plural(len(targets), 'row')} of {args.name} to {args.path} "
        f"(target column{'s' if len(header) > 1 else ''} {', '.join(header)})"
    )
    return 0
