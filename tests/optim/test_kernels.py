"""Compiled update kernels give the NumPy rules' bits (deltaprop.kernels)."""

import sys
from collections import Counter

import numpy as np
import pytest

import deltaprop as dp
from deltaprop import kernels
from deltaprop.engine.ops.activations import ReLU
from deltaprop.errors import ParameterError
from deltaprop.training.fused import FusedStep

needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba is not installed")

RULES = [
    (dp.SGD, {"lr": 0.1}),
    (dp.SGD, {"lr": 0.1, "weight_decay": 0.01}),
    (dp.SGD, {"lr": 0.05, "momentum": 0.9}),
    (dp.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.001}),
    (dp.optim.Adam, {"lr": 0.01}),
    (dp.optim.Adam, {"lr": 0.01, "weight_decay": 0.1, "beta_2": 0.99}),
    (dp.optim.AdamW, {"lr": 0.01, "weight_decay": 0.1}),
    (dp.optim.RMSprop, {"lr": 0.01}),
    (dp.optim.RMSprop, {"lr": 0.01, "momentum": 0.8, "weight_decay": 0.01}),
    (dp.optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5}),
]


@pytest.fixture(autouse=True)
def restore_mode():
    before = kernels.loading._mode
    yield
    kernels.loading._mode = before


def run(mode, make, config, dtype, steps=6, shape=(37, 29)):
    """Weights after ``steps`` updates from the same random gradients, and whether every
    update ran a compiled kernel."""
    kernels.use(mode)
    rng = np.random.default_rng(0)
    w = dp.Parameter(rng.standard_normal(shape).astype(dtype))
    opt = make([w], **config)
    found, find = [], kernels.find
    kernels.find = lambda *a: found.append(find(*a)) or found[-1]
    try:
        for _ in range(steps):
            w.grad = rng.standard_normal(shape).astype(dtype)
            opt.step()
    finally:
        kernels.find = find
    compiled = len(found) == steps and all(k is not None for k in found)
    return w.data, [a.copy() for a in opt.state_arrays()], compiled


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("make", "config"), RULES)
def test_kernel_gives_the_numpy_rules_bits(make, config, dtype):
    w_numpy, state_numpy, _ = run("numpy", make, config, dtype)
    w_kernel, state_kernel, compiled = run("numba", make, config, dtype)
    assert compiled  # every step ran the kernel, not the NumPy rule
    assert w_kernel.dtype == dtype
    np.testing.assert_array_equal(w_kernel, w_numpy)
    for a, b in zip(state_kernel, state_numpy):
        np.testing.assert_array_equal(a, b)


@needs_numba
def test_a_network_trains_to_the_same_bits_through_its_flat_buffers(monkeypatch):
    calls = []
    find = kernels.find

    def counting_find(name, *arrays):
        kernel = find(name, *arrays)
        calls.append((name, arrays[0].size, kernel is not None))
        return kernel

    monkeypatch.setattr(kernels, "find", counting_find)
    X, y = dp.datasets.make_moons(200, noise=0.2, seed=0)
    Y = np.eye(2)[y]
    weights = []
    for mode in ("numpy", "numba"):
        kernels.use(mode)
        net = dp.Sequential([dp.Dense(16, "relu"), dp.Dense(2, "logistic")], seed=1)
        net.build(2)
        opt = dp.optim.Adam(net.parameters(), lr=0.01)
        net.fit(X, Y, loss="squared_error", optimizer=opt, epochs=3, batch_size=32, seed=2)
        weights.append(np.concatenate([p.data.ravel() for p in net.parameters()]))
    np.testing.assert_array_equal(weights[0], weights[1])
    size = weights[0].size
    assert ("adam", size, True) in calls  # one kernel call on the whole flat buffer


@needs_numba
def test_auto_uses_kernels_only_for_large_buffers():
    kernels.use("auto")
    kernels.available()  # numba loaded
    small = np.zeros(kernels.MIN_SIZE - 1, np.float32)
    large = np.zeros(kernels.MIN_SIZE, np.float32)
    assert kernels.find("sgd", small, small) is None
    assert kernels.find("sgd", large, large) is not None
    assert kernels.find("sgd", large, large[::-1].copy()[::-1]) is None  # not contiguous
    assert kernels.find("sgd", large.astype(np.float16), large.astype(np.float16)) is None


def test_numpy_mode_never_uses_kernels():
    kernels.use("numpy")
    large = np.zeros(kernels.MIN_SIZE, np.float32)
    assert kernels.find("sgd", large, large) is None


def test_a_bad_mode_is_refused_with_its_value(monkeypatch):
    with pytest.raises(ParameterError, match="'fast'"):
        kernels.use("fast")
    kernels.loading._mode = None
    monkeypatch.setenv("DELTAPROP_KERNELS", "gpu")
    with pytest.raises(ParameterError, match="DELTAPROP_KERNELS.*'gpu'"):
        kernels.mode()


def test_numba_mode_without_numba_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.setattr(kernels.loading, "_numba", None)
    with pytest.raises(ParameterError, match=r"deltaprop\[fast\]"):
        kernels.use("numba")
    assert not kernels.available()
    kernels.use("auto")  # auto falls back to NumPy
    large = np.zeros(kernels.MIN_SIZE, np.float32)
    assert kernels.find("sgd", large, large) is None


def _counted(function, name, calls):
    """``function``, counting its calls in ``calls[name]``."""

    def call(*args):
        calls[name] += 1
        return function(*args)

    return call


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("layers", "loss"),
    [
        (lambda: [dp.Dense(12, "relu"), dp.Dense(9, "relu"), dp.Dense(3, "tanh")], "se"),
        (lambda: [dp.Dense(8, "relu", bias=False), dp.Dense(3, "softmax")], "soft"),
        (lambda: [dp.Dense(8, "relu", bias="shared"), dp.Dense(2, "relu")], "se"),
    ],
)
def test_the_fused_steps_relu_passes_give_the_numpy_bits(layers, loss, dtype, monkeypatch):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((90, 5))
    if loss == "soft":  # class probabilities: the NumPy cross-entropy, with the relu kernels
        y = rng.dirichlet(np.ones(3), size=90)
    else:
        y = rng.standard_normal((90, 3 if layers()[-1].units == 3 else 2))
    lossfn = dp.losses.CrossEntropy() if loss == "soft" else dp.losses.SquaredError("mean")
    calls = Counter()
    real_build = FusedStep.build

    def counting_build(*args, **kwargs):  # count the fused step's calls of each kernel
        step = real_build(*args, **kwargs)
        if step is not None and step.compiled:
            step.forms = [
                {name: _counted(f, name, calls) for name, f in forms.items()}
                for forms in step.forms
            ]
        return step

    monkeypatch.setattr(FusedStep, "build", counting_build)
    weights = []
    for mode in ("numpy", "numba"):
        kernels.use(mode)
        net = dp.Sequential(layers(), seed=4, dtype=dtype)
        net.build(5)
        opt = dp.SGD(net.parameters(), lr=0.05, momentum=0.9)
        history = net.fit(X, y, loss=lossfn, optimizer=opt, epochs=4, batch_size=16, seed=5)
        weights.append(np.concatenate([p.data.ravel() for p in net.parameters()]))
        weights.append(np.array(history.history["loss"]))
    relu = ("bias_activate", "times_derivative", "times_derivative_and_sum")
    assert sum(calls[name] for name in relu) > 0  # the numba run took the relu kernels
    np.testing.assert_array_equal(weights[0], weights[2])
    np.testing.assert_array_equal(weights[1], weights[3])


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_the_cross_entropy_kernel_gives_the_engines_loss_and_gradients(
    dtype, weighted, reduction, scale
):
    from deltaprop.training.fused import FusedStep
    from deltaprop.training.steps import Objective as _Objective

    kernels.use("numba")
    rng = np.random.default_rng(7)
    net = dp.Sequential([dp.Dense(6, "relu"), dp.Dense(4, "softmax")], seed=2, dtype=dtype)
    net.build(5)
    X = (rng.standard_normal((40, 5)) * scale).astype(dtype)
    y = rng.integers(0, 4, 40)
    loss = dp.losses.CrossEntropy(reduction)
    inputs = (X, y) + ((rng.uniform(0.2, 2.0, 40),) if weighted else ())
    step = FusedStep.build(net, loss, weighted, 0.0)
    assert step.compiled
    value = step.step(*inputs)
    grads = [p.grad.copy() for p in net.parameters()]
    for p in net.parameters():
        p.grad = None
    error = _Objective(net, loss, weighted, 0.0, dtype)(*inputs)
    error.backward()
    tol = 2e-5 if dtype == np.float32 else 1e-11
    assert np.isfinite(value)
    assert value == pytest.approx(float(error.data), rel=tol)
    for got, p in zip(grads, net.parameters()):
        np.testing.assert_allclose(got, p.grad, rtol=tol, atol=tol * np.abs(p.grad).max())


@needs_numba
def test_without_a_writable_cache_the_kernels_compile_in_the_process(monkeypatch):
    import numba

    real = numba.njit

    def njit(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function: no locator available")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", njit)
    sgd = kernels.loading.jit(numba, kernels.optimizers.KERNELS["sgd"])
    w, g = np.ones(4), np.full(4, 2.0)
    sgd(w, g, 0.5, 0.0)
    np.testing.assert_array_equal(w, np.zeros(4))


@needs_numba
def test_the_cross_entropy_kernel_never_reads_outside_the_outputs():
    kernels.use("numba")
    z = np.zeros((2, 3), np.float32)
    kernel = kernels.compiled(dp.losses.CrossEntropy.compiled_forms["softmax_cross_entropy"])
    for bad in (3, -1):
        with pytest.raises(IndexError, match="class label"):
            kernel(z, np.array([0, bad], np.intp), None, np.float32(1))


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(128, 256), (300, 7), (1, 5)])
def test_relu_derivative_and_bias_sums_in_one_pass_give_the_numpy_bits(shape, dtype):
    kernels.use("numba")
    rng = np.random.default_rng(8)
    d, h = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    got, sums = d.copy(), np.empty(shape[1], dtype)
    relu = ReLU.compiled_forms["times_derivative_and_sum"]
    kernels.compiled(relu)(got, h, sums, dtype(0), dtype(1))
    expected = d * (h > 0)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(sums, expected.sum(axis=0))


def test_auto_uses_no_kernel_until_numba_is_loaded(monkeypatch):
    monkeypatch.setattr(kernels.loading, "_numba", None)
    kernels.use("auto")
    large = np.zeros(kernels.MIN_SIZE, np.float32)
    assert kernels.find("sgd", large, large) is None
    assert kernels.for_network(10**6, np.float32) is False


@pytest.mark.parametrize(
    ("mode", "parameters", "steps", "loads"),
    [
        ("auto", kernels.MIN_SIZE, kernels.WORK_MIN // kernels.MIN_SIZE + 1, True),
        ("auto", kernels.MIN_SIZE, kernels.WORK_MIN // kernels.MIN_SIZE - 1, False),
        ("auto", kernels.MIN_SIZE - 1, 10**9, False),  # a small network: never worth it
        ("numpy", 10**6, 10**9, False),
    ],
)
def test_fit_loads_numba_only_for_enough_planned_work(monkeypatch, mode, parameters, steps, loads):
    kernels.use(mode)
    monkeypatch.setattr(kernels.loading, "_numba", None)
    calls = []
    monkeypatch.setattr(kernels.loading, "available", lambda: calls.append(1) or False)
    kernels.prepare(parameters, steps)
    assert bool(calls) == loads


def test_fit_tells_the_kernels_its_planned_steps(monkeypatch):
    seen = []
    monkeypatch.setattr(kernels, "prepare", lambda params, steps: seen.append((params, steps)))
    X, y = dp.datasets.make_moons(100, noise=0.2, seed=0)
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(2, "softmax")], seed=0)
    net.fit(X, y, loss="cross_entropy", optimizer=None, epochs=3, batch_size=10)
    assert seen == [(2 * 4 + 4 + 4 * 2 + 2, 3 * 10)]


def test_a_broken_numba_leaves_auto_on_numpy_and_names_the_problem(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == "numba":
            raise SystemError("llvmlite could not be loaded")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", broken)
    monkeypatch.setattr(kernels.loading, "_numba", None)
    assert not kernels.available()
    with pytest.raises(ParameterError, match="SystemError: llvmlite could not be loaded"):
        kernels.use("numba")
