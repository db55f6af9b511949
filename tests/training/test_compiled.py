"""The compiled training loop gives the fused step's results, bit for bit.

``step_path="loop"`` (the loop) and ``step_path="compiled"`` (the fused step with the ops'
compiled forms, batch by batch) make the same operations in the same order: weights,
optimizer state and every logged number must be identical. Against the NumPy-only step the
softmax's exponential differs in the last bits, so that comparison is to rounding. Each
distinct network, loss and optimizer compiles a loop once (seconds), so the cases below
combine options.
"""

import sys

import numpy as np
import pytest

import deltaprop as dp
from deltaprop import kernels
from deltaprop.errors import TrainingDiverged
from deltaprop.io.checkpoint import ModelCheckpoint

numba = pytest.importorskip("numba")
compiled = pytest.importorskip("deltaprop.training.compiled")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::deltaprop.errors.ConvergenceWarning"),
]


@pytest.fixture(autouse=True)
def numba_mode():
    before = kernels.mode()
    kernels.use("numba")
    yield
    kernels.use(before)


def _data(rows=150, features=6, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features))
    y = np.argmax(X @ rng.normal(size=(features, classes)), axis=1)
    return X, y


CASES = {
    # two relu layers, a first Standardize, Adam with its L2 decay, example weights, the
    # L2 penalty, a validation split and a short last batch (150 - 30 = 120 rows, batch 36)
    "adam_weighted": dict(
        layers=lambda X: [dp.nn.Standardize().fit(X), dp.Dense(12, "relu"),
                          dp.Dense(7, "relu"), dp.Dense(4, "softmax")],
        optimizer=lambda p: dp.Adam(p, lr=0.01, weight_decay=1e-3),
        fit=dict(batch_size=36, alpha=1e-3, validation_split=0.2, sample_weight="random"),
    ),
    # momentum with Nesterov, no biases, a summed loss, in order (no shuffling), class weights
    "nesterov_unbiased": dict(
        layers=lambda X: [dp.Dense(9, "relu", bias=False), dp.Dense(4, "softmax", bias=False)],
        optimizer=lambda p: dp.SGD(p, lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4),
        fit=dict(batch_size=16, shuffle=False, class_weight="balanced",
                 loss=dp.losses.CrossEntropy("sum")),
    ),
    # float64, AdamW, logits out (identity output layer), plain validation data
    "adamw_float64": dict(
        layers=lambda X: [dp.Dense(10, "relu"), dp.Dense(4)],
        optimizer=lambda p: dp.optim.AdamW(p, lr=0.01, weight_decay=0.01),
        fit=dict(batch_size=32, loss=dp.losses.CrossEntropy("mean", from_logits=True),
                 validation="data"),
        dtype="float64",
    ),
    # plain SGD, one hidden layer, every batch's loss recorded
    "sgd": dict(
        layers=lambda X: [dp.Dense(8, "relu"), dp.Dense(4, "softmax")],
        optimizer=lambda p: dp.SGD(p, lr=0.1),
        fit=dict(batch_size=20, record_batches=True),
    ),
}  # fmt: skip


def _train(name, use_loop, epochs=3, **extra):
    case = CASES[name]
    X, y = _data()
    options = dict(case["fit"])
    if options.pop("sample_weight", None) == "random":
        options["sample_weight"] = np.random.default_rng(3).uniform(0.2, 2.0, size=len(y))
    if options.pop("validation", None) == "data":
        Xv, yv = _data(rows=40, seed=9)
        options["validation_data"] = (Xv, yv)
    options.setdefault("loss", "cross_entropy")
    options.update(extra)
    net = dp.Sequential(case["layers"](X), seed=4, dtype=case.get("dtype", "float32"))
    net.build(X.shape[1])
    opt = case["optimizer"](net.parameters())
    options.setdefault("step_path", "loop" if use_loop else "compiled")
    before = compiled.loops_run()
    history = net.fit(X, y, optimizer=opt, epochs=epochs, seed=2, **options)
    return net, opt, history, compiled.loops_run() - before


def _assert_same(a, b):
    (net_a, opt_a, h_a, _), (net_b, opt_b, h_b, _) = a, b
    for key, values in net_a.state_dict().items():
        assert np.array_equal(values, net_b.state_dict()[key]), key
    state_a, state_b = opt_a.state_dict(), opt_b.state_dict()
    assert state_a["steps"] == state_b["steps"]
    for sa, sb in zip(state_a["state"], state_b["state"]):
        for k in sa:
            assert np.array_equal(sa[k], sb[k]), k
    assert h_a.history == h_b.history
    assert h_a.batch_loss == h_b.batch_loss


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_loop_gives_the_fused_steps_bits(name):
    looped = _train(name, True)
    assert looped[3] == 3  # every epoch ran compiled
    stepped = _train(name, False)
    assert stepped[3] == 0
    _assert_same(looped, stepped)
    steps = sum(stepped[2].step_paths.values())
    assert looped[2].step_paths == {"loop": steps} and stepped[2].step_paths == {"compiled": steps}
    if name == "sgd":
        assert len(looped[2].batch_loss) == 3 * 8  # 150 rows, batch 20


def test_against_numpy_only_the_results_agree_to_rounding():
    looped = _train("adam_weighted", True)
    stepped = _train("adam_weighted", False, step_path="fused")
    for key, values in looped[0].state_dict().items():
        np.testing.assert_allclose(values, stepped[0].state_dict()[key], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(looped[2].loss, stepped[2].loss, rtol=1e-5)


def test_a_resumed_run_equals_the_uninterrupted_one(tmp_path):
    whole = _train("adam_weighted", True, epochs=4)
    path = tmp_path / "run.ckpt"
    _train("adam_weighted", True, epochs=2, callbacks=[ModelCheckpoint(path)])
    resumed = _train("adam_weighted", True, epochs=4, resume=path)
    assert resumed[3] == 2  # the two remaining epochs, compiled
    for key, values in whole[0].state_dict().items():
        assert np.array_equal(values, resumed[0].state_dict()[key]), key
    assert whole[2].history == resumed[2].history


@pytest.mark.parametrize("policy", ["raise", "rollback"])
def test_divergence_is_caught_at_the_same_batch(policy, monkeypatch):
    # a learning rate that overflows the weights within the first epochs
    monkeypatch.setitem(
        CASES, "sgd_huge", dict(CASES["sgd"], optimizer=lambda p: dp.SGD(p, lr=1e18))
    )
    looped, stepped = (_diverging(use, policy) for use in (True, False))
    if policy == "raise":
        assert isinstance(looped, TrainingDiverged) and isinstance(stepped, TrainingDiverged)
        assert (looped.epoch, looped.batch) == (stepped.epoch, stepped.batch)
        assert str(looped) == str(stepped)
    elif isinstance(looped, TrainingDiverged):  # rollbacks ran out on both paths alike
        assert str(looped) == str(stepped)
    else:
        _assert_same(looped, stepped)
        assert looped[2].rollbacks == stepped[2].rollbacks > 0


def _diverging(use_loop, policy):
    try:
        return _train("sgd_huge", use_loop, on_divergence=policy)
    except TrainingDiverged as exc:
        return exc


@pytest.mark.parametrize(
    "layers",
    [
        [dp.Dense(8, "relu"), dp.Dropout(0.3), dp.Dense(4, "softmax")],  # dropout: the tape
        [dp.Dense(8, "tanh"), dp.Dense(4, "softmax")],  # no compiled form: the fused step
    ],
    ids=["dropout", "tanh"],
)
def test_networks_the_loop_does_not_cover_train_batch_by_batch(layers):
    X, y = _data()
    net = dp.Sequential(layers, seed=0)
    before = compiled.loops_run()
    history = net.fit(X, y, loss="cross_entropy", epochs=2, batch_size=16, seed=0)
    assert compiled.loops_run() == before
    assert np.all(np.isfinite(history.loss))


def test_a_callback_that_watches_batches_keeps_the_batch_by_batch_path():
    X, y = _data()
    net = dp.Sequential([dp.Dense(8, "relu"), dp.Dense(4, "softmax")], seed=0)
    seen = []
    watcher = dp.training.LambdaCallback(on_batch_end=lambda run, b, loss: seen.append(b))
    before = compiled.loops_run()
    net.fit(X, y, loss="cross_entropy", epochs=1, batch_size=50, callbacks=[watcher])
    assert compiled.loops_run() == before and seen == [1, 2, 3]


def test_auto_mode_compiles_only_when_the_planned_work_repays_it(monkeypatch, tmp_path):
    from deltaprop.training.batching import Batches
    from deltaprop.training.fused import FusedStep

    X, y = _data()
    net = dp.Sequential([dp.Dense(8, "relu"), dp.Dense(4, "softmax")], seed=0)
    net.build(6)
    kernels.use("auto")  # a small network's fused step runs NumPy: the loop would differ
    step = FusedStep.build(net, dp.losses.CrossEntropy(), False, 0.0)
    opt = dp.SGD(net.parameters(), lr=0.1)
    batches = Batches((X, y), 10, True, np.random.default_rng(0))
    loop, why = compiled.CompiledLoop.build(step, step.loss, opt, batches, False, [], 10**9)
    assert loop is None and "NumPy forms" in why
    kernels.use("numba")
    step = FusedStep.build(net, dp.losses.CrossEntropy(), False, 0.0)
    monkeypatch.setattr(compiled, "_loops", {})  # nothing compiled in this process yet
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # and nothing in the cache

    def build(planned, forced=False):
        return compiled.CompiledLoop.build(
            step, step.loss, opt, batches, False, [], planned, forced
        )

    loop, why = build(100)
    assert loop is None and "do not repay" in why
    saving = compiled.saving_per_step(sum(p.data.size for p in step.params), 10 * 12, False)
    enough = int(compiled.COMPILE_S / saving) + 1
    assert build(enough)[0] is not None
    assert build(1)[0] is not None  # compiled in this process now: even a short fit uses it
    kernels.use("numpy")
    assert build(enough) == (None, "DELTAPROP_KERNELS=numpy")
    assert build(1, forced=True)[0] is not None  # step_path="loop" asks for it anyway


def test_step_path_loop_says_why_it_does_not_apply():
    X, y = _data()
    net = dp.Sequential([dp.Dense(8, "relu"), dp.Dense(4, "softmax")], seed=0)
    opt = dp.SGD(net.parameters(), lr=0.1, clip_norm=1.0)
    with pytest.raises(dp.errors.ParameterError, match="step_path='loop' does not apply: SGD"):
        net.fit(X, y, loss="cross_entropy", optimizer=opt, step_path="loop")
    watcher = dp.training.LambdaCallback(on_batch_end=lambda run, b, loss: None)
    with pytest.raises(dp.errors.ParameterError, match="watches single batches"):
        net.fit(X, y, loss="cross_entropy", callbacks=[watcher], step_path="loop")


def test_the_loop_is_cached_on_disk_for_the_next_process(tmp_path):
    """A fresh interpreter compiles the loop into the cache folder; the next one finds it."""
    import subprocess

    script = (
        "import numpy as np, deltaprop as dp\n"
        "from deltaprop import kernels\n"
        "from deltaprop.training import compiled\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(64, 5)); y = rng.integers(0, 3, size=64)\n"
        "net = dp.Sequential([dp.Dense(6, 'relu'), dp.Dense(3, 'softmax')], seed=0)\n"
        "net.fit(X, y, loss='cross_entropy', epochs=2, batch_size=16, seed=0, step_path='loop')\n"
        "print(compiled.loops_run(), sorted(compiled._loops))\n"
    )
    env = {"NUMBA_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
        )
        for _ in range(2)
    ]
    for done in runs:
        assert done.returncode == 0, done.stderr[-2000:]
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout.startswith("2 ")
    generated = list((tmp_path / "deltaprop").glob("deltaprop_loop_*.py"))
    assert len(generated) == 1
    assert any(tmp_path.glob(f"*/{generated[0].stem}.run-*.nbi"))  # numba's index of it
