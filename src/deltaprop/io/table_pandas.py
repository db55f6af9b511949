"""The pandas engine of :func:`deltaprop.io.table.read_columns`: pandas' C tokenizer splits
the file into cells, and the python engine's typing code makes the columns from them.

Only the splitting is pandas': every cell is read as the text written (``dtype=str``, no
missing-value detection of pandas' own), and the cells go, chunk by chunk, through the same
number/text/missing-token code as the python engine's, so the columns, ``mixed`` and the
row-name note are the same. :func:`read_chunks` returns None, and the python engine reads the
file, wherever pandas could split it differently from the standard library's :mod:`csv` or
where there is an error to report with its line:

- an encoding other than UTF-8, a NUL byte, a carriage return not followed by a line feed, a
  line longer than the csv module's field limit (which that module refuses);
- blank lines or line breaks inside quoted cells (the data rows' lines would have to be found
  by a second reading);
- rows with more or fewer fields than the header, a file pandas refuses, no data rows.
"""

from __future__ import annotations

import csv
import gc

import numpy as np

from . import table

_BLOCK = 1 << 24


def read_chunks(path, encoding, delimiter, na, text_columns, where):
    """``(names, positions), chunks, lines`` as the python engine's, or None when that engine
    must read the file."""
    if encoding != "utf-8-sig" or len(delimiter) != 1 or delimiter in '"\r\n':
        return None
    n_lines = _plain_lines(path)
    raw = _header_cells(path, delimiter)
    if n_lines is None or raw is None:
        return None
    names, positions = table._header(raw, where)
    as_text = [i for i, name in enumerate(names) if name in text_columns]
    frame = _read_frame(path, delimiter, na, as_text)
    if frame is None:
        return None
    n_rows = len(frame)
    if n_rows < 1 or n_lines != n_rows + 1 or len(frame.columns) != len(names):
        return None  # blank lines, quoted line breaks, long rows: the python engine's errors
    last = frame.iloc[:, -1].isna().to_numpy()
    if _has_short_rows(path, delimiter, len(names), np.flatnonzero(last) + 2):
        return None  # pandas fills a row's missing fields with missing cells
    numbers, cells = _split_columns(frame, names)
    if table._numeric_tokens(na):  # pandas also takes "-999.0" for "-999" in text
        cells = {}
    zeros = [i for i, name in enumerate(names) if name in numbers and _has_plus_zero(numbers[name])]
    if zeros:  # pandas reads "-0" as the integer 0 unless told the column is float64
        again = _read_frame(path, delimiter, na, (), usecols=zeros, floats=True)
        if again is None or len(again) != n_rows:
            return None
        numbers.update(_split_columns(again, [names[i] for i in zeros])[0])
    redo = [i for i, name in enumerate(names) if name not in numbers and name not in cells]
    if redo:  # typed by pandas in a way that loses the text (True/False, big integers)
        again = _read_frame(path, delimiter, None, redo, usecols=redo)
        if again is None or len(again) != n_rows:
            return None
        cells.update(_split_columns(again, [names[i] for i in redo])[1])
    del frame
    chunks = {name: [] for name in names}
    for name, values in numbers.items():
        numeric_na = table._numeric_tokens(na)
        if numeric_na:  # "-999" given as a missing-value token, also written "-999.0"
            values[np.isin(values, numeric_na)] = np.nan
        chunks[name].append(values)
    collecting = gc.isenabled()
    gc.disable()  # the cells are the python engine's again: millions of short-lived strings
    try:
        text = [name for name in names if name in cells]
        for start in range(0, n_rows, table._CHUNK_ROWS):
            stop = start + table._CHUNK_ROWS
            part = [cells[name][start:stop] for name in text]
            table._add_cells(chunks, text, part, na, text_columns)
    finally:
        if collecting:
            gc.enable()
    return (names, positions), chunks, np.arange(2, n_rows + 2)


def _header_cells(path, delimiter) -> list | None:
    """The cells of line 1 (None when the header is not on line 1 alone)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            raw = next(reader, None)
        except csv.Error:
            return None
        return raw if raw and reader.line_num == 1 else None


def _has_plus_zero(values: np.ndarray) -> bool:
    return bool(np.any((values == 0) & ~np.signbit(values)))


def _read_frame(path, delimiter, na, as_text, usecols=None, floats=False):
    """The data rows (after line 1) as pandas reads them: numbers where a whole column is
    numbers, the cells as written otherwise, ``na`` tokens missing (none when ``na`` is None:
    every cell as written; ``floats``: every column float64); None if pandas refuses."""
    import pandas as pd

    options = {}
    if int(pd.__version__.split(".")[0]) < 3:  # pandas 3 rounds correctly by default
        options["float_precision"] = "round_trip"
    try:
        return pd.read_csv(
            path,
            sep=delimiter,
            header=None,
            skiprows=1,
            usecols=usecols,
            dtype=np.float64 if floats else {i: object for i in as_text},
            keep_default_na=False,
            na_filter=na is not None,
            na_values=sorted(na or ()),
            skip_blank_lines=True,
            quotechar='"',
            doublequote=True,
            encoding="utf-8-sig",
            engine="c",
            low_memory=False,
            **options,
        )
    except Exception:  # noqa: BLE001 - the python engine reports the error with its line
        return None


def _split_columns(frame, names) -> tuple[dict, dict]:
    """``numbers[name]`` (float64, as the python engine parses them) and ``cells[name]`` (the
    cells as written, "" where missing) of the columns pandas typed so that they can be; the
    other columns (booleans, integers too big for int64) are in neither."""
    numbers, cells = {}, {}
    for name, column in zip(names, frame.columns):
        series = frame[column]
        kind = series.dtype.kind
        if kind == "f":
            numbers[name] = series.to_numpy(dtype=np.float64, copy=True)
        elif kind in "iu":
            values = series.to_numpy()
            numbers[name] = values.astype(np.float64)
        elif kind in "OU" or str(series.dtype) in ("str", "string"):
            values = series.tolist()  # strings, NaN where missing; Python ints (big) are not
            if all(isinstance(c, str) or c != c for c in values):
                cells[name] = [c if isinstance(c, str) else "" for c in values]
    return numbers, cells


def _has_short_rows(path, delimiter, n_fields, suspects) -> bool:
    """Whether one of the lines ``suspects`` (those whose last cell is empty) has fewer than
    ``n_fields`` fields (one row per line: :func:`_plain_lines` has checked)."""
    if len(suspects) == 0:
        return False
    wanted = set(suspects.tolist())
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            if number in wanted and len(next(csv.reader([line], delimiter=delimiter))) != n_fields:
                return True
    return False


def _plain_lines(path) -> int | None:
    """The number of lines of a file with no NUL byte, no bare carriage return and no line
    longer than the csv module's field limit (None otherwise): lines as that module counts
    them."""
    n_lf = n_cr = n_crlf = 0
    last, start, longest = b"", 0, 0  # start: the offset of the current line
    offset = 0
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            if b"\0" in block:
                return None
            n_crlf += (last[-1:] + block).count(b"\r\n")
            n_cr += block.count(b"\r")
            ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) + offset
            if len(ends):
                longest = max(longest, int(np.diff(ends, prepend=start - 1).max()) - 1)
                start = int(ends[-1]) + 1
            n_lf += len(ends)
            offset += len(block)
            last = block
    longest = max(longest, offset - start)
    if n_cr != n_crlf or longest > csv.field_size_limit():
        return None
    return n_lf + (0 if last.endswith(b"\n") else 1)
