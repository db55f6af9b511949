"""deltaprop export end to end: train on a CSV of numbers, text and empty cells, export, and
run the file in onnxruntime on the CSV's raw cells, with deltaprop predict's answers."""

import csv
import subprocess
import sys

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import main

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

NA = {"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "?"}


def _csv(path, rng, n=160):
    """Columns: alpha (numbers, some empty), colour (text, some empty or NA), beta, the class
    label kind and the regression target price."""
    alpha = rng.normal(size=n)
    beta = rng.normal(50.0, 10.0, n)
    colour = np.array(["red", "green", "blue"])[rng.integers(0, 3, n)]
    kind = np.where(alpha + (colour == "red") > 0.5, "high", np.where(beta > 50, "mid", "low"))
    price = 3.0 * alpha + 0.2 * beta + 10.0 * (colour == "blue") + 40.0
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["alpha", "colour", "beta", "kind", "price"])
        for i in range(n):
            a = "" if i % 9 == 0 else f"{alpha[i]:.6f}"
            c = "" if i % 11 == 0 else ("NA" if i % 13 == 0 else colour[i])
            writer.writerow([a, c, f"{beta[i]:.4f}", kind[i], f"{price[i]:.4f}"])


def _raw_feeds(session, path) -> dict:
    """The CSV's cells as the graph's inputs: doubles (NaN for a missing token), text as is."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    feeds = {}
    for spec in session.get_inputs():
        cells = [row[spec.name] for row in rows]
        if spec.type == "tensor(string)":
            feeds[spec.name] = np.array(cells, dtype=object).reshape(-1, 1)
        else:
            numbers = [np.nan if c.strip() in NA else float(c) for c in cells]
            feeds[spec.name] = np.array(numbers, dtype=np.float64).reshape(-1, 1)
    return feeds


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _predictions(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_train_export_run_classifier(tmp_path, rng, tolerance):
    data = tmp_path / "table.csv"
    _csv(data, rng)
    model, onnx_file, preds = tmp_path / "m.dpm", tmp_path / "m.onnx", tmp_path / "p.csv"
    train = ["train", str(data), "--target", "kind", "--drop", "price", "--hidden", "8,4"]
    assert main([*train, "--epochs", "5", "--seed", "0", "--out", str(model), "--quiet"]) == 0
    assert main(["export", str(model), str(onnx_file), "--quiet"]) == 0
    assert main(["predict", str(model), str(data), "--proba", "--output", str(preds)]) == 0
    session = _session(onnx_file)
    inputs = [(i.name, i.type) for i in session.get_inputs()]
    assert inputs == [
        ("alpha", "tensor(double)"),
        ("colour", "tensor(string)"),
        ("beta", "tensor(double)"),
    ]
    label, proba = session.run(["label", "probabilities"], _raw_feeds(session, data))
    header, predicted = _predictions(preds)
    assert header == ["prediction", "proba_high", "proba_low", "proba_mid"]
    assert label.tolist() == [r[0] for r in predicted]
    expected = np.array([r[1:] for r in predicted], dtype=np.float32)
    np.testing.assert_allclose(proba, expected, **tolerance)


def test_train_export_run_regression_in_a_subprocess(tmp_path, rng, tolerance):
    data = tmp_path / "table.csv"
    _csv(data, rng)
    model, onnx_file, preds = tmp_path / "r.dpm", tmp_path / "r.onnx", tmp_path / "p.csv"
    cli = [sys.executable, "-m", "deltaprop"]
    subprocess.run(
        [*cli, "train", str(data), "--target", "price", "--drop", "kind", "--epochs", "5",
         "--out", str(model), "--quiet"],
        check=True,
    )  # fmt: skip
    done = subprocess.run(
        [*cli, "export", str(model), str(onnx_file), "--opset", "21"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert f"wrote {onnx_file} (ONNX opset 21" in done.stderr
    subprocess.run([*cli, "predict", str(model), str(data), "-o", str(preds)], check=True)
    session = _session(onnx_file)
    (got,) = session.run(["predictions"], _raw_feeds(session, data))
    header, predicted = _predictions(preds)
    assert len(header) == 1  # one target: one column of predictions
    expected = np.array([r[0] for r in predicted], dtype=np.float32)
    np.testing.assert_allclose(got[:, 0], expected, **tolerance)
    assert abs(float(np.mean(got)) - 50.0) < 30.0  # prices, not standardised values


def test_export_of_an_array_model(tmp_path, rng, tolerance):
    X = rng.normal(size=(60, 3)).astype(np.float32)
    np.savez(tmp_path / "d.npz", X=X, y=(X[:, 0] > 0).astype(int))
    model, onnx_file = tmp_path / "a.dpm", tmp_path / "a.onnx"
    assert (
        main(["train", str(tmp_path / "d.npz"), "--epochs", "2", "--out", str(model), "--quiet"])
        == 0
    )
    assert main(["export", str(model), str(onnx_file), "-q"]) == 0
    session = _session(onnx_file)
    assert [i.name for i in session.get_inputs()] == ["X"]
    label, proba = session.run(None, {"X": X})
    net = dp.load(model)
    np.testing.assert_array_equal(label, net.predict(X))
    np.testing.assert_allclose(proba, net.predict_proba(X), **tolerance)


def test_export_with_zipmap(tmp_path, rng):
    X = rng.normal(size=(40, 2)).astype(np.float32)
    np.savez(tmp_path / "d.npz", X=X, y=np.where(X[:, 0] > 0, "up", "down"))
    model, onnx_file = tmp_path / "z.dpm", tmp_path / "z.onnx"
    assert (
        main(["train", str(tmp_path / "d.npz"), "--epochs", "2", "--out", str(model), "--quiet"])
        == 0
    )
    assert main(["export", str(model), str(onnx_file), "--zipmap", "-q"]) == 0
    label, maps = _session(onnx_file).run(None, {"X": X})
    net = dp.load(model)
    assert [sorted(m) for m in maps] == [["down", "up"]] * len(X)
    np.testing.assert_allclose([m["up"] for m in maps], net.predict_proba(X)[:, 1], rtol=1e-5)


def test_export_errors_are_one_line(tmp_path, capsys):
    assert main(["export", str(tmp_path / "none.dpm"), str(tmp_path / "m.onnx")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["export", "m.dpm", str(tmp_path / "m.onnx"), "--opset", "28"]) == 2
    err = capsys.readouterr().err
    assert "--opset: must be an integer in 13..21; got '28'" in err
    assert list(tmp_path.iterdir()) == []
