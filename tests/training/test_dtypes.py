"""float32 training stays float32: every array the engine computes, every gradient and every
optimizer state (seen through the tracer), and the predictions; float64 when asked."""

from __future__ import annotations

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.engine import trace
from deltaprop.engine.tracer import ForwardEvent, VjpEvent


def _arrays(event):
    if isinstance(event, ForwardEvent):
        yield from (t.data for t in event.inputs)
        yield event.output.data
    else:
        assert isinstance(event, VjpEvent)
        yield event.g
        yield from (g for g in event.grads_in if g is not None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "output, loss, optimizer",
    [
        ("softmax", "cross_entropy", "sgd"),
        ("logistic", "binary_cross_entropy", "adam"),
        (None, "squared_error", "rmsprop"),
    ],
)
def test_training_never_changes_float_width(dtype, output, loss, optimizer):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 5))  # float64 features: converted batch by batch, not upcast
    y = rng.integers(0, 3, size=40)
    width = 3 if output == "softmax" else 1
    target = {"softmax": y, "logistic": (y == 1)[:, None], None: y[:, None] * 0.5}[output]
    net = dp.Sequential(
        [dp.Dense(8, "relu"), dp.Dense(6, "tanh"), dp.Dense(width, output)], seed=0, dtype=dtype
    )
    net.build(5)
    opt = {
        "sgd": dp.SGD(net.parameters(), lr=0.1, momentum=0.9),
        "adam": dp.optim.Adam(net.parameters()),
        "rmsprop": dp.optim.RMSprop(net.parameters()),
    }[optimizer]
    seen = []
    with trace(lambda e: seen.extend((e.op.name, a.dtype) for a in _arrays(e))):
        net.fit(X, target, loss=loss, optimizer=opt, epochs=2, batch_size=16, seed=0)
    assert seen, "the tracer saw no events"
    wrong = sorted({(name, str(dt)) for name, dt in seen if dt.kind == "f" and dt != dtype})
    assert not wrong, f"arrays of another float width during {np.dtype(dtype)} training: {wrong}"
    for p in net.parameters():
        assert p.data.dtype == dtype and p.grad.dtype == dtype
    for state in opt.state:
        assert all(a.dtype == dtype for a in state.values())
    if output is None:
        assert net.predict(X).dtype == dtype
    else:
        assert net.predict_proba(X).dtype == dtype
