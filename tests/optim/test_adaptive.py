"""RMSprop, Adam, AdamW and gradient clipping: steps by hand, torch.optim agreement, errors."""

import math

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import ParameterError
from deltaprop.optim import Adam, AdamW, RMSprop


def step(opt, p, g):
    p.grad = np.array(g, dtype=p.data.dtype)
    opt.step()
    return p.data.copy()


def test_adam_two_steps_by_hand():
    p = dp.Parameter(np.array([1.0]))
    opt = Adam([p], lr=0.1)
    # t=1: m = 0.05, v = 0.00025; m_hat = 0.5, v_hat = 0.25; w = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
    w1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
    assert step(opt, p, [0.5])[0] == pytest.approx(w1, abs=1e-15)
    # t=2: m = 0.9*0.05 + 0.1*0.25 = 0.07; v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225
    m_hat = 0.07 / (1 - 0.9**2)
    v_hat = 0.00031225 / (1 - 0.999**2)
    assert step(opt, p, [0.25])[0] == pytest.approx(w1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8))


def test_adam_coupled_weight_decay_by_hand():
    p = dp.Parameter(np.array([2.0]))
    opt = Adam([p], lr=0.1, weight_decay=0.5)
    # g = 1 + 0.5*2 = 2: the first step is lr * g / (|g| + eps) whatever g
    assert step(opt, p, [1.0])[0] == pytest.approx(2 - 0.1 * 2 / (2 + 1e-8))


def test_adamw_decays_before_the_adam_step():
    p = dp.Parameter(np.array([2.0]))
    opt = AdamW([p], lr=0.1, weight_decay=0.5)
    w1 = 2 * (1 - 0.1 * 0.5) - 0.1 * 1.0 / (1.0 + 1e-8)
    assert step(opt, p, [1.0])[0] == pytest.approx(w1)
    # second step: m = 0.09 + 0.1 = 0.19, v = 0.000999 + 0.001 = 0.001999
    m_hat, v_hat = 0.19 / (1 - 0.81), 0.001999 / (1 - 0.999**2)
    w2 = w1 * (1 - 0.05) - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert step(opt, p, [1.0])[0] == pytest.approx(w2)


def test_rmsprop_by_hand():
    p = dp.Parameter(np.array([1.0]))
    opt = RMSprop([p], lr=0.01, rho=0.9)
    v1 = 0.1 * 4.0
    w1 = 1 - 0.01 * 2.0 / (math.sqrt(v1) + 1e-8)
    assert step(opt, p, [2.0])[0] == pytest.approx(w1)
    v2 = 0.9 * v1 + 0.1 * 1.0
    assert step(opt, p, [1.0])[0] == pytest.approx(w1 - 0.01 * 1.0 / (math.sqrt(v2) + 1e-8))


def test_rmsprop_momentum_and_centered_by_hand():
    p = dp.Parameter(np.array([0.0]))
    opt = RMSprop([p], lr=0.1, rho=0.5, momentum=0.5, centered=True)
    # v = 0.5 * 4 = 2, a = 0.5 * 2 = 1, denom = sqrt(2 - 1) + eps; b = 2 / denom
    b1 = 2.0 / (1.0 + 1e-8)
    assert step(opt, p, [2.0])[0] == pytest.approx(-0.1 * b1)
    # v = 1 + 0.5 * 0 = 1, a = 0.5, denom = sqrt(1 - 0.25); b = 0.5 b1 + 0 / denom
    assert step(opt, p, [0.0])[0] == pytest.approx(-0.1 * b1 - 0.1 * 0.5 * b1)


def test_clip_by_global_norm_scales_all_gradients_together():
    p, q = dp.Parameter(np.array([0.0, 0.0])), dp.Parameter(np.array([0.0]))
    opt = dp.SGD([p, q], lr=1.0, clip_norm=1.0)
    p.grad, q.grad = np.array([3.0, 0.0]), np.array([4.0])  # global norm 5
    opt.step()
    np.testing.assert_allclose(p.data, [-0.6, 0.0])
    np.testing.assert_allclose(q.data, [-0.8])
    p.grad, q.grad = np.array([0.3, 0.0]), np.array([0.4])  # norm 0.5: untouched
    opt.step()
    np.testing.assert_allclose(p.data, [-0.9, 0.0])


def test_clip_on_the_flat_buffer_equals_clip_per_parameter(rng):
    def run(packed):
        net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(2)], seed=3, dtype="float64")
        net.build(3)
        if not packed:
            for p in net.parameters():
                p._data, p.flat, p.grad_buffer = p.data.copy(), None, None
        opt = Adam(net.parameters(), lr=0.05, clip_norm=0.1)
        data = np.random.default_rng(0)
        for _ in range(4):
            opt.zero_grad()
            x, t = data.normal(size=(5, 3)), data.normal(size=(5, 2)) * 10
            dp.losses.squared_error(net(x), t).backward()
            opt.step()
        return [p.data.copy() for p in net.parameters()]

    for a, b in zip(run(True), run(False)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [RMSprop, Adam, AdamW])
def test_float32_stays_float32(make):
    net = dp.Sequential([dp.Dense(3, "relu"), dp.Dense(2)], seed=0)
    net.build(4)
    opt = make(net.parameters(), lr=0.01)
    dp.losses.squared_error(net(np.ones((2, 4), np.float32)), np.zeros((2, 2))).backward()
    opt.step()
    assert all(p.data.dtype == np.float32 for p in net.parameters())
    assert all(a.dtype == np.float32 for s in opt.state for a in s.values())


@pytest.mark.parametrize("make", [RMSprop, Adam, AdamW])
def test_state_round_trip_continues_identically(make, rng):
    grads = [rng.normal(size=3) for _ in range(6)]

    def run(split):
        p = dp.Parameter(np.linspace(-1, 1, 3))
        opt = make([p], lr=0.05)
        for i, g in enumerate(grads):
            if i == split:
                saved = opt.state_dict()
                opt = make([p], lr=0.05)
                opt.load_state_dict(saved)
            step(opt, p, g)
        return p.data

    np.testing.assert_array_equal(run(3), run(-1))


TORCH_CASES = [
    ("RMSprop", {"lr": 0.01, "rho": 0.9}, {"lr": 0.01, "alpha": 0.9}),
    (
        "RMSprop",
        {"lr": 0.01, "momentum": 0.8, "centered": True, "weight_decay": 0.1},
        {"lr": 0.01, "momentum": 0.8, "centered": True, "weight_decay": 0.1},
    ),
    ("Adam", {"lr": 0.01}, {"lr": 0.01}),
    (
        "Adam",
        {"lr": 0.02, "beta_1": 0.8, "beta_2": 0.99, "eps": 1e-6, "weight_decay": 0.1},
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
    ),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3}, {"lr": 0.01, "weight_decay": 0.3}),
]


@pytest.mark.parametrize("name, ours_kwargs, torch_kwargs", TORCH_CASES)
def test_matches_torch_on_a_tiny_network(name, ours_kwargs, torch_kwargs):
    """Twenty steps of a 3-4-2 tanh network on the same data agree with torch.optim."""
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(1)
    X, T = data.normal(size=(8, 3)), data.normal(size=(8, 2))
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(2)], seed=0, dtype="float64")
    net.build(3)
    W1, b1, W2, b2 = (torch.tensor(p.data.copy(), requires_grad=True) for p in net.parameters())
    ours = getattr(dp.optim, name)(net.parameters(), **ours_kwargs)
    theirs = getattr(torch.optim, name)([W1, b1, W2, b2], **torch_kwargs)
    Xt, Tt = torch.tensor(X), torch.tensor(T)
    for _ in range(20):
        ours.zero_grad()
        dp.losses.squared_error(net(X), T).backward()
        ours.step()
        theirs.zero_grad()
        out = torch.tanh(Xt @ W1 + b1) @ W2 + b2
        ((out - Tt) ** 2).mean().backward()
        theirs.step()
    for p, t in zip(net.parameters(), (W1, b1, W2, b2)):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-10, atol=1e-12)


BAD = [
    (Adam, {"lr": 0}, "lr must be > 0.0; got 0"),
    (Adam, {"beta_1": 1.0}, "beta_1 must be < 1.0; got 1.0"),
    (Adam, {"beta_2": -0.1}, "beta_2 must be >= 0.0; got -0.1"),
    (Adam, {"eps": 0.0}, "eps must be > 0.0; got 0.0"),
    (AdamW, {"weight_decay": -1}, "weight_decay must be >= 0.0; got -1"),
    (RMSprop, {"rho": 1}, "rho must be < 1.0; got 1"),
    (RMSprop, {"momentum": -0.5}, "momentum must be >= 0.0; got -0.5"),
    (dp.SGD, {"lr": 0.1, "clip_norm": 0}, "clip_norm must be > 0.0; got 0"),
    (Adam, {"clip_norm": "big"}, "clip_norm must be a number; got 'big'"),
]


@pytest.mark.parametrize("make, kwargs, message", BAD)
def test_bad_arguments(make, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        make([dp.Parameter(np.zeros(1))], **kwargs)


def test_repr_lists_hyper_parameters():
    opt = Adam([dp.Parameter(np.zeros(1))], lr=0.01)
    assert repr(opt).startswith("Adam(lr=0.01, clip_norm=None, beta_1=0.9")
