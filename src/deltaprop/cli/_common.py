"""Helpers shared by the train, predict and evaluate subcommands (not a subcommand)."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from ..errors import ModelFileError
from ..io.data import DATA_FORMATS, DataTable, data_format, read_data
from ..io.load import load
from ..network import Sequential
from ._tabular import is_tabular, read_for_preprocessor


def _number_type(cast, accept, rule: str):
    """An argparse type: ``cast(text)`` if ``accept`` holds for it, else the message
    "must be <rule>; got <text>" (the same for text that is not a number at all)."""

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}")
        return value

    parse.__name__ = rule
    return parse


positive_int = _number_type(int, lambda v: v >= 1, "a positive integer")
non_negative_int = _number_type(int, lambda v: v >= 0, "an integer >= 0")  # seeds
positive_float = _number_type(float, lambda v: np.isfinite(v) and v > 0, "a positive number")
non_negative_float = _number_type(float, lambda v: np.isfinite(v) and v >= 0, "a number >= 0")
fraction_below_one = _number_type(float, lambda v: 0.0 <= v < 1.0, "a number in [0, 1)")


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


def read_for_model(net: Sequential, path, target=None, labels=None, args=None) -> DataTable:
    """Read ``path`` picking the model's feature columns by name (CSV) when it has names; for
    a model with a tabular preprocessor, a CSV's columns as they are (``X`` is then the
    :class:`~deltaprop.io.table.Columns`, which the model encodes), read with ``args``'
    --delimiter, --na-values and --encoding."""
    if net.preprocessor is not None and args is not None and is_tabular(path, labels):
        columns, y, notes = read_for_preprocessor(net, args, with_target=target is not None)
        for message in notes:
            note(message)
        return DataTable(X=columns, y=y, path=str(path))
    features = net.feature_names if DATA_FORMATS.get(data_format(path)).named_columns else None
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
