"""A checkpoint's state is validated with the constructor's rules before a run resumes from
it, nothing is changed by a refused resume, and a resume with other settings than the run
that wrote the checkpoint is refused naming the differences (issue 16, class 6)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import InputError, ParameterError
from deltaprop.io.checkpoint import read_checkpoint, write_checkpoint

X = np.random.default_rng(0).normal(size=(24, 3)).astype(np.float32)
Y = (X[:, :1] * 2 - X[:, 1:2]).astype(np.float32)


def _net():
    return dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(1)], seed=0)


def _fit(net, **kwargs):
    options = dict(epochs=2, batch_size=8, seed=0)
    options.update(kwargs)
    optimizer = options.pop("optimizer", None) or dp.Adam(net.parameters(), lr=0.01)
    return net.fit(X, Y, optimizer=optimizer, **options)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("state") / "run.ckpt"
    _fit(_net(), checkpoint=str(path))
    return read_checkpoint(path)


def _set(state, dotted: str, value):
    target = state
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


BAD = [
    ("epoch", math.inf, "epoch must be an integer >= 0; got inf"),
    ("epoch", 10**30, "epoch is out of range"),
    ("epoch", "2", "epoch must be an integer >= 0; got '2'"),
    ("samples_seen", -5, "samples_seen must be an integer >= 0; got -5"),
    ("base_lr", -0.01, "base_lr must be a finite number > 0; got -0.01"),
    ("lr_scale", math.inf, "lr_scale must be a finite number > 0; got inf"),
    ("optimizer.steps", -1, "optimizer.steps must be an integer >= 0; got -1"),
    ("optimizer.lr", -0.1, "optimizer.lr must be a finite number > 0; got -0.1"),
    ("optimizer.lr", "0.1", "optimizer.lr must be a finite number > 0; got '0.1'"),
    ("optimizer.lr", math.nan, "optimizer.lr must be a finite number > 0; got nan"),
    ("rng", {"bit_generator": "PCG64", "state": {"state": "x", "inc": 1}}, "rng is not a PCG64"),
    ("rng", {"bit_generator": "MT19937"}, "rng is not a PCG64"),
    ("callbacks", "none", "callbacks must be a list"),
    ("history.rollbacks", -1, "history.rollbacks must be an integer >= 0; got -1"),
    ("history.epochs", [1, "two"], r"history.epochs\[1\] must be an integer >= 1"),
    ("history.history", {"loss": ["x"]}, r"history.history\['loss'\]\[0\] must be a number"),
]


@pytest.mark.parametrize("field, value, message", BAD, ids=[f"{b[0]}={b[1]!r}"[:40] for b in BAD])
@pytest.mark.parametrize("route", ["dict", "file"])
def test_bad_state_values_are_refused_naming_the_field(saved, tmp_path, field, value, message,
                                                       route):
    state = copy.deepcopy(saved["state"])
    _set(state, field, value)
    resume = state
    if route == "file":
        resume = tmp_path / "bad.ckpt"
        write_checkpoint(resume, state, saved["model"])
    net = _net()
    _fit(net, epochs=1)
    before = net.state_dict()
    with pytest.raises(InputError, match=message):  # ModelFileError for some, from the file
        _fit(net, epochs=4, resume=resume)
    after = net.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)  # nothing was changed


def test_weights_and_optimizer_buffers_of_another_dtype_are_refused(saved):
    state = copy.deepcopy(saved["state"])
    state["weights"]["layers.0.weight"] = state["weights"]["layers.0.weight"].astype(np.float64)
    with pytest.raises(ParameterError, match="layers.0.weight is float64.* needs float32"):
        _fit(_net(), epochs=4, resume=state)
    state = copy.deepcopy(saved["state"])
    buffers = state["optimizer"]["state"][0]
    key = sorted(buffers)[0]
    buffers[key] = buffers[key].astype(np.float64)
    with pytest.raises(ParameterError, match=rf"optimizer.state\[0\] {key} is float64"):
        _fit(_net(), epochs=4, resume=state)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(batch_size=4), "batch_size was 8, now 4"),
        (dict(seed=1), "seed was 0, now 1"),
        (dict(validation_split=0.25), "validation_split was None, now 0.25"),
        (dict(X=X[::-1].copy()), r"the training data \(rows, values or order\) differ"),
        (dict(batch_size=4, seed=3), "batch_size was 8, now 4; seed was 0, now 3"),
    ],
    ids=["batch-size", "seed", "validation-split", "data", "two"],
)
def test_a_resume_with_other_settings_is_refused_naming_them(tmp_path, change, message):
    path = tmp_path / "run.ckpt"
    _fit(_net(), checkpoint=str(path))
    change = dict(change)
    data = change.pop("X", X)
    net = _net()
    options = dict(epochs=4, batch_size=8, seed=0, resume=str(path))
    options.update(change)
    with pytest.raises(ParameterError, match=message):
        net.fit(data, Y, optimizer=dp.Adam(net.parameters(), lr=0.01), **options)


def test_a_resume_with_the_same_settings_goes_on(tmp_path):
    path = tmp_path / "run.ckpt"
    _fit(_net(), checkpoint=str(path))
    history = _fit(_net(), epochs=4, resume=str(path))
    assert history.epochs == [1, 2, 3, 4]


def test_rollbacks_are_saved_and_restored_by_resume(saved, tmp_path):
    # lr=10 makes this network diverge once, in epoch 4 (rolled back, lr halved).
    path = tmp_path / "run.ckpt"
    net = _net()
    history = _fit(net, epochs=4, optimizer=dp.SGD(net.parameters(), lr=10.0),
                   on_divergence="rollback", checkpoint=str(path))
    assert history.rollbacks == 1
    assert read_checkpoint(path)["state"]["history"]["rollbacks"] == 1
    state = copy.deepcopy(saved["state"])
    state["history"]["rollbacks"] = 5
    resumed = _fit(_net(), epochs=3, resume=state, on_divergence="rollback")
    assert resumed.rollbacks == 5
