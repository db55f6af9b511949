"""fit's L2 penalty, sample and class weights, validation split, schedules and dropout."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import DataError, ParameterError, ShapeError
from deltaprop.optim.schedules import StepDecay


def _net(seed=0, hidden=5, outputs=1, dtype="float64", act="tanh"):
    return dp.Sequential([dp.Dense(hidden, act), dp.Dense(outputs)], seed=seed, dtype=dtype)


def _one_step(X, y, **kwargs):
    net = _net()
    net.build(X.shape[1])
    before = net.state_dict()
    net.fit(
        X,
        y,
        optimizer=dp.SGD(net.parameters(), lr=0.1),
        epochs=1,
        batch_size=None,
        shuffle=False,
        **kwargs,
    )
    return before, net.state_dict()


def test_l2_penalty_adds_alpha_w_over_batch_to_weight_gradients_only(rng):
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    before, plain = _one_step(X, y)
    _, penalised = _one_step(X, y, alpha=0.5)
    for name, w0 in before.items():
        # SGD: w1 = w0 - lr (g + alpha w0 / B); the data gradient g is the unpenalised run's.
        expected = plain[name] - (0.1 * 0.5 / 8 * w0 if name.endswith("weight") else 0.0)
        np.testing.assert_allclose(penalised[name], expected, rtol=1e-12, atol=1e-14)


def test_weighted_l2_penalty_divides_by_the_sum_of_weights_as_scikit_learn(rng):
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    before, plain = _one_step(X, y)
    _, penalised = _one_step(X, y, alpha=0.5, sample_weight=np.full(8, 2.0))
    for name, w0 in before.items():
        expected = plain[name] - (0.1 * 0.5 / 16 * w0 if name.endswith("weight") else 0.0)
        np.testing.assert_allclose(penalised[name], expected, rtol=1e-12, atol=1e-14)


def test_l2_penalty_is_in_the_reported_loss(rng):
    X, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    net = _net()
    net.build(2)
    w = [p.data.copy() for n, p in net.named_parameters() if n.endswith("weight")]
    data_loss = float(net.evaluate(X, y, loss="squared_error")["loss"])
    h = net.fit(X, y, optimizer=dp.SGD(net.parameters(), lr=1e-12), batch_size=None, alpha=3.0)
    penalty = 3.0 / 2 * sum(float(np.sum(a * a)) for a in w) / 6
    assert h.loss[0] == pytest.approx(data_loss + penalty, rel=1e-6)


def test_integer_sample_weights_equal_repeated_rows(rng):
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    counts = np.array([1, 3, 0, 2, 1])
    _, weighted = _one_step(X, y, sample_weight=counts)
    _, repeated = _one_step(np.repeat(X, counts, axis=0), np.repeat(y, counts, axis=0))
    for name in weighted:
        np.testing.assert_allclose(weighted[name], repeated[name], rtol=1e-10)


def test_sample_weights_are_gathered_with_their_shuffled_batches(rng):
    """Weight 0 on half the rows must equal training on the other half alone (full batch
    order does not matter for the sum; mini-batches must carry each row's own weight)."""
    X, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    w = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    net = _net(dtype="float64")
    h = net.fit(
        X,
        y,
        optimizer=dp.SGD(net.parameters(), lr=0.0 + 1e-9),
        epochs=3,
        batch_size=2,
        seed=3,
        sample_weight=w,
    )
    # The epoch loss is the weighted mean: rows with weight 0 do not count.
    out = net.forward_outputs(X)
    kept = w > 0
    assert h.loss[-1] == pytest.approx(float(np.mean((out[kept] - y[kept]) ** 2)), rel=1e-5)


def test_balanced_class_weight_is_scikit_learns(rng):
    utils = pytest.importorskip("sklearn.utils")
    y = rng.integers(0, 4, size=50)
    ours = dp.training.balanced_class_weight(y)
    theirs = utils.class_weight.compute_class_weight("balanced", classes=np.unique(y), y=y)
    np.testing.assert_allclose([ours[c] for c in sorted(ours)], theirs)


def test_class_weight_changes_the_decision_on_an_imbalanced_set(rng):
    # Two overlapping classes, 9 to 1: unweighted, the minority class is never predicted.
    X = np.vstack([rng.normal(0.0, 1.0, size=(180, 1)), rng.normal(1.0, 1.0, size=(20, 1))])
    y = np.array(["common"] * 180 + ["rare"] * 20)

    def trained(class_weight):
        net = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
        net.fit(
            X,
            y,
            loss="cross_entropy",
            optimizer=dp.SGD(net.parameters(), lr=0.5),
            epochs=200,
            batch_size=None,
            class_weight=class_weight,
        )
        return net.predict(X)

    plain = trained(None)
    balanced = trained("balanced")
    by_label = trained({"common": 1.0, "rare": 9.0})
    assert np.sum(plain == "rare") < 5
    assert np.sum(balanced == "rare") > 40
    assert np.sum(by_label == "rare") > 40


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"sample_weight": np.ones(3)}, ShapeError),
        ({"sample_weight": -np.ones(10)}, DataError),
        ({"sample_weight": np.zeros(10)}, DataError),
        ({"class_weight": "equal"}, ParameterError),
        ({"class_weight": {0: -1.0}}, ParameterError),
        ({"alpha": -1.0}, ParameterError),
        ({"validation_split": 1.0}, ParameterError),
        ({"validation_split": 0.2, "validation_data": (np.ones((2, 2)), [0, 1])}, ParameterError),
    ],
)
def test_bad_arguments_raise_where_they_enter(kwargs, error):
    X, y = np.ones((10, 2)), np.arange(10) % 2
    net = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
    with pytest.raises(error):
        net.fit(X, y, loss="cross_entropy", **kwargs)


def test_class_weight_needs_a_classifier():
    with pytest.raises(ParameterError, match="class_weight needs a classification loss"):
        _net().fit(np.ones((4, 2)), np.ones(4), class_weight="balanced")


def test_validation_split_is_stratified_seeded_and_disjoint(rng):
    from deltaprop.training.split import split_indices

    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    train, val = split_indices(y, 0.2, "multiclass", np.random.default_rng(4))
    assert len(val) == 20 and len(train) == 80
    assert np.bincount(y[val]).tolist() == [12, 6, 2]
    assert not set(train) & set(val)
    again = split_indices(y, 0.2, "multiclass", np.random.default_rng(4))
    np.testing.assert_array_equal(val, again[1])


def test_validation_split_records_val_metrics(rng):
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    net = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
    h = net.fit(X, y, loss="cross_entropy", epochs=3, validation_split=0.25, seed=0)
    assert {"loss", "val_loss", "val_accuracy", "lr"} <= set(h.history)
    assert len(h["val_loss"]) == 3


def test_schedule_sets_each_epochs_lr(rng):
    X, y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    net = _net()
    h = net.fit(
        X,
        y,
        optimizer=dp.SGD(net.parameters(), lr=0.08),
        epochs=5,
        schedule=StepDecay(step_size=2, gamma=0.5),
    )
    assert h["lr"] == pytest.approx([0.08, 0.08, 0.04, 0.04, 0.02])


def test_early_stopping_restores_the_best_epochs_weights(rng):
    X = rng.normal(size=(30, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + rng.normal(scale=0.5, size=(30, 1))
    Xv, yv = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))  # unrelated: val_loss rises
    net = dp.Sequential([dp.Dense(32, "tanh"), dp.Dense(1)], seed=0, dtype="float64")
    snapshots = {}
    record = dp.training.LambdaCallback(
        on_epoch_end=lambda run, epoch, logs: snapshots.update({epoch: run.module.state_dict()})
    )
    stop = dp.EarlyStopping(patience=4)
    h = net.fit(
        X,
        y,
        optimizer=dp.Adam(net.parameters(), lr=0.05),
        epochs=300,
        validation_data=(Xv, yv),
        stop=stop,
        callbacks=[record],
        seed=0,
    )
    best = int(np.argmin(h["val_loss"])) + 1
    assert stop.best_epoch == best and len(h) == best + 4 < 300
    for name, values in net.state_dict().items():
        np.testing.assert_array_equal(values, snapshots[best][name])


def test_dropout_network_is_not_replayed_and_trains_like_a_hand_loop(rng):
    X, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 1))

    def build():
        return dp.Sequential([dp.Dense(6, "tanh"), dp.Dropout(0.5), dp.Dense(1)], seed=2)

    net = build()
    assert not net.replayable
    net.fit(X, y, optimizer=dp.SGD(net.parameters(), lr=0.1), epochs=2, batch_size=4, shuffle=False)
    hand = build()
    hand.build(3)
    opt = dp.SGD(hand.parameters(), lr=0.1)
    for _ in range(2):
        for start in range(0, 12, 4):
            opt.zero_grad()
            xb = X[start : start + 4].astype(np.float32)
            yb = y[start : start + 4].astype(np.float32)
            dp.losses.squared_error(hand(xb), yb).backward()
            opt.step()
    for name, values in net.state_dict().items():
        np.testing.assert_array_equal(values, hand.state_dict()[name])
