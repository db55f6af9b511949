"""The step chooser: one place deciding the step path, recorded in History.step_paths."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop import kernels
from deltaprop.engine import functional as F
from deltaprop.engine.ops.activations import ReLU
from deltaprop.errors import ParameterError


def _data(n=24, classes=3):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)), rng.integers(0, classes, n)


def _net(*layers, dtype="float64"):
    return dp.Sequential(list(layers), seed=0, dtype=dtype)


def test_auto_takes_the_fused_step_of_a_dense_stack_and_counts_it():
    X, y = _data()
    net = _net(dp.Dense(5, "tanh"), dp.Dense(3, "softmax"), dtype="float32")
    h = net.fit(X, y, loss="cross_entropy", epochs=2, batch_size=8)
    assert h.step_paths == {"fused": 6}


def test_a_tiny_float64_batch_takes_the_scalar_step():
    X, y = _data()
    net = _net(dp.Dense(2, "tanh"), dp.Dense(3, "softmax"))
    h = net.fit(X, y, loss="cross_entropy", epochs=1, batch_size=1)
    assert h.step_paths == {"scalar": 24}


def test_dropout_is_taped_and_refuses_a_forced_replay():
    X, y = _data()
    net = _net(dp.Dense(5, "relu"), dp.Dropout(0.5), dp.Dense(3, "softmax"))
    h = net.fit(X, y, loss="cross_entropy", epochs=1, batch_size=8, seed=0)
    assert h.step_paths == {"tape": 3}
    with pytest.raises(ParameterError, match="step_path='replay'.*dropout"):
        net.fit(X, y, loss="cross_entropy", step_path="replay")


def test_a_path_that_does_not_apply_is_refused_naming_it():
    X, y = _data()
    net = _net(dp.Dense(5, "relu"), dp.Dense(3, "softmax"), dtype="float32")
    with pytest.raises(ParameterError, match="'scalar' needs a float64 network"):
        net.fit(X, y, loss="cross_entropy", step_path="scalar")
    with pytest.raises(ParameterError, match="step_path must be one of"):
        net.fit(X, y, loss="cross_entropy", step_path="fast")
    with pytest.raises(ParameterError, match="step_path='fused' needs a stack of Dense"):
        net.fit(X, y, loss=lambda out, t: F.sum(out), step_path="fused")


def test_an_unknown_fit_option_is_refused_with_the_choices():
    X, y = _data()
    net = _net(dp.Dense(3, "softmax"))
    with pytest.raises(TypeError, match="unexpected option 'epoch'.*epochs"):
        net.fit(X, y, loss="cross_entropy", epoch=3)


@pytest.mark.parametrize("path", ["tape", "replay", "fused", "scalar"])
def test_every_forced_path_gives_the_same_training(path):
    X, y = _data()

    def train(step_path):
        net = _net(dp.Dense(5, "leaky_relu"), dp.Dense(3, "softmax"))
        h = net.fit(X, y, loss="cross_entropy", epochs=3, batch_size=5, seed=1,
                    alpha=1e-3, step_path=step_path)  # fmt: skip
        return np.concatenate([p.data.ravel() for p in net.parameters()]), h

    expected, _ = train("tape")
    got, h = train(path)
    assert h.step_paths == {path: 15}
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-13)


def test_a_loss_subclass_changing_the_graph_form_alone_is_not_fused():
    class Doubled(dp.losses.BinaryCrossEntropy):
        def __call__(self, out, target, weight=None):
            return F.mul(super().__call__(out, target, weight), dp.Tensor(np.asarray(2.0)))

    X, y = _data(classes=2)
    Y = np.c_[y, 1 - y].astype(float)
    net = _net(dp.Dense(4, "relu"), dp.Dense(2, "logistic"))
    h = net.fit(X, Y, loss=Doubled(), epochs=1, batch_size=8)
    assert h.step_paths == {"replay": 3}
    assert dp.losses.BinaryCrossEntropy().has_fused_forms()
    assert not Doubled().has_fused_forms()


def test_an_op_subclass_changing_forward_alone_is_not_fused():
    class Shifted(ReLU):
        def forward(self, x):
            return super().forward(x) + 1.0

    assert ReLU.fused() and not Shifted.fused()


@pytest.mark.skipif(not kernels.available(), reason="numba is not installed")
def test_compiled_is_counted_when_the_kernels_run(monkeypatch):
    from deltaprop.training import compiled

    # no compiled training loop in this process yet (another test may have built this one):
    # three steps do not repay building it, so the fused step runs with the compiled forms
    monkeypatch.setattr(compiled, "_loops", {})
    X, y = _data()
    before = kernels.loading._mode
    try:
        kernels.use("numba")
        net = _net(dp.Dense(5, "relu"), dp.Dense(3, "softmax"), dtype="float32")
        h = net.fit(X, y, loss="cross_entropy", epochs=1, batch_size=8)
    finally:
        kernels.loading._mode = before
    assert h.step_paths == {"compiled": 3}
