"""The fused Dense-stack step computes the engine's loss and gradients (same gradient checks)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deltaprop as dp
from deltaprop import losses
from deltaprop.nn import Standardize
from deltaprop.training import scalar as scalar_module
from deltaprop.training.fused import FusedStep
from deltaprop.training.steps import Objective as _Objective

HIDDEN = ["identity", "relu", "leaky_relu", "tanh", "logistic"]
LOSSES = {
    "ce": (lambda: losses.CrossEntropy("mean"), "softmax"),
    "ce_sum": (lambda: losses.CrossEntropy("sum"), "softmax"),
    "ce_logits": (lambda: losses.CrossEntropy("mean", from_logits=True), None),
    "ce_soft": (lambda: losses.CrossEntropy("mean"), "softmax"),
    "bce": (lambda: losses.BinaryCrossEntropy("mean"), "logistic"),
    "bce_sum": (lambda: losses.BinaryCrossEntropy("sum"), "logistic"),
    "se_mean": (lambda: losses.SquaredError("mean"), None),
    "se_sum": (lambda: losses.SquaredError("sum"), "tanh"),
    "se_sum_half": (lambda: losses.SquaredError("sum_half"), "logistic"),
    "se_mean_half": (lambda: losses.SquaredError("mean_half"), "relu"),
}


def _case(rng, hidden, loss_name, rows, outputs=3, bias=True, scaler=False):
    make_loss, out_act = LOSSES[loss_name]
    layers = [Standardize().fit(rng.normal(2.0, 3.0, size=(20, 4)))] if scaler else []
    layers += [dp.Dense(u, act, bias=bias) for u, act in hidden]
    layers.append(dp.Dense(outputs, out_act, bias=bias))
    net = dp.Sequential(layers, seed=int(rng.integers(1000)), dtype=np.float64)
    X = rng.normal(size=(rows, 4))
    net.build(4)
    for p in net.parameters():  # away from zero so relu kinks are not hit by differences
        p.data += 0.05 * np.sign(p.data)
    if loss_name.startswith("ce_soft"):
        t = rng.dirichlet(np.ones(outputs), size=rows)
    elif loss_name.startswith("ce"):
        t = rng.integers(0, outputs, size=rows)
    elif loss_name.startswith("bce"):
        t = (rng.random((rows, outputs)) > 0.5).astype(np.float64)
    else:
        t = rng.normal(size=(rows, outputs))
    return net, make_loss(), X, t


def _engine(net, loss, inputs, weighted, alpha):
    for p in net.parameters():
        p.grad = None
    error = _Objective(net, loss, weighted, alpha, np.float64)(*inputs)
    error.backward()
    return float(error.data), [None if p.grad is None else p.grad.copy() for p in net.parameters()]


def _fused(step, net, inputs):
    for p in net.parameters():
        p.grad = None
    value = step.step(*inputs)
    return value, [None if p.grad is None else p.grad.copy() for p in net.parameters()]


def _both_paths(step, net, inputs):
    """(value, grads) of the NumPy path and of the Python-float path of tiny float64 batches
    (training/scalar.py); both are checked wherever a test checks the fused step."""
    scalar, step.scalar = step.scalar, None
    try:
        numpy_path = _fused(step, net, inputs)
    finally:
        step.scalar = scalar
    assert scalar is not None  # float64
    for p in net.parameters():
        p.grad = None
    value = scalar.step(*inputs)  # whatever the batch's size
    grads = [None if p.grad is None else p.grad.copy() for p in net.parameters()]
    return numpy_path, (value, grads)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    hidden=st.lists(st.tuples(st.integers(1, 5), st.sampled_from(HIDDEN)), max_size=3),
    loss_name=st.sampled_from(sorted(LOSSES)),
    rows=st.integers(1, 9),
    weighted=st.booleans(),
    alpha=st.sampled_from([0.0, 0.3]),
    bias=st.sampled_from([True, False, "shared"]),
    scaler=st.booleans(),
)
def test_fused_loss_and_gradients_equal_the_engines(
    seed, hidden, loss_name, rows, weighted, alpha, bias, scaler
):
    rng = np.random.default_rng(seed)
    net, loss, X, t = _case(rng, hidden, loss_name, rows, bias=bias, scaler=scaler)
    step = FusedStep.build(net, loss, weighted, alpha)
    assert step is not None
    inputs = (X, t) + ((rng.uniform(0.2, 2.0, size=rows),) if weighted else ())
    if alpha:
        inputs = inputs + (np.asarray(alpha / rows),)
    expected, expected_grads = _engine(net, loss, inputs, weighted, alpha)
    numpy_path, scalar_path = _both_paths(step, net, inputs)
    for value, grads in (numpy_path, scalar_path):
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)
        for got, want in zip(grads, expected_grads):
            if want is None:
                assert got is None
            else:
                np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def _force(step, path, monkeypatch):
    """Make ``step`` take the NumPy path or the Python-float path for every batch."""
    if path == "numpy":
        step.scalar = None
    else:
        monkeypatch.setattr(scalar_module, "MAX_PRODUCTS", 10**9)


@pytest.mark.parametrize("path", ["numpy", "python"])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_fused_gradients_match_central_differences(loss_name, path, monkeypatch):
    rng = np.random.default_rng(3)
    hidden = [(4, "tanh"), (3, "leaky_relu")]
    net, loss, X, t = _case(rng, hidden, loss_name, rows=5)
    w = rng.uniform(0.5, 1.5, size=5)
    step = FusedStep.build(net, loss, True, 0.1)
    _force(step, path, monkeypatch)
    inputs = (X, t, w, np.asarray(0.02))
    _, grads = _fused(step, net, inputs)
    eps = 1e-6
    for p, g in zip(net.parameters(), grads):
        flat = p.data.reshape(-1)
        numeric = np.empty(flat.size)
        for j in range(flat.size):
            keep = flat[j]
            flat[j] = keep + eps
            up = step.step(*inputs)
            flat[j] = keep - eps
            down = step.step(*inputs)
            flat[j] = keep
            numeric[j] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g.reshape(-1), numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(
    "layers, loss",
    [
        ([dp.Dense(3, "relu"), dp.Dropout(0.5), dp.Dense(2, "softmax")], losses.CrossEntropy()),
        ([dp.Dense(3, "softmax"), dp.Dense(2, "softmax")], losses.CrossEntropy()),
        ([dp.Dense(3, "relu"), dp.Dense(2, "softmax")], losses.SquaredError()),
        ([dp.Dense(3, "relu"), dp.Dense(2, "tanh")], losses.CrossEntropy(from_logits=True)),
        ([dp.Dense(3, "relu"), dp.Dense(1, "identity")], losses.BinaryCrossEntropy()),
    ],
)
def test_what_the_fused_step_does_not_cover_takes_the_engines_path(layers, loss):
    net = dp.Sequential(layers, seed=0)
    net.build(4)
    assert FusedStep.build(net, loss, False, 0.0) is None


@pytest.mark.parametrize("path", ["numpy", "python"])
@pytest.mark.parametrize("frozen", ["layers.0.weight", "layers.0.bias", "layers.1.bias"])
def test_frozen_parameters_keep_no_gradient_and_the_rest_equal_the_engines(
    frozen, path, monkeypatch
):
    rng = np.random.default_rng(5)
    net, loss, X, t = _case(rng, [(4, "relu")], "ce", rows=6)
    dict(net.named_parameters())[frozen].requires_grad = False
    step = FusedStep.build(net, loss, False, 0.5)
    _force(step, path, monkeypatch)
    inputs = (X, t, np.asarray(0.5 / 6))
    value, _ = _fused(step, net, inputs)
    fused = {name: p.grad for name, p in net.named_parameters()}
    expected, _ = _engine(net, loss, inputs, False, 0.5)
    assert value == pytest.approx(expected, rel=1e-12)
    for name, p in net.named_parameters():
        if name == frozen:
            assert fused[name] is None and p.grad is None
        else:
            np.testing.assert_allclose(fused[name], p.grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_fit_with_the_fused_step_equals_fit_through_the_engine(monkeypatch, optimizer):
    """Several shuffled epochs, an uneven last batch, weights and L2: the same weights."""
    X, y = dp.datasets.load_iris()
    weights = np.linspace(0.5, 1.5, len(y))

    def train():
        net = dp.Sequential([dp.Dense(8, "tanh"), dp.Dense(3, "softmax")], seed=0, dtype="float64")
        params = net.parameters()
        opt = dp.Adam(params, lr=0.01) if optimizer == "adam" else dp.SGD(params, lr=0.1)
        h = net.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=4, batch_size=32,
                    seed=1, sample_weight=weights, alpha=1e-3)  # fmt: skip
        return net.state_dict(), h["loss"], h.step_paths

    fused_weights, fused_losses, paths = train()
    assert paths == {"fused": 4 * 5}  # every batch took the fused step
    monkeypatch.setattr(FusedStep, "build", classmethod(lambda *a, **k: None))
    engine_weights, engine_losses, paths = train()
    assert paths == {"replay": 4 * 5}
    np.testing.assert_allclose(fused_losses, engine_losses, rtol=1e-12)
    for name in engine_weights:
        np.testing.assert_allclose(fused_weights[name], engine_weights[name], rtol=1e-10)
