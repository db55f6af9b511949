"""A data file format added in this file alone (the recipe of docs/architecture.md): one reader
and one register_data_format call, then read_data and the command line read it."""

import json

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import main
from deltaprop.errors import DataError, RegistryError
from deltaprop.io.data import (
    DATA_FORMATS,
    DataFormat,
    DataTable,
    data_format,
    read_data,
    register_data_format,
)


def _read_json_table(path, target, features, dtype):
    """{"columns": [...], "rows": [[...], ...]}: the last column is the target."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        columns, rows = doc["columns"], np.asarray(doc["rows"], dtype=np.float64)
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{str(path)!r} is not a JSON table ({exc})") from exc
    if rows.ndim != 2 or rows.shape[1] != len(columns) or len(columns) < 2:
        raise DataError(f"{str(path)!r}: rows must have one value per column; got {rows.shape}")
    return DataTable(
        X=rows[:, :-1], y=rows[:, -1], feature_names=columns[:-1], target_name=columns[-1]
    )


JSON_TABLE = DataFormat("json-table", (".jsont",), _read_json_table)


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    rows = np.column_stack([X, 2 * X[:, 0] - X[:, 1]]).tolist()
    path = tmp_path / "data.jsont"
    path.write_text(json.dumps({"columns": ["a", "b", "y"], "rows": rows}))
    return path


def test_a_registered_format_is_read_by_read_data(table):
    assert data_format(table) == "json-table" and DATA_FORMATS.get("json-table") is JSON_TABLE
    data = read_data(table)
    assert data.X.shape == (30, 2) and data.X.dtype == np.float32
    assert data.feature_names == ["a", "b"] and data.target_name == "y"


def test_a_registered_format_trains_and_predicts_through_the_cli(table, tmp_path, capsys):
    model = tmp_path / "m.dpm"
    assert main(["train", str(table), "--epochs", "2", "--quiet", "--out", str(model)]) == 0
    assert dp.load(model).feature_names == ["a", "b"]
    assert main(["predict", str(model), str(table)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + 30  # a header, one row each
    bad = tmp_path / "bad.jsont"
    bad.write_text("{not json")
    assert main(["predict", str(model), str(bad)]) == 2
    assert "is not a JSON table" in capsys.readouterr().err


def test_a_format_name_is_taken_once():
    with pytest.raises(RegistryError, match="'csv' is already taken"):
        register_data_format(DataFormat("csv", (".csv2",), _read_json_table))


@pytest.fixture(autouse=True, scope="module")
def _registered_for_this_file():
    """Register this file's format for its tests only (the registry is global)."""
    register_data_format(JSON_TABLE)
    yield
    DATA_FORMATS.unregister("json-table")
