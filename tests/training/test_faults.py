"""Faults during training: divergence (raise or roll back) and SIGINT/SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import ParameterError, TrainingDiverged
from deltaprop.training import Callback


def _regression(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([[1.0], [-2.0], [0.5]])


def _net(dtype="float32"):
    """Linear regression: too large a learning rate makes it grow geometrically to inf."""
    return dp.Sequential([dp.Dense(1)], seed=0, dtype=dtype)


def test_divergence_raises_naming_epoch_and_batch_and_keeps_good_weights():
    X, y = _regression()
    X = X * 1e3  # with lr 10 the first updates explode
    net = _net()
    net.build(3)
    before = [p.data.copy() for p in net.parameters()]
    with pytest.raises(TrainingDiverged) as info:
        net.fit(X, y, optimizer=dp.SGD(net.parameters(), lr=10.0), epochs=3, batch_size=8, seed=0)
    err = info.value
    assert err.epoch == 1 and err.batch >= 1
    assert "epoch 1" in str(err) and f"batch {err.batch}" in str(err)
    # the weights of the start of the diverging epoch, finite
    for p, b in zip(net.parameters(), before):
        np.testing.assert_array_equal(p.data, b)


def test_rollback_halves_the_learning_rate_and_trains_on():
    X, y = _regression(n=1024)  # 128 updates per epoch: a too large lr explodes in epoch 1
    net = _net()
    net.build(3)
    opt = dp.SGD(net.parameters(), lr=4.0)  # too large: diverges, 4 -> 2 -> 1 -> 0.5 ...
    history = net.fit(
        X,
        y,
        optimizer=opt,
        epochs=5,
        batch_size=8,
        seed=0,
        on_divergence="rollback",
        max_rollbacks=6,
    )
    assert history.rollbacks >= 1
    assert opt.lr == 4.0 / 2**history.rollbacks
    assert len(history) == 5 and all(np.isfinite(history.loss))
    assert all(np.isfinite(p.data).all() for p in net.parameters())


def test_continue_trains_on_with_non_finite_values():
    # scikit-learn's behaviour, for its estimators: every epoch runs, the caller checks
    X, y = _regression()
    net = _net()
    net.build(3)
    history = net.fit(
        X * 1e3,
        y,
        optimizer=dp.SGD(net.parameters(), lr=10.0),
        epochs=3,
        batch_size=8,
        seed=0,
        on_divergence="continue",
    )
    assert len(history) == 3 and not np.isfinite(history.loss[-1])
    assert not all(np.isfinite(p.data).all() for p in net.parameters())


def test_rollback_is_bounded():
    X, y = _regression()
    net = _net()
    net.build(3)
    opt = dp.SGD(net.parameters(), lr=1e6)
    with pytest.raises(TrainingDiverged, match="after 2 rollback"):
        net.fit(
            X * 1e3,
            y,
            optimizer=opt,
            epochs=2,
            batch_size=8,
            on_divergence="rollback",
            max_rollbacks=2,
        )
    assert opt.lr == 1e6 / 4


@pytest.mark.parametrize(
    "kwargs, match",
    [({"on_divergence": "ignore"}, "on_divergence"), ({"max_rollbacks": -1}, "max_rollbacks")],
)
def test_divergence_options_are_checked(kwargs, match):
    X, y = _regression()
    with pytest.raises(ParameterError, match=match):
        _net().fit(X, y, **kwargs)


class _SendSignal(Callback):
    """Sends a signal to this process at a given batch of the first epoch."""

    def __init__(self, signum, at_batch=2):
        self.signum, self.at_batch, self.ended = signum, at_batch, False

    def on_batch_end(self, run, batch, loss):
        if run.epoch == 1 and batch == self.at_batch:
            signal.raise_signal(self.signum)

    def on_train_end(self, run):
        self.ended = True


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_after_the_current_batch(signum):
    X, y = _regression()
    net = _net()
    sender = _SendSignal(signum)
    # whatever was installed before (Python's default, or SIG_IGN in a background job)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    history = net.fit(
        X, y, epochs=50, batch_size=8, seed=0, callbacks=[sender], record_batches=True
    )
    name = signal.Signals(signum).name
    assert history.interrupted == name and name in history.stop_reason
    assert len(history.batch_loss) == 2  # the batch in progress finished, no other began
    assert sender.ended  # on_train_end ran: checkpoints and best weights are handled there
    # the handlers are restored afterwards
    assert {s: signal.getsignal(s) for s in before} == before


def test_a_second_sigint_interrupts_at_once():
    X, y = _regression()

    class Twice(_SendSignal):
        def on_batch_end(self, run, batch, loss):
            if batch == 1:
                signal.raise_signal(signal.SIGINT)
                signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        _net().fit(X, y, epochs=3, batch_size=8, callbacks=[Twice(signal.SIGINT)])


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigterm_from_outside_stops_a_running_fit():
    script = textwrap.dedent(
        """
        import sys, numpy as np, deltaprop as dp
        X = np.random.default_rng(0).normal(size=(2000, 20))
        y = X.sum(axis=1, keepdims=True)
        net = dp.Sequential([dp.Dense(64, "tanh"), dp.Dense(1)], seed=0)
        class Ready(dp.training.Callback):
            def on_batch_end(self, run, batch, loss):
                if batch == 1 and run.epoch == 1:
                    print("ready", flush=True)
        h = net.fit(X, y, epochs=100000, batch_size=32, callbacks=[Ready()])
        print("stopped", h.interrupted, len(h), flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert out.startswith("stopped SIGTERM")
