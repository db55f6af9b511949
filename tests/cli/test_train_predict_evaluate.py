"""deltaprop train / predict / evaluate / datasets, through cli.main and one real subprocess."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import main
from deltaprop.nn import Standardize


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    path = tmp_path_factory.mktemp("iris") / "iris.csv"
    assert main(["datasets", "export", "iris", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def iris_model(iris):
    model = iris.parent / "iris.dpm"
    args = ["train", str(iris), "--target", "species", "--hidden", "16", "--epochs", "100"]
    assert main([*args, "--lr", "0.01", "--seed", "1", "--out", str(model), "--quiet"]) == 0
    return model


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def test_export_writes_the_bundled_data(iris):
    rows = _rows(iris)
    data = dp.datasets.load_iris()
    assert rows[0] == [*data.feature_names, "species"]
    assert len(rows) == 1 + len(data.X)
    assert np.array_equal(np.array(rows[1:])[:, :4].astype(np.float32), data.X)
    assert sorted(set(r[4] for r in rows[1:])) == data.target_names


def test_train_predict_evaluate_round_trip_on_iris(iris, iris_model, tmp_path, capsys):
    preds = tmp_path / "preds.csv"
    assert main(["predict", str(iris_model), str(iris), "--output", str(preds)]) == 0
    rows = _rows(preds)
    truth = [r[4] for r in _rows(iris)[1:]]
    assert rows[0] == ["prediction"]
    predicted = [r[0] for r in rows[1:]]
    assert set(predicted) <= {"setosa", "versicolor", "virginica"}  # original labels back
    accuracy = np.mean(np.array(predicted) == np.array(truth))
    assert accuracy >= 0.9
    # the saved model takes raw features: its first layer holds the fitted statistics
    net = dp.load(iris_model)
    assert isinstance(net.layers[0], Standardize)
    X = np.array([r[:4] for r in _rows(iris)[1:]], dtype=np.float32)
    assert predicted == net.predict(X).tolist()
    np.testing.assert_allclose(net.layers[0].mean, X.mean(axis=0), rtol=1e-5)

    capsys.readouterr()
    assert main(["evaluate", str(iris_model), str(iris), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["accuracy"] == pytest.approx(accuracy)
    assert result["labels"] == ["setosa", "versicolor", "virginica"]
    matrix = np.array(result["confusion_matrix"])
    assert matrix.sum() == 150 and matrix.sum(axis=1).tolist() == [50, 50, 50]
    assert np.trace(matrix) / 150 == pytest.approx(accuracy)

    assert main(["evaluate", str(iris_model), str(iris)]) == 0
    text = capsys.readouterr().out
    assert "accuracy" in text and "confusion matrix" in text and "versicolor" in text


def test_predict_proba_columns_are_probabilities(iris, iris_model, capsys):
    assert main(["predict", str(iris_model), str(iris), "--proba"]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["prediction", "proba_setosa", "proba_versicolor", "proba_virginica"]
    p = np.array([r[1:] for r in rows[1:]], dtype=float)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)
    best = np.array(["setosa", "versicolor", "virginica"])[p.argmax(axis=1)]
    assert best.tolist() == [r[0] for r in rows[1:]]


def test_json_summary_of_train(iris, tmp_path, capsys):
    model = tmp_path / "m.dpm"
    args = ["train", str(iris), "--target", "4", "--epochs", "3", "--validation-split", "0.2"]
    assert main([*args, "--out", str(model), "--json", "--optimizer", "sgd"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["model"] == str(model) and model.exists()
    assert summary["epochs"] == 3 and summary["task"] == "classification"
    assert summary["n_train"] == 120 and summary["n_validation"] == 30
    assert set(summary["final"]) == {"loss", "val_loss", "val_accuracy", "lr"}
    assert summary["seconds"] >= 0 and summary["classes"] == ["setosa", "versicolor", "virginica"]


def test_regression_from_npz_reaches_high_r2(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)) * [1.0, 10.0, 100.0]
    y = 2.0 * X[:, 0] - 0.3 * X[:, 1] + 0.01 * X[:, 2] + 0.05 * rng.normal(size=300)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    model = tmp_path / "r.dpm"
    args = ["train", str(tmp_path / "d.npz"), "--hidden", "none", "--epochs", "60"]
    assert main([*args, "--lr", "0.05", "--out", str(model), "--quiet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "regression"
    assert main(["evaluate", str(model), str(tmp_path / "d.npz"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["r2"] > 0.99 and "confusion_matrix" not in result
    assert main(["predict", str(model), str(tmp_path / "d.npz"), "--proba"]) == 2


def test_npy_with_target_index_and_integer_labels(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    labels = np.where(X[:, 0] + X[:, 1] > 0, 7, 3)  # whole numbers, not 0..K-1
    np.save(tmp_path / "d.npy", np.column_stack([X, labels]))
    model = tmp_path / "c.dpm"
    args = ["train", str(tmp_path / "d.npy"), "--target", "-1", "--epochs", "40"]
    assert main([*args, "--lr", "0.02", "--out", str(model), "--quiet"]) == 0
    np.save(tmp_path / "x.npy", X)
    assert main(["predict", str(model), str(tmp_path / "x.npy")]) == 0
    predicted = [int(r) for r in capsys.readouterr().out.split()[1:]]
    assert set(predicted) <= {3, 7}
    assert np.mean(np.array(predicted) == labels) > 0.9


def test_no_standardize_and_binary_cross_entropy(iris, tmp_path):
    rows = _rows(iris)
    two = tmp_path / "two.csv"
    with open(two, "w", newline="") as fh:
        csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[4] != "setosa"])
    model = tmp_path / "b.dpm"
    args = ["train", str(two), "--target", "species", "--loss", "binary_cross_entropy"]
    assert main([*args, "--no-standardize", "--epochs", "2", "--out", str(model), "--quiet"]) == 0
    net = dp.load(model)
    assert not any(isinstance(layer, Standardize) for layer in net.layers)
    assert net.layers[-1].units == 1 and net.classes_.tolist() == ["versicolor", "virginica"]


BAD_CSV = {
    "ragged": ("a,b,y\n1,2,x\n3,4,z,5\n", ["line 3", "4 fields", "header has 3"]),
    "short": ("a,b,y\n1,2,x\n3,4\n", ["line 3", "2 fields"]),
    "non-numeric": ("a,b,y\n1,2,x\n3,abc,z\n", ["line 3", "column 2", "'b'", "'abc'"]),
    # missing feature values are imputed by default (tests/cli/test_tabular.py); refused with
    # --missing error
    "empty cell": ("a,b,y\n1,,x\n2,3,z\n", ["line 2", "column 2", "empty cell"], "error"),
    "nan": ("a,b,y\n1,2,x\n\n3,nan,z\n", ["line 4", "column 2", "'nan'"], "error"),
    "inf": ("a,b,y\n1,-inf,x\n3,4,z\n", ["line 2", "column 2", "'-inf'"]),
    "float32 overflow": ("a,b,y\n1,2,x\n1e39,4,z\n", ["line 3", "column 1", "'1e39'"]),
    "target nan": ("a,b,y\n1,2,0.5\n3,4,inf\n", ["line 3", "column 3", "'inf'"]),
    # rows with a missing target are left out (tests/cli/test_tabular.py); all of them: refused
    "target empty": ("a,b,y\n1,2,\n3,4,\n", ["'y' (column 3)", "missing in every row"]),
    "duplicate target": ("a,y,y\n1,2,x\n", ["line 1", "'y'", "unique"]),
    "missing target": ("a,b,c\n1,2,3\n", ["'y'", "not in", "['a', 'b', 'c']"]),
    "header only": ("a,b,y\n", ["no data rows"]),
    "empty file": ("", ["is empty"]),
    "single class": ("a,b,y\n1,2,x\n3,4,x\n", ["single class", "['x']"]),
    "not utf-8": (b"a,b,y\n1,2,\xff\xfe\n", ["not UTF-8"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_data_files_exit_2_naming_line_column_and_value(case, tmp_path, capsys):
    text, expected, *missing = BAD_CSV[case]
    path = tmp_path / "bad.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    extra = ["--missing", missing[0]] if missing else []
    code = main(["train", str(path), "--target", "y", "--out", str(tmp_path / "m.dpm"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(path) in err or case == "single class"
    for piece in expected:
        assert piece in err
    assert not (tmp_path / "m.dpm").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]  # no temporary left


def test_missing_file_and_hostile_numpy_files(tmp_path, capsys):
    assert main(["train", str(tmp_path / "nope.csv"), "--target", "y", "--out", "m"]) == 2
    assert "does not exist" in capsys.readouterr().err
    np.save(tmp_path / "obj.npy", np.array([[{"a": 1}]], dtype=object), allow_pickle=True)
    assert main(["train", str(tmp_path / "obj.npy"), "--target", "0", "--out", "m"]) == 2
    assert "allow_pickle" in capsys.readouterr().err
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["train", str(tmp_path / "junk.npz"), "--out", "m"]) == 2
    assert "not a valid .npz" in capsys.readouterr().err
    np.savez(tmp_path / "noy.npz", X=np.ones((3, 2)))
    assert main(["train", str(tmp_path / "noy.npz"), "--out", "m"]) == 2
    assert "no target" in capsys.readouterr().err


def test_evaluate_rejects_labels_the_model_never_saw(iris, iris_model, tmp_path, capsys):
    rows = _rows(iris)
    odd = tmp_path / "odd.csv"
    with open(odd, "w", newline="") as fh:
        csv.writer(fh).writerows([rows[0], rows[1][:4] + ["dandelion"]])
    assert main(["evaluate", str(iris_model), str(odd)]) == 2
    assert "dandelion" in capsys.readouterr().err
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("sepal_length,petal_length\n1,2\n")
    assert main(["predict", str(iris_model), str(wrong)]) == 2
    assert "lacks the feature columns" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--hidden", "16,abc"], "--hidden"),
        (["--validation-split", "1.5"], "[0, 1)"),
        (["--optimizer", "lbfgs"], "invalid choice"),
        (["--epochs", "0"], "positive integer"),
        (["--lr", "-1"], "positive number"),
        (["--task", "regression", "--loss", "cross_entropy"], "does not fit"),
        (["--task", "regression"], "numeric target"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(iris, tmp_path, capsys, extra, message):
    args = ["train", str(iris), "--target", "species", "--out", str(tmp_path / "m.dpm")]
    assert main([*args, "--quiet", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_real_subprocess_trains_and_predicts(iris, tmp_path):
    model = tmp_path / "s.dpm"
    run = subprocess.run(
        [sys.executable, "-m", "deltaprop", "train", str(iris), "--target", "species"]
        + ["--epochs", "2", "--out", str(model), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["epochs"] == 2
    assert "epoch 2/2" in run.stderr  # progress goes to stderr, the JSON alone to stdout
    bad = subprocess.run(
        [sys.executable, "-m", "deltaprop", "predict", str(model), str(tmp_path / "none.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr


def test_sigint_during_train_saves_the_model_and_exits_130(iris, tmp_path, monkeypatch, capsys):
    import signal

    from deltaprop.cli import train
    from deltaprop.training import Callback

    class CtrlCAtEpoch2(Callback):  # stands in for the progress display
        def __init__(self, *args, **kwargs):
            pass

        def on_epoch_end(self, run, epoch, logs):
            if epoch == 2:
                signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(train, "ProgressBar", CtrlCAtEpoch2)
    model = tmp_path / "i.dpm"
    args = ["train", str(iris), "--target", "species", "--epochs", "50"]
    assert main([*args, "--out", str(model), "--json"]) == 130
    summary = json.loads(capsys.readouterr().out)
    assert summary["interrupted"] == "SIGINT" and summary["epochs"] < 50
    assert dp.load(model).predict(np.ones((1, 4), dtype=np.float32)).shape == (1,)
