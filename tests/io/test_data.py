"""io.data: readers of CSV / .npy / .npz data files, beyond what the CLI tests cover."""

import io
import zipfile

import numpy as np
import pytest

from deltaprop.errors import DataError
from deltaprop.io.data import read_data


def test_csv_features_by_name_quotes_and_blank_lines(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('b,a,label\n"1.5",2,"x, y"\n\n3,4,z\n')
    table = read_data(path, features=["a", "b"])
    assert table.X.dtype == np.float32 and table.X.tolist() == [[2.0, 1.5], [4.0, 3.0]]
    assert table.y is None and table.feature_names == ["a", "b"]
    labelled = read_data(path, target="label")
    assert labelled.y.tolist() == ["x, y", "z"] and labelled.target_name == "label"


def test_numeric_targets_become_int64_or_float64(tmp_path):
    (tmp_path / "i.csv").write_text("a,t\n1,2\n2,0\n")
    (tmp_path / "f.csv").write_text("a,t\n1,2.5\n2,0\n")
    assert read_data(tmp_path / "i.csv", target="t").y.dtype == np.int64
    assert read_data(tmp_path / "f.csv", target="t").y.dtype == np.float64


def test_npz_whose_header_declares_more_than_it_holds_is_refused(tmp_path):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ones((2, 2)))
    old = b"(2, 2), }    "
    raw = buffer.getvalue().replace(old, b"(99999, 999)}".ljust(len(old)))  # same header size
    with zipfile.ZipFile(tmp_path / "big.npz", "w") as zf:
        zf.writestr("X.npy", raw)
    with pytest.raises(DataError, match=r"declares shape \(99999, 999\)"):
        read_data(tmp_path / "big.npz")


def test_npz_with_string_labels_and_checks(tmp_path):
    np.savez(tmp_path / "ok.npz", X=np.ones((3, 2)), y=np.array(["a", "b", "a"]))
    table = read_data(tmp_path / "ok.npz")
    assert table.y.tolist() == ["a", "b", "a"] and table.X.dtype == np.float32
    np.savez(tmp_path / "len.npz", X=np.ones((3, 2)), y=np.zeros(2))
    with pytest.raises(DataError, match="one entry per row"):
        read_data(tmp_path / "len.npz")
    np.savez(tmp_path / "nan.npz", X=np.array([[1.0, np.nan]]))
    with pytest.raises(DataError, match=r"X\[0, 1\] must be finite"):
        read_data(tmp_path / "nan.npz")
    with pytest.raises(DataError, match="is a directory"):
        read_data(tmp_path)


@pytest.mark.parametrize(
    "text, read, line",
    [
        ("a,b,y\n1,2,x,9\n3,4\n", dict(target="y"), "line 2"),  # long and short rows cancel
        ("a,b,y\n1,2,x\n3,4,z,9\n5,6\n", dict(target="y"), "line 3"),
        ("a,b,y\n1,2,x\n3\n", dict(features=["a"]), "line 3"),  # last column not read
        ('a,b,y\n1,2,"x,1"\n3,4,z,9\n', dict(target="y"), "line 3"),  # quoted: csv module
        ("a,b,y\n1,2,x,9\n3,4,z\n", dict(features=["b", "a"]), "line 2"),
    ],
)
def test_ragged_rows_are_found_by_the_fast_and_the_slow_pass(tmp_path, text, read, line):
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=f"{line}: ragged row"):
        read_data(path, **read)


def test_fast_pass_reads_the_same_numbers_as_the_csv_module(tmp_path, rng):
    import csv

    X = rng.normal(size=(500, 7)).astype(np.float32)
    path = tmp_path / "n.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([f"c{i}" for i in range(7)] + ["t"])
        writer.writerows([*row, f"k{i % 3}"] for i, row in enumerate(X.astype(str).tolist()))
    table = read_data(path, target="t")
    np.testing.assert_array_equal(table.X, X)
    assert table.y.tolist() == [f"k{i % 3}" for i in range(500)]
