"""A training History as CSV: a column ``epoch`` and one per recorded value (loss, val_loss,
accuracy, lr...), the layout CSVLogger writes; read back for ``deltaprop plot history``."""

from __future__ import annotations

import csv
import io
import math

from ..errors import DataError
from ..training import History
from .atomic import atomic_write
from .data import _existing


def history_csv(history: History) -> str:
    """The History as CSV text, one row per epoch."""
    keys = list(history.history)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for n, epoch in enumerate(history.epochs):
        writer.writerow([epoch, *(repr(history.history[k][n]) for k in keys)])
    return out.getvalue()


def write_history(history: History, path) -> None:
    with atomic_write(path, "w") as fh:
        fh.write(history_csv(history))


def read_history(path) -> History:
    """A History from a CSV with an ``epoch`` column (CSVLogger's, or :func:`write_history`'s);
    DataError naming the line for anything else."""
    path = _existing(path, "history file")
    history = History()
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        rows = csv.reader(fh)
        header = next(rows, None)
        if not header or header[0].strip() != "epoch" or len(header) < 2:
            raise DataError(
                f"{str(path)!r} is not a training history: its header must start with "
                f"'epoch' and name at least one value; got {header!r}"
            )
        names = [h.strip() for h in header[1:]]
        for line, row in enumerate(rows, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise DataError(
                    f"{str(path)!r} line {line}: {len(row)} fields, the header has {len(header)}"
                )
            try:
                epoch = int(row[0])
                values = [float(v) if v.strip() else math.nan for v in row[1:]]
            except ValueError as exc:
                raise DataError(f"{str(path)!r} line {line}: not a number ({exc})") from None
            history.append(epoch, dict(zip(names, values)))
    if len(history) == 0:
        raise DataError(f"{str(path)!r} holds no epoch")
    return history
