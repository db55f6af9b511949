"""Data-parallel throughput: W1 trained by 1 MPI process and by 2, one BLAS thread each.

    python benchmarks/distributed.py [--quick] [--ranks 1,2] [--repeat 3] [--json out.json]

W1 (benchmarks/workloads.py): 60,000 x 784 synthetic float32 rows, 784-256-128-10 ReLU,
softmax cross-entropy, batch 128, one epoch of SGD (lr 0.01); ``--quick`` uses 4,096 rows.
Each measurement is a fresh ``mpiexec -n R python -m mpi4py distributed.py --child ...`` job
with OMP/OPENBLAS/MKL_NUM_THREADS=1 in every process: every process makes the data (same
seed), runs a warm-up epoch on 8 batches, waits at a barrier, then trains one timed epoch
with ``fit(..., distributed="mpi")``; process 0 reports the time between two barriers.
Repetitions alternate the process counts so a slow spell of a shared machine does not fall on
one of them; medians are reported, and the speedup is rows/s of R processes over 1 process.
The time process 0 spent in the gradient and loss sums (``Allreduce``, waiting for the other
processes included) is reported beside it: the rest is its share of the compute.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workloads as wl  # noqa: E402
from run import child_result  # noqa: E402

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def child(quick: bool) -> dict | None:
    """One timed W1 epoch in this process of an MPI job; the record on process 0."""
    from mpi4py import MPI

    import deltaprop as dp
    from deltaprop.comm import MPICommunicator

    class Timed(MPICommunicator):
        """MPI, timing the sums: the time in them, waiting for the others included."""

        seconds = 0.0

        def allreduce_(self, buffer):
            start = time.perf_counter()
            super().allreduce_(buffer)
            Timed.seconds += time.perf_counter() - start
            return buffer

    spec = wl.workloads(quick)["W1"]
    sizes, bs = spec["sizes"], spec["batch_size"]
    X, y = wl.synthetic(spec["rows"], sizes[0], sizes[-1])
    comm = MPI.COMM_WORLD

    def run(rows):
        layers = [dp.Dense(c, "relu") for c in sizes[1:-1]] + [dp.Dense(sizes[-1], "softmax")]
        net = dp.Sequential(layers, seed=0)
        opt = dp.SGD(net.parameters(), lr=spec["variants"]["sgd"])
        history = net.fit(
            X[:rows], y[:rows], loss="cross_entropy", optimizer=opt, batch_size=bs,
            epochs=spec["epochs"], seed=0, distributed=Timed(),
        )  # fmt: skip
        return history

    run(8 * bs)  # warm-up: imports, first allocations, the recorded step
    comm.Barrier()
    Timed.seconds = 0.0
    start = time.perf_counter()
    history = run(len(X))
    comm.Barrier()
    seconds = time.perf_counter() - start
    if comm.Get_rank() != 0:
        return None
    return {
        "seconds": seconds,
        "allreduce_s": Timed.seconds,
        "loss": float(history["loss"][-1]),
        "rows": len(X),
    }


def measure(mpiexec: str, ranks: int, quick: bool, timeout: float) -> dict:
    cmd = [mpiexec, "-n", str(ranks), sys.executable, "-m", "mpi4py", str(Path(__file__))]
    cmd += ["--child"] + (["--quick"] if quick else [])
    env = dict(os.environ, **ONE_THREAD, DELTAPROP_WORLD_SIZE=str(ranks))
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {timeout:.0f} s"}
    return child_result(done)


def summarise(ranks: list[int], records: dict) -> list[dict]:
    """Median time, rows/s and speedup over the first process count, per process count."""
    rows = []
    base = None
    for r in ranks:
        times = [rec["seconds"] for rec in records[r] if "seconds" in rec]
        if not times:
            rows.append({"ranks": r, "failed": records[r][-1].get("failed", "no result")})
            continue
        median = statistics.median(times)
        n = records[r][0]["rows"]
        throughput = n / median
        base = throughput if base is None else base
        rows.append(
            {
                "ranks": r,
                "times": times,
                "median_s": median,
                "rows_per_s": throughput,
                "speedup": throughput / base,
                "allreduce_s": statistics.median(rec["allreduce_s"] for rec in records[r]),
                "final_loss": [rec["loss"] for rec in records[r] if "loss" in rec],
            }
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,096 rows instead of 60,000")
    parser.add_argument("--ranks", default="1,2", help="process counts (default 1,2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per process count")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--mpiexec", help="default: this environment's (as deltaprop launch)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        record = child(args.quick)
        if record is not None:
            print("RESULT " + json.dumps(record), flush=True)
        return 0

    from deltaprop.cli.launch import find_mpiexec

    mpiexec = find_mpiexec(args.mpiexec)
    if mpiexec is None:
        print('no mpiexec found: pip install "deltaprop[mpi]"', file=sys.stderr)
        return 2
    ranks = [int(r) for r in args.ranks.split(",")]
    records: dict[int, list] = {r: [] for r in ranks}
    for i in range(args.repeat):
        order = ranks if i % 2 == 0 else ranks[::-1]
        for r in order:
            records[r].append(measure(mpiexec, r, args.quick, args.timeout))
    results = summarise(ranks, records)
    title = wl.workloads(args.quick)["W1"]["title"]
    print(f"W1 data-parallel ({title}); SGD, 1 BLAS thread per process, median of {args.repeat}")
    print("| processes | median s | rows/s | speedup | of which in Allreduce (process 0) |")
    print("|---|---|---|---|---|")
    for row in results:
        if "failed" in row:
            print(f"| {row['ranks']} | failed: {row['failed']} | | | |")
        else:
            print(
                f"| {row['ranks']} | {row['median_s']:.3f} | {row['rows_per_s']:,.0f} | "
                f"{row['speedup']:.2f}x | {row['allreduce_s']:.3f} s |"
            )
    if args.json:
        report = {
            "workload": "W1",
            "title": title,
            "quick": args.quick,
            "repeat": args.repeat,
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "processor": platform.processor() or platform.machine(),
            },
            "results": results,
        }
        args.json.write_text(json.dumps(report, indent=1))
    return 0 if all("failed" not in row for row in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
