"""SGD: hand-computed steps, momentum variants, and agreement with torch.optim.SGD."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import ParameterError


def step(opt, p, g):
    p.grad = np.array(g, dtype=p.data.dtype)
    opt.step()
    return p.data.copy()


def test_plain_step_by_hand():
    p = dp.Parameter(np.array([1.0, -2.0]))
    opt = dp.SGD([p], lr=0.5)
    assert step(opt, p, [0.2, -0.4]).tolist() == [0.9, -1.8]


def test_momentum_and_weight_decay_by_hand():
    p = dp.Parameter(np.array([1.0]))
    opt = dp.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    # g = 0.5 + 0.01*1 = 0.51; v = 0.51; w = 1 - 0.051 = 0.949
    assert step(opt, p, [0.5])[0] == pytest.approx(0.949)
    # g = 0.5 + 0.00949 = 0.50949; v = 0.9*0.51 + 0.50949 = 0.96849; w = 0.949 - 0.096849
    assert step(opt, p, [0.5])[0] == pytest.approx(0.949 - 0.096849)


def test_nesterov_by_hand():
    p = dp.Parameter(np.array([1.0]))
    opt = dp.SGD([p], lr=0.1, momentum=0.5, nesterov=True)
    # v = 1; step = g + mu v = 1.5; w = 0.85
    assert step(opt, p, [1.0])[0] == pytest.approx(0.85)
    # v = 0.5 + 1 = 1.5; step = 1 + 0.75 = 1.75; w = 0.85 - 0.175
    assert step(opt, p, [1.0])[0] == pytest.approx(0.675)


def test_gradient_is_not_modified_and_none_is_skipped():
    p = dp.Parameter(np.array([1.0]))
    q = dp.Parameter(np.array([5.0]))
    opt = dp.SGD([p, q], lr=0.1, weight_decay=0.5)
    g = np.array([1.0])
    p.grad = g
    opt.step()
    assert g.tolist() == [1.0] and q.data.tolist() == [5.0]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lr": -0.1}, "lr must be > 0.0; got -0.1"),
        ({"lr": 0}, "lr must be > 0.0; got 0"),
        ({"lr": 0.1, "momentum": 1.0}, "momentum must be < 1.0; got 1.0"),
        ({"lr": 0.1, "nesterov": True}, "nesterov=True needs momentum > 0"),
        ({"lr": 0.1, "weight_decay": -1}, "weight_decay must be >= 0.0; got -1"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        dp.SGD([dp.Parameter(np.zeros(1))], **kwargs)


def test_empty_or_wrong_params():
    with pytest.raises(ParameterError, match="empty"):
        dp.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of parameters"):
        dp.SGD(dp.Parameter(np.zeros(1)), lr=0.1)


@pytest.mark.parametrize(
    "momentum, nesterov, weight_decay", [(0, False, 0), (0.9, False, 0.01), (0.8, True, 0)]
)
def test_matches_torch(momentum, nesterov, weight_decay, rng):
    torch = pytest.importorskip("torch")
    w0 = rng.normal(size=(3, 2))
    p = dp.Parameter(w0.copy())
    t = torch.tensor(w0.copy(), requires_grad=True)
    ours = dp.SGD([p], lr=0.05, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
    theirs = torch.optim.SGD(
        [t], lr=0.05, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay
    )
    for _ in range(10):
        g = rng.normal(size=(3, 2))
        p.grad = g.copy()
        t.grad = torch.tensor(g.copy())
        ours.step()
        theirs.step()
    np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-12)


def _twin_networks():
    def make():
        net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(2)], seed=3, dtype="float64")
        net.build(3)
        return net

    packed, loose = make(), make()
    # The second network's parameters get arrays of their own: the per-parameter path.
    for p in loose.parameters():
        values = p.data.copy()
        p._data, p.flat, p.grad_buffer = values, None, None
    return packed, loose


def test_flat_and_per_parameter_paths_agree(rng):
    packed, loose = _twin_networks()
    assert dp.nn.flat.packed_buffers(packed.parameters()) is not None
    assert dp.nn.flat.packed_buffers(loose.parameters()) is None
    opts = [
        dp.SGD(n.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01) for n in (packed, loose)
    ]
    for step in range(6):
        x, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
        if step == 3:  # a frozen layer forces the per-parameter path on the packed network
            packed.layers[0].freeze(), loose.layers[0].freeze()
        if step == 5:
            packed.layers[0].unfreeze(), loose.layers[0].unfreeze()
        for net, opt in zip((packed, loose), opts):
            opt.zero_grad()
            dp.losses.squared_error(net(x), t).backward()
            opt.step()
    for a, b in zip(packed.parameters(), loose.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_packed_gradients_land_in_one_buffer(rng):
    net = dp.Sequential([dp.Dense(4, "relu"), dp.Dense(2)], seed=0)
    net.build(3)
    values, grads = dp.nn.flat.packed_buffers(net.parameters())
    assert values.size == 3 * 4 + 4 + 4 * 2 + 2
    dp.losses.squared_error(net(rng.normal(size=(5, 3))), np.zeros((5, 2))).backward()
    for p in net.parameters():
        assert p.grad is p.grad_buffer and np.shares_memory(p.grad, grads)


def test_optimizer_state_round_trip(rng):
    net = dp.Sequential([dp.Dense(2)], seed=0, dtype="float64")
    net.build(2)
    opt = dp.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        dp.losses.squared_error(net(rng.normal(size=(3, 2))), np.ones((3, 2))).backward()
        opt.step()
    saved = opt.state_dict()
    other = dp.SGD(net.parameters(), lr=0.5, momentum=0.9)
    other.load_state_dict(saved)
    assert other.steps == 2 and other.lr == 0.1
    for a, b in zip(opt.state, other.state):
        np.testing.assert_array_equal(a["velocity"], b["velocity"])
