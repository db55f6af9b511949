"""The ``deltaprop`` command line (also ``python -m deltaprop``).

One module per subcommand; each exposes ``add_parser(subparsers)``, which registers the
subcommand and sets ``handler`` (a function of the parsed arguments returning an exit code).

Exit codes: 0 success, 1 training failure, 2 usage or input error (a one-line message; the
traceback only with ``--debug``).
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import errors
from .._version import __version__
from ..errors import UsageError
from . import (
    datasets,
    demo,
    evaluate,
    explain,
    export,
    gradcheck,
    info,
    launch,
    playground,
    plot,
    predict,
    train,
)

SUBCOMMANDS = [
    demo,
    train,
    predict,
    evaluate,
    info,
    export,
    explain,
    gradcheck,
    plot,
    playground,
    datasets,
    launch,
]


class _Parser(argparse.ArgumentParser):
    # argparse would print the usage block and exit; a one-line message suits scripts and
    # lets main() return the exit code instead of raising SystemExit.
    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deltaprop",
        description="Train neural networks by backpropagation, and see every number.",
    )
    parser.add_argument("--version", action="version", version=f"deltaprop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("deltaprop: interrupted", file=sys.stderr)
        return 130
    except UsageError as exc:
        print(f"deltaprop: usage error: {exc} (see --help)", file=sys.stderr)
        return 2
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except BrokenPipeError:
        # the reader went away (`deltaprop demo | head`): stop quietly, as Unix tools do, and
        # keep Python from complaining again when it flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE
    except KeyboardInterrupt:
        # a Ctrl-C outside training (which stops cleanly on its own): no traceback
        if args.debug:
            raise
        print("deltaprop: interrupted", file=sys.stderr)
        return 130
    except errors.TrainingDiverged as exc:
        if args.debug:
            raise
        print(f"deltaprop: training failed: {exc}", file=sys.stderr)
        return 1
    except errors.DeltapropError as exc:
        if args.debug:
            raise
        print(f"deltaprop: error: {exc}", file=sys.stderr)
        return 2
