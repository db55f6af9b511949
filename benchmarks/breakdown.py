"""Where a W3 training step's microseconds go (64-64-10 ReLU, batch 32, Adam), per path.

    python benchmarks/breakdown.py [--rounds 5]

W3 makes 4,300 steps of tiny matrix products (about 0.3 MFLOP each), so per-step overhead,
not arithmetic, decides its time. This script times, in one process and in alternating
rounds (medians over the rounds), each part of a step in isolation on the fit's own objects:

- fused NumPy step (the default install): fit's whole step, and within it gathering the
  batch (``Batches``), ``zero_grad``, the matrix products alone, the loss and its delta, the
  rest of the fused step (bias, relu, its derivative, bias sums, the step's Python), the
  optimizer's update, and what is left: fit's own loop (loss checks, totals, callbacks);
- compiled loop (``fast`` extra): fit's whole step, the compiled call alone (all its steps),
  the same products made from compiled code, and the Python around the calls per step;
- the GEMM limit (the five products from Python) and, when JAX is installed, JAX with all
  epochs in one call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import contenders  # noqa: E402
import workloads as wl  # noqa: E402


def _timed(fn, repeat: int) -> float:
    """Seconds per call of ``fn``, over ``repeat`` calls."""
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def _network(dp, X):
    net = dp.Sequential([dp.Dense(64, "relu"), dp.Dense(10, "softmax")], seed=0)
    net.build(X.shape[1])
    return net, dp.Adam(net.parameters(), lr=0.001)


def numpy_parts(dp, X, y, epochs):
    """name -> seconds per step, for the fused NumPy step (kernels off)."""
    from deltaprop import kernels
    from deltaprop.training.batching import Batches
    from deltaprop.training.fused import FusedStep

    kernels.use("numpy")
    steps = epochs * -(-len(X) // 32)
    net, opt = _network(dp, X)
    whole = _timed(
        lambda: net.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=epochs, seed=0), 1
    )
    net, opt = _network(dp, X)
    step = FusedStep.build(net, dp.losses.CrossEntropy(), False, 0.0)
    batches = Batches((X, y.astype(np.int64)), 32, True, np.random.default_rng(0))
    x, t = next(batches.epoch())[1]
    step.step(x, t)
    opt.step()
    n = 2000
    parts = {
        "fit, whole step": whole / steps,
        "gather the batch": _timed(lambda: list(batches.epoch()), 20) / len(batches),
        "zero_grad": _timed(opt.zero_grad, n),
        "fused step, whole": _timed(lambda: step.step(x, t), n),
    }
    plan = step._plan(32)
    (W0, *_), (W1, *_) = plan[0], plan[1]
    z0, z1, d0 = plan[0][6], plan[1][6], plan[1][7]
    g0, g1 = plan[0][2], plan[1][2]

    def products():
        np.matmul(x, W0, out=z0)
        np.matmul(z0, W1, out=z1)
        np.matmul(z0.T, z1, out=g1)
        np.matmul(z1, W1.T, out=d0)
        np.matmul(x.T, d0, out=g0)

    parts["  of which matrix products"] = _timed(products, n)
    z = z1.copy()
    parts["  of which loss and delta"] = _timed(lambda: step._loss_and_delta(z.copy(), t, None), n)
    parts["  of which bias, relu, sums, Python"] = (
        parts["fused step, whole"]
        - parts["  of which matrix products"]
        - parts["  of which loss and delta"]
    )
    parts["optimizer update (Adam, NumPy)"] = _timed(opt.step, n)
    parts["fit's loop (checks, totals, callbacks)"] = parts["fit, whole step"] - sum(
        parts[k]
        for k in ("gather the batch", "zero_grad", "fused step, whole",
                  "optimizer update (Adam, NumPy)")
    )  # fmt: skip
    return parts


def compiled_parts(dp, X, y, epochs):
    """name -> seconds per step, for the compiled loop."""
    from deltaprop import kernels
    from deltaprop.training import compiled

    kernels.use("numba")
    steps = epochs * -(-len(X) // 32)
    net, opt = _network(dp, X)
    net.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=1, seed=0, step_path="loop")
    calls = []
    original = compiled.CompiledLoop.epoch

    def timed_epoch(self, *args):
        run = self.run

        def timing(*a):
            start = time.perf_counter()
            out = run(*a)
            calls.append(time.perf_counter() - start)
            return out

        self.run = timing
        try:
            return original(self, *args)
        finally:
            self.run = run

    compiled.CompiledLoop.epoch = timed_epoch
    try:
        net, opt = _network(dp, X)
        start = time.perf_counter()
        net.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=epochs, seed=0, step_path="loop")
        whole = time.perf_counter() - start
    finally:
        compiled.CompiledLoop.epoch = original
    numba = compiled._numba()

    @numba.njit(nogil=True)
    def products(x, W0, W1, z0, z1, d0, g0, g1, n):  # pragma: no cover - compiled
        for _ in range(n):
            np.dot(x, W0, z0)
            np.dot(z0, W1, z1)
            np.dot(z0.T, z1, g1)
            np.dot(z1, W1.T, d0)
            np.dot(x.T, d0, g0)

    f = np.float32
    x, W0, W1 = X[:32].copy(), np.ones((64, 64), f), np.ones((64, 10), f)
    z0, z1, d0 = np.empty((32, 64), f), np.empty((32, 10), f), np.empty((32, 64), f)
    g0, g1 = np.empty((64, 64), f), np.empty((64, 10), f)
    products(x, W0, W1, z0, z1, d0, g0, g1, 1)
    n = 5000
    loop = sum(calls)
    return {
        "fit, whole step": whole / steps,
        "the compiled calls": loop / steps,
        "  of which matrix products (np.dot from compiled code)": _timed(
            lambda: products(x, W0, W1, z0, z1, d0, g0, g1, n), 1
        )
        / n,
        "Python around the calls (per epoch: order, scalars, checks, history)": (whole - loop)
        / steps,
    }


def gemm_and_jax(spec):
    parts = {}
    train = contenders.prepare_gemm(spec, "adam", spec["rows"])[0]
    steps = spec["epochs"] * -(-spec["rows"] // spec["batch_size"])
    parts["GEMM limit (5 products from Python)"] = _timed(train, 1) / steps
    try:
        train = contenders.prepare_jax_scan(spec, "adam", spec["rows"])[0]
    except contenders.Skip:
        return parts
    parts["JAX, all epochs in one call"] = _timed(train, 1) / steps
    return parts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--epochs", type=int, default=100, help="epochs of each fit (100)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.epochs < 1:
        parser.error(f"--rounds and --epochs must be >= 1; got {args.rounds}, {args.epochs}")
    import deltaprop as dp

    spec = dict(wl.workloads(False)["W3"], epochs=args.epochs)
    X, y, _, _ = wl.digits_split()
    rounds: dict = {}
    sections = (
        ("fused NumPy step", lambda: numpy_parts(dp, X, y, args.epochs)),
        ("compiled loop", lambda: compiled_parts(dp, X, y, args.epochs)),
        ("references", lambda: gemm_and_jax(spec)),
    )
    for _ in range(args.rounds):
        for title, measure in sections:
            for name, seconds in measure().items():
                rounds.setdefault((title, name), []).append(seconds)
    print(f"W3 per step ({args.epochs} epochs x 43 steps), medians of {args.rounds} rounds")
    print("| path | part | us per step |")
    print("|---|---|---:|")
    for (title, name), values in rounds.items():
        print(f"| {title} | {name} | {statistics.median(values) * 1e6:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
