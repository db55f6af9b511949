"""Checkpoints: an interrupted and resumed run ends with exactly the uninterrupted weights."""

import zipfile

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import ModelFileError, ParameterError, ParameterTypeError
from deltaprop.io.checkpoint import ModelCheckpoint, read_checkpoint, write_checkpoint

# The runs below stop at their epoch limit before EarlyStopping holds, on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::deltaprop.errors.ConvergenceWarning")


def _data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] - X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    return X, y


OPTIMIZERS = {
    "sgd_momentum": lambda params: dp.SGD(params, lr=0.05, momentum=0.9),
    "adam": lambda params: dp.Adam(params, lr=0.01),
}


def _run(make_opt, epochs, dropout=False, callbacks=(), **kwargs):
    layers = (
        [dp.Dense(8, "tanh")] + ([dp.Dropout(0.3)] if dropout else []) + [dp.Dense(3, "softmax")]
    )
    net = dp.Sequential(layers, seed=1)
    X, y = _data()
    stop = dp.EarlyStopping(patience=50)
    plateau = dp.ReduceLROnPlateau(patience=2, factor=0.5)
    h = net.fit(
        X,
        y,
        loss="cross_entropy",
        optimizer=make_opt(net.parameters()),
        epochs=epochs,
        batch_size=8,
        shuffle=True,
        seed=5,
        validation_split=0.2,
        stop=stop,
        callbacks=[plateau, *callbacks],
        alpha=1e-3,
        class_weight="balanced",
        schedule=dp.optim.schedules.ExponentialDecay(0.9),
        **kwargs,
    )
    return net, h


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dropout", [False, True])
def test_resumed_run_equals_uninterrupted_run(tmp_path, name, dropout):
    make = OPTIMIZERS[name]
    whole, h_whole = _run(make, 8, dropout)
    path = tmp_path / "run.ckpt"
    _run(make, 5, dropout, checkpoint=path)  # "interrupted" after epoch 5
    resumed, h_resumed = _run(make, 8, dropout, resume=path)
    for key, values in whole.state_dict().items():
        assert np.array_equal(values, resumed.state_dict()[key]), key
    assert h_resumed.epochs == h_whole.epochs == list(range(1, 9))
    assert h_resumed.history == h_whole.history


def test_without_the_state_the_run_differs(tmp_path):
    """The test above can fail: resuming with a fresh optimizer state gives other weights."""
    make = OPTIMIZERS["adam"]
    whole, _ = _run(make, 6)
    path = tmp_path / "run.ckpt"
    _run(make, 3, checkpoint=path)
    saved = read_checkpoint(path)["state"]
    saved["optimizer"]["state"] = [
        {k: np.zeros_like(v) for k, v in s.items()} for s in saved["optimizer"]["state"]
    ]
    resumed, _ = _run(make, 6, resume=saved)
    assert not np.array_equal(whole.layers[0].weight.data, resumed.layers[0].weight.data)


def test_checkpoint_every_n_epochs_and_epoch_in_the_name(tmp_path):
    X, y = _data()
    net = dp.Sequential([dp.Dense(3, "softmax")], seed=0)
    every = ModelCheckpoint(tmp_path / "e{epoch}.ckpt", monitor="loss", every_n_epochs=2)
    net.fit(X, y, loss="cross_entropy", epochs=5, callbacks=[every], seed=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e2.ckpt", "e4.ckpt"]
    ckpt = read_checkpoint(tmp_path / "e4.ckpt")
    assert ckpt["state"]["epoch"] == 4
    assert ckpt["model"]["architecture"]["layers"][0]["type"] == "Dense"


def test_save_best_only_keeps_the_best_epoch(tmp_path):
    X, y = _data()
    net = dp.Sequential([dp.Dense(3, "softmax")], seed=0)
    best = ModelCheckpoint(tmp_path / "best.ckpt", monitor="val_loss", save_best_only=True)
    h = net.fit(
        X,
        y,
        loss="cross_entropy",
        optimizer=dp.SGD(net.parameters(), lr=2.0),
        epochs=15,
        callbacks=[best],
        validation_split=0.3,
        seed=0,
    )
    saved = read_checkpoint(tmp_path / "best.ckpt")["state"]
    assert saved["epoch"] == int(np.argmin(h["val_loss"])) + 1


def test_state_round_trips_through_the_file(tmp_path):
    state = {
        "epoch": 2,
        "samples_seen": 10,
        "rng": {"state": 2**100},
        "layer_rngs": [],
        "weights": {"a.weight": np.arange(3.0)},
        "optimizer": {"state": [{"m": np.ones(2)}]},
        "callbacks": [{}, {"best": float("inf")}],
        "history": {"epochs": [1, 2]},
    }
    write_checkpoint(tmp_path / "s.ckpt", state)
    back = read_checkpoint(tmp_path / "s.ckpt")["state"]
    assert back["rng"] == {"state": 2**100} and back["callbacks"][1]["best"] == float("inf")
    np.testing.assert_array_equal(back["optimizer"]["state"][0]["m"], np.ones(2))


def test_damaged_checkpoints_raise_model_file_error(tmp_path):
    X, y = _data()
    net = dp.Sequential([dp.Dense(3, "softmax")], seed=0)
    good = tmp_path / "good.ckpt"
    net.fit(X, y, loss="cross_entropy", epochs=1, checkpoint=good)
    raw = good.read_bytes()
    (tmp_path / "cut.ckpt").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError):
        read_checkpoint(tmp_path / "cut.ckpt")
    # A checkpoint missing one of its tensors.
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp_path / "less.ckpt", "w") as dst:
        names = src.namelist()
        dropped = next(n for n in names if n.startswith("tensors/weights/"))
        for n in names:
            if n != dropped:
                dst.writestr(n, src.read(n))
    with pytest.raises(ModelFileError, match="missing tensor"):
        read_checkpoint(tmp_path / "less.ckpt")
    net.save(tmp_path / "model.dpm")  # a model file is not a checkpoint
    with pytest.raises(ModelFileError, match="deltaprop-checkpoint"):
        read_checkpoint(tmp_path / "model.dpm")
    with pytest.raises(ModelFileError):
        net.fit(X, y, epochs=2, resume=tmp_path / "cut.ckpt")


def test_loggers_write_one_record_per_epoch_and_continue_on_resume(tmp_path):
    import csv
    import json

    X, y = _data()
    make = OPTIMIZERS["adam"]
    csv_path, jsonl_path = tmp_path / "log.csv", tmp_path / "log.jsonl"

    def loggers():
        return [dp.CSVLogger(csv_path, append=True), dp.JSONLinesLogger(jsonl_path, append=True)]

    _, first = _run(make, 3, callbacks=loggers(), checkpoint=tmp_path / "c.ckpt")
    _, second = _run(make, 5, callbacks=loggers(), resume=tmp_path / "c.ckpt")
    rows = list(csv.DictReader(open(csv_path)))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4, 5]
    assert [float(r["val_loss"]) for r in rows] == pytest.approx(second["val_loss"])
    records = [json.loads(line) for line in open(jsonl_path)]
    assert [r["lr"] for r in records] == pytest.approx(second["lr"])


def test_resume_that_does_not_fit_raises_a_clear_error(tmp_path):
    X, y = _data()
    path = tmp_path / "small.ckpt"
    dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(3, "softmax")], seed=0).fit(
        X, y, loss="cross_entropy", epochs=1, checkpoint=path
    )
    wider = dp.Sequential([dp.Dense(5, "tanh"), dp.Dense(3, "softmax")], seed=0)
    with pytest.raises(ParameterError, match="resume must be a state saved"):
        wider.fit(X, y, loss="cross_entropy", epochs=2, resume=path)
    with pytest.raises(ParameterTypeError, match="resume must be a checkpoint path"):
        wider.fit(X, y, loss="cross_entropy", epochs=2, resume=5)


def test_sigint_mid_epoch_then_resume_equals_uninterrupted(tmp_path):
    """A real interruption: SIGINT in the middle of epoch 4 stops after that batch; the
    checkpoint holds epoch 3, and resuming redoes epoch 4 from its start."""
    import signal

    class Interrupt(dp.Callback):
        def on_batch_end(self, run, batch, loss):
            if run.epoch == 4 and batch == 2:
                signal.raise_signal(signal.SIGINT)

    make = OPTIMIZERS["sgd_momentum"]
    whole, _ = _run(make, 6, dropout=True)
    path = tmp_path / "run.ckpt"
    _, stopped = _run(make, 6, dropout=True, callbacks=[Interrupt()], checkpoint=path)
    assert stopped.interrupted == "SIGINT" and read_checkpoint(path)["state"]["epoch"] == 3
    resumed, _ = _run(make, 6, dropout=True, resume=path)
    for key, values in whole.state_dict().items():
        assert np.array_equal(values, resumed.state_dict()[key]), key


def test_rollback_halving_survives_a_schedule():
    """A schedule sets the rate every epoch; a rollback's halving must not be undone by it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1024, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    net = dp.Sequential([dp.Dense(1)], seed=0)
    h = net.fit(
        X,
        y,
        optimizer=dp.SGD(net.parameters(), lr=4.0),
        epochs=4,
        batch_size=8,
        seed=0,
        on_divergence="rollback",
        max_rollbacks=6,
        schedule=dp.optim.schedules.ExponentialDecay(0.5),
    )
    assert h.rollbacks >= 1 and all(np.isfinite(h.loss))
    halved = 4.0 / 2**h.rollbacks
    assert h["lr"] == pytest.approx([halved * 0.5**k for k in range(4)])


def test_load_reads_the_network_of_a_checkpoint(tmp_path, rng):
    """dp.load on a checkpoint gives the network as it stood at the checkpoint's epoch."""
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = np.where(X[:, 0] > 0, "yes", "no")
    net = dp.Sequential([dp.Dense(5, "tanh"), dp.Dense(2, "softmax")], seed=0)
    path = tmp_path / "run.ckpt"
    net.fit(X, y, loss="cross_entropy", epochs=3, seed=0, checkpoint=path)
    again = dp.load(path)
    np.testing.assert_array_equal(again.predict_proba(X), net.predict_proba(X))
    assert again.predict(X).tolist() == net.predict(X).tolist()


def test_load_of_a_checkpoint_without_a_network_config_says_how_to_resume(tmp_path, rng):
    net = dp.Sequential([dp.Dense(2)], seed=0)
    history = net.fit(rng.normal(size=(8, 2)), rng.normal(size=(8, 2)), epochs=1, seed=0)
    assert history.stop_reason
    run_state = {
        "epoch": 1,
        "samples_seen": 8,
        "rng": {},
        "layer_rngs": [],
        "weights": net.state_dict(),
        "optimizer": {},
        "callbacks": [],
    }
    write_checkpoint(tmp_path / "bare.ckpt", run_state, model=None)
    with pytest.raises(ModelFileError, match="fit\\(resume=path\\)"):
        dp.load(tmp_path / "bare.ckpt")
