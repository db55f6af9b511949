"""io.table.read_columns: CSV files as spreadsheets, R and pandas write them (table-driven)."""

import numpy as np
import pytest

from deltaprop.errors import DataError
from deltaprop.io.table import read_columns

NAN = float("nan")

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
def test_reads(case, tmp_path):
    raw, options, names, expected = READS[case]
    path = tmp_path / "d.csv"
    path.write_bytes(raw)
    table = read_columns(path, **options)
    assert table.names == names
    for name, values in expected.items():
        got = table[name]
        if any(isinstance(v, str) for v in values):
            assert got.dtype == object and got.tolist() == values
        else:
            want = np.array([NAN if v is None else v for v in values], dtype=float)
            assert got.dtype == np.float64
            np.testing.assert_array_equal(got, want)


def test_row_names_leave_a_note_and_lines_count_from_the_header(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('"","x"\n"1",5\n\n"2",6\n')
    table = read_columns(path)
    assert "row names" in table.notes[0] and table.lines.tolist() == [2, 4]
    assert table.place("x", 1) == f"{str(path)!r} line 4, column 2 ('x')"


def test_a_mostly_numeric_column_with_text_is_marked_mixed(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b,c\n1,x,1\n2,y,3 4\nabc,z,5\n")
    table = read_columns(path)
    assert table.mixed == {"a": (2, "abc"), "c": (1, "3 4")}
    assert table["a"].tolist() == ["1", "2", "abc"]
    assert "b" not in table.mixed  # text through and through


def test_numbers_then_text_after_the_first_chunk_keep_every_cell_as_written(tmp_path, monkeypatch):
    from deltaprop.io import table as module

    monkeypatch.setattr(module, "_CHUNK_ROWS", 2)
    path = tmp_path / "c.csv"
    path.write_text("a\n01\n2.50\nx\ny\nz\n")
    table = read_columns(path)
    assert table["a"].tolist() == ["01", "2.50", "x", "y", "z"] and not table.mixed


ERRORS = {
    "ragged": (b"a,b\n1,2\n3\n", ["line 3", "ragged", "1 fields", "header has 2"]),
    "duplicate": (b"a,a\n1,2\n", ["line 1", "unique", "'a'"]),
    "header only": (b"a,b\n", ["no data rows"]),
    "not utf-8": (b"a,b\n1,caf\xe9\n", ["not UTF-8", "0xe9", "line 2", "--encoding"]),
    "utf-16": ("a,b\n1,2\n".encode("utf-16"), ["UTF-16"]),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_name_the_line(case, tmp_path):
    raw, pieces = ERRORS[case]
    path = tmp_path / "e.csv"
    path.write_bytes(raw)
    with pytest.raises(DataError) as info:
        read_columns(path)
    for piece in pieces:
        assert piece in str(info.value)
