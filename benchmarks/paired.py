"""Paired timings in one process: a quick A/B of a few contenders on a noisy machine.

    python benchmarks/paired.py W1 adam deltaprop,deltaprop-fast,numpy [--rounds 7]

``run.py`` times every contender in a fresh process, which keeps them independent but lets a
slow spell of a shared machine (minutes long on a busy virtual machine) fall between two
contenders. Here every contender is prepared once (data, imports, warm-up) in this process,
then the rounds time them back to back, so each round's times are close in time and their
ratios are paired: the report gives, per contender, the median time, its ratio to the GEMM
limit when ``gemm`` is among them, and the median over the rounds of its time over the first
contender's time in the same round. Contenders and workloads are run.py's (see
benchmarks/README.md); ``deltaprop`` runs NumPy only, ``deltaprop-fast`` with numba's kernels.
Peak memory means nothing here (everything shares one process): use run.py for it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import contenders  # noqa: E402
import workloads as wl  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", help="W1, W2 or W3")
    parser.add_argument("variant", help="sgd or adam (W2: sgd, W3: adam)")
    parser.add_argument("contenders", help="comma-separated; the first is the reference")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument("--quick", action="store_true", help="run.py's small sizes")
    args = parser.parse_args(argv)
    every = wl.workloads(args.quick)
    if args.workload not in every or args.workload == "scale":
        parser.error(f"workload must be W1, W2 or W3; got {args.workload!r}")
    spec = every[args.workload]
    if args.variant not in spec["variants"]:
        parser.error(f"variant must be one of {', '.join(spec['variants'])}; got {args.variant!r}")
    names = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = [c for c in names if c not in contenders.CONTENDERS]
    if not names or unknown:
        parser.error(f"unknown contenders {unknown}; known: {', '.join(contenders.CONTENDERS)}")
    if args.rounds < 1:
        parser.error(f"--rounds must be >= 1; got {args.rounds}")
    from deltaprop import kernels

    rows = spec["rows"]
    trains, modes = {}, {}
    for name in names:
        try:
            trains[name] = contenders.CONTENDERS[name](spec, args.variant, rows)[0]
        except contenders.Skip as why:
            print(f"{name}: skipped: {why}", file=sys.stderr)
            continue
        modes[name] = kernels.mode()  # the deltaprop contenders set it while preparing
    names = [n for n in names if n in trains]
    times = {n: [] for n in names}
    for _ in range(args.rounds):
        for name in names:
            kernels.use(modes[name])
            start = time.perf_counter()
            trains[name]()
            times[name].append(time.perf_counter() - start)
    gemm = statistics.median(times["gemm"]) if "gemm" in times else None
    first = names[0]
    print(f"{args.workload} {args.variant}, {rows:,} rows, {args.rounds} paired rounds")
    print(f"| contender | median s | x GEMM limit | x {first}, paired | runs s |")
    print("|---|---:|---:|---:|---|")
    for name in names:
        median = statistics.median(times[name])
        paired = statistics.median(a / b for a, b in zip(times[name], times[first]))
        limit = f"{median / gemm:.2f}" if gemm else "-"
        runs = ", ".join(f"{t:.3f}" for t in times[name])
        print(f"| {name} | {median:.3f} | {limit} | {paired:.2f} | {runs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
