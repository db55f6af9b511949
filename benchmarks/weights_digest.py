"""SHA-256 of the final weights of short training runs, per workload and per step path.

    python benchmarks/weights_digest.py [--only NAME,...] > digests.txt

A refactoring of the training code must not change a single bit of what training computes:
run this before and after and compare the two outputs (``diff``). Each line is one workload
trained along one step path:

- ``tape``: the engine's general path, the graph rebuilt and walked every step;
- ``replay``: the first step recorded, later steps replayed (:mod:`deltaprop.engine.replay`);
- ``fused``: the Dense-stack step on preallocated NumPy buffers (:mod:`deltaprop.training.fused`);
- ``scalar``: the same step as generated straight-line Python (float64 workloads only,
  :mod:`deltaprop.training.scalar`, forced for every batch size);
- ``compiled``: the fused step and the optimizer with numba's kernels
  (``DELTAPROP_KERNELS=numba``; skipped when numba is not installed).

The path is forced with ``fit(step_path=...)`` and checked in ``History.step_paths``; on a
version of deltaprop without them (before the step chooser), by patching the steps instead.

Every other path runs with the kernels off (``numpy``), so which paths ran does not depend
on what ran before in the process. The workloads are the benchmark's (benchmarks/
workloads.py: W1 at 1,024 rows, W2 for 200 updates, W3 for 2 epochs) and a few small mixed
ones that reach every hidden activation, loss, reduction, example weights, the L2 penalty,
a first Standardize layer and every optimizer. Each line also hashes the epoch losses, and
names the path the run really took (checked, not assumed).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import inspect
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workloads as wl  # noqa: E402

import deltaprop as dp  # noqa: E402
from deltaprop import kernels  # noqa: E402

PATHS = ("tape", "replay", "fused", "scalar", "compiled")
# fit's step_path option where it has one (History.step_paths then says what ran)
NEW_API = "step_path" in inspect.signature(dp.training.fit).parameters
_FORCED: dict = {}


# -- the workloads ----------------------------------------------------------------------------
def _mlp_case(name, variant, rows, epochs):
    spec = wl.workloads(quick=True)[name]
    X, y, _, _ = wl.load(spec, rows)
    X, y = X[:rows], y[:rows]
    sizes = spec["sizes"]
    lr = spec["variants"][variant]

    def train(net_class):
        net = net_class(
            [dp.Dense(c, "relu") for c in sizes[1:-1]] + [dp.Dense(sizes[-1], "softmax")], seed=0
        )
        net.build(sizes[0])
        params = net.parameters()
        opt = dp.optim.Adam(params, lr=lr) if variant == "adam" else dp.optim.SGD(params, lr=lr)
        history = net.fit(
            X, y, loss="cross_entropy", optimizer=opt, batch_size=spec["batch_size"],
            epochs=epochs, seed=0, **_FORCED,
        )  # fmt: skip
        return net, history

    return train


def _worked_case(updates):
    e = wl.WORKED
    x, t = np.array([e["x"]]), np.array([e["t"]])

    def train(net_class):
        net = net_class(
            [
                dp.Dense(2, "logistic", init=np.array(e["w_hidden"]), bias="shared",
                         bias_init=e["b_hidden"]),
                dp.Dense(2, "logistic", init=np.array(e["w_out"]), bias="shared",
                         bias_init=e["b_out"]),
            ],
            dtype="float64",
        )  # fmt: skip
        net.build(2)
        for layer in net.layers:
            layer.bias.requires_grad = False
        history = net.fit(
            np.repeat(x, updates, axis=0), np.repeat(t, updates, axis=0),
            loss=dp.losses.SquaredError("sum_half"),
            optimizer=dp.SGD(net.parameters(), lr=e["lr"]),
            epochs=1, batch_size=1, shuffle=False, **_FORCED,
        )  # fmt: skip
        return net, history

    return train


def _mixed_case(hidden, output, loss, targets, optimizer, dtype, batch_size, extra=None):
    """A small network on random data: ``hidden`` [(units, activation)], the output layer's
    activation, a loss object factory, a target kind and an optimizer factory."""
    rng = np.random.default_rng(7)
    X = rng.normal(1.0, 2.0, size=(60, 5))
    outputs = 3
    if targets == "labels":
        y = rng.integers(0, outputs, size=60)
    elif targets == "soft":
        y = rng.dirichlet(np.ones(outputs), size=60)
    elif targets == "binary":
        y = (rng.random((60, outputs)) > 0.5).astype(np.float64)
    else:
        y = rng.normal(size=(60, outputs))
    extra = dict(extra or {})
    standardize = extra.pop("standardize", False)

    def train(net_class):
        layers = [dp.nn.Standardize().fit(X)] if standardize else []
        layers += [dp.Dense(u, a) for u, a in hidden] + [dp.Dense(outputs, output)]
        net = net_class(layers, seed=3, dtype=dtype)
        net.build(X.shape[1])
        options = dict(extra)
        if "sample_weight" in options:
            options["sample_weight"] = np.linspace(0.2, 1.8, len(X))
        history = net.fit(
            X, y, loss=loss(), optimizer=optimizer(net.parameters()), epochs=3,
            batch_size=batch_size, seed=1, **options, **_FORCED,
        )  # fmt: skip
        return net, history

    return train


def cases() -> dict:
    L = dp.losses
    mom = lambda p: dp.SGD(p, lr=0.05, momentum=0.9, nesterov=True)  # noqa: E731
    adam = lambda p: dp.Adam(p, lr=0.01)  # noqa: E731
    rms = lambda p: dp.optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5)  # noqa: E731
    adamw = lambda p: dp.optim.AdamW(p, lr=0.01)  # noqa: E731
    sgd = lambda p: dp.SGD(p, lr=0.1)  # noqa: E731
    found = {
        "W1-sgd": _mlp_case("W1", "sgd", 1_024, 1),
        "W1-adam": _mlp_case("W1", "adam", 1_024, 1),
        "W2": _worked_case(200),
        "W3-adam": _mlp_case("W3", "adam", 1_347, 2),
    }
    mixed = {
        "bce-tanh-leaky": ([(6, "tanh"), (4, {"name": "leaky_relu", "slope": 0.1})], "logistic",
                           lambda: L.BinaryCrossEntropy("mean"), "binary", mom,
                           {"sample_weight": True, "alpha": 1e-3, "standardize": True}),
        "bce-sum-logits": ([(5, "relu")], "identity",
                           lambda: L.BinaryCrossEntropy("sum", from_logits=True), "binary", sgd,
                           {}),
        "ce-soft-logistic": ([(6, "logistic")], "softmax", lambda: L.CrossEntropy("mean"),
                             "soft", rms, {"alpha": 1e-2}),
        "ce-sum-logits": ([(6, "relu"), (4, "identity")], "identity",
                          lambda: L.CrossEntropy("sum", from_logits=True), "labels", adamw,
                          {"sample_weight": True}),
        "ce-weighted-relu": ([(7, "relu")], "softmax", lambda: L.CrossEntropy("mean"), "labels",
                             adam, {"sample_weight": True, "alpha": 1e-3}),
        "se-mean-identity": ([(6, "tanh")], "identity", lambda: L.SquaredError("mean"), "real",
                             adam, {"standardize": True}),
        "se-sum-tanh": ([(4, "relu")], "tanh", lambda: L.SquaredError("sum"), "real", sgd,
                        {"sample_weight": True}),
        "se-sum_half-logistic": ([(5, "leaky_relu")], "logistic",
                                 lambda: L.SquaredError("sum_half"), "real", mom,
                                 {"alpha": 1e-3}),
        "se-mean_half-relu": ([(5, "logistic")], "relu", lambda: L.SquaredError("mean_half"),
                              "real", rms, {}),
    }  # fmt: skip
    for name, (hidden, out, loss, targets, opt, extra) in mixed.items():
        for dtype, batch in (("float32", 8), ("float64", 2)):
            found[f"{name}-{dtype[-2:]}"] = _mixed_case(
                hidden, out, loss, targets, opt, dtype, batch, extra
            )
    return found


# -- forcing a path ----------------------------------------------------------------------------
class _Taped(dp.Sequential):
    """A network the training loop may not record and replay: every step is taped."""

    replayable = False


class _Counter:
    def __init__(self):
        self.calls: dict[str, int] = {}

    def wrap(self, owner, attribute, label, stack):
        original = getattr(owner, attribute)

        def counted(*args, **kwargs):
            self.calls[label] = self.calls.get(label, 0) + 1
            return original(*args, **kwargs)

        stack.enter_context(_patched(owner, attribute, counted))


@contextlib.contextmanager
def _patched(owner, attribute, value):
    keep = owner.__dict__[attribute] if attribute in owner.__dict__ else getattr(owner, attribute)
    setattr(owner, attribute, value)
    try:
        yield
    finally:
        setattr(owner, attribute, keep)


@contextlib.contextmanager
def forced(path: str, counter: _Counter):
    """Within: fit takes ``path`` for every step (``fused`` never hands a batch to the scalar
    step, ``scalar`` always does)."""
    from deltaprop.engine.replay import Replay
    from deltaprop.training import fused as fused_module
    from deltaprop.training import scalar as scalar_module

    with contextlib.ExitStack() as stack:
        kernels.use("numba" if path == "compiled" else "numpy")
        stack.callback(kernels.use, "auto")
        if NEW_API:
            _FORCED["step_path"] = path
            stack.callback(_FORCED.clear)
            yield
            return
        if path == "replay":
            stack.enter_context(
                _patched(fused_module.FusedStep, "build", classmethod(lambda *a, **k: None))
            )
        if path in ("fused", "compiled"):
            stack.enter_context(
                _patched(scalar_module.ScalarStep, "fits", lambda self, rows: False)
            )
        if path == "scalar":
            stack.enter_context(_patched(scalar_module, "MAX_PRODUCTS", 10**12))
        counter.wrap(fused_module.FusedStep, "step", "fused", stack)
        counter.wrap(scalar_module.ScalarStep, "step", "scalar", stack)
        counter.wrap(Replay, "step", "replay", stack)
        yield


def _ran(path: str, calls: dict, history) -> bool:
    """Whether the counted calls (or the History's step_paths) show ``path`` was taken."""
    if NEW_API:
        return set(history.step_paths) == {path}
    if path == "tape":
        return not calls
    if path == "replay":
        return set(calls) == {"replay"}
    if path == "scalar":
        return set(calls) == {"fused", "scalar"} and calls["fused"] == calls["scalar"]
    return set(calls) == {"fused"}  # fused, compiled


def digest(net, history) -> tuple[str, str]:
    weights = hashlib.sha256()
    for name, value in net.state_dict().items():
        weights.update(name.encode())
        weights.update(np.ascontiguousarray(value).tobytes())
    losses = hashlib.sha256(np.asarray(history["loss"], np.float64).tobytes())
    return weights.hexdigest()[:24], losses.hexdigest()[:12]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated workload names")
    args = parser.parse_args(argv)
    found = cases()
    names = args.only.split(",") if args.only else list(found)
    have_numba = kernels.available()
    status = 0
    for name in names:
        train = found[name]
        for path in PATHS:
            if path == "scalar" and not (name == "W2" or name.endswith("-64")):
                continue
            if path == "compiled" and not have_numba:
                print(f"{name:28s} {path:9s} skipped (numba not installed)")
                continue
            counter = _Counter()
            with forced(path, counter), np.errstate(all="ignore"):
                net, history = train(_Taped if path == "tape" else dp.Sequential)
            w, e = digest(net, history)
            ok = _ran(path, counter.calls, history)
            status |= not ok
            taken = history.step_paths if NEW_API else counter.calls
            note = "" if ok else f"  PATH NOT TAKEN: {taken}"
            print(f"{name:28s} {path:9s} weights {w} losses {e}{note}", flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
