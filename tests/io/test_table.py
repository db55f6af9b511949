"""io.table.read_columns: CSV files as spreadsheets, R and pandas write them (table-driven)."""

import numpy as np
import pytest

from deltaprop.errors import DataError
from deltaprop.io import table as module
from deltaprop.io.table import read_columns

NAN = float("nan")


@pytest.fixture(params=["python", "pandas"])
def engine(request):
    """Each table-driven test under both engines (pandas' only where pandas is installed)."""
    if request.param == "pandas":
        pytest.importorskip("pandas")
    return request.param


# name: (file bytes, read options, expected names, expected columns (None = missing))
READS = {
    "plain": (b"a,b\n1,x\n2,y\n", {}, ["a", "b"], {"a": [1, 2], "b": ["x", "y"]}),
    "utf-8 bom": (b"\xef\xbb\xbfa,b\n1,2\n", {}, ["a", "b"], {"a": [1], "b": [2]}),
    "semicolons": (b"a;b\n1,5;x\n2,5;y\n", {}, ["a", "b"], {"a": ["1,5", "2,5"], "b": ["x", "y"]}),
    "tabs": (b"a\tb c\n1\t2\n", {}, ["a", "b c"], {"a": [1], "b c": [2]}),
    "bars given": (b"a|b\n1|2\n", {"delimiter": "|"}, ["a", "b"], {"a": [1], "b": [2]}),
    "quoted": (b'a,b\n"1,5","x ""y"""\n', {}, ["a", "b"], {"a": ["1,5"], "b": ['x "y"']}),
    "quoted numbers": (b'a,b\n"1.5","2"\n', {}, ["a", "b"], {"a": [1.5], "b": [2]}),
    "na spellings": (
        b"a,b\nNA,x\nN/A,NaN\nnan,null\n,?\n7,z\n",
        {},
        ["a", "b"],
        {"a": [None, None, None, None, 7], "b": ["x", None, None, None, "z"]},
    ),
    "custom na": (
        b"a,b\n-999,x\n3,.\n",
        {"na_values": ["-999", "."]},
        ["a", "b"],
        {"a": [None, 3], "b": ["x", None]},
    ),
    "r row names": (
        b'"","x","y"\n"1",5,"a"\n"2",6,"b"\n',
        {},
        ["x", "y"],
        {"x": [5, 6], "y": ["a", "b"]},
    ),
    "pandas index": (b",x\n0,5\n1,6\n", {}, ["x"], {"x": [5, 6]}),
    "r text row names": (
        b'"","mpg"\n"Mazda RX4",21\n"Datsun 710",22.8\n',
        {},
        ["mpg"],
        {"mpg": [21, 22.8]},
    ),
    "unnamed data column kept": (
        b",x\n5,1\n5,2\n",
        {},
        ["column_1", "x"],
        {"column_1": [5, 5], "x": [1, 2]},
    ),
    "forced text": (
        b"a,b\n01,2\n3,4\n",
        {"text_columns": ["a"]},
        ["a", "b"],
        {"a": ["01", "3"], "b": [2, 4]},
    ),
    "blank lines": (b"a\n1\n\n2\n", {}, ["a"], {"a": [1, 2]}),
    "spaces around cells": (
        b"a,b\n 1.5 ,x\n2, NA \n",
        {},
        ["a", "b"],
        {"a": [1.5, 2], "b": ["x", None]},
    ),
    "spaces inside a cell": (
        b"a,b\n1 2,1\nx y,2\nz,3\n",
        {},
        ["a", "b"],
        {"a": ["1 2", "x y", "z"], "b": [1, 2, 3]},
    ),
    "exponents and signs": (b"a\n-1e3\n+2.5E-2\n.5\n", {}, ["a"], {"a": [-1000, 0.025, 0.5]}),
    "latin-1 given": (
        "a,b\nx,café\n".encode("latin-1"),
        {"encoding": "latin-1"},
        ["a", "b"],
        {"a": ["x"], "b": ["café"]},
    ),
}


@pytest.mark.parametrize("case", sorted(READS))
def test_reads(case, tmp_path, engine):
    raw, options, names, expected = READS[case]
    path = tmp_path / "d.csv"
    path.write_bytes(raw)
    table = read_columns(path, engine=engine, **options)
    assert table.names == names
    for name, values in expected.items():
        got = table[name]
        if any(isinstance(v, str) for v in values):
            assert got.dtype == object and got.tolist() == values
        else:
            want = np.array([NAN if v is None else v for v in values], dtype=float)
            assert got.dtype == np.float64
            np.testing.assert_array_equal(got, want)


def test_row_names_leave_a_note_and_lines_count_from_the_header(tmp_path, engine):
    path = tmp_path / "r.csv"
    path.write_text('"","x"\n"1",5\n\n"2",6\n')
    table = read_columns(path, engine=engine)
    assert "row names" in table.notes[0] and table.lines.tolist() == [2, 4]
    assert table.place("x", 1) == f"{str(path)!r} line 4, column 2 ('x')"


def test_a_mostly_numeric_column_with_text_is_marked_mixed(tmp_path, engine):
    path = tmp_path / "m.csv"
    path.write_text("a,b,c\n1,x,1\n2,y,3 4\nabc,z,5\n")
    table = read_columns(path, engine=engine)
    assert table.mixed == {"a": (2, "abc"), "c": (1, "3 4")}
    assert table["a"].tolist() == ["1", "2", "abc"]
    assert "b" not in table.mixed  # text through and through


def test_numbers_then_text_after_the_first_chunk_keep_every_cell_as_written(
    tmp_path, monkeypatch, engine
):
    monkeypatch.setattr(module, "_CHUNK_ROWS", 2)
    path = tmp_path / "c.csv"
    path.write_text("a\n01\n2.50\nx\ny\nz\n")
    table = read_columns(path, engine=engine)
    assert table["a"].tolist() == ["01", "2.50", "x", "y", "z"] and not table.mixed


ERRORS = {
    "ragged": (b"a,b\n1,2\n3\n", ["line 3", "ragged", "1 fields", "header has 2"]),
    "duplicate": (b"a,a\n1,2\n", ["line 1", "unique", "'a'"]),
    "header only": (b"a,b\n", ["no data rows"]),
    "not utf-8": (b"a,b\n1,caf\xe9\n", ["not UTF-8", "0xe9", "line 2", "--encoding"]),
    "utf-16": ("a,b\n1,2\n".encode("utf-16"), ["UTF-16"]),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_name_the_line(case, tmp_path, engine):
    raw, pieces = ERRORS[case]
    path = tmp_path / "e.csv"
    path.write_bytes(raw)
    with pytest.raises(DataError) as info:
        read_columns(path, engine=engine)
    for piece in pieces:
        assert piece in str(info.value)


def _same(a, b) -> None:
    """Two reads of one file give the same columns, lines, mixed columns and notes."""
    assert (a.names, a.positions, a.mixed, a.notes, a.delimiter) == (
        b.names,
        b.positions,
        b.mixed,
        b.notes,
        b.delimiter,
    )
    np.testing.assert_array_equal(a.lines, b.lines)
    for name in a.names:
        assert a[name].dtype == b[name].dtype, name
        if a[name].dtype == object:
            assert a[name].tolist() == b[name].tolist(), name
        else:  # the same bits: -0.0 stays -0.0, every value rounded alike
            np.testing.assert_array_equal(a[name].view(np.int64), b[name].view(np.int64))


# files the pandas engine splits itself (no blank lines, UTF-8): it must not hand them back
SPLIT_BY_PANDAS = sorted(set(READS) - {"blank lines", "latin-1 given"})
MORE = {  # corners where pandas' tokenizer and the csv module could part ways
    "quote mid-cell": b'a,b\nx"y,1\n"p"q,2\n',
    "spaces then quote": b'a,b\n "x",1\n"y" ,2\n',
    "crlf": b"a,b\r\n1,x\r\n2,\r\n",
    "no final newline": b"a,b\n1,2\n3,4",
    "quoted line break": b'a,b\n"x\ny",1\nz,2\n',
    "whitespace line": b"a,b\n1,2\n   \n3,4\n",
    "bare cr": b"a,b\r1,2\r3,4\r",
    "header only spaces": b" , b \n1,2\n",
    "unicode": "a,b\nĳ,ü\n1,😀\n".encode(),
    "inf and nan": b"a\ninf\n-Infinity\nnan\n1_000\n",
    "long row": b"a,b\n1,2\n3,4,5\n",
    "short row with an empty last cell": b"a,b,c\n1,2,\n3,4\n",
    "leading blank line": b"\na,b\n1,2\n",
    "quoted header break": b'"a\nb",c\n1,2\n',
    "booleans": b"a,b\nTrue,x\nFALSE,y\n",
    "integers and -0": b"a,b\n-0,1\n0,2\n3,-4\n",
    "-0 among integers and NA": b"a,b,c\nNA,-0 ,1.5\n-0,1,-0\n",
    "big integers": b"a\n9007199254740993\n123456789012345678901234567890\n",
    "numeric na token": (b"a,b\n-999.0,x\n1,-999.0\n2,-999\n-999,z\n", {"na_values": ["-999"]}),
    "numbers as text": (b"a,b\n01,2\n3,4\n", {"text_columns": ["a", "b"]}),
    "unicode digits and underscores": "a,b\n１２,1_000\n3,4\n".encode(),
    "spaced tokens": b"a,b\n NA ,1\n2, nan\n",
    "all missing": b"a,b\n,\nNA,\n",
}


@pytest.mark.parametrize("case", SPLIT_BY_PANDAS + sorted(MORE))
def test_the_engines_give_the_same_columns(case, tmp_path):
    pytest.importorskip("pandas")
    entry = READS[case][:2] if case in READS else MORE[case]
    raw, options = (entry, {}) if isinstance(entry, bytes) else entry
    path = tmp_path / "d.csv"
    path.write_bytes(raw)
    try:
        python = read_columns(path, engine="python", **options)
    except DataError as exc:
        with pytest.raises(DataError) as info:
            read_columns(path, engine="pandas", **options)
        assert str(info.value) == str(exc)
        return
    pandas = read_columns(path, engine="pandas", **options)
    _same(python, pandas)
    if case in SPLIT_BY_PANDAS:
        assert pandas.engine == "pandas"


def test_a_random_file_reads_the_same_with_both_engines(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    monkeypatch.setattr(module, "_CHUNK_ROWS", 7)  # several chunks, numbers then text
    rng = np.random.default_rng(3)
    cells = np.char.mod("%.4g", rng.normal(size=(60, 4)))
    cells[rng.random(cells.shape) < 0.1] = "NA"
    cells[50, 1] = "oops"
    cells[:, 3] = rng.choice(["a", "b c", '"q,r"', "", "?"], 60)
    path = tmp_path / "r.csv"
    rows = "".join(f"{i + 1}," + ",".join(r) + "\n" for i, r in enumerate(cells))
    path.write_text('"",w,x,y,z\n' + rows)
    python, pandas = read_columns(path, engine="python"), read_columns(path, engine="pandas")
    assert pandas.engine == "pandas" and "x" in pandas.mixed and pandas.notes
    _same(python, pandas)


def test_auto_takes_pandas_for_big_files_only_when_installed(tmp_path, monkeypatch):
    path = tmp_path / "b.csv"
    path.write_bytes(b"a,b\n" + b"1,x\n" * 200)
    size = path.stat().st_size
    monkeypatch.setattr(module, "PANDAS_BYTES", size + 1)
    assert read_columns(path).engine == "python"
    monkeypatch.setattr(module, "PANDAS_BYTES", size)
    try:
        import pandas  # noqa: F401
    except ImportError:
        assert read_columns(path).engine == "python"
        with pytest.raises(ImportError, match="pandas"):
            read_columns(path, engine="pandas")
    else:
        assert read_columns(path).engine == "pandas"
        monkeypatch.setitem(__import__("sys").modules, "pandas", None)  # as if not installed
        assert read_columns(path).engine == "python"
        with pytest.raises(ImportError, match="deltaprop\\[tabular\\]"):
            read_columns(path, engine="pandas")
    assert read_columns(path, engine="python").engine == "python"
    with pytest.raises(ValueError, match="'fast'"):
        read_columns(path, engine="fast")


def test_lines_longer_than_the_csv_field_limit_go_to_the_python_engine(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    from deltaprop.io import table_pandas

    path = tmp_path / "l.csv"
    path.write_bytes(b"a,b\n1," + b"x" * 40 + b"\n2,y\n")
    assert table_pandas._plain_lines(path) == 3
    assert read_columns(path, engine="pandas").engine == "pandas"
    monkeypatch.setattr(table_pandas, "_BLOCK", 5)  # lines across blocks
    assert table_pandas._plain_lines(path) == 3
    import csv

    limit = csv.field_size_limit(30)
    try:
        assert table_pandas._plain_lines(path) is None
        with pytest.raises(DataError, match="field larger"):
            read_columns(path, engine="pandas")
    finally:
        csv.field_size_limit(limit)
