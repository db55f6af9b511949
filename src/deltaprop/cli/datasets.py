"""``deltaprop datasets``: list the bundled data sets or export one as a CSV file.

``deltaprop datasets export iris iris.csv`` writes a header row (feature names, then
``target``) and one row per example, the target as its class name, ready for
``deltaprop train iris.csv --target species``.
"""

from __future__ import annotations

import csv

from .. import datasets
from ..errors import ParameterError
from ..io.atomic import atomic_write
from ._common import note

# name -> (loader, target column name)
BUNDLED = {
    "iris": (datasets.load_iris, "species"),
    "digits": (datasets.load_digits, "digit"),
    "xor": (datasets.xor, "y"),
}


def add_parser(sub) -> None:
    p = sub.add_parser("datasets", help="list the bundled data sets or export one as CSV")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="name, size and description of each data set")
    export = actions.add_parser("export", help="write a data set to a CSV file")
    export.add_argument("name", choices=tuple(BUNDLED))
    export.add_argument("path", help="CSV file to write (atomically)")
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.action == "list":
        for name, (loader, _) in BUNDLED.items():
            data = loader()
            print(
                f"{name:<8}{data.X.shape[0]:>6} rows {data.X.shape[1]:>3} features  "
                f"{data.description}"
            )
        return 0
    if args.name not in BUNDLED:  # argparse checks choices; kept for direct calls
        raise ParameterError(f"name must be one of {', '.join(BUNDLED)}; got {args.name!r}")
    loader, target = BUNDLED[args.name]
    data = loader()
    names = data.target_names
    labels = (
        [names[i] for i in data.y]
        if names and names != [str(i) for i in range(len(names))]
        else data.y.tolist()
    )
    with atomic_write(args.path, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([*data.feature_names, target])
        values = data.X.astype(str)  # shortest text that reads back to the same float32
        writer.writerows([*row, label] for row, label in zip(values.tolist(), labels))
    note(f"wrote {len(labels)} rows of {args.name} to {args.path} (target column {target!r})")
    return 0
