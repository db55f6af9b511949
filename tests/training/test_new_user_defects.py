"""Defects a new user hit (issue 13), each fixed: an optimizer on another network's
parameters, an unfitted first Standardize, resuming a finished run, string labels with a
regression loss, checkpoints every N epochs."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import main
from deltaprop.errors import DataError, ParameterError
from deltaprop.io import checkpoint as checkpoint_module
from deltaprop.io.checkpoint import read_checkpoint


def _data(n=60):
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(n, 3))
    return X, (X[:, 0] > 3.0).astype(int)


def test_an_optimizer_built_on_another_networks_parameters_is_refused():
    X, y = _data()
    net = dp.Sequential([dp.Dense(4, "tanh", in_features=3), dp.Dense(2, "softmax")], seed=0)
    other = dp.Sequential([dp.Dense(4, "tanh", in_features=3), dp.Dense(2, "softmax")], seed=0)
    before = [p.data.copy() for p in net.parameters()]
    with pytest.raises(ParameterError, match="another network's parameters.*none of its 4"):
        net.fit(X, y, loss="cross_entropy", optimizer=dp.SGD(other.parameters(), lr=0.1))
    assert all(np.array_equal(a, p.data) for a, p in zip(before, net.parameters()))
    # a part of the network's own parameters (the rest frozen) is fine
    opt = dp.SGD(net.parameters()[:2], lr=0.1)
    net.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=2)
    assert not np.array_equal(before[0], net.parameters()[0].data)


def test_an_unfitted_first_standardize_is_fitted_on_the_training_rows_by_fit():
    X, y = _data()
    scaler = dp.nn.Standardize()
    net = dp.Sequential([scaler, dp.Dense(2, "softmax")], seed=0)
    net.fit(X, y, loss="cross_entropy", epochs=1, validation_split=0.25, seed=3)
    assert scaler.is_fitted
    # the training rows' statistics: the 45 rows the split kept (not the identity, not all 60)
    assert not np.allclose(scaler.mean, X.mean(axis=0), rtol=1e-9)
    assert np.all(np.abs(scaler.mean - 3.0) < 1.0) and np.all(np.abs(scaler.std - 2.0) < 0.8)
    fitted = scaler.mean.copy()
    net.fit(X[:10], y[:10], loss="cross_entropy", epochs=1)  # a fitted one is kept
    np.testing.assert_array_equal(scaler.mean, fitted)


def test_an_unfitted_standardize_with_a_batch_source_is_refused_saying_how_to_fit_it():
    X, y = _data()
    net = dp.Sequential([dp.nn.Standardize(), dp.Dense(2, "softmax")], seed=0)
    batches = [(X[:30], y[:30]), (X[30:], y[30:])]
    with pytest.raises(ParameterError, match=r"Standardize\(\)\.fit\(X_sample\)"):
        net.fit(batches, loss="cross_entropy")


def test_resuming_a_run_ended_by_early_stopping_changes_nothing_and_says_so(tmp_path):
    X, y = _data(120)
    path = tmp_path / "run.ckpt"

    def train(**options):
        net = dp.Sequential([dp.Dense(8, "tanh"), dp.Dense(2, "softmax")], seed=0)
        history = net.fit(
            X, y, loss="cross_entropy", optimizer=dp.SGD(net.parameters(), lr=0.5), epochs=400,
            validation_split=0.25, seed=1, stop=dp.EarlyStopping(patience=3),
            checkpoint=str(path), **options,
        )  # fmt: skip
        return net, history

    first, history = train()
    assert history.stop_reason.startswith("val_loss did not improve")
    ran = len(history)
    for _ in range(2):
        resumed, again = train(resume=str(path))
        assert "already finished" in again.stop_reason and "val_loss did not improve" in (
            again.stop_reason
        )
        assert again.epochs == history.epochs  # not one epoch more
        for a, b in zip(first.parameters(), resumed.parameters()):
            np.testing.assert_array_equal(a.data, b.data)
        assert read_checkpoint(path)["state"]["epoch"] == ran


def test_string_labels_with_a_regression_loss_name_the_loss_and_the_classifiers_loss():
    X, _ = _data()
    labels = np.where(X[:, 0] > 3.0, "yes", "no")
    net = dp.Sequential([dp.Dense(1)], seed=0)
    with pytest.raises(DataError, match=r"squared_error is a regression loss.*'(yes|no)'.*"
                       r"loss='cross_entropy'"):  # fmt: skip
        net.fit(X, labels)


@pytest.mark.parametrize("epochs, written", [(25, [10, 20, 25]), (20, [10, 20])])
def test_checkpoint_every_writes_every_n_epochs_and_the_last(tmp_path, monkeypatch, epochs,
                                                             written):  # fmt: skip
    X, y = _data()
    calls = []
    real = checkpoint_module.write_checkpoint
    monkeypatch.setattr(
        checkpoint_module,
        "write_checkpoint",
        lambda path, state, *a, **k: calls.append(state["epoch"]) or real(path, state, *a, **k),
    )
    net = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
    path = tmp_path / "run.ckpt"
    net.fit(X, y, loss="cross_entropy", epochs=epochs, checkpoint=str(path), checkpoint_every=10)
    assert calls == written
    assert read_checkpoint(path)["state"]["epoch"] == epochs


def test_the_command_line_takes_checkpoint_every(tmp_path, capsys):
    X, y = _data()
    data = tmp_path / "d.csv"
    rows = "\n".join(",".join(f"{v:.6f}" for v in row) + f",{t}" for row, t in zip(X, y))
    data.write_text("a,b,c,y\n" + rows + "\n")
    ckpt = tmp_path / "run.ckpt"
    out = str(tmp_path / "m.dpm")
    code = main(["train", str(data), "--target", "y", "--epochs", "7", "--quiet", "--out", out,
                 "--checkpoint", str(ckpt), "--checkpoint-every", "3"])  # fmt: skip
    assert code == 0
    assert read_checkpoint(ckpt)["state"]["epoch"] == 7
    code = main(["train", str(data), "--target", "y", "--out", str(tmp_path / "n.dpm"),
                 "--checkpoint", str(ckpt), "--checkpoint-every", "0"])  # fmt: skip
    assert code == 2
    assert "--checkpoint-every: must be a positive integer; got '0'" in capsys.readouterr().err
