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

The GEMM-only ceiling is what the hardware permits. It times only the matrix products of
the same epoch (``contenders.prepare_gemm``, the GEMM limit of benchmarks/run.py: forward
``x @ W`` of the 3 layers, weight gradients ``h.T @ d`` of the 3, input gradients ``d @ W.T``
of layers 2 and 3), on consecutive rows, with one BLAS thread (the same environment plus
``threadpool_limits(1)``), in plain subprocesses (no MPI):

- (a) 1 process over all the rows at batch 128;
- (b) R processes side by side, each over its share of the rows at its slice of every batch
  of 128 (64 rows for R = 2; the largest slice, which the last process takes, when R does
  not divide 128), all released at once after their data and a warm-up are ready; the
  slowest process's time;
- (c) 1 process alone over one such share: (b) / (c) is what running side by side costs
  (the processes share the cores, the memory bandwidth and the last level of cache).

The ceiling speedup is (a) / (b), the time of the first process count over R's as for the
MPI speedup. The MPI speedup cannot exceed it: the ceiling does the same products with
nothing else (no activations, loss, updates or gathered rows) and no communication. Its
runs take turns with the MPI runs in the same alternating order.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
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
    from deltaprop import kernels
    from deltaprop.comm import MPICommunicator

    kernels.available()  # with numba installed, its kernels, as deltaprop-fast in run.py

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


def share(rows: int, batch_size: int, ranks: int) -> tuple[int, int]:
    """(rows, batch) of the last of ``ranks`` processes: its slice of every global batch.

    Process ``r`` takes rows ``b r // P`` to ``b (r + 1) // P`` of a batch of ``b`` rows
    (training/distributed.py), so the last takes the most: ``b - b (P - 1) // P``. GEMMs over
    its total rows at its slice of a full batch make the same products, batch by batch.
    """

    def last(b: int) -> int:
        return b - b * (ranks - 1) // ranks

    total = sum(last(min(batch_size, rows - start)) for start in range(0, rows, batch_size))
    return total, last(batch_size)


def gemm_child(quick: bool, rows: int, batch_size: int) -> dict:
    """The GEMMs of one W1 epoch over ``rows`` rows at ``batch_size``, one BLAS thread, timed
    once the parent releases this process (a line on stdin) after it printed READY."""
    import contenders

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass  # ONE_THREAD in the environment limits the BLAS already
    else:
        threadpool_limits(1)
    spec = dict(wl.workloads(quick)["W1"], batch_size=batch_size)
    warm, _, _ = contenders.prepare_gemm(spec, "sgd", min(rows, 8 * batch_size))
    warm()  # first calls: the BLAS's buffers, page faults of the outputs
    train, _, threads = contenders.prepare_gemm(spec, "sgd", rows)
    print("READY", flush=True)
    sys.stdin.readline()
    start = time.perf_counter()
    train()
    return {"seconds": time.perf_counter() - start, "threads": threads}


def measure_gemm(processes: int, rows: int, batch_size: int, quick: bool, timeout: float):
    """``processes`` fresh interpreters side by side, each running ``gemm_child``; they are
    released together once all are ready. The slowest one's time, and each one's."""
    cmd = [sys.executable, str(Path(__file__)), "--gemm", f"{rows},{batch_size}"]
    cmd += ["--quick"] if quick else []
    env = dict(os.environ, **ONE_THREAD)
    procs = [
        subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for _ in range(processes)
    ]
    expired = threading.Event()

    def kill():
        expired.set()
        for p in procs:
            p.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        before = []  # what each printed before READY (a traceback if it failed there)
        for p in procs:
            lines = []
            for line in p.stdout:
                if line.strip() == "READY":
                    break
                lines.append(line)
            before.append("".join(lines))
        for p in procs:
            try:
                p.stdin.write("go\n")
                p.stdin.close()
            except BrokenPipeError:
                pass  # it has ended already; its output says why
        records = []
        for p, head in zip(procs, before):
            out = head + p.stdout.read()
            p.wait()
            records.append(child_result(subprocess.CompletedProcess(cmd, p.returncode, out)))
    finally:
        timer.cancel()
        for p in procs:
            p.stdout.close()
    if expired.is_set():
        return {"failed": f"timed out after {timeout:.0f} s"}
    failed = [rec["failed"] for rec in records if "failed" in rec]
    if failed:
        return {"failed": failed[0]}
    each = [rec["seconds"] for rec in records]
    return {"seconds": max(each), "each_s": each, "threads": records[0]["threads"]}


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


CEILING_NOTE = (
    "The MPI speedup cannot exceed the ceiling speedup: the ceiling makes the same matrix "
    "products with nothing else (no activations, loss or updates) and no communication."
)


def summarise_ceiling(ranks: list[int], records: dict, rows: int, batch_size: int) -> list:
    """Per process count R: the slowest of R side-by-side GEMM-only processes (for R = 1,
    the ceiling's (a)), one share alone, and the speedup over the first process count."""
    out = []
    base = None
    for r in ranks:
        share_rows, share_batch = share(rows, batch_size, r)
        row = {"processes": r, "rows_per_process": share_rows, "batch_per_process": share_batch}
        done = [rec for rec in records["together", r] if "seconds" in rec]
        if not done:
            row["failed"] = records["together", r][-1].get("failed", "no result")
            out.append(row)
            continue
        median = statistics.median(rec["seconds"] for rec in done)
        base = median if base is None else base
        row.update(
            times=[rec["seconds"] for rec in done],
            each_s=[rec["each_s"] for rec in done],
            median_s=median,
            speedup=base / median,
            threads=done[-1]["threads"],
        )
        alone = [rec["seconds"] for rec in records.get(("alone", r), []) if "seconds" in rec]
        if alone:
            row.update(
                alone_times=alone,
                alone_median_s=statistics.median(alone),
                side_by_side_cost=median / statistics.median(alone),
            )
        elif ("alone", r) in records:
            row["alone_failed"] = records["alone", r][-1].get("failed", "no result")
        out.append(row)
    return out


def print_tables(title: str, repeat: int, results: list, ceiling: list) -> None:
    """Both tables in Markdown, the MPI runs' and the ceiling's, with the note."""
    print(f"W1 data-parallel ({title}); SGD, 1 BLAS thread per process, median of {repeat}")
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
    mpi = {row["ranks"]: row.get("speedup") for row in results}
    print()
    print(
        "GEMM-only ceiling: only the matrix products of the same epoch, plain processes "
        f"(no MPI), 1 BLAS thread each, median of {repeat}"
    )
    print(
        "| processes | rows x batch per process | GEMM s, slowest process | one share alone s "
        "| side by side / alone | ceiling speedup | MPI speedup |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in ceiling:
        size = f"{row['rows_per_process']:,} x {row['batch_per_process']}"
        if "failed" in row:
            print(f"| {row['processes']} | {size} | failed: {row['failed']} | | | | |")
            continue
        alone = cost = "-"
        if "alone_median_s" in row:
            alone = f"{row['alone_median_s']:.3f}"
            cost = f"{row['side_by_side_cost']:.2f}x"
        elif "alone_failed" in row:
            alone = f"failed: {row['alone_failed']}"
        speedup = mpi.get(row["processes"])
        print(
            f"| {row['processes']} | {size} | {row['median_s']:.3f} | {alone} | {cost} | "
            f"{row['speedup']:.2f}x | {'-' if speedup is None else f'{speedup:.2f}x'} |"
        )
    print()
    print(
        "(a) is the 1-process row, all rows at batch 128; (b) the others: R processes released "
        "together, each over its slice of every batch of 128; (c) one such process alone. "
        "Ceiling speedup = (a) / (b)."
    )
    print(CEILING_NOTE)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,096 rows instead of 60,000")
    parser.add_argument("--ranks", default="1,2", help="process counts (default 1,2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per process count")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--mpiexec", help="default: this environment's (as deltaprop launch)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gemm", help=argparse.SUPPRESS)  # ROWS,BATCH: a ceiling process
    args = parser.parse_args(argv)
    if args.child or args.gemm:
        if args.gemm:
            rows, batch_size = (int(v) for v in args.gemm.split(","))
            record = gemm_child(args.quick, rows, batch_size)
        else:
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
    spec = wl.workloads(args.quick)["W1"]
    n, bs = spec["rows"], spec["batch_size"]
    # every measurement, as (kind, process count); rounds alternate forwards and backwards
    cases = [("mpi", r) for r in ranks] + [("together", r) for r in ranks]
    cases += [("alone", r) for r in ranks if r > 1]
    records: dict[tuple, list] = {case: [] for case in cases}
    for i in range(args.repeat):
        for kind, r in cases if i % 2 == 0 else cases[::-1]:
            if kind == "mpi":
                rec = measure(mpiexec, r, args.quick, args.timeout)
            else:
                count = r if kind == "together" else 1
                rec = measure_gemm(count, *share(n, bs, r), args.quick, args.timeout)
            records[kind, r].append(rec)
    results = summarise(ranks, {r: records["mpi", r] for r in ranks})
    ceiling = summarise_ceiling(ranks, records, n, bs)
    print_tables(spec["title"], args.repeat, results, ceiling)
    if args.json:
        report = {
            "workload": "W1",
            "title": spec["title"],
            "quick": args.quick,
            "repeat": args.repeat,
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "processor": platform.processor() or platform.machine(),
            },
            "results": results,
            "ceiling": ceiling,
            "ceiling_note": CEILING_NOTE,
        }
        args.json.write_text(json.dumps(report, indent=1))
    return 0 if all("failed" not in row for row in results + ceiling) else 1


if __name__ == "__main__":
    raise SystemExit(main())
