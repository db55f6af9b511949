"""The playground's data: the presets, and the user's own CSV (checked, with clear messages).

An uploaded file is written to a private temporary directory and read by the same reader as
``deltaprop train`` (so the same rules and messages apply), then the directory is removed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import datasets
from .._text import plural
from ..errors import DataError, DeltapropError
from ..io.data import read_data

MAX_UPLOAD_BYTES = 5 * 2**20  # 5 MiB: refused before reading beyond it
MAX_CLASSES = 20

PRESETS = {
    "worked-example": "the worked example (Mazur 2015): 2-2-2 logistic, one training example",
    "xor": "XOR: 4 points, 2 classes",
    "circles": "circles: 200 points, 2 classes",
    "moons": "moons: 200 points, 2 classes",
    "spirals": "spirals: 300 points, 2 classes",
    "one-weight": "the one-weight example: y = W x, 3 points",
}


@dataclass
class Data:
    """Features ``X`` (float64), raw targets ``y``, names, the task, and the two features the
    boundary map shows. ``columns`` are all the file's columns (for choosing the target)."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list
    target_name: str
    task: str
    columns: list = field(default_factory=list)
    plot_features: tuple = (0, 1)
    preset: str | None = None


def infer_task(y: np.ndarray) -> str:
    """classification for labels or whole numbers with few distinct values, else regression."""
    if y.dtype.kind in "US" or (y.dtype.kind in "biu" and len(np.unique(y)) <= MAX_CLASSES):
        return "classification"
    if y.dtype.kind == "f" and np.all(y == np.round(y)) and len(np.unique(y)) <= MAX_CLASSES:
        return "classification"
    return "regression"


def preset_data(name: str) -> Data:
    if name not in PRESETS:
        raise DataError(f"unknown preset {name!r}; the presets are {', '.join(PRESETS)}")
    if name == "worked-example":
        d = datasets.worked_example()
        return Data(
            PRESETS[name],
            d.X.astype(np.float64),
            d.y.astype(np.float64),
            ["i1", "i2"],
            "targets",
            "regression",
            preset=name,
        )
    if name == "one-weight":
        d = datasets.one_weight()
        return Data(
            PRESETS[name],
            d.X.astype(np.float64),
            d.y.astype(np.float64),
            ["x"],
            "y",
            "regression",
            preset=name,
        )
    maker = {
        "xor": datasets.xor,
        "circles": datasets.make_circles,
        "moons": datasets.make_moons,
        "spirals": datasets.make_spirals,
    }[name]
    d = maker() if name == "xor" else maker(seed=0)
    return Data(
        PRESETS[name],
        d.X.astype(np.float64),
        np.asarray(d.y).astype(np.int64),
        ["x1", "x2"],
        "label",
        "classification",
        preset=name,
    )


def _header(text: str) -> list[str]:
    first = text.splitlines()[0] if text.strip() else ""
    return [c.strip() for c in first.split(",")]


def read_upload(filename: str, body: bytes, target: str | None = None) -> Data:
    """The uploaded CSV as Data; DataError with a message for the page for anything unusable."""
    shown = Path(filename or "upload.csv").name
    if len(body) > MAX_UPLOAD_BYTES:
        raise DataError(f"{shown} is {len(body):,} bytes; the limit is {MAX_UPLOAD_BYTES:,}")
    if not body.strip():
        raise DataError(f"{shown} is empty")
    if b"\x00" in body[:4096]:
        raise DataError(f"{shown} is not a CSV file (it holds binary data)")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{shown} is not a CSV file (it is not UTF-8 text)") from None
    columns = _header(text)
    if len(columns) < 2:
        raise DataError(
            f"{shown} is not a usable CSV: its header row needs at least two columns separated "
            f"by commas (features and a target); got {columns!r}"
        )
    target = target if target is not None else columns[-1]
    if target not in columns:
        raise DataError(f"{shown} has no column {target!r}; its columns: {', '.join(columns)}")
    with tempfile.TemporaryDirectory(prefix="deltaprop-upload-") as tmp:
        path = Path(tmp) / "upload.csv"
        path.write_text(text, encoding="utf-8")
        try:
            table = read_data(path, target=target, dtype=np.float64)
        except DeltapropError as exc:
            raise DataError(
                str(exc).replace(repr(str(path)), repr(shown)).replace(str(path), shown)
            ) from None
    if table.X.shape[1] == 0:
        raise DataError(f"{shown} has no feature column besides the target {target!r}")
    task = infer_task(table.y)
    if task == "classification" and len(np.unique(table.y)) < 2:
        raise DataError(
            f"the target {target!r} of {shown} has a single class "
            f"{np.unique(table.y).tolist()}; a classifier needs at least 2"
        )
    if len(table.X) < 2:
        raise DataError(f"{shown} has {plural(len(table.X), 'row')}; training needs at least 2")
    return Data(
        shown,
        table.X.astype(np.float64),
        table.y,
        list(table.feature_names),
        target,
        task,
        columns=columns,
        plot_features=(0, 1 if table.X.shape[1] > 1 else 0),
    )
