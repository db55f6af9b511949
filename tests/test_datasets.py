"""deltaprop.datasets: the 2-D generators and the worked example's data."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.datasets import make_circles, make_moons, make_spirals, worked_example
from deltaprop.errors import ParameterError, ParameterTypeError

GENERATORS = [make_moons, make_circles, make_spirals]


@pytest.mark.parametrize("make", GENERATORS)
def test_sizes_types_and_seeding(make):
    data = make(101, seed=3)
    assert data.X.shape == (101, 2) and data.X.dtype == np.float32 and data.y.dtype == np.int64
    assert np.bincount(data.y).tolist() == [51, 50]
    again = make(101, seed=3)
    np.testing.assert_array_equal(data.X, again.X)
    assert not np.array_equal(data.X, make(101, seed=4).X)
    clean, noisy = make(400, noise=0.0, seed=0), make(400, noise=0.3, seed=0)
    spread = np.abs(noisy.X - clean.X)
    assert 0.15 < float(spread.mean()) < 0.35  # mean |N(0, 0.3)| is 0.24


def test_moons_lie_on_their_half_circles():
    X, y = make_moons(200, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, rtol=1e-6)
    assert np.all(upper[:, 1] >= -1e-7)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, rtol=1e-6)
    assert np.all(lower[:, 1] <= 0.5 + 1e-7)


def test_spiral_arms_follow_the_formula():
    X, y = make_spirals(300, n_classes=3, noise=0.0, turns=1.5, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    r = np.hypot(X[:, 0], X[:, 1])
    expected = 2 * np.pi * y / 3 + 2 * np.pi * 1.5 * r
    diff = np.angle(np.exp(1j * (np.arctan2(X[:, 1], X[:, 0]) - expected)))
    assert np.abs(diff[r > 1e-3]).max() < 1e-4


def test_a_hidden_layer_separates_the_moons():
    X, y = make_moons(300, noise=0.1, seed=0)
    net = dp.Sequential([dp.Dense(16, "tanh"), dp.Dense(2, "softmax")], seed=0)
    net.fit(
        X, y, loss="cross_entropy", optimizer=dp.Adam(net.parameters(), lr=0.02), epochs=60, seed=0
    )
    assert np.mean(net.predict(X) == y) > 0.95


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: make_moons(1), ParameterError, "n_samples must be >= 2"),
        (lambda: make_moons(10, noise=-1), ParameterError, "noise must be >= 0"),
        (lambda: make_circles(10, factor=1.0), ParameterError, "factor must be < 1"),
        (lambda: make_spirals(10, n_classes=1), ParameterError, "n_classes must be >= 2"),
        (lambda: make_spirals(10.5), ParameterTypeError, "n_samples must be an integer"),
        (lambda: make_moons(10, seed="x"), ParameterTypeError, "seed must be"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_worked_example_weights_give_the_published_forward_pass():
    data = worked_example()
    net = dp.Sequential(
        [dp.Dense(2, "logistic", bias="shared"), dp.Dense(2, "logistic", bias="shared")],
        dtype="float64",
    )
    net.build(2)
    net.load_state_dict(data.initial_weights)
    out = net.predict(data.X)  # regression network: predict returns the outputs
    np.testing.assert_allclose(out, [[0.75136507, 0.772928465]], atol=1e-9)
    error = 0.5 * np.sum((data.y - out) ** 2)
    assert error == pytest.approx(0.298371109, abs=1e-9)
