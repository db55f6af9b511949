"""deltaprop train --checkpoint / --resume / --early-stopping / --alpha, and the progress line."""

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import main
from deltaprop.io.checkpoint import read_checkpoint


@pytest.fixture(scope="module")
def moons(tmp_path_factory):
    path = tmp_path_factory.mktemp("moons") / "moons.csv"
    assert main(["datasets", "export", "moons", str(path), "--n-samples", "400"]) == 0
    return path


def _train(data, out, *extra):
    base = ["train", str(data), "--target", "label", "--hidden", "8", "--optimizer", "sgd"]
    base += ["--lr", "0.05", "--batch-size", "16", "--validation-split", "0.25", "--seed", "3"]
    return [*base, "--out", str(out), *extra]


def _outputs(model):
    X = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    return dp.load(model).predict_proba(X)


def test_resume_from_a_checkpoint_equals_an_uninterrupted_run(moons, tmp_path):
    ckpt = tmp_path / "run.ckpt"
    whole, first, resumed = tmp_path / "whole.dpm", tmp_path / "first.dpm", tmp_path / "r.dpm"
    assert main([*_train(moons, whole, "--epochs", "6", "--early-stopping", "50", "--quiet")]) == 0
    args = ["--early-stopping", "50", "--quiet", "--checkpoint", str(ckpt)]
    assert main([*_train(moons, first, "--epochs", "3", *args)]) == 0
    assert read_checkpoint(ckpt)["state"]["epoch"] == 3
    assert not np.array_equal(_outputs(first), _outputs(whole))  # half-trained differs
    args = ["--early-stopping", "50", "--quiet", "--resume", str(ckpt)]
    assert main([*_train(moons, resumed, "--epochs", "6", *args)]) == 0
    np.testing.assert_array_equal(_outputs(resumed), _outputs(whole))


def test_resume_with_another_network_is_refused(moons, tmp_path, capsys):
    ckpt = tmp_path / "run.ckpt"
    assert main([*_train(moons, tmp_path / "a.dpm", "--epochs", "1", "--quiet"),
                 "--checkpoint", str(ckpt)]) == 0  # fmt: skip
    args = _train(moons, tmp_path / "b.dpm", "--epochs", "2", "--resume", str(ckpt))
    args[args.index("--hidden") + 1] = "5"
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "was written for another network" in err and "Dense(5)" in err
    assert not (tmp_path / "b.dpm").exists()
    bad = tmp_path / "junk.ckpt"
    bad.write_bytes(b"not a checkpoint")
    assert main(_train(moons, tmp_path / "b.dpm", "--resume", str(bad))) == 2
    assert "junk.ckpt" in capsys.readouterr().err


@pytest.mark.slow
def test_sigint_then_resume_equals_an_uninterrupted_run(moons, tmp_path):
    """A real process, stopped by SIGINT once it has checkpointed, then resumed."""
    ckpt, cut, resumed, whole = (tmp_path / n for n in ("c.ckpt", "cut.dpm", "r.dpm", "w.dpm"))
    command = [sys.executable, "-m", "deltaprop"]
    proc = subprocess.Popen(
        [*command, *_train(moons, cut, "--epochs", "100000", "--checkpoint", str(ckpt))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted by SIGINT" in err and cut.exists()
    epoch = read_checkpoint(ckpt)["state"]["epoch"]
    assert 1 <= epoch < 12
    run = subprocess.run(
        [*command, *_train(moons, resumed, "--epochs", "12", "--resume", str(ckpt), "--json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["epochs"] == 12  # the history carries on from the checkpoint
    assert main([*_train(moons, whole, "--epochs", "12", "--quiet")]) == 0
    np.testing.assert_array_equal(_outputs(resumed), _outputs(whole))


def test_early_stopping_stops_and_needs_a_validation_split(moons, tmp_path, capsys):
    model = tmp_path / "m.dpm"
    args = _train(moons, model, "--epochs", "300", "--early-stopping", "2", "--json")
    args[args.index("--lr") + 1] = "0.5"
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["epochs"] < 300 and "val_loss did not improve" in summary["stop_reason"]
    args = ["train", str(moons), "--target", "label", "--early-stopping", "3", "--out", "x"]
    assert main(args) == 2
    assert "give --validation-split" in capsys.readouterr().err


def test_alpha_shrinks_the_weights(moons, tmp_path, capsys):
    norms = {}
    for alpha in ("0", "0.5"):
        model = tmp_path / f"a{alpha}.dpm"
        args = ["--epochs", "20", "--quiet", "--alpha", alpha, "--init", "he_uniform"]  # as written
        assert main([*_train(moons, model, *args)]) == 0
        net = dp.load(model)
        norms[alpha] = sum(float(np.sum(layer.weight.data**2)) for layer in net.layers[1:])
    assert norms["0.5"] < 0.5 * norms["0"]
    assert main(_train(moons, tmp_path / "n.dpm", "--alpha", "-1")) == 2
    assert "must be a number >= 0" in capsys.readouterr().err


def test_progress_line_shows_loss_and_validation_metrics(moons, tmp_path, capsys):
    assert main(_train(moons, tmp_path / "p.dpm", "--epochs", "2")) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("epoch")]
    assert len(lines) == 2 and lines[1].startswith("epoch 2/2 - loss ")
    assert " - val_loss " in lines[1] and " - val_accuracy " in lines[1]
