"""Real data: the Palmer penguins CSV (text columns, NA cells) through deltaprop train, export
and onnxruntime, from the file's raw cells, with deltaprop predict's answers."""

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from deltaprop.cli import main

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

NA = {"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "?"}


@pytest.fixture(scope="module")
def penguins(tmp_path_factory) -> Path:
    palmerpenguins = pytest.importorskip("palmerpenguins")
    source = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
    return Path(shutil.copy(source, tmp_path_factory.mktemp("penguins") / "penguins.csv"))


def _run_on_cells(onnx_file, data) -> dict:
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    with open(data, newline="") as fh:
        rows = list(csv.DictReader(fh))
    feeds = {}
    for spec in session.get_inputs():
        cells = [row[spec.name].strip() for row in rows]
        if spec.type == "tensor(string)":
            feeds[spec.name] = np.array(cells, dtype=object).reshape(-1, 1)
        else:
            numbers = [np.nan if c in NA else float(c) for c in cells]
            feeds[spec.name] = np.array(numbers).reshape(-1, 1)
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def _predicted(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_species_classifier(penguins, tmp_path, tolerance):
    model, onnx_file, preds = tmp_path / "s.dpm", tmp_path / "s.onnx", tmp_path / "p.csv"
    train = ["train", str(penguins), "--target", "species", "--epochs", "10", "--seed", "0"]
    assert main([*train, "--out", str(model), "--quiet"]) == 0
    assert main(["export", str(model), str(onnx_file), "--quiet"]) == 0
    assert main(["predict", str(model), str(penguins), "--proba", "-o", str(preds)]) == 0
    outputs = _run_on_cells(onnx_file, penguins)
    header, rows = _predicted(preds)
    assert header == ["prediction", "proba_Adelie", "proba_Chinstrap", "proba_Gentoo"]
    assert outputs["label"].tolist() == [r[0] for r in rows]
    proba = np.array([r[1:] for r in rows], dtype=np.float32)
    np.testing.assert_allclose(outputs["probabilities"], proba, **tolerance)


def test_body_mass_regression(penguins, tmp_path, tolerance):
    model, onnx_file, preds = tmp_path / "m.dpm", tmp_path / "m.onnx", tmp_path / "p.csv"
    train = ["train", str(penguins), "--target", "body_mass_g", "--epochs", "10", "--seed", "0"]
    assert main([*train, "--out", str(model), "--quiet"]) == 0
    assert main(["export", str(model), str(onnx_file), "--quiet"]) == 0
    assert main(["predict", str(model), str(penguins), "-o", str(preds)]) == 0
    got = _run_on_cells(onnx_file, penguins)["predictions"][:, 0]
    _, rows = _predicted(preds)
    expected = np.array([r[0] for r in rows], dtype=np.float32)
    np.testing.assert_allclose(got, expected, **tolerance)
    assert 2500 < float(np.mean(got)) < 6500  # grams
