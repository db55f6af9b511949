"""An activation defined here alone (softplus) trains identically along every step path,
gradient-checks, and explain lays it out with its derivative: adding an activation is one
op class with its forms plus a three-line registration (docs/architecture.md's recipe)."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop import kernels
from deltaprop.engine import REGISTRY, Tensor, apply, gradcheck
from deltaprop.engine.ops.activations import ActivationOp
from deltaprop.nn.activations import ACTIVATIONS, Activation, register_activation


def _softplus_times_derivative(d, h, zero, one):  # pragma: no cover - compiled by numba
    # d = d * (1 - e^-h), written in the output h = log(1 + e^net)
    rows, units = d.shape
    for r in range(rows):
        for j in range(units):
            d[r, j] = d[r, j] * (one - np.exp(-h[r, j]))


class SoftplusOp(ActivationOp):
    """out = log(1 + e^net);  d out/d net = logistic(net) = 1 - e^-out."""

    name = "softplus"
    formula = "log(1 + e^net)"
    derivative_formula = "1 - e^-{out}"
    compiled_forms = {"times_derivative": _softplus_times_derivative}

    def forward(self, x):
        return np.logaddexp(0, x)

    def vjp(self, g, out, x):
        return (g * (1.0 - np.exp(-out)),)

    def activate_inplace(self, z, tmp, mask):
        np.logaddexp(0, z, out=z)

    def times_derivative(self, d, h, tmp, mask):
        np.negative(h, out=tmp)
        np.exp(tmp, out=tmp)
        np.subtract(1, tmp, out=tmp)
        d *= tmp

    def scalar_activate(self, h):
        return [f"{h} = log1p(exp(-abs({h}))) + ({h} if {h} > 0 else 0.0)"]

    def scalar_derivative(self, h):
        return f" * (1.0 - exp(-{h}))"


class Softplus(Activation):
    name, op = "softplus", SoftplusOp


@pytest.fixture(autouse=True)
def softplus_registered():
    """Registered for this module's tests only."""
    REGISTRY["softplus"] = SoftplusOp
    register_activation(Softplus)
    yield
    ACTIVATIONS.unregister("softplus")
    del REGISTRY["softplus"]


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.stack([np.sin(X[:, 0]) + X[:, 1] * X[:, 2], np.cos(X[:, 1])], axis=1)
    return X, y


def _train(path, monkeypatch):
    """Weights and epoch losses of a softplus network trained along ``path``."""
    from deltaprop.training import fused as fused_module
    from deltaprop.training import scalar as scalar_module

    with monkeypatch.context() as m:
        kernels.use("numba" if path == "compiled" else "numpy")
        if path in ("tape", "replay"):
            m.setattr(fused_module.FusedStep, "build", classmethod(lambda *a, **k: None))
        if path in ("fused", "compiled"):
            m.setattr(scalar_module.ScalarStep, "fits", lambda self, rows: False)
        if path == "scalar":
            m.setattr(scalar_module, "MAX_PRODUCTS", 10**9)
        net = dp.Sequential(
            [dp.Dense(5, "softplus"), dp.Dense(4, "softplus"), dp.Dense(2, "softplus")],
            seed=1,
            dtype="float64",
        )
        if path == "tape":
            m.setattr(type(net), "replayable", False, raising=False)
        X, y = _data()
        history = net.fit(
            X, y, loss="squared_error", optimizer=dp.Adam(net.parameters(), lr=0.01),
            epochs=5, batch_size=4, seed=2, sample_weight=np.linspace(0.5, 1.5, 40), alpha=1e-3,
        )  # fmt: skip
        kernels.use("auto")
        return np.concatenate([p.data.ravel() for p in net.parameters()]), history


@pytest.fixture
def restore_kernels():
    before = kernels.loading._mode
    yield
    kernels.loading._mode = before


PATHS = ["replay", "fused", "scalar"] + (["compiled"] if kernels.available() else [])


@pytest.mark.parametrize("path", PATHS)
def test_softplus_trains_identically_along_every_path(path, monkeypatch, restore_kernels):
    tape, tape_history = _train("tape", monkeypatch)
    other, history = _train(path, monkeypatch)
    assert history.step_paths == {path: 50}  # the path asked for ran every step
    assert tape_history.step_paths == {"tape": 50}
    np.testing.assert_allclose(other, tape, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history["loss"], tape_history["loss"], rtol=1e-10)
    assert not np.allclose(tape, _untrained())  # it did train


def _untrained():
    net = dp.Sequential(
        [dp.Dense(5, "softplus"), dp.Dense(4, "softplus"), dp.Dense(2, "softplus")],
        seed=1,
        dtype="float64",
    )
    net.build(3)
    return np.concatenate([p.data.ravel() for p in net.parameters()])


def test_softplus_gradient_checks():
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(scale=3.0, size=(4, 3)), requires_grad=True)
    assert gradcheck(lambda t: apply(SoftplusOp(), t), x)
    net = dp.Sequential([dp.Dense(3, "softplus"), dp.Dense(2, "softplus")], seed=0)
    net.build(3)
    assert dp.Sequential is not None and net.layers[0].activation.op is SoftplusOp


def test_softplus_appears_in_explain_with_its_derivative():
    spec = {
        "inputs": [[0.5, -1.0]],
        "targets": [[0.2]],
        "layers": [
            {
                "units": 2,
                "activation": "softplus",
                "weights": [[0.1, 0.2], [0.3, -0.4]],
                "biases": [0.1, -0.1],
            },
            {"units": 1, "activation": "logistic", "weights": [[0.5, -0.5]], "biases": [0.2]},
        ],
        "lr": 0.5,
    }
    e = dp.explain(spec)
    hidden = e["network"]["layers"][1]
    assert hidden["activation"] == "softplus"
    assert hidden["formula"] == "log(1 + e^net)"
    assert hidden["derivative"] == "1 - e^-{out}"
    hidden_rows = [n for n in e["steps"][0]["backward"]["neurons"] if n["layer"] == 1]
    assert len(hidden_rows) == 2
    for neuron in hidden_rows:
        row = neuron["examples"][0]
        assert row["out"] == pytest.approx(np.logaddexp(0, row["net"]), rel=1e-12)
        assert row["dout_dnet"] == pytest.approx(1 - np.exp(-row["out"]), rel=1e-12)
        # the derivative written out with the numbers put in
        line = f"dout_{neuron['neuron']}/dnet_{neuron['neuron']} = 1 - e^-out_{neuron['neuron']}"
        assert line in str(e)


def test_softplus_is_a_choice_of_the_spec_parser_and_the_command_line():
    from deltaprop.explanation.spec import activation_names
    from deltaprop.nn import activations

    assert "softplus" in activation_names()
    assert "softplus" in activations.names()
    assert "softmax" not in activation_names()
