"""deltaprop.LBFGS: full-batch L-BFGS-B over the flat parameter vector of any network."""

import warnings

import numpy as np
import pytest

pytest.importorskip("scipy")

import deltaprop as dp  # noqa: E402
from deltaprop.errors import ConvergenceWarning, ParameterError, ParameterTypeError  # noqa: E402


def _closure(net, X, y, loss):
    def closure():
        error = loss(net(X), y)
        error.backward()
        return error

    return closure


def test_lbfgs_finds_the_least_squares_solution():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([[1.5], [-2.0], [0.5]]) + 0.3 + 0.01 * rng.normal(size=(40, 1))
    net = dp.Sequential([dp.Dense(1, in_features=3)], seed=0, dtype="float64")
    result = dp.LBFGS(net.parameters(), tol=1e-12).minimize(
        _closure(net, X, y, dp.losses.get("squared_error"))
    )
    A = np.c_[X, np.ones(len(X))]
    exact = np.linalg.lstsq(A, y, rcond=None)[0].ravel()
    layer = net.layers[0]
    found = np.r_[layer.weight.data.ravel(), layer.bias.data.ravel()]
    np.testing.assert_allclose(found, exact, rtol=1e-6, atol=1e-8)
    assert result.converged and result.n_iter >= 1 and result.n_fun >= result.n_iter
    assert result.loss == pytest.approx(np.mean((A @ exact[:, None] - y) ** 2), rel=1e-6)


def test_lbfgs_trains_a_hidden_layer_network_and_keeps_its_dtype():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    net = dp.Sequential([dp.Dense(8, "tanh"), dp.Dense(2, "softmax")], seed=1)
    net.build(2)
    loss = dp.losses.get("cross_entropy")
    start = loss(net(X), y).data
    result = dp.LBFGS(net.parameters(), max_iter=500).minimize(_closure(net, X, y, loss))
    assert result.loss < 0.01 * float(start)
    assert all(p.data.dtype == np.float32 for p in net.parameters())
    assert np.argmax(net(X).data, axis=1).tolist() == [0, 1, 1, 0]


def test_lbfgs_limits_warn_and_are_honoured():
    X = np.linspace(-2, 2, 30).reshape(-1, 1)
    y = np.sin(3 * X)
    net = dp.Sequential([dp.Dense(16, "tanh"), dp.Dense(1)], seed=0, dtype="float64")
    net.build(1)
    closure = _closure(net, X, y, dp.losses.get("squared_error"))
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        result = dp.LBFGS(net.parameters(), max_iter=3, tol=0.0).minimize(closure)
    assert result.n_iter == 3 and not result.converged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = dp.LBFGS(net.parameters(), max_fun=5, tol=0.0, warn_limit=False).minimize(
            closure
        )
    assert result.n_fun <= 6 and not result.converged  # scipy may finish its line search


def test_lbfgs_bad_arguments():
    net = dp.Sequential([dp.Dense(1, in_features=2)])
    with pytest.raises(ParameterError, match="max_iter"):
        dp.LBFGS(net.parameters(), max_iter=0)
    with pytest.raises(ParameterError, match="tol"):
        dp.LBFGS(net.parameters(), tol=-1)
    with pytest.raises(ParameterTypeError, match="params"):
        dp.LBFGS(net.layers[0].weight)
    with pytest.raises(ParameterTypeError, match="closure"):
        dp.LBFGS(net.parameters()).minimize(None)
