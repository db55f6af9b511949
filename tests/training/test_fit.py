"""The training loop on real tasks, its stopping rules, and its checks on input."""

import warnings

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import (
    ConvergenceWarning,
    DataError,
    ParameterError,
    ShapeError,
    TrainingDiverged,
)
from deltaprop.training.split import split_indices


def test_xor_learned_to_all_classified():
    X, y = dp.datasets.xor()
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(1, "logistic")], seed=1)
    history = net.fit(
        X,
        y,
        loss="binary_cross_entropy",
        optimizer=dp.SGD(net.parameters(), lr=1.0),
        epochs=5000,
        batch_size=None,
        stop=dp.AllClassified(),
    )
    assert history.stop_reason == "every training example classified correctly"
    assert len(history) < 5000
    assert net.predict(X).tolist() == [0, 1, 1, 0]
    assert net.evaluate(X, y)["accuracy"] == 1.0


def test_xor_with_squared_error_and_logistic_output():
    """The textbook set-up: logistic everywhere, squared error, online updates."""
    X, y = dp.datasets.xor()
    net = dp.Sequential([dp.Dense(3, "logistic"), dp.Dense(1, "logistic")], seed=2)
    history = net.fit(
        X,
        y.astype(float),
        loss=dp.losses.SquaredError("sum_half"),
        optimizer=dp.SGD(net.parameters(), lr=2.0, momentum=0.5),
        epochs=20000,
        batch_size=1,
        seed=0,
        stop=dp.AllClassified(),
    )
    assert history.stop_reason.startswith("every training example")
    assert np.array_equal(np.round(net.predict(X)[:, 0]), y)


def test_digits_reach_95_percent_on_held_out_quarter():
    X, y = dp.datasets.load_digits()
    X = X / 16.0
    order = np.random.default_rng(0).permutation(len(X))
    test, train = order[: len(X) // 4], order[len(X) // 4 :]
    net = dp.Sequential([dp.Dense(64, "relu", init="he_uniform"), dp.Dense(10, "softmax")], seed=0)
    net.fit(
        X[train],
        y[train],
        loss="cross_entropy",
        optimizer=dp.SGD(net.parameters(), lr=0.1, momentum=0.9),
        epochs=20,
        batch_size=32,
        seed=0,
    )
    assert net.evaluate(X[test], y[test])["accuracy"] >= 0.95


def test_regression_identity_output_multi_output(rng):
    X = rng.normal(size=(200, 3))
    W = np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]])
    Y = X @ W + 0.1
    net = dp.Sequential([dp.Dense(2)], seed=0, dtype="float64")
    net.fit(X, Y, optimizer=dp.SGD(net.parameters(), lr=0.1), epochs=100, batch_size=None)
    assert net.evaluate(X, Y)["r2"] > 0.999
    np.testing.assert_allclose(net.layers[0].weight.data, W, atol=1e-3)


def test_multilabel_classification(rng):
    X = rng.normal(size=(300, 4))
    Y = np.stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0], axis=1).astype(float)
    net = dp.Sequential([dp.Dense(16, "relu"), dp.Dense(2, "logistic")], seed=0)
    net.fit(
        X,
        Y,
        loss="binary_cross_entropy",
        optimizer=dp.SGD(net.parameters(), lr=0.5),
        epochs=200,
        batch_size=32,
        seed=0,
    )
    assert net.evaluate(X, Y)["accuracy"] > 0.9
    assert net.predict_proba(X).shape == (300, 2)


def test_string_labels_are_encoded_and_returned(rng):
    X = rng.normal(size=(60, 2))
    labels = np.where(X[:, 0] > 0, "right", "left")
    net = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
    net.fit(X, labels, loss="cross_entropy", optimizer=dp.SGD(net.parameters(), lr=0.5), epochs=100)
    assert net.classes_.tolist() == ["left", "right"]
    assert (net.predict(X) == labels).mean() > 0.95
    with pytest.raises(DataError, match="labels not seen in training"):
        net.evaluate(X[:2], ["left", "up"])


def test_predictions_do_not_depend_on_batch_size(rng):
    net = dp.Sequential([dp.Dense(7, "tanh"), dp.Dense(3, "softmax")], seed=0, dtype="float64")
    X = rng.normal(size=(50, 4))
    net.build(4)
    whole = net.forward_outputs(X, batch_size=50)
    for bs in (1, 7, 64):
        np.testing.assert_allclose(
            net.forward_outputs(X, batch_size=bs), whole, rtol=1e-12, atol=1e-14
        )


def test_same_seed_same_run(rng):
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 3, size=40)

    def run():
        net = dp.Sequential([dp.Dense(5, "relu"), dp.Dense(3, "softmax")], seed=4)
        net.fit(
            X,
            y,
            loss="cross_entropy",
            optimizer=dp.SGD(net.parameters(), lr=0.1),
            epochs=5,
            batch_size=8,
            seed=9,
        )
        return net.state_dict()

    a, b = run(), run()
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_epoch_loss_is_the_data_set_loss_for_full_batch(rng):
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    net = dp.Sequential([dp.Dense(1)], seed=0, dtype="float64")
    net.build(2)
    expected = net.evaluate(X, y, loss="squared_error")["loss"]
    history = net.fit(X, y, epochs=1, batch_size=None, optimizer=dp.SGD(net.parameters(), lr=1e-9))
    assert history.loss[0] == pytest.approx(expected)


def test_summed_loss_adds_batches(rng):
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    net = dp.Sequential([dp.Dense(1)], seed=0, dtype="float64")
    loss = dp.losses.SquaredError("sum_half")
    history = net.fit(
        X,
        y,
        loss=loss,
        epochs=1,
        batch_size=3,
        shuffle=False,
        optimizer=dp.SGD(net.parameters(), lr=1e-12),
        record_batches=True,
    )
    assert len(history.batch_loss) == 4
    assert history.loss[0] == pytest.approx(sum(history.batch_loss))
    assert history.loss[0] == pytest.approx(net.evaluate(X, y)["loss"], rel=1e-6)


def test_loss_below_and_no_improvement_rules(rng):
    X = rng.normal(size=(50, 2))
    y = X @ np.array([1.0, 2.0])
    net = dp.Sequential([dp.Dense(1)], seed=0, dtype="float64")
    h = net.fit(
        X,
        y,
        optimizer=dp.SGD(net.parameters(), lr=0.1),
        epochs=1000,
        batch_size=None,
        stop=dp.LossBelow(1e-4),
    )
    assert h.history["loss"][-1] < 1e-4 and h.stop_reason.startswith("loss")
    h2 = net.fit(
        X,
        y,
        optimizer=dp.SGD(net.parameters(), lr=1e-12),
        epochs=1000,
        batch_size=None,
        stop=dp.NoImprovement(patience=3, min_delta=1e-3),
    )
    assert len(h2) == 4 and "did not improve for 3 epochs" in h2.stop_reason


def test_validation_and_restore_best(rng):
    X = rng.normal(size=(80, 5))
    y = (X[:, 0] > 0).astype(int)
    Xv, yv = rng.normal(size=(40, 5)), rng.integers(0, 2, size=40)  # noise: val loss rises
    net = dp.Sequential([dp.Dense(32, "relu"), dp.Dense(2, "softmax")], seed=0)
    rule = dp.NoImprovement(patience=5, monitor="val_loss", restore_best=True)
    h = net.fit(
        X,
        y,
        loss="cross_entropy",
        optimizer=dp.SGD(net.parameters(), lr=0.5),
        epochs=300,
        validation_data=(Xv, yv),
        stop=rule,
    )
    assert {"loss", "val_loss", "val_accuracy"} <= set(h.history)
    best = int(np.argmin(h["val_loss"]))
    assert net.evaluate(Xv, yv)["loss"] == pytest.approx(h["val_loss"][best], rel=1e-5)


def test_epoch_limit_warns_when_rules_did_not_hold(rng):
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    net = dp.Sequential([dp.Dense(1)], seed=0)
    with pytest.warns(ConvergenceWarning, match="epoch limit"):
        h = net.fit(
            X, y, epochs=2, stop=dp.LossBelow(1e-12), optimizer=dp.SGD(net.parameters(), lr=1e-6)
        )
    assert h.stop_reason == "reached epochs=2"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.fit(X, y, epochs=2, optimizer=dp.SGD(net.parameters(), lr=1e-6))


def test_divergence_names_epoch_and_batch(rng):
    X = rng.normal(size=(64, 3)) * 1e3
    y = rng.normal(size=64) * 1e3
    net = dp.Sequential([dp.Dense(8, "relu"), dp.Dense(1)], seed=0)
    with pytest.raises(TrainingDiverged, match=r"epoch \d+, batch \d+.*last finite") as info:
        with np.errstate(all="ignore"):
            net.fit(X, y, optimizer=dp.SGD(net.parameters(), lr=10.0), epochs=50, batch_size=16)
    assert info.value.epoch >= 1 and info.value.batch >= 1


def test_wall_time_rule(rng):
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    net = dp.Sequential([dp.Dense(1)], seed=0)
    h = net.fit(
        X, y, epochs=100000, stop=dp.WallTime(0.05), optimizer=dp.SGD(net.parameters(), lr=1e-3)
    )
    assert "wall time" in h.stop_reason


BAD_FIT = [
    (
        {"X": [[1.0, np.nan]], "y": [1.0]},
        DataError,
        r"X must be finite; got nan at row 0, column 1",
    ),
    ({"X": [[1.0, np.inf]], "y": [1.0]}, DataError, "X must be finite; got inf"),
    ({"X": [[1.0, 2.0]], "y": [np.nan]}, DataError, "targets must be finite; got nan"),
    ({"X": np.zeros((0, 2)), "y": np.zeros(0)}, DataError, r"at least one sample.*\(0, 2\)"),
    ({"X": [1.0, 2.0], "y": [1.0, 2.0]}, ShapeError, r"X must be 2-D.*got shape \(2,\).*reshape"),
    ({"X": [["a", "b"]], "y": [1.0]}, DataError, "X must hold numbers; got dtype <U1"),
    (
        {"X": [[1.0, 2.0], [3.0, 4.0]], "y": [1.0]},
        ShapeError,
        "same number of samples; got 2 and 1",
    ),
    (
        {"X": [[1.0, 2.0]], "y": [[1.0, 2.0]]},
        ShapeError,
        r"targets must have shape \(n_samples, 1\).*\(1, 2\)",
    ),
    ({"epochs": 0}, ParameterError, "epochs must be >= 1; got 0"),
    ({"batch_size": 0}, ParameterError, "batch_size must be >= 1; got 0"),
    (
        {"loss": "hinge"},
        ParameterError,
        "loss must be one of squared_error, cross_entropy, binary_cross_entropy, poisson; "
        "got 'hinge'",
    ),
    ({"optimizer": "sgd"}, TypeError, "optimizer must be an Optimizer.*got 'sgd'"),
    ({"seed": -1}, TypeError, "seed must be None, a non-negative int"),
]


@pytest.mark.parametrize("overrides, error, message", BAD_FIT)
def test_bad_input_is_rejected_before_training(overrides, error, message):
    net = dp.Sequential([dp.Dense(1)], seed=0)
    kwargs = {"X": [[1.0, 2.0]], "y": [1.0]}
    kwargs.update(overrides)
    X, y = kwargs.pop("X"), kwargs.pop("y")
    with pytest.raises(error, match=message):
        net.fit(X, y, **kwargs)


def test_labels_that_do_not_fit_the_output_layer():
    net = dp.Sequential([dp.Dense(3, "softmax")], seed=0)
    with pytest.raises(
        DataError, match=r"class labels must be in 0..2 for an output layer of 3 units; got 3"
    ):
        net.fit([[1.0], [2.0]], [0, 3], loss="cross_entropy")
    with pytest.raises(DataError, match="must be integers"):
        net.fit([[1.0], [2.0]], [0, 1.5], loss="cross_entropy")
    with pytest.raises(ShapeError, match="at least 2"):
        dp.Sequential([dp.Dense(1, "logistic")]).fit([[1.0]], [0], loss="cross_entropy")
    with pytest.raises(DataError, match=r"must be in \[0, 1\]; got 2"):
        dp.Sequential([dp.Dense(1, "logistic")]).fit([[1.0]], [2], loss="binary_cross_entropy")


def test_wrong_width_for_a_built_network(rng):
    net = dp.Sequential([dp.Dense(2)], seed=0)
    net.build(3)
    with pytest.raises(ShapeError, match="X has 4 features but the network expects 3"):
        net.fit(rng.normal(size=(5, 4)), rng.normal(size=(5, 2)))


def test_cross_entropy_needs_softmax_or_logits(rng):
    net = dp.Sequential([dp.Dense(3)], seed=0)
    with pytest.raises(ValueError, match="softmax output layer.*from_logits=True"):
        net.fit(rng.normal(size=(4, 2)), [0, 1, 2, 0], loss="cross_entropy")
    net.fit(rng.normal(size=(4, 2)), [0, 1, 2, 0], loss=dp.losses.CrossEntropy(from_logits=True))
    p = net.predict_proba(rng.normal(size=(3, 2)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


def test_float32_training_creates_no_float64_arrays(rng):
    from deltaprop.engine import trace

    seen = set()

    def record(event):
        for t in (*event.inputs, event.output):
            if t.data.dtype.kind == "f":
                seen.add(t.data.dtype)
        for g in getattr(event, "grads_in", ()) or ():
            if g is not None:
                seen.add(g.dtype)

    net = dp.Sequential([dp.Dense(8, "relu"), dp.Dense(3, "softmax")], seed=0)
    with trace(record):
        net.fit(
            rng.normal(size=(20, 4)),
            rng.integers(0, 3, 20),
            loss="cross_entropy",
            optimizer=dp.SGD(net.parameters(), lr=0.1, momentum=0.9),
            epochs=2,
            batch_size=5,
        )
    assert seen == {np.dtype(np.float32)}
    assert all(p.data.dtype == np.float32 for p in net.parameters())


def test_fit_reads_memory_mapped_npy(tmp_path, rng):
    X = rng.normal(size=(100, 3)).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    Xm = np.load(tmp_path / "X.npy", mmap_mode="r")
    y = (X[:, 0] > 0).astype(int)
    net = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
    net.fit(Xm, y, loss="cross_entropy", optimizer=dp.SGD(net.parameters(), lr=0.5), epochs=20)
    assert net.evaluate(X, y)["accuracy"] > 0.9


def test_functional_fit_on_a_custom_module(rng):
    class Residual(dp.Module):
        def __init__(self):
            self.inner = dp.Dense(3, "tanh", in_features=3, dtype="float64", seed=0)

        def forward(self, x):
            return x + self.inner(x)

    model = Residual()
    X = rng.normal(size=(30, 3))
    history = dp.fit(model, X, X * 0.5, optimizer=dp.SGD(model.parameters(), lr=0.05), epochs=30)
    assert history.loss[-1] < history.loss[0]


def test_the_epoch_limit_warning_points_at_the_callers_line():
    """Raised deep inside fit, attributed to the user's own call of Sequential.fit."""
    net = dp.Sequential([dp.Dense(1)], seed=0)
    with pytest.warns(ConvergenceWarning) as caught:
        net.fit(np.ones((4, 2)), np.ones(4), epochs=1, stop=dp.LossBelow(1e-12))
    assert caught[0].filename == __file__


def test_train_metrics_record_the_training_datas_accuracy_each_epoch():
    X, y = dp.datasets.load_iris()
    net = dp.Sequential([dp.Dense(8, "tanh"), dp.Dense(3, "softmax")], seed=0)
    history = net.fit(
        X, y, loss="cross_entropy", optimizer=dp.Adam(net.parameters(), lr=0.05),
        epochs=3, seed=0, train_metrics=True, validation_split=0.2,
    )  # fmt: skip
    assert len(history["accuracy"]) == 3 and len(history["val_accuracy"]) == 3
    # the last epoch's figure is the final network's accuracy on the training rows
    train_rows = np.ones(len(y), bool)
    _, val_idx = split_indices(y, 0.2, "multiclass", np.random.default_rng(0))
    train_rows[val_idx] = False
    expected = dp.metrics.accuracy(y[train_rows], net.predict(X[train_rows]))
    assert history["accuracy"][-1] == pytest.approx(expected)


def test_train_metrics_for_regression_and_refused_for_a_batch_source(rng):
    X = rng.normal(size=(40, 2))
    y = X @ np.array([1.0, -2.0])
    net = dp.Sequential([dp.Dense(1)], seed=0)
    history = net.fit(X, y, epochs=2, train_metrics=True)
    assert set(history.history) >= {"loss", "mse", "r2"}
    with pytest.raises(ParameterError, match="train_metrics needs array data"):
        dp.Sequential([dp.Dense(1)], seed=0).fit([(X, y)], train_metrics=True)
