"""Every data format through the command line: train -> save -> load -> predict round trips,
and --labels for .npy and IDX features."""

import csv
import gzip
import json

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import main


def _blobs(n=120, seed=0):
    """Two well separated classes in 6 features (pixel-like values 0..255)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n).astype(np.uint8)
    X = np.clip(rng.normal(80 + 100 * y[:, None], 20, size=(n, 6)), 0, 255).astype(np.uint8)
    return X, y


def _write(fmt, X, y, d, idx_bytes=None):
    """The data files of one format; returns (data args for train, data path for predict)."""
    if fmt == "csv":
        path = d / "d.csv"
        with open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([f"f{i}" for i in range(X.shape[1])] + ["label"])
            writer.writerows([*row, int(t)] for row, t in zip(X.tolist(), y))
        return [str(path), "--target", "label"], path
    if fmt == "npz":
        np.savez(d / "d.npz", X=X, y=y)
        return [str(d / "d.npz")], d / "d.npz"
    if fmt == "npy":
        np.save(d / "X.npy", X.astype(np.float64))
        np.save(d / "y.npy", np.where(y == 1, "yes", "no"))
        return [str(d / "X.npy"), "--labels", str(d / "y.npy")], d / "X.npy"
    images, labels = d / "img-idx3-ubyte.gz", d / "lab-idx1-ubyte"
    images.write_bytes(gzip.compress(idx_bytes(X.reshape(len(X), 2, 3))))
    labels.write_bytes(idx_bytes(y))
    return [str(images), "--labels", str(labels)], images


@pytest.mark.parametrize("fmt", ["csv", "npz", "npy", "idx"])
def test_round_trip_gives_identical_predictions(fmt, tmp_path, capsys, idx_bytes):
    X, y = _blobs()
    data_args, data = _write(fmt, X, y, tmp_path, idx_bytes)
    model = tmp_path / "m.dpm"
    args = ["train", *data_args, "--hidden", "8", "--epochs", "15", "--lr", "0.01"]
    assert main([*args, "--out", str(model), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["predict", str(model), str(data)]) == 0
    printed = [row[0] for row in csv.reader(capsys.readouterr().out.splitlines()[1:])]
    expected = dp.load(model).predict(X.astype(np.float32))
    assert printed == [str(v) for v in expected.tolist()]
    truth = np.where(y == 1, "yes", "no") if fmt == "npy" else y
    assert np.mean(expected == truth) > 0.9

    labels = {
        "npy": ["--labels", str(tmp_path / "y.npy")],
        "idx": ["--labels", str(tmp_path / "lab-idx1-ubyte")],
    }.get(fmt, [])
    assert main(["evaluate", str(model), str(data), *labels, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == len(X) and result["accuracy"] == pytest.approx(np.mean(expected == truth))


def test_evaluate_needs_labels_for_an_npy_pair(tmp_path, capsys):
    X, y = _blobs(40)
    data_args, data = _write("npy", X, y, tmp_path)
    model = tmp_path / "m.dpm"
    assert main(["train", *data_args, "--epochs", "1", "--out", str(model), "--quiet"]) == 0
    assert main(["evaluate", str(model), str(data)]) == 2
    assert "--labels FILE" in capsys.readouterr().err
    assert main(["train", str(data), "--out", str(model), "--quiet"]) == 2
    assert "--labels FILE" in capsys.readouterr().err


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.zeros(39, dtype=np.uint8), "one label per row of the data (40)"),
        (np.zeros((40, 2)), "shape (40, 2)"),
        (np.array([1.0] * 39 + [np.nan]), "label 39 must be finite"),
    ],
)
def test_bad_labels_files_exit_2(tmp_path, capsys, labels, message):
    X, _ = _blobs(40)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", labels)
    args = ["train", str(tmp_path / "X.npy"), "--labels", str(tmp_path / "y.npy")]
    assert main([*args, "--out", str(tmp_path / "m.dpm")]) == 2
    err = capsys.readouterr().err
    assert message in err and "y.npy" in err and len(err.strip().splitlines()) == 1


def test_hostile_idx_exits_2_without_allocating(tmp_path, capsys, idx_bytes):
    header = bytes([0, 0, 0x08, 2]) + (10**6).to_bytes(4, "big") + (10**6).to_bytes(4, "big")
    (tmp_path / "evil-idx3-ubyte").write_bytes(header + bytes(64))
    (tmp_path / "lab-idx1-ubyte").write_bytes(idx_bytes(np.zeros(16, dtype=np.uint8)))
    args = [
        "train",
        str(tmp_path / "evil-idx3-ubyte"),
        "--labels",
        str(tmp_path / "lab-idx1-ubyte"),
    ]
    assert main([*args, "--out", str(tmp_path / "m.dpm")]) == 2
    assert "evil-idx3-ubyte" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name, header, rows",
    [
        ("worked-example", ["i1", "i2", "o1", "o2"], 1),
        ("one-weight", ["x", "y"], 3),
        ("xor", ["x1", "x2", "y"], 4),
        ("moons", ["x1", "x2", "label"], 200),
        ("circles", ["x1", "x2", "label"], 200),
        ("spirals", ["x1", "x2", "label"], 300),
        ("digits", [*dp.datasets.load_digits().feature_names, "digit"], 1797),
    ],
)
def test_datasets_export_covers_every_bundled_set(tmp_path, name, header, rows):
    path = tmp_path / f"{name}.csv"
    assert main(["datasets", "export", name, str(path)]) == 0
    with open(path, newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == header and len(table) == 1 + rows


def test_exported_generated_set_matches_the_generator_and_trains(tmp_path, capsys):
    path = tmp_path / "s.csv"
    args = ["datasets", "export", "spirals", str(path), "--n-samples", "60", "--noise", "0"]
    assert main([*args, "--seed", "5"]) == 0
    data = dp.datasets.make_spirals(60, noise=0.0, seed=5)
    with open(path, newline="") as fh:
        table = np.array(list(csv.reader(fh))[1:])
    np.testing.assert_array_equal(table[:, :2].astype(np.float32), data.X)
    assert table[:, 2].astype(int).tolist() == data.y.tolist()
    model = tmp_path / "m.dpm"
    assert (
        main(
            [
                "train",
                str(path),
                "--target",
                "label",
                "--epochs",
                "2",
                "--out",
                str(model),
                "--quiet",
            ]
        )
        == 0
    )
    assert main(["datasets", "export", "iris", str(path), "--noise", "0.1"]) == 2
    assert "apply to moons" in capsys.readouterr().err


def test_predict_on_a_file_with_the_wrong_number_of_features(tmp_path, capsys):
    X, y = _blobs(40)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    model = tmp_path / "m.dpm"
    assert main(["train", str(tmp_path / "d.npz"), "--epochs", "1", "--out", str(model)]) == 0
    np.save(tmp_path / "five.npy", X[:, :5])
    capsys.readouterr()
    assert main(["predict", str(model), str(tmp_path / "five.npy")]) == 2
    assert "5 features but the network expects 6" in capsys.readouterr().err
