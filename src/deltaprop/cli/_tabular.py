"""CSV files through :class:`~deltaprop.tabular.Preprocessor` for train, predict and evaluate
(not a subcommand): the options that read them and the steps that encode them."""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from ..errors import DataError
from ..io.data import data_format
from ..io.table import ENGINES, Columns, read_columns
from ..tabular import (
    MAX_CATEGORIES,
    MISSING,
    Preprocessor,
    UnknownCategoryWarning,
    missing_mask,
)

_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def is_tabular(path, labels=None) -> bool:
    """A CSV file (read by column names through a Preprocessor) rather than arrays."""
    return labels is None and data_format(path) == "csv"


def _names(text: str) -> list:
    """COL[,COL...] -> names (or indices), repeated options adding up."""
    return [part.strip() for part in text.split(",") if part.strip()]


def _delimiter(text: str) -> str:
    value = _DELIMITER_NAMES.get(text.lower(), text)
    if len(value) != 1 or value in '"\r\n':
        raise argparse.ArgumentTypeError(
            f"must be one character (or tab, comma, semicolon, pipe); got {text!r}"
        )
    return value


def _max_categories(text: str):
    if text.lower() in ("none", "0", "unlimited"):
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer or none; got {text!r}")
    return value


class _Extend(argparse.Action):
    """Repeatable COL[,COL...] option: the lists add up."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, (getattr(namespace, self.dest) or []) + _names(values))


def add_reading_options(p) -> None:
    """--delimiter, --na-values, --encoding: how a CSV file is read (every subcommand)."""
    p.add_argument(
        "--delimiter",
        type=_delimiter,
        help="CSV field delimiter: one character, or tab (default: detected among , ; tab |)",
    )
    p.add_argument(
        "--na-values",
        action=_Extend,
        metavar="TOKEN[,TOKEN...]",
        help="more cell values meaning 'missing' (always: empty, NA, N/A, NaN, nan, null, ?)",
    )
    p.add_argument("--encoding", default="utf-8", help="text encoding of the CSV (default utf-8)")
    p.add_argument(
        "--csv-engine",
        choices=ENGINES,
        default="auto",
        help="what splits the CSV into cells: python (the csv module), pandas (faster, needs "
        "pandas), auto (default: pandas for files of 8 MB or more when installed); the columns "
        "are the same",
    )


def add_role_options(p) -> None:
    """--features, --drop, --categorical, --missing, --max-categories (train)."""
    p.add_argument(
        "--features",
        action=_Extend,
        metavar="COL[,COL...]",
        help="the feature columns, by name or index (default: all but the target and --drop)",
    )
    p.add_argument("--drop", action=_Extend, metavar="COL[,COL...]", help="columns to leave out")
    p.add_argument(
        "--categorical",
        action=_Extend,
        metavar="COL[,COL...]",
        help="columns of numbers to one-hot encode as categories (codes, years...)",
    )
    p.add_argument(
        "--missing",
        choices=MISSING,
        default="impute",
        help="missing feature values: impute (default: median, most frequent category), drop "
        "the rows, or error",
    )
    p.add_argument(
        "--max-categories",
        type=_max_categories,
        default=MAX_CATEGORIES,
        metavar="N",
        help=f"most distinct values of a text column (default {MAX_CATEGORIES}; 'none': any)",
    )


def read_csv(args, text_columns=()) -> Columns:
    """The CSV file of ``args.data`` as columns, read with the reading options."""
    return read_columns(
        args.data,
        delimiter=args.delimiter,
        na_values=args.na_values or (),
        text_columns=text_columns,
        encoding=args.encoding,
        engine=getattr(args, "csv_engine", "auto"),
    )


def training_columns(args, task: str):
    """``(columns, preprocessor)``: the CSV read, its roles checked, the preprocessor ready to
    fit (the CLI standardises in the network's first layer, so ``scale=False``)."""
    columns = read_csv(args, text_columns=args.categorical or ())
    if not args.target:
        raise DataError(
            f"which column is the target? {args.data!r} has the columns {columns.names}: give "
            "--target COLUMN (by name or index)"
        )
    prep = Preprocessor(
        args.target,
        features=args.features,
        drop=args.drop or (),
        categorical=args.categorical or (),
        missing=args.missing,
        max_categories=args.max_categories,
        scale=False,
        task=task,
    )
    return columns, prep


def encode(prep: Preprocessor, columns: Columns, train_rows: np.ndarray):
    """Refit ``prep`` on the training rows only (statistics never see validation rows) and
    return ``(X, y)`` for all the rows it kept, in the order of ``prep.rows_``."""
    kept = prep.rows_
    prep.fit(columns.take(kept[train_rows]))
    table = columns.take(kept)
    with warnings.catch_warnings():
        # categories seen only in validation rows: encoded as zeros, as at prediction
        warnings.simplefilter("ignore", UnknownCategoryWarning)
        X = prep.transform(table)
    return X, prep.transform_target(table)


def read_for_preprocessor(net, args, with_target: bool):
    """``(columns, y or None, notes)`` for predict / evaluate of a model with a preprocessor:
    the model's categorical columns kept as text, rows with a missing target left out."""
    prep = net.preprocessor
    categorical = [c["name"] for c in prep.columns_ if c["kind"] == "categorical"]
    saved = (net.training_info or {}).get("na_values") or []
    if args.na_values is None and isinstance(saved, list):
        args.na_values = [str(v) for v in saved]
    columns = read_csv(args, text_columns=categorical)
    absent = [name for name in prep.input_names() if name not in columns.names]
    if absent:
        raise DataError(
            f"{args.data!r} lacks the feature columns {absent} the model was trained on; its "
            f"columns are {columns.names}"
        )
    notes = list(columns.notes)
    if not with_target:
        return columns, None, notes
    missing = [t for t in prep.target_names if t not in columns.names]
    if missing:
        raise DataError(
            f"{args.data!r} has no target column {missing[0]!r}; its columns are {columns.names}"
        )
    present = np.ones(len(columns), dtype=bool)
    for name in prep.target_names:
        present &= ~missing_mask(columns[name])
    if not present.all():
        notes.append(f"left out {int((~present).sum())} rows whose target is missing")
        columns = columns.take(np.flatnonzero(present))
    return columns, prep.transform_target(columns, scaled=False), notes
