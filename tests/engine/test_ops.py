"""Every registered op passes a central-difference gradient check on its sample inputs."""

import numpy as np
import pytest

from deltaprop.engine import REGISTRY, Tensor, apply, gradcheck


def _cases():
    rng = np.random.default_rng(0)
    for name, cls in sorted(REGISTRY.items()):
        samples = list(cls.sample_inputs(rng))
        assert samples, f"op {name} yields no sample inputs"
        for i, sample in enumerate(samples):
            yield pytest.param(cls, sample, id=f"{name}-{i}")


@pytest.mark.parametrize("cls, sample", list(_cases()))
def test_vjp_matches_central_differences(cls, sample, strict_numerics):
    mask = sample.differentiable or tuple(np.asarray(x).dtype.kind == "f" for x in sample.inputs)
    inputs = [
        Tensor(np.asarray(x, dtype=float), requires_grad=True) if m else Tensor(np.asarray(x))
        for x, m in zip(sample.inputs, mask)
    ]
    result = gradcheck(lambda *ts: apply(cls(**sample.attrs), *ts), *inputs)
    assert result.passed
    assert len(result.inputs) == sum(mask)


@pytest.mark.parametrize("cls, sample", list(_cases()))
def test_forward_keeps_float32(cls, sample):
    """No op silently upcasts float32 inputs to float64."""
    mask = sample.differentiable or tuple(np.asarray(x).dtype.kind == "f" for x in sample.inputs)
    inputs = [
        Tensor(np.asarray(x, dtype=np.float32), requires_grad=True) if m else Tensor(np.asarray(x))
        for x, m in zip(sample.inputs, mask)
    ]
    out = apply(cls(**sample.attrs), *inputs)
    assert out.dtype == np.float32
    g = np.ones(out.shape, dtype=np.float32)
    out.backward(g)
    for t, m in zip(inputs, mask):
        if m:
            assert t.grad.dtype == np.float32, cls.name
            assert t.grad.shape == t.shape


def test_all_required_primitives_are_registered():
    required = {
        "linear",
        "logistic",
        "tanh",
        "relu",
        "leaky_relu",
        "identity",
        "softmax",
        "softmax_cross_entropy",
        "sigmoid_binary_cross_entropy",
        "squared_error",
    }
    assert required <= set(REGISTRY)


@pytest.mark.parametrize("magnitude", [1e4, -1e4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_large_inputs(magnitude, dtype, strict_numerics):
    from deltaprop.engine import functional as F

    z = np.array([[magnitude, 0.0, -magnitude]], dtype=dtype)
    p = F.logistic(z).data
    assert np.all(np.isfinite(p)) and p.dtype == dtype
    s = F.softmax(z).data
    assert np.all(np.isfinite(s)) and np.isclose(s.sum(), 1.0)
    ce = F.softmax_cross_entropy(Tensor(z, requires_grad=True), np.array([1]))
    assert np.isfinite(ce.item())
    bce = F.sigmoid_binary_cross_entropy(Tensor(z, requires_grad=True), np.array([[1.0, 0.0, 1.0]]))
    assert np.isfinite(bce.item())
    bce.backward()
