"""``deltaprop plot``: the figures of deltaprop.plots as PNG or SVG files.

- ``plot network (MODEL | --example NAME | --spec FILE) [--x VALUES]``
- ``plot history HISTORY.csv [--log]``
- ``plot boundary MODEL DATA [--target T] [--features A,B]``
- ``plot error-curve (MODEL DATA | --example NAME | --spec FILE) --weight NAME [--lr LR]``

Each writes ``--out FILE.png`` or ``FILE.svg`` (atomically). Needs the ``plot`` extra.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ._common import note, positive_float

FIGURES = ("network", "history", "boundary", "error-curve")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "plot",
        help="draw a network, a training history, a decision boundary or an error curve",
        description="Draw a figure of deltaprop.plots to a PNG or SVG file (needs the plot "
        "extra: pip install 'deltaprop[plot]').",
    )
    p.add_argument("figure", choices=FIGURES, help="which figure")
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="FILE",
        help="network: MODEL; history: HISTORY.csv; boundary: MODEL DATA; error-curve: MODEL DATA",
    )
    p.add_argument("--example", choices=("mazur", "one-weight"), help="a built-in example")
    p.add_argument("--spec", help="a network spec file (.json or .toml, as explain reads)")
    p.add_argument("--target", help="the target column of DATA (default: the model's)")
    p.add_argument("--x", help="network: one example's raw features, comma-separated")
    p.add_argument("--features", help="boundary: the two features to plot, names or indices")
    p.add_argument("--weight", default=None, help="error-curve: e.g. layers.1.weight[0,0]")
    p.add_argument("--lr", type=positive_float, default=0.5, help="error-curve step (0.5)")
    p.add_argument("--log", action="store_true", help="history: log-scale loss axis")
    p.add_argument("--out", required=True, metavar="FILE", help="a .png or .svg file to write")
    p.set_defaults(handler=run)


def _model(args, needs_data: bool):
    """``(net, X, y)`` from --example, --spec or MODEL [DATA]."""
    from ..explanation.models import load_model_spec, preset_model

    given = sum(x is not None for x in (args.example, args.spec)) + bool(args.inputs)
    if given != 1:
        raise ParameterError(
            f"plot {args.figure} needs one of MODEL"
            + (" DATA" if needs_data else "")
            + ", --example or --spec; got "
            + ("none" if given == 0 else "more than one")
        )
    if args.example is not None:
        return preset_model(args.example)
    if args.spec is not None:
        return load_model_spec(args.spec)
    return _model_files(args, needs_data)


def _model_files(args, needs_data: bool):
    from ..io.data import read_data
    from ..io.load import load

    wanted = 2 if needs_data else 1
    if len(args.inputs) not in (1, 2) or (needs_data and len(args.inputs) != 2):
        raise ParameterError(
            f"plot {args.figure} takes MODEL{' DATA' if needs_data else ' [DATA]'}; got "
            f"{len(args.inputs)} file names (expected {wanted})"
        )
    net = load(args.inputs[0])
    if len(args.inputs) == 1:
        return net, None, None
    table = read_data(
        args.inputs[1], target=args.target or net.target_name, features=net.feature_names
    )
    if table.y is None:
        raise ParameterError(f"{args.inputs[1]!r} has no target: give --target COLUMN")
    return net, table.X, table.y


def _numbers(text: str, what: str) -> np.ndarray:
    try:
        return np.array([float(v) for v in text.split(",")])
    except ValueError:
        raise ParameterError(f"{what} must be numbers separated by commas; got {text!r}") from None


def _feature_pair(text, net, n_features: int) -> tuple[int, int]:
    if text is None:
        return (0, 1)
    parts = [t.strip() for t in text.split(",")]
    names = list(getattr(net, "feature_names", None) or [])
    index = []
    for part in parts:
        if part in names:
            index.append(names.index(part))
        elif part.isdigit() and int(part) < n_features:
            index.append(int(part))
        else:
            raise ParameterError(
                f"--features: {part!r} is not a feature name"
                + (f" ({', '.join(names)})" if names else "")
                + f" or an index below {n_features}"
            )
    if len(index) != 2 or index[0] == index[1]:
        raise ParameterError(f"--features needs two different features; got {text!r}")
    return index[0], index[1]


def figure(args):
    """The Figure the arguments ask for."""
    from .. import plots

    if args.figure == "history":
        from ..io.history import read_history

        if len(args.inputs) != 1:
            raise ParameterError(
                f"plot history takes one HISTORY.csv; got {len(args.inputs)} file names"
            )
        return plots.plot_history(read_history(args.inputs[0]), log=args.log)
    if args.figure == "network":
        net, X, _ = _model(args, needs_data=False)
        x = _numbers(args.x, "--x") if args.x is not None else None
        if x is None and X is not None:  # an example or spec: draw its first input
            x = X[0]
        return plots.plot_network(net, x)
    net, X, y = _model(args, needs_data=True)
    if args.figure == "boundary":
        return plots.plot_decision_boundary(
            net, X, y, features=_feature_pair(args.features, net, X.shape[1])
        )
    weight = args.weight or _default_weight(net)
    return plots.plot_error_curve(net, X, y, weight, lr=args.lr)


def _default_weight(net) -> str:
    names = [n for n, p in net.named_parameters() if n.endswith("weight")]
    return f"{names[-1]}[0,0]"


def run(args) -> int:
    from ..plots._figure import check_figure_path, save_figure

    check_figure_path(args.out)
    save_figure(figure(args), args.out)
    note(f"wrote {args.out}")
    return 0
