"""A loss defined here alone (log-cosh, with its engine op) trains identically along every
step path, gradient-checks, and every interface knows it by name: adding a loss is an op and
one Loss class with its forms (docs/architecture.md's recipe)."""

import math

import numpy as np
import pytest

import deltaprop as dp
from deltaprop import kernels
from deltaprop.engine import REGISTRY, Op, Tensor, apply, gradcheck
from deltaprop.losses import LOSSES, Loss, targets

LOG2 = math.log(2.0)


class LogCoshOp(Op):
    """E = sum_n w_n sum_k log cosh(o_nk - t_nk) (/ sum w x outputs for "mean");
    dE/do = tanh(o - t) w / divisor."""

    name = "log_cosh"

    def forward(self, out, target, weight=None):
        d = out - target
        a = np.abs(d)
        per = a + np.log1p(np.exp(-2.0 * a)) - LOG2  # log cosh d, without overflow
        w = None if weight is None else weight.reshape(-1, 1)
        total = np.sum(per if w is None else per * w)
        examples = len(out) if w is None else float(np.sum(w))
        self.divisor = examples * out.shape[1] if self.reduction == "mean" else 1.0
        return np.asarray(total / self.divisor, out.dtype)

    def vjp(self, g, result, out, target, weight=None):
        grad = np.tanh(out - target) * (g / self.divisor)
        if weight is not None:
            grad = grad * weight.reshape(-1, 1)
        return (grad, None) if weight is None else (grad, None, None)


class LogCosh(Loss):
    """E = sum log cosh(o - t): squared error near 0, absolute error far from it."""

    name = "log_cosh"
    kind = "regression"
    applies_output_activation = True

    def __call__(self, out, target, weight=None):
        op = LogCoshOp(reduction=self.reduction)
        args = (out, target) if weight is None else (out, target, weight)
        return apply(op, *args)

    def prepare_target(self, y, n_outputs, dtype):
        return targets.real_rows(y, n_outputs, dtype)

    def mean_divisor(self, examples, outputs):
        return examples * outputs if self.reduction == "mean" else None

    def fused_output(self, op):
        return op.fused() and op.elementwise

    def fused_loss_and_delta(self, step, z, t, wcol, weight_sum):
        k, outputs = z.shape
        last = len(step.layers) - 1
        step.activate(last, z)  # o = f(z)
        d = step.diff[:k]
        np.subtract(z, t, out=d)
        a = np.abs(d)
        per = a + np.log1p(np.exp(-2.0 * a)) - LOG2
        total = float(np.sum(per if wcol is None else per * wcol))
        examples = k if weight_sum is None else weight_sum
        np.tanh(d, out=d)
        if wcol is not None:
            d *= wcol
        d *= self.delta_scale(examples, outputs)
        step.times_derivative(last, d, z)
        return self.reduce_total(total, examples, outputs), d

    def scalar_lines(self, z, d, labels, weighted):
        lines = [", ".join(f"t{j}" for j in range(len(z))) + ", = targets[r]"]
        for j, (zj, dj) in enumerate(zip(z, d)):
            lines += [f"u = {zj} - t{j}", "a = abs(u)"]
            part = f"(a + log1p(exp(-2.0 * a)) - {LOG2!r})"
            lines.append(f"total += {part} * wr" if weighted else f"total += {part}")
            lines.append(f"{dj} = tanh(u)")
        return lines


@pytest.fixture(autouse=True)
def log_cosh_registered():
    """Registered for this module's tests only."""
    REGISTRY["log_cosh"] = LogCoshOp
    dp.losses.register_loss(LogCosh)
    yield
    LOSSES.unregister("log_cosh")
    del REGISTRY["log_cosh"]


@pytest.fixture
def restore_kernels():
    before = kernels.loading._mode
    yield
    kernels.loading._mode = before


def _train(path):
    kernels.use("numba" if path == "compiled" else "numpy")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = np.c_[3 * X[:, 0] - X[:, 1] ** 2, np.abs(X[:, 2])]
    net = dp.Sequential([dp.Dense(6, "tanh"), dp.Dense(2, "identity")], seed=1, dtype="float64")
    history = net.fit(
        X, y, loss="log_cosh", optimizer=dp.SGD(net.parameters(), lr=0.05, momentum=0.9),
        epochs=4, batch_size=3, seed=2, sample_weight=np.linspace(0.5, 2.0, 30), alpha=1e-2,
        step_path=path,
    )  # fmt: skip
    kernels.use("auto")
    return np.concatenate([p.data.ravel() for p in net.parameters()]), history


PATHS = ["replay", "fused", "scalar"] + (["compiled"] if kernels.available() else [])


@pytest.mark.parametrize("path", PATHS)
def test_log_cosh_trains_identically_along_every_path(path, restore_kernels):
    expected, tape = _train("tape")
    got, history = _train(path)
    assert tape.step_paths == {"tape": 40} and history.step_paths == {path: 40}
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history["loss"], tape["loss"], rtol=1e-10)
    assert tape["loss"][-1] < tape["loss"][0]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_log_cosh_gradient_checks(reduction, weighted):
    rng = np.random.default_rng(4)
    out = Tensor(rng.normal(scale=2.0, size=(5, 3)), requires_grad=True)
    t = rng.normal(size=(5, 3))
    w = rng.uniform(0.5, 2.0, size=5) if weighted else None
    assert gradcheck(lambda o: LogCosh(reduction)(o, Tensor(t), w), out)


def test_log_cosh_is_known_by_name_to_get_the_cli_and_model_files(tmp_path):
    assert isinstance(dp.losses.get("log_cosh"), LogCosh)
    assert dp.losses.task_of("log_cosh") == "regression"
    net = dp.Sequential([dp.Dense(2, "identity")], seed=0)
    X = np.random.default_rng(0).normal(size=(8, 2))
    net.fit(X, X, loss="log_cosh", epochs=2)
    net.save(tmp_path / "m.dpm")
    assert dp.load(tmp_path / "m.dpm").loss.name == "log_cosh"
