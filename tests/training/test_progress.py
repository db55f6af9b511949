"""ProgressBar: plain lines without a terminal, a tqdm bar when asked, and fit's verbose=."""

import io

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.training import ProgressBar


def _xor_net():
    X, y = dp.datasets.xor()
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(2, "softmax")], seed=0)
    return net, X, y


def test_verbose_1_prints_one_line_per_epoch_with_the_logged_numbers(capsys):
    net, X, y = _xor_net()
    history = net.fit(X, y, loss="cross_entropy", epochs=3, verbose=1, validation_data=(X, y))
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert f"loss {history['loss'][-1]:.6g}" in lines[-1]
    assert f"val_accuracy {history['val_accuracy'][-1]:.6g}" in lines[-1]


def test_verbose_0_is_silent(capsys):
    net, X, y = _xor_net()
    net.fit(X, y, loss="cross_entropy", epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_tqdm_bar_shows_epochs_and_loss():
    pytest.importorskip("tqdm")
    net, X, y = _xor_net()
    out = io.StringIO()
    net.fit(
        X,
        y,
        loss="cross_entropy",
        epochs=4,
        callbacks=[ProgressBar(4, stream=out, use_tqdm=True)],
    )
    text = out.getvalue()
    assert "4/4" in text and "epoch" in text and "loss" in text
    assert "epoch 4/4 -" not in text  # the bar, not the plain lines


def test_plain_lines_go_to_the_given_stream():
    out = io.StringIO()
    bar = ProgressBar(stream=out, use_tqdm=False)
    bar.on_train_begin(None)
    bar.on_epoch_end(None, 7, {"loss": np.float64(0.25), "val_r2": 0.5})
    bar.on_train_end(None)
    assert out.getvalue() == "epoch 7 - loss 0.25 - val_r2 0.5\n"


def test_only_process_0_of_a_data_parallel_run_shows_progress():
    import io
    import types

    from deltaprop.training import ProgressBar

    shown = {}
    for rank in (0, 1):
        out = io.StringIO()
        bar = ProgressBar(epochs=1, stream=out, use_tqdm=False)
        run = types.SimpleNamespace(is_root=rank == 0)
        bar.on_train_begin(run)
        bar.on_epoch_end(run, 1, {"loss": 0.5})
        bar.on_train_end(run)
        shown[rank] = out.getvalue()
    assert shown == {0: "epoch 1/1 - loss 0.5\n", 1: ""}
