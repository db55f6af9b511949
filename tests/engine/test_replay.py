"""A replayed training step computes exactly what the normal path computes."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.engine import trace
from deltaprop.engine.replay import Replay
from deltaprop.training.fused import FusedStep


def _train(replay: bool, loss, out_activation, y, rng_seed=0):
    X = np.random.default_rng(1).normal(size=(50, 4))
    net = dp.Sequential(
        [
            dp.Dense(6, "tanh"),
            dp.Dense(5, "relu"),
            dp.Dense(y.shape[1] if y.ndim > 1 else 3, out_activation),
        ],
        seed=rng_seed,
    )
    opt = dp.SGD(net.parameters(), lr=0.1, momentum=0.9)
    kwargs = dict(loss=loss, optimizer=opt, epochs=3, batch_size=8, seed=2)
    if replay:
        history = net.fit(X, y, **kwargs)
    else:
        with trace(lambda event: None):  # an active tracer forces the normal path
            history = net.fit(X, y, **kwargs)
    return net.state_dict(), history.loss


@pytest.mark.parametrize(
    "loss, activation, y",
    [
        ("cross_entropy", "softmax", np.random.default_rng(3).integers(0, 3, 50)),
        ("squared_error", "identity", np.random.default_rng(3).normal(size=(50, 2))),
        (
            "binary_cross_entropy",
            "logistic",
            np.random.default_rng(3).integers(0, 2, (50, 2)).astype(float),
        ),
    ],
)
@pytest.mark.parametrize("fast_path", ["fused", "replay"])
def test_replayed_training_is_bit_identical(loss, activation, y, fast_path, monkeypatch):
    """fit's fast paths (the fused Dense step, else the replayed tape) give exactly the bits
    of the traced, op-by-op path."""
    if fast_path == "replay":
        monkeypatch.setattr(FusedStep, "build", classmethod(lambda *a, **k: None))
    replayed, loss_a = _train(True, loss, activation, y)
    normal, loss_b = _train(False, loss, activation, y)
    assert loss_a == loss_b
    for name in replayed:
        np.testing.assert_array_equal(replayed[name], normal[name])


def test_replay_notices_freezing(rng):
    net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(1)], seed=0, dtype="float64")
    net.build(2)
    replay, _ = Replay.record(
        lambda x, t: dp.losses.squared_error(net(x), t), rng.normal(size=(4, 2)), np.zeros((4, 1))
    )
    assert replay.is_valid()
    net.layers[0].freeze()
    assert not replay.is_valid()


def test_unneeded_ops_are_not_replayed(rng):
    net = dp.Sequential([dp.Dense(3, "softmax")], seed=0, dtype="float64")
    net.build(2)
    replay, _ = Replay.record(
        lambda x, t: dp.losses.cross_entropy(net(x), t), rng.normal(size=(4, 2)), np.zeros(4, int)
    )
    # the softmax output is not needed: the fused loss works on the linear output
    assert [op.name for op, _, _ in replay.program] == ["linear", "softmax_cross_entropy"]


def test_dropout_like_layers_opt_out():
    class Noisy(dp.Module):
        def forward(self, x):
            return x

    assert dp.nn.Stack([dp.Dense(2), Noisy()]).replayable is False
    assert dp.nn.Stack([dp.Dense(2), dp.Dense(1)]).replayable is True
