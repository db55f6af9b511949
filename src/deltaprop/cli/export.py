"""``deltaprop export``: write a saved model as an ONNX file that onnxruntime (or any ONNX
runtime) runs; see docs/onnx.md for the graph's inputs and outputs."""

from __future__ import annotations

import argparse

from ..export import OPSET, OPSETS, export
from ._common import load_model, note


def _opset(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value not in OPSETS:
        raise argparse.ArgumentTypeError(
            f"must be an integer in {OPSETS.start}..{OPSETS.stop - 1}; got {text!r}"
        )
    return value


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write a saved model as an ONNX file",
        description="Export a model written by 'deltaprop train' or Sequential.save to ONNX "
        '(needs pip install "deltaprop[onnx]").',
    )
    p.add_argument("model", help="model file (.dpm)")
    p.add_argument("output", help="ONNX file to write (atomically)")
    p.add_argument("--opset", type=_opset, default=OPSET, help=f"ai.onnx opset (default {OPSET})")
    p.add_argument(
        "--zipmap",
        action="store_true",
        help="classifiers: probabilities as one {label: p} map per row (default: a tensor)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no status line on stderr")
    p.set_defaults(handler=run)


def run(args) -> int:
    net = load_model(args.model)
    export(net, args.output, "onnx", opset=args.opset, zipmap=args.zipmap)
    note(
        f"wrote {args.output} (ONNX opset {args.opset}, input X of {net.in_features} features)",
        args.quiet,
    )
    return 0
