"""Reading a CSV the way people write it: named columns of numbers or text, missing cells marked.

:func:`read_columns` accepts what spreadsheets, R and pandas write:

- UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"); any other encoding is refused
  with a message naming the line and the byte (or read with ``encoding=``);
- the delimiter detected among comma, semicolon, tab and bar (the one that splits the first
  lines into the same number of fields, most fields winning), or given;
- quoted fields (the standard library's :mod:`csv`), blank lines skipped;
- missing-value tokens (``NA_VALUES``, plus ``na_values``) in any column;
- an unnamed first column of row names (R's ``write.csv``: 1..n; pandas' ``to_csv``: the
  index, 0..n-1 or shuffled after a split; any distinct whole numbers or distinct texts): left
  out, with a note.

Two engines split the file into cells: the standard library's :mod:`csv` ("python") and
pandas' C tokenizer ("pandas", :mod:`deltaprop.io.table_pandas`, several times faster on large
files); both hand the same cells to the same typing code, so the columns are the same. "auto"
(the default) takes pandas for files of ``PANDAS_BYTES`` or more when pandas is installed.

Each column comes back as float64 (NaN where missing) when every cell present is a number,
else as an object array of stripped strings (None where missing). A column that mixes numbers
and text is kept as text and listed in ``mixed`` with its first text cell, so that a model
can refuse it where it is used (a typo in a numeric column) without stopping a file whose odd
column is dropped. Problems with the file itself raise :class:`~deltaprop.errors.DataError`
naming the file, the line and the column.
"""

from __future__ import annotations

import codecs
import csv
import gc
import warnings
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

from .._files import check_first_line, check_regular
from ..errors import DataError

#: Cells read as missing values (after stripping spaces), as R and pandas write them.
NA_VALUES = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "?")
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_LINES = 50
_CHUNK_ROWS = 1 << 16
ENGINES = ("auto", "python", "pandas")
#: Files at least this large are read by the pandas engine under ``engine="auto"``.
PANDAS_BYTES = 8 << 20


@dataclass
class Columns:
    """The columns of a CSV file: ``names`` in file order, ``columns[name]`` (float64 with NaN
    for missing, or object strings with None), ``lines[row]`` (the file line of each data row),
    ``mixed[name] = (row, text)`` (columns of numbers with some text: the first text cell)."""

    path: str
    names: list
    columns: dict
    lines: np.ndarray
    delimiter: str = ","
    positions: dict = field(default_factory=dict)
    mixed: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    encoding: str = "utf-8-sig"
    engine: str = "python"

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def keys(self):
        return list(self.names)

    def place(self, name: str, row: int) -> str:
        """Where a cell is: "'file' line L, column C ('name')"."""
        return (
            f"{self.path!r} line {int(self.lines[row])}, column {self.positions[name]} ({name!r})"
        )

    def cell(self, name: str, row: int) -> str:
        """The text of one cell as written in the file (read again: for messages)."""
        line = int(self.lines[row])
        with open(self.path, newline="", encoding=self.encoding) as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            for fields in reader:
                if reader.line_num == line:
                    return fields[self.positions[name] - 1]
        return ""

    def take(self, rows) -> Columns:
        """The same columns for the data rows ``rows`` only (an index array or mask)."""
        return Columns(
            self.path,
            list(self.names),
            {name: values[rows] for name, values in self.columns.items()},
            self.lines[rows],
            self.delimiter,
            dict(self.positions),
            dict(self.mixed),
            [],
            self.encoding,
            self.engine,
        )


def read_columns(
    path,
    *,
    delimiter=None,
    na_values=(),
    text_columns=(),
    encoding: str = "utf-8",
    engine: str = "auto",
) -> Columns:
    """Read a CSV file with a header row into :class:`Columns`.

    ``delimiter``: one character, or None to detect it; ``na_values``: tokens read as missing
    besides ``NA_VALUES``; ``text_columns``: names kept as text even when they hold numbers
    (categories written as numbers); ``encoding``: the file's text encoding (UTF-8 by default,
    a byte-order mark skipped); ``engine``: "python", "pandas" (needs pandas; a file it cannot
    split exactly as the python engine does, or one with an error to report, is read by the
    python engine) or "auto" (pandas for files of ``PANDAS_BYTES`` or more, when installed).
    ``Columns.engine`` says which one read the file.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "t.csv")
    ...     _ = open(p, "w", encoding="utf-8-sig").write('"";size;kind\\n"1";2,5;cat\\n"2";NA;\\n')
    ...     table = read_columns(p)
    >>> table.names, table["size"].tolist(), table["kind"].tolist(), table.delimiter
    (['size', 'kind'], ['2,5', None], ['cat', None], ';')
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    path = Path(path)
    where = repr(str(path))
    size = check_regular(path, "data file", DataError)
    if size == 0:  # pipes and devices refused
        raise DataError(f"data file {where} is empty")
    check_first_line(path, "data file", DataError)
    encoding = _check_encoding(path, encoding, where)
    na = frozenset(NA_VALUES) | {str(v).strip() for v in na_values}
    text_columns = set(text_columns)
    try:
        with open(path, newline="", encoding=encoding) as fh:
            sample = [line for _, line in zip(range(_SAMPLE_LINES), fh)]
    except UnicodeDecodeError:
        raise DataError(_decode_error(path, encoding, where)) from None
    delimiter = detect_delimiter(sample) if delimiter is None else delimiter
    read = None
    if _use_pandas(engine, size):
        from . import table_pandas

        read = table_pandas.read_chunks(path, encoding, delimiter, na, text_columns, where)
    used = "pandas" if read is not None else "python"
    if read is None:
        read = _read_python(path, encoding, delimiter, na, text_columns, where)
    header, chunks, lines = read
    table = Columns(str(path), header[0], {}, lines, delimiter, header[1], encoding=encoding)
    table.engine = used
    _assemble(table, chunks, na, text_columns)
    _drop_row_names(table)
    return table


def _use_pandas(engine: str, size: int) -> bool:
    """Whether to try the pandas engine; ``engine="pandas"`` without pandas is an error."""
    if engine == "python" or (engine == "auto" and size < PANDAS_BYTES):
        return False
    try:
        import pandas  # noqa: F401
    except ImportError:
        if engine == "pandas":
            raise ImportError(
                "engine='pandas' (--csv-engine pandas) needs pandas: "
                "pip install 'deltaprop[tabular]'"
            ) from None
        return False
    return True


def _read_python(path, encoding, delimiter, na, text_columns, where):
    """The header, chunks and row lines of the file split by the standard library's csv."""
    try:
        with open(path, newline="", encoding=encoding) as fh:
            # millions of short-lived row lists: the cyclic collector would walk them for
            # nothing (a quarter of the time); none of them forms a cycle
            collecting = gc.isenabled()
            gc.disable()
            try:
                return _read_chunks(fh, delimiter, na, text_columns, where)
            finally:
                if collecting:
                    gc.enable()
    except UnicodeDecodeError:
        raise DataError(_decode_error(path, encoding, where)) from None
    except csv.Error as exc:
        raise DataError(f"{where}: not valid CSV ({exc})") from exc


def _assemble(table: Columns, chunks: dict, na, text_columns) -> None:
    """Each column from its chunks: float64 when every chunk is numbers, else text (the cells
    as written), listed in ``table.mixed`` when mostly numbers."""
    redo = []
    for name in table.names:
        parts = chunks[name]
        numbers = [c for c in parts if isinstance(c, np.ndarray)]
        if len(numbers) == len(parts):
            table.columns[name] = np.concatenate(numbers)
            continue
        if numbers:  # numbers first, text later: the numbers' cells are read again as written
            redo.append(name)
        else:
            table.columns[name] = _object_array([cell for part in parts for cell in part])
        if name not in text_columns:
            n_text, first = _text_count(parts)
            n_numbers = len(table.lines) - _missing_count(parts) - n_text
            if n_numbers >= n_text:  # mostly numbers: the text is a typo or an unknown token
                table.mixed[name] = first
    if redo:  # columns found to hold text after chunks of numbers: read their cells again
        table.columns.update(
            _text_pass(table.path, table.encoding, table.delimiter, na, table.names, redo)
        )


def detect_delimiter(lines: list) -> str:
    """The delimiter among ``DELIMITERS`` that splits every sample line into the same number
    (> 1) of fields, the most fields winning; a comma when none does.

    >>> detect_delimiter(["a;b;c\\n", "1,5;2;3\\n"]), detect_delimiter(["a\\tb\\n", "1\\t2\\n"])
    (';', '\\t')
    """
    best, best_fields = ",", 1
    for d in DELIMITERS:
        try:
            counts = {len(row) for row in csv.reader(lines, delimiter=d) if row}
        except csv.Error:
            continue
        if len(counts) == 1 and (n := counts.pop()) > best_fields:
            best, best_fields = d, n
    return best


def _read_chunks(fh, delimiter, na, text_columns, where):
    """The header and, per column, chunks of float64 arrays (all numbers) or lists of text,
    and the file line of each data row."""
    reader = csv.reader(fh, delimiter=delimiter)
    rows = filter(None, reader)  # blank lines skipped
    raw = next(rows, None)
    if raw is None:
        raise DataError(f"data file {where} is empty (no header row)")
    header_line = reader.line_num
    names, positions = _header(raw, where)
    n_fields = len(names)
    chunks = {name: [] for name in names}
    n_rows = 0
    while chunk := list(islice(rows, _CHUNK_ROWS)):
        if len(chunk[0]) != n_fields or len(set(map(len, chunk))) > 1:
            _raise_ragged(fh, reader, delimiter, n_fields, where)
        _add_chunk(chunks, names, chunk, na, text_columns)
        n_rows += len(chunk)
    if n_rows == 0:
        raise DataError(f"{where} has a header but no data rows")
    if reader.line_num == header_line + n_rows:  # one line per row: no blank lines, no
        lines = np.arange(header_line + 1, header_line + 1 + n_rows)  # quoted line breaks
    else:
        lines = _row_lines(fh, reader, delimiter)
    return (names, positions), chunks, lines


def _row_lines(fh, reader, delimiter) -> np.ndarray:
    """The line on which each data row ends (a second pass, for files with blank lines or
    line breaks inside quotes)."""
    fh.seek(0)
    reader = csv.reader(fh, delimiter=delimiter)
    lines = [reader.line_num for row in reader if row]
    return np.array(lines[1:], dtype=np.int64)


def _raise_ragged(fh, reader, delimiter, n_fields, where):
    fh.seek(0)
    reader = csv.reader(fh, delimiter=delimiter)
    next(filter(None, reader))
    for row in reader:
        if row and len(row) != n_fields:
            raise DataError(
                f"{where} line {reader.line_num}: ragged row with {len(row)} fields; "
                f"the header has {n_fields}"
            )
    raise DataError(f"{where}: rows have differing numbers of fields")


def _header(raw: list, where: str) -> tuple[list, dict]:
    names, positions = [], {}
    for i, cell in enumerate(raw):
        name = cell.strip() or ("" if i == 0 else f"column_{i + 1}")
        if name in positions:
            raise DataError(
                f"{where} line 1: column names must be unique; {name!r} is column "
                f"{positions[name]} and column {i + 1}"
            )
        names.append(name)
        positions[name] = i + 1
    return names, positions


def _add_chunk(chunks, names, rows, na, text_columns) -> None:
    _add_cells(chunks, names, zip(*rows), na, text_columns)


def _add_cells(chunks, names, columns, na, text_columns) -> None:
    """Append one chunk of each column (its cells as written): float64 or a list of text."""
    for name, cells in zip(names, columns):
        values = None if name in text_columns else _numbers(cells, na)
        chunks[name].append(values if values is not None else _texts(cells, na))


def _numbers(cells, na) -> np.ndarray | None:
    """The cells as float64 (NaN for missing tokens), or None if one is not a number.

    NumPy's C parser reads the cells joined by spaces, missing tokens swapped for "nan"; when
    it cannot read them all (a cell with spaces, text), ``np.array(cells, float64)`` decides,
    on the cells as written and then stripped.
    """
    filled = ["nan" if c in na else c for c in cells]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # a partial read warns
        try:
            values = np.fromstring(" ".join(filled), dtype=np.float64, sep=" ")
        except (ValueError, DeprecationWarning):
            values = None
    if values is None or len(values) != len(cells):
        values = None
        for texts in (filled, [c.strip() for c in cells]):
            try:
                values = np.array(["nan" if c in na else c for c in texts], dtype=np.float64)
                break
            except ValueError:
                continue
    if values is None:
        return None
    numeric_na = _numeric_tokens(na)
    if numeric_na:  # "-999" given as a missing-value token
        values[np.isin(values, numeric_na)] = np.nan
    return values


def _numeric_tokens(na) -> list:
    return [float(t) for t in na if _is_number(t) and float(t) == float(t)]


def _texts(cells, na) -> list:
    return [None if (c := cell.strip()) in na else c for cell in cells]


def _text_count(chunks) -> tuple[int, tuple | None]:
    """How many cells of text chunks are not numbers, and the first such (row, text); each
    distinct value is tried once."""
    count, first, offset = 0, None, 0
    for chunk in chunks:
        if isinstance(chunk, list):
            values = Counter(chunk)
            values.pop(None, None)
            text = {v for v in values if not _is_number(v)}
            count += sum(values[v] for v in text)
            if first is None and text:
                i = next(i for i, cell in enumerate(chunk) if cell in text)
                first = (offset + i, chunk[i])
        offset += len(chunk)
    return count, first


def _missing_count(chunks) -> int:
    return sum(
        int(np.isnan(c).sum()) if isinstance(c, np.ndarray) else sum(v is None for v in c)
        for c in chunks
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _text_pass(path, encoding, delimiter, na, names, wanted) -> dict:
    """Second reading of the columns ``wanted`` as text, every cell as written."""
    index = [names.index(name) for name in wanted]
    cells = {name: [] for name in wanted}
    with open(path, newline="", encoding=encoding) as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        next((row for row in reader if row), None)
        for row in reader:
            if row:
                for name, i in zip(wanted, index):
                    cell = row[i].strip()
                    cells[name].append(None if cell in na else cell)
    return {name: _object_array(values) for name, values in cells.items()}


def _object_array(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _drop_row_names(table: Columns) -> None:
    """Leave out an unnamed first column whose values are distinct whole numbers or texts."""
    if not table.names or table.names[0] not in ("", "Unnamed: 0"):
        return
    name = table.names[0]
    values = table.columns[name]
    n = len(values)
    if values.dtype.kind == "f":  # row numbers, in order or not (a subset, a shuffled split)
        whole = bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
        counts = whole and len(np.unique(values)) == n
    else:
        counts = None not in values.tolist() and len(set(values.tolist())) == n
    if not counts:
        table.columns["column_1"] = table.columns.pop(name)
        table.positions["column_1"] = table.positions.pop(name)
        table.names[0] = "column_1"
        return
    del table.columns[name]
    table.names.pop(0)
    table.mixed.pop(name, None)
    table.notes.append(
        f"left out the unnamed first column of {table.path!r}: it holds row names "
        f"({values[0]}, {values[1] if n > 1 else '...'}, ...), not data"
    )


def _check_encoding(path: Path, encoding: str, where: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise DataError(f"unknown text encoding {encoding!r} for {where}") from None
    with open(path, "rb") as fh:
        start = fh.read(4)
    if name == "utf-8":
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DataError(
                f"{where} is UTF-16 text, not UTF-8: save it as UTF-8 (Excel: 'CSV UTF-8'), "
                "or give the encoding (--encoding utf-16)"
            )
        return "utf-8-sig"  # reads UTF-8 with or without a byte-order mark
    return encoding


def _decode_error(path: Path, encoding: str, where: str) -> str:
    """Name the line and the first byte that is not ``encoding`` text."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, offset = 1, 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                bad = block[exc.start : exc.start + 1]
                line += block[: exc.start].count(b"\n")
                return (
                    f"{where} is not {'UTF-8' if 'utf-8' in encoding else encoding} text: byte "
                    f"0x{bad.hex()} on line {line} (byte {offset + exc.start}) cannot be "
                    "decoded; save the file as UTF-8, or give its encoding "
                    "(--encoding cp1252 for Windows 'ANSI', latin-1)"
                )
            line += block.count(b"\n")
            offset += len(block)
    return f"{where} is not {encoding} text"
