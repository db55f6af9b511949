"""Loggers: callbacks that write one record per epoch to a file as training goes.

Each epoch's line is written and flushed at the epoch's end, so an interrupted run leaves
every finished epoch on disk (a log grows line by line; it is not rewritten atomically like a
model file). ``append=True`` continues an existing log, as a resumed run wants.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from ..errors import ParameterError
from .callbacks import Callback


class _FileLogger(Callback):
    def __init__(self, path, append: bool = False):
        if not isinstance(path, (str, Path)):
            raise ParameterError(f"path must be a file path; got {path!r}")
        if Path(path).is_dir():
            raise ParameterError(f"path must be a file path, not a directory; got {str(path)!r}")
        self.path = Path(path)
        self.append = bool(append)
        self._file = None

    def on_train_begin(self, run):
        self._continuing = self.append and self.path.exists() and self.path.stat().st_size > 0
        if getattr(run, "is_root", True):  # in a data-parallel run only process 0 writes
            try:
                self._file = open(self.path, "a" if self.append else "w", newline="")  # noqa: SIM115
            except OSError as exc:  # a directory since, a missing folder, no permission
                raise ParameterError(
                    f"{type(self).__name__} cannot write {str(self.path)!r}: {exc.strerror}"
                ) from exc

    def on_epoch_end(self, run, epoch, logs):
        if self._file is None:
            return
        self.write({"epoch": epoch, **logs})
        self._file.flush()

    def on_train_end(self, run):
        if self._file is not None:
            self._file.close()
            self._file = None

    def write(self, record: dict) -> None:
        raise NotImplementedError


class CSVLogger(_FileLogger):
    """Write ``epoch`` and every logged value (loss, val_loss, lr...) as CSV, one row per epoch.

    The header is the first epoch's names; a continued log (``append=True``) keeps its header.

    >>> import numpy as np, deltaprop as dp, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
    >>> net = dp.Sequential([dp.Dense(1)], seed=0)
    >>> _ = net.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[CSVLogger(path)])
    >>> open(path).read().splitlines()[0]
    'epoch,loss,lr'
    """

    def on_train_begin(self, run):
        super().on_train_begin(run)
        self._writer = None

    def write(self, record):
        if self._writer is None:
            self._writer = csv.DictWriter(self._file, fieldnames=list(record))
            if not self._continuing:
                self._writer.writeheader()
        self._writer.writerow(record)


class JSONLinesLogger(_FileLogger):
    """Write each epoch's record as one JSON object per line (non-finite numbers as null).

    >>> import numpy as np, deltaprop as dp, tempfile, os, json
    >>> path = os.path.join(tempfile.mkdtemp(), "log.jsonl")
    >>> net = dp.Sequential([dp.Dense(1)], seed=0)
    >>> _ = net.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[JSONLinesLogger(path)])
    >>> [json.loads(line)["epoch"] for line in open(path)]
    [1, 2]
    """

    def write(self, record):
        clean = {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in record.items()
        }
        self._file.write(json.dumps(clean) + "\n")
