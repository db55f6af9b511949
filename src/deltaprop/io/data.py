"""Data files for the command line: CSV with a header, ``.npy`` and ``.npz``, read safely.

- **CSV**: the first row names the columns; feature cells must be numbers; the target column
  (by name, or by index when no column has that name) may hold numbers or class labels
  (strings). The numbers are parsed by NumPy's C reader (``numpy.loadtxt``) straight into a
  float32 array, and every row is checked to have as many fields as the header by counting
  commas (Python walks the rows one by one only for files with quoted cells, and, when
  something is wrong, to say exactly where). 100,000 rows x 50 columns (51 MB) read in about
  1.5 s of CPU time (2.0 s when every row was also split by the csv module).
- **.npz**: arrays ``X`` (2-D numbers) and optionally ``y`` (numbers or strings).
- **.npy**: one 2-D array of numbers; ``target`` is then a column index. Or, with
  ``labels``, a pair: features ``X.npy`` (n x features) and targets ``y.npy`` (n numbers or
  strings). A file larger than ``MMAP_BYTES`` is memory-mapped rather than read whole.
- **IDX** (the MNIST format, see :mod:`deltaprop.io.idx`): images ``*-idx3-ubyte[.gz]``, each
  flattened to one row, with ``labels`` a ``*-idx1-ubyte[.gz]`` file (or ``.npy``).

Each format is one :class:`DataFormat` in the ``DATA_FORMATS`` registry (its name, file
suffixes and reader), which :func:`read_data`, :func:`data_format` and the command line read;
a new format is one reader function and one :func:`register_data_format` call.

Nothing is unpickled (``allow_pickle=False``) and declared array sizes are checked against
the bytes present before anything is allocated. Every problem raises
:class:`~deltaprop.errors.DataError` naming the file, the line and column, and the value.
"""

from __future__ import annotations

import csv
import itertools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._files import MAX_LINE, check_regular, open_regular
from .._registry import Registry
from ..errors import DataError, ModelFileError
from .archive import open_archive
from .idx import looks_like_idx, read_idx
from .modelfile import _PARSE_ERRORS, read_npy_header, read_npy_member

#: Longest CSV line read (the header included): 16 Mi characters, a header of about a
#: million columns.
MAX_CSV_LINE = MAX_LINE
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: .npy files larger than this are memory-mapped (read page by page as training needs them).
MMAP_BYTES = 64 * 2**20


@dataclass
class DataTable:
    """Features ``X`` (float32, n_samples x n_features), targets ``y`` (or None), and names."""

    X: np.ndarray
    y: np.ndarray | None = None
    feature_names: list = field(default_factory=list)
    target_name: str | None = None
    path: str = ""


def read_data(path, target=None, *, features=None, dtype=np.float32, labels=None) -> DataTable:
    """Read a CSV, ``.npy``, ``.npz`` or IDX file into a :class:`DataTable`.

    Parameters
    ----------
    path : str or Path
    target : str or int, optional
        The target column: a header name, else an index (negative counts from the end). For
        ``.npz`` files the target is the array ``y`` and this is ignored.
    features : list of str, optional
        Read only these CSV columns, in this order (a model's feature names); other columns,
        a target among them, are ignored unless named by ``target``.
    dtype : the features' dtype, float32 by default.
    labels : str or Path, optional
        A second file holding the targets, one per row of ``path``: a 1-D ``.npy`` array
        (numbers or strings) or an IDX file (for ``.npy`` and IDX features, which have no
        target column of their own).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "t.csv")
    ...     _ = open(p, "w").write("a,b,label\\n1,2,cat\\n3,4.5,dog\\n")
    ...     table = read_data(p, target="label")
    >>> table.X.tolist(), table.y.tolist(), table.feature_names
    ([[1.0, 2.0], [3.0, 4.5]], ['cat', 'dog'], ['a', 'b'])
    """
    path = _existing(path, "data file")
    kind = data_format(path)
    if labels is not None:
        if not DATA_FORMATS.get(kind).labels_file:
            raise DataError(
                f"labels files go with .npy or IDX features; {str(path)!r} is {kind}, whose "
                "target is a column (--target) or its array y"
            )
        if target is not None:
            raise DataError("give the target either as a column (target) or a file (labels)")
    table = DATA_FORMATS.get(kind).read(path, target, features, dtype)
    table.X = np.asarray(table.X, dtype=dtype)
    table.path = str(path)
    if labels is not None:
        table.y = read_labels(labels, len(table.X))
        table.target_name = None
    return table


@dataclass(frozen=True)
class DataFormat:
    """One kind of data file: how it is recognised and read.

    ``read(path, target, features, dtype)`` returns a :class:`DataTable` (or raises
    DataError naming the file, line and value). ``suffixes`` (lower case, with the dot)
    recognise its files; ``detect(path)``, if given, recognises them by other means.
    ``named_columns``: features can be picked by name (a model's feature names);
    ``labels_file``: the targets may come from a labels file of their own.
    """

    name: str
    suffixes: tuple[str, ...]
    read: Callable[..., DataTable]
    detect: Callable[[Path], bool] | None = None
    named_columns: bool = False
    labels_file: bool = False


DATA_FORMATS = Registry("data format")
DEFAULT_FORMAT = "csv"  # what a file no format recognises is read as


def register_data_format(data_format: DataFormat) -> DataFormat:
    """Make a :class:`DataFormat` known to :func:`read_data` and the command line."""
    return DATA_FORMATS.register(data_format.name)(data_format)


def data_format(path) -> str:
    """The format a data file is read as, from its name: "npz", "npy", "idx" or "csv".

    Suffixes first (so "run-idx2-results.csv" is a CSV), then each format's ``detect``, else
    ``DEFAULT_FORMAT``.

    >>> [data_format(p) for p in ("a.npz", "X.NPY", "t10k-labels-idx1-ubyte.gz", "b-idx1.csv")]
    ['npz', 'npy', 'idx', 'csv']
    """
    suffix = Path(path).suffix.lower()
    for name, fmt in DATA_FORMATS.items():
        if suffix in fmt.suffixes:
            return name
    for name, fmt in DATA_FORMATS.items():
        if fmt.detect is not None and fmt.detect(Path(path)):
            return name
    return DEFAULT_FORMAT


def read_labels(path, n_rows: int) -> np.ndarray:
    """The targets in a labels file (1-D ``.npy`` or IDX), checked to number ``n_rows``.

    Whole numbers come back as int64, other numbers as float64, strings as they are.
    """
    path = _existing(path, "labels file")
    where = repr(str(path))
    kind = data_format(path)
    if kind == "idx":
        y = read_idx(path)
    elif kind == "npy":
        y = _load_npy(path, kinds="biufU")
    else:
        raise DataError(f"labels file {where} must be a .npy or IDX file")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n_rows:
        raise DataError(
            f"labels file {where} must hold one label per row of the data ({n_rows}); got "
            f"shape {y.shape}"
        )
    if y.dtype.kind in "US":
        return np.asarray(y)
    if y.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(y))
        if bad.size:
            raise DataError(f"labels file {where}: label {bad[0]} must be finite; got {y[bad[0]]}")
        if np.all(y == np.round(y)) and np.abs(y).max() < 2**53:
            return y.astype(np.int64)
        return y.astype(np.float64)
    return y.astype(np.int64)


def _existing(path, what: str) -> Path:
    path = Path(path)
    if check_regular(path, what, DataError) == 0:
        raise DataError(f"{what} {str(path)!r} is empty")
    return path


# -- CSV ----------------------------------------------------------------------------------------
def _read_csv(path: Path, target, features, dtype) -> DataTable:
    where = repr(str(path))
    header = _csv_header(path)
    index = {}
    for i, name in enumerate(header):
        if name in index:
            raise DataError(
                f"{where} line 1: column names must be unique; {name!r} is column "
                f"{index[name] + 1} and column {i + 1}"
            )
        index[name] = i
    t = None if target is None else _column_index(target, header, index, where)
    if features is None:
        columns = [i for i in range(len(header)) if i != t]
    else:
        missing = [f for f in features if f not in index]
        if missing:
            raise DataError(
                f"{where} lacks the feature columns {missing} the model was trained on; "
                f"its columns are {header}"
            )
        columns = [index[f] for f in features]
    if not columns:
        raise DataError(f"{where} has no feature columns besides the target {header[t]!r}")
    n_fields = len(header)
    quoted, commas = _scan(path)
    # The fast pass trusts NumPy's C reader and a count of the commas: a row with too few
    # fields makes loadtxt fail on the last column (so that column must be read), and then
    # the commas add up to (fields - 1) per row only if no row has too many. Quoted cells may
    # hide commas, so a file with quotes is checked row by row by the csv module instead.
    fast = not quoted and (n_fields - 1 in columns or t == n_fields - 1)
    n_rows = None if fast else _check_rows(path, n_fields, where)
    options = dict(
        delimiter=",",
        skiprows=1,
        comments=None,
        quotechar='"',
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # blank lines: NumPy warns that they are skipped
        try:
            X = np.loadtxt(path, usecols=columns, dtype=dtype, ndmin=2, **options)
            raw = None
            if t is not None:
                raw = np.loadtxt(path, usecols=[t], dtype=str, ndmin=1, **options)
        except ValueError:  # UnicodeDecodeError included
            X = None
        if X is None or not np.isfinite(X).all():
            # The slow second pass, only for a bad file: say where and what is wrong.
            _check_rows(path, n_fields, where)
            _diagnose(path, header, columns, where)
            raise DataError(f"{where}: the feature columns hold values that are not numbers")
    if len(X) == 0:
        raise DataError(f"{where} has a header but no data rows")
    if n_rows is None and commas != (n_fields - 1) * len(X):
        _check_rows(path, n_fields, where)  # names the first ragged row
        raise DataError(f"{where}: rows have differing numbers of fields")
    if n_rows is not None and len(X) != n_rows:  # the two readers disagree on a row
        raise DataError(f"{where}: read {len(X)} rows of {n_rows}; the file may be malformed")
    y = None if raw is None else _labels_or_numbers(np.char.strip(raw), path, header, t, where)
    return DataTable(
        X=X,
        y=y,
        feature_names=[header[i] for i in columns],
        target_name=None if t is None else header[t],
    )


def _csv_header(path: Path) -> list[str]:
    where = repr(str(path))
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.reader(_bounded_lines(fh, where)):
                if row:
                    return [cell.strip() for cell in row]
    except UnicodeDecodeError as exc:
        raise DataError(f"{where} is not UTF-8 text (a CSV file is expected): {exc}") from exc
    except csv.Error as exc:
        raise DataError(f"{where} line 1: not valid CSV ({exc})") from exc
    raise DataError(f"data file {where} is empty (no header row)")


def _scan(path: Path) -> tuple[bool, int]:
    """Whether the data rows (after the first line) hold a double quote, and their commas."""
    quoted, commas = False, 0
    with open(path, "rb") as fh:
        fh.readline()
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            quoted = quoted or b'"' in chunk
            commas += chunk.count(b",")
    return quoted, commas


def _bounded_lines(fh, where: str):
    """The lines of a text file, each read with a bound: a line longer than
    :data:`MAX_CSV_LINE` characters is refused before more of it is read."""
    for number in itertools.count(1):
        line = fh.readline(MAX_CSV_LINE + 1)
        if not line:
            return
        if len(line) > MAX_CSV_LINE:
            raise DataError(
                f"{where} line {number} is longer than {MAX_CSV_LINE} characters (a CSV row "
                "is expected)"
            )
        yield line


def _column_index(target, header: list, index: dict, where: str) -> int:
    name = str(target).strip()
    if name in index:
        return index[name]
    try:
        i = int(name)
    except ValueError:
        raise DataError(
            f"target column {name!r} is not in {where}; its columns are {header}"
        ) from None
    if not -len(header) <= i < len(header):
        raise DataError(
            f"target column index {i} is out of range for {where}, which has {len(header)} columns"
        )
    return i % len(header)


def _data_rows(path: Path):
    """Yield ``(line number, fields)`` for every non-blank row after the header."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(_bounded_lines(fh, repr(str(path))))
        next(reader, None)
        for row in reader:
            if row:
                yield reader.line_num, row


def _check_rows(path: Path, n_fields: int, where: str) -> int:
    """Count data rows, requiring ``n_fields`` fields in each (blank lines are skipped)."""
    rows = 0
    try:
        for line, row in _data_rows(path):
            if len(row) != n_fields:
                raise DataError(
                    f"{where} line {line}: ragged row with {len(row)} fields; "
                    f"the header has {n_fields}"
                )
            rows += 1
    except UnicodeDecodeError as exc:
        raise DataError(f"{where} is not UTF-8 text (a CSV file is expected): {exc}") from exc
    except csv.Error as exc:
        raise DataError(f"{where}: not valid CSV ({exc})") from exc
    if rows == 0:
        raise DataError(f"{where} has a header but no data rows")
    return rows


def _diagnose(path: Path, header: list, columns: list, where: str) -> None:
    """Find the first cell of ``columns`` that is not a finite number and raise naming it."""
    for line, row in _data_rows(path):
        for c in columns:
            _check_cell(row[c], line, c, header, where)


def _check_cell(cell: str, line: int, c: int, header: list, where: str) -> float:
    place = f"{where} line {line}, column {c + 1} ({header[c]!r})"
    try:
        value = float(cell)
    except ValueError:
        what = "an empty cell" if not cell.strip() else f"{cell!r}"
        raise DataError(f"{place} must be a number; got {what}") from None
    if not np.isfinite(value) or abs(value) > FLOAT32_MAX:
        raise DataError(f"{place} must be a finite number; got {cell!r}")
    return value


def _labels_or_numbers(raw: np.ndarray, path: Path, header, t: int, where: str) -> np.ndarray:
    """Numbers as int64 (all whole) or float64, else the strings as class labels."""
    empty = np.flatnonzero(raw == "")
    if empty.size:
        line = _line_of_row(path, int(empty[0]))
        raise DataError(
            f"{where} line {line}, column {t + 1} ({header[t]!r}): the target is missing "
            "(an empty cell)"
        )
    try:
        values = raw.astype(np.float64)
    except ValueError:
        return raw  # class labels
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        line = _line_of_row(path, int(bad[0]))
        raise DataError(
            f"{where} line {line}, column {t + 1} ({header[t]!r}) must be a finite number or "
            f"a class label; got {str(raw[bad[0]])!r}"
        )
    if np.all(values == np.round(values)) and np.abs(values).max() < 2**53:
        return values.astype(np.int64)
    return values


def _line_of_row(path: Path, row: int) -> int:
    """The line number of data row ``row`` (0-based, blank lines skipped)."""
    for i, (line, _) in enumerate(_data_rows(path)):
        if i == row:
            return line
    return -1


# -- NumPy files --------------------------------------------------------------------------------
def _read_npz(path: Path) -> DataTable:
    where = repr(str(path))
    zf, members = open_archive(path, "data file", DataError, _npz_member, "a valid .npz archive")
    with zf, zf.fp:
        if "X.npy" not in members:
            names = sorted(m[:-4] for m in members if m.endswith(".npy"))
            raise DataError(f"{where} must hold an array named X (and y); it has {names}")
        X = read_npy_member(zf, members["X.npy"], path, error=DataError)
        y = None
        if "y.npy" in members:
            y = read_npy_member(zf, members["y.npy"], path, kinds="biufU", error=DataError)
    X = _check_array(X, "X", where)
    if y is not None:
        if y.ndim != 1 or len(y) != len(X):
            raise DataError(
                f"{where}: y must be 1-D with one entry per row of X ({len(X)}); got shape "
                f"{y.shape}"
            )
        if y.dtype.kind == "f":
            bad = np.flatnonzero(~np.isfinite(y))
            if bad.size:
                raise DataError(f"{where}: y[{bad[0]}] must be finite; got {y[bad[0]]}")
    return DataTable(X=X, y=y, feature_names=[f"x{i}" for i in range(X.shape[1])])


def _npz_member(name: str) -> bool:
    """The entries an .npz archive may hold: arrays (only X and y are read)."""
    return name.endswith(".npy")


def _load_npy(path: Path, kinds: str = "biuf") -> np.ndarray:
    """A .npy file's array (memory-mapped when large), its header checked first: no objects,
    and exactly as many bytes as it declares (``io.modelfile.read_npy_header``)."""
    where = repr(str(path))
    size = check_regular(path, "data file", DataError)
    try:
        with open_regular(path, "data file", DataError) as fh:
            read_npy_header(fh, size, where, kinds)
    except ModelFileError as exc:
        with open(path, "rb") as fh:
            zipped = fh.read(2) == b"PK"
        hint = "; an .npz archive must be named .npz" if zipped else ""
        raise DataError(f"{exc}{hint}") from exc
    try:
        return np.load(path, mmap_mode="r" if size > MMAP_BYTES else None, allow_pickle=False)
    except _PARSE_ERRORS + (ValueError,) as exc:
        raise DataError(f"{where} is not a valid .npy file ({exc})") from exc


def _read_idx_features(path: Path, target) -> DataTable:
    where = repr(str(path))
    if target is not None:
        raise DataError(
            f"{where} is an IDX file, which has no columns: give the targets as a labels file "
            "(--labels train-labels-idx1-ubyte)"
        )
    array = read_idx(path)
    array = array.reshape(len(array), -1) if array.ndim > 1 else array.reshape(-1, 1)
    array = _check_array(array, "the items", where)
    return DataTable(X=array, feature_names=[f"x{i}" for i in range(array.shape[1])])


def _read_npy(path: Path, target) -> DataTable:
    where = repr(str(path))
    array = _check_array(_load_npy(path), "the array", where)
    names = [f"x{i}" for i in range(array.shape[1])]
    if target is None:
        return DataTable(X=array, feature_names=names)
    try:
        t = int(target)
    except ValueError:
        raise DataError(
            f"{where} has no column names; give the target as a column index; got {target!r}"
        ) from None
    if not -array.shape[1] <= t < array.shape[1]:
        raise DataError(f"target column index {t} is out of range for {where}, shape {array.shape}")
    t %= array.shape[1]
    keep = [i for i in range(array.shape[1]) if i != t]
    if not keep:
        raise DataError(f"{where} has no feature columns besides the target")
    y = array[:, t]
    if np.all(y == np.round(y)):
        y = y.astype(np.int64)
    return DataTable(
        X=array[:, keep], y=y, feature_names=[names[i] for i in keep], target_name=f"x{t}"
    )


def _check_array(X: np.ndarray, name: str, where: str) -> np.ndarray:
    if X.dtype.kind not in "biuf":
        raise DataError(f"{where}: {name} must hold numbers; got dtype {X.dtype}")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{where}: {name} must be 2-D and non-empty; got shape {X.shape}")
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        r, c = np.argwhere(~np.isfinite(X))[0]
        raise DataError(f"{where}: {name}[{r}, {c}] must be finite; got {X[r, c]}")
    return X


register_data_format(
    DataFormat(
        "csv",
        (".csv", ".txt", ".tsv"),
        lambda path, target, features, dtype: _read_csv(path, target, features, dtype),
        named_columns=True,
    )
)
register_data_format(DataFormat("npz", (".npz",), lambda path, *_: _read_npz(path)))
register_data_format(
    DataFormat("npy", (".npy",), lambda path, target, *_: _read_npy(path, target), labels_file=True)
)
register_data_format(
    DataFormat(
        "idx",
        (),
        lambda path, target, *_: _read_idx_features(path, target),
        detect=looks_like_idx,
        labels_file=True,
    )
)
