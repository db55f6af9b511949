"""Numerical stability: activations and losses stay finite, correct and warning-free for
inputs of magnitude 1e4, in float32 and float64, forward and backward."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.engine import functional as F

BIG = 1e4


@pytest.fixture(autouse=True)
def strict_floats():
    """Any overflow, invalid operation or division by zero fails the test, as do warnings."""
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _input(dtype):
    return dp.Tensor(np.array([[-BIG, -1.0, 0.0, 1.0, BIG]], dtype=dtype), requires_grad=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logistic_saturates_exactly(dtype):
    x = _input(dtype)
    out = F.logistic(x)
    F.sum(out).backward()
    assert out.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(out.data, [[0.0, 0.26894142, 0.5, 0.73105858, 1.0]], rtol=1e-6)
    # d out/d net = out (1 - out): exactly 0 in saturation, 1/4 at 0
    assert x.grad[0, 0] == 0.0 and x.grad[0, -1] == 0.0 and x.grad[0, 2] == 0.25


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_saturates(dtype):
    x = _input(dtype)
    out = F.tanh(x)
    F.sum(out).backward()
    assert out.data[0, 0] == -1.0 and out.data[0, -1] == 1.0
    assert np.all(np.isfinite(x.grad)) and x.grad[0, 0] == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_huge_logits_is_a_distribution(dtype):
    x = _input(dtype)
    out = F.softmax(x)
    F.sum(out * dp.Tensor(np.arange(5, dtype=dtype))).backward()
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data.sum(), 1.0, rtol=1e-6)
    assert out.data[0, -1] == 1.0 and out.data[0, 0] == 0.0
    assert np.all(np.isfinite(x.grad))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("label, expected", [(4, 0.0), (0, 2 * BIG)])
def test_softmax_cross_entropy_of_huge_logits(dtype, label, expected):
    # E = ln sum_k e^z_k - z_label: 0 when the huge logit is the label, z_max - z_label
    # (= 2e4) when the label's logit is -1e4, never inf.
    z = _input(dtype)
    error = F.softmax_cross_entropy(z, np.array([label]))
    error.backward()
    assert error.dtype == dtype
    np.testing.assert_allclose(float(error.data), expected, rtol=1e-6, atol=1e-6)
    # dE/dz = softmax(z) - onehot: entries in [-1, 1] summing to 0
    assert np.all(np.abs(z.grad) <= 1.0) and abs(float(z.grad.sum())) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_of_huge_logits(dtype):
    z = _input(dtype)
    t = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]], dtype=dtype)
    error = F.sigmoid_binary_cross_entropy(z, t, reduction="sum")
    error.backward()
    # per element max(z, 0) - z t + ln(1 + e^-|z|): 1e4 for (-1e4, t=1) and (1e4, t=0)
    expected = BIG + np.log1p(np.exp(-1.0)) + np.log(2.0) + np.log1p(np.exp(-1.0)) + BIG
    np.testing.assert_allclose(float(error.data), expected, rtol=1e-6)
    np.testing.assert_allclose(
        z.grad, (1.0 + np.tanh(z.data.astype(np.float64) / 2)) / 2 - t, rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "output, loss",
    [("softmax", "cross_entropy"), ("logistic", "binary_cross_entropy")],
)
def test_network_with_huge_inputs_trains_without_warnings(dtype, output, loss):
    rng = np.random.default_rng(0)
    X = rng.normal(scale=BIG, size=(32, 3)).astype(dtype)
    y = rng.integers(0, 2, size=32)
    net = dp.Sequential(
        [dp.Dense(4, "tanh"), dp.Dense(2 if output == "softmax" else 1, output)],
        seed=0,
        dtype=dtype,
    )
    target = y if output == "softmax" else y[:, None]
    history = net.fit(X, target, loss=loss, epochs=2, batch_size=8, seed=0)
    assert all(np.isfinite(v) for v in history.history["loss"])
    proba = net.predict_proba(X)
    assert proba.dtype == dtype and np.all(np.isfinite(proba))
