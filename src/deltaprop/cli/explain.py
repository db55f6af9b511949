"""``deltaprop explain``: every number of a small network's training steps."""

from __future__ import annotations

import sys

from ..errors import ParameterError
from ..explanation import FORMATS, PRESETS, explain
from ..io.atomic import atomic_write


def add_parser(sub) -> None:
    p = sub.add_parser(
        "explain",
        help="show every number of a small network's training steps",
        description=(
            "Run training steps of a small network in float64 and lay out the forward pass, "
            "the errors, the chain rule, the deltas, the updates and a finite-difference check."
        ),
    )
    p.add_argument("spec", nargs="?", help="a network spec (.json or .toml); see docs/explain.md")
    p.add_argument("--example", choices=PRESETS, help="a built-in example instead of a spec")
    p.add_argument("--steps", type=int, default=1, help="number of updates (default 1)")
    p.add_argument(
        "--detail",
        type=int,
        default=3,
        help="lay out at most this many steps in full, else only the summary (default 3)",
    )
    p.add_argument("--format", choices=tuple(FORMATS), default="text", help="default text")
    p.add_argument("--output", "-o", help="write to this file (atomically) instead of stdout")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--update-biases",
        dest="update_biases",
        action="store_true",
        default=None,
        help="update the biases too",
    )
    group.add_argument(
        "--fixed-biases", dest="update_biases", action="store_false", help="keep the biases fixed"
    )
    p.add_argument(
        "--bias", choices=("shared", "per_neuron"), help="one bias per layer or per neuron"
    )
    p.add_argument("--reduction", choices=("sum_half", "mean", "sum"), help="the loss reduction")
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.spec is None and args.example is None:
        raise ParameterError("explain needs a SPEC file or --example; got neither")
    if args.spec is not None and args.example is not None:
        raise ParameterError("explain takes a SPEC file or --example, not both")
    result = explain(
        args.spec,
        example=args.example,
        steps=args.steps,
        detail=args.detail,
        update_biases=args.update_biases,
        bias=args.bias,
        reduction=args.reduction,
    )
    text = result.render(args.format)
    if args.output:
        with atomic_write(args.output, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0
