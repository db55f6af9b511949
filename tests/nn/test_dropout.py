"""Dropout: inverted scaling, inactive at inference, seeded, gradient, save/load."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import ParameterError


def test_training_mode_scales_kept_units_and_drops_about_p(rng):
    layer = dp.Dropout(0.25, seed=1)
    out = layer(np.ones((200, 50), np.float32)).data
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((out == 0).mean() - 0.25) < 0.01
    assert abs(out.mean() - 1.0) < 0.02  # inverted dropout keeps the expected value


def test_inactive_in_eval_mode_and_in_predict(rng):
    X = rng.normal(size=(20, 4))
    net = dp.Sequential([dp.Dense(8, "relu"), dp.Dropout(0.5), dp.Dense(2)], seed=0)
    net.build(4)
    a, b = net.forward_outputs(X), net.forward_outputs(X)
    np.testing.assert_array_equal(a, b)
    net.layers[1].p = 0.0  # without dropout the training-mode output equals predict's
    np.testing.assert_allclose(net(X.astype(np.float32)).data, a, rtol=1e-6)


def test_seeded_masks_repeat_and_differ_per_batch():
    x = np.ones((4, 6))
    a, b = dp.Dropout(0.5, seed=3), dp.Dropout(0.5, seed=3)
    first = a(x).data
    np.testing.assert_array_equal(first, b(x).data)
    assert not np.array_equal(first, a(x).data)


def test_gradient_is_the_mask(rng):
    layer = dp.Dropout(0.5, seed=0)
    x = dp.Tensor(rng.normal(size=(3, 5)), requires_grad=True)
    out = layer(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data / x.data)


def test_dropout_network_trains_and_round_trips(tmp_path, rng):
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    net = dp.Sequential(
        [dp.Dropout(0.1), dp.Dense(16, "relu"), dp.Dropout(0.2), dp.Dense(2, "softmax")], seed=0
    )
    net.fit(X, y, loss="cross_entropy", optimizer=dp.Adam(net.parameters(), lr=0.02), epochs=30)
    assert net.evaluate(X, y)["accuracy"] > 0.9
    net.save(tmp_path / "m.dpm")
    again = dp.load(tmp_path / "m.dpm")
    assert [type(layer).__name__ for layer in again.layers] == [
        "Dropout",
        "Dense",
        "Dropout",
        "Dense",
    ]
    assert again.layers[2].p == 0.2
    np.testing.assert_array_equal(again.predict_proba(X), net.predict_proba(X))


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_bad_probability(p):
    with pytest.raises(ParameterError, match=r"p must be"):
        dp.Dropout(p)
