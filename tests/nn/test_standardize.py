"""Standardize: fitted statistics, non-trainable state, saved and restored with the network."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import DataError, ShapeError
from deltaprop.nn import Standardize


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(60, 3)) * [1.0, 50.0, 0.01] + [5.0, -200.0, 3.0]).astype(np.float32)
    y = (X[:, 0] - 5.0 > 0).astype(np.int64)
    return X, y


def test_fit_sets_population_mean_and_std_and_output_is_standardised():
    X, _ = _data()
    layer = Standardize().fit(X)
    np.testing.assert_allclose(layer.mean, X.astype(np.float64).mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(layer.std, X.astype(np.float64).std(axis=0), rtol=1e-5)
    out = layer(X).data
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1.0, atol=1e-4)


def test_constant_feature_maps_to_zero_not_nan():
    X = np.array([[1.0, 7.0], [3.0, 7.0]], dtype=np.float32)
    out = Standardize().fit(X)(X).data
    assert np.isfinite(out).all()
    assert out[:, 1].tolist() == [0.0, 0.0]


def test_statistics_are_state_not_parameters_and_training_leaves_them():
    X, y = _data()
    net = dp.Sequential([Standardize().fit(X), dp.Dense(4, "tanh"), dp.Dense(2, "softmax")], seed=0)
    mean = net.layers[0].mean.copy()
    opt = dp.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=3, batch_size=16, seed=0)
    assert all("layers.0" not in name for name, _ in net.named_parameters())
    assert {"layers.0.mean", "layers.0.std"} <= set(net.state_dict())
    assert np.array_equal(net.layers[0].mean, mean)
    assert opt._flat is not None  # the one-pass flat update still applies


def test_model_file_round_trip_keeps_statistics_and_predictions(tmp_path):
    X, y = _data()
    net = dp.Sequential([Standardize().fit(X), dp.Dense(4, "tanh"), dp.Dense(2, "softmax")], seed=0)
    net.fit(X, np.array(["no", "yes"])[y], loss="cross_entropy", epochs=2, seed=0)
    net.save(tmp_path / "m.dpm")
    back = dp.load(tmp_path / "m.dpm")
    assert isinstance(back.layers[0], Standardize)
    assert np.array_equal(back.layers[0].mean, net.layers[0].mean)
    assert np.array_equal(back.layers[0].std, net.layers[0].std)
    assert back.classes_.tolist() == ["no", "yes"]
    assert np.array_equal(back.predict_proba(X), net.predict_proba(X))
    assert back.predict(X).tolist() == net.predict(X).tolist()


def test_float64_network_casts_the_statistics():
    X, _ = _data()
    net = dp.Sequential([Standardize().fit(X), dp.Dense(2)], seed=0, dtype="float64")
    assert net(X.astype(np.float64)).data.dtype == np.float64
    assert net.layers[0].mean.dtype == np.float64


def test_bad_input_is_reported():
    with pytest.raises(DataError, match="non-empty 2-D"):
        Standardize().fit(np.zeros((0, 3)))
    layer = Standardize().fit(np.ones((4, 3)))
    with pytest.raises(ShapeError, match="expects 3"):
        layer(np.ones((2, 5), dtype=np.float32))
    with pytest.raises(DataError, match="finite"):
        Standardize().fit(np.array([[1.0], [np.nan]]))
