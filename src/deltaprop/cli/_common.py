"""Helpers shared by the train, predict and evaluate subcommands (not a subcommand)."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from ..errors import ModelFileError
from ..io.data import DataTable, data_format, read_data
from ..network import Sequential, load


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return value


def seed(text: str) -> int:
    """argparse type: a random seed, an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0; got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number; got {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number; got {text!r}")
    return value


def load_model(path) -> Sequential:
    """A saved network, with the names the CLI relies on checked (they come from the file)."""
    net = load(path)
    names = net.feature_names
    if names is not None and not (
        isinstance(names, list) and all(isinstance(n, str) for n in names)
    ):
        raise ModelFileError(f"{str(path)!r}: feature_names must be a list of strings")
    if net.target_name is not None and not isinstance(net.target_name, str):
        raise ModelFileError(f"{str(path)!r}: target_name must be a string")
    return net


def read_for_model(net: Sequential, path, target=None, labels=None) -> DataTable:
    """Read ``path`` picking the model's feature columns by name (CSV) when it has names."""
    features = net.feature_names if data_format(path) == "csv" else None
    return read_data(path, target=target, features=features or None, dtype=net.dtype, labels=labels)


def add_labels_option(parser) -> None:
    """``--labels FILE``: the targets of .npy or IDX features, in a file of their own."""
    parser.add_argument(
        "--labels",
        metavar="FILE",
        help="targets for .npy or IDX features: a 1-D .npy file or an IDX labels file",
    )


def emit_json(payload: dict) -> None:
    """Print one JSON object on stdout (NumPy numbers converted)."""
    print(json.dumps(payload, indent=2, default=_plain))


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def note(message: str, quiet: bool = False) -> None:
    """A human-readable status line on stderr (stdout is kept for results and JSON)."""
    if not quiet:
        print(message, file=sys.stderr)
