"""deltaprop export end to end: train on a CSV, export, run the file in onnxruntime."""

import csv
import subprocess
import sys

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import main

pytest.importorskip("onnx")


def _csv(path, rng, n=150, text=True):
    X = rng.normal(size=(n, 3)).astype(np.float32) * [1.0, 10.0, 100.0] + [0.0, 50.0, -20.0]
    kind = np.where(X[:, 0] + X[:, 1] / 10 > 5, "high", np.where(X[:, 2] > -20, "mid", "low"))
    price = 3.0 * X[:, 0] + 0.2 * X[:, 1] + 40.0
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["alpha", "beta", "gamma", "kind", "price"] if text else ["a", "b", "c", "price"]
        )
        writer.writerows(
            [*map(float, row), k, float(p)] if text else [*map(float, row), float(p)]
            for row, k, p in zip(X, kind, price)
        )
    return X.astype(np.float32)


def _run_columns(path, names, X) -> dict:
    """A CLI-trained model's graph (one (N, 1) double input per CSV column: the command line
    saves a tabular preprocessor) on the columns of ``X``."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {name: X[:, [i]].astype(np.float64) for i, name in enumerate(names)}
    outputs = [o.name for o in session.get_outputs()]
    return dict(zip(outputs, session.run(outputs, feeds)))


def _read_predictions(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_train_export_run_classifier(tmp_path, rng, run, tolerance):
    data = tmp_path / "table.csv"
    _csv(data, rng)
    model, onnx_file, preds = tmp_path / "m.dpm", tmp_path / "m.onnx", tmp_path / "p.csv"
    train = ["train", str(data), "--target", "kind", "--hidden", "8,4", "--activation", "tanh"]
    assert main([*train, "--epochs", "5", "--seed", "0", "--out", str(model), "--quiet"]) == 0
    assert main(["export", str(model), str(onnx_file), "--quiet"]) == 0
    assert main(["predict", str(model), str(data), "--proba", "--output", str(preds)]) == 0
    # the model's features by name, as predict picks them from the CSV (price is ignored)
    net = dp.load(model)
    assert net.feature_names == ["alpha", "beta", "gamma", "price"]
    with open(data, newline="") as fh:
        rows = list(csv.DictReader(fh))
    X = np.array([[float(r[c]) for c in net.feature_names] for r in rows], dtype=np.float32)
    outputs = _run_columns(onnx_file, net.feature_names, X)
    header, predicted = _read_predictions(preds)
    assert header == ["prediction", "proba_high", "proba_low", "proba_mid"]
    assert outputs["label"].tolist() == [r[0] for r in predicted]
    proba = np.array([r[1:] for r in predicted], dtype=np.float32)
    np.testing.assert_allclose(outputs["probabilities"], proba, **tolerance)


def test_train_export_run_regression_in_a_subprocess(tmp_path, rng, run, tolerance):
    data = tmp_path / "table.csv"
    _csv(data, rng, text=False)
    model, onnx_file = tmp_path / "r.dpm", tmp_path / "r.onnx"
    cli = [sys.executable, "-m", "deltaprop"]
    subprocess.run(
        [*cli, "train", str(data), "--target", "price", "--task", "regression", "--epochs", "5",
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
    net = dp.load(model)
    X = rng.normal(size=(40, len(net.feature_names))).astype(np.float32) * 20
    outputs = _run_columns(onnx_file, net.feature_names, X)
    # in the target's units, as predict gives them (the CLI standardises regression targets)
    np.testing.assert_allclose(outputs["predictions"], net.predict(X), rtol=1e-5, atol=1e-4)


def test_export_errors_are_one_line(tmp_path, capsys):
    assert main(["export", str(tmp_path / "none.dpm"), str(tmp_path / "m.onnx")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["export", "m.dpm", str(tmp_path / "m.onnx"), "--opset", "28"]) == 2
    err = capsys.readouterr().err
    assert "--opset: must be an integer in 13..21; got '28'" in err
    assert list(tmp_path.iterdir()) == []
