"""deltaprop's benchmark: the same training, side by side, on this machine.

    python benchmarks/run.py [--quick] [--workloads W1,W2,W3,W4,scale] [--mode warm|fresh|both]
                             [--repeat N] [--json out.json]

Every measurement runs in a fresh Python process (so its peak memory is its own). Warm mode
(the default): the child prepares its contender (data, imports, a warm-up run, compiling),
then times one training run. Fresh-process mode: the wall time of the whole child process,
as a user running a script sees it (interpreter start, imports, data, compiling, training,
predicting), with no warm-up; contenders that keep compiled code on disk (numba, JAX's
compilation cache) are run with an empty cache ("first run on a machine") and with the cache
the previous run left ("cached"). Repetitions go round the contenders in turn, each round in
a rotated order, so a slow spell of a shared machine does not fall on one contender; the
median is reported. See benchmarks/README.md for what each workload and contender is.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workloads as wl  # noqa: E402

# Contenders that keep compiled code on disk between processes: numba's cache (deltaprop's
# compiled kernels and training loop) and JAX's persistent compilation cache (Keras on JAX too).
CACHED = {"deltaprop-fast", "jax", "jax-scan", "keras"}


def child(case: dict) -> dict:
    """Run one measurement in this process; returns its record."""
    import contenders

    contenders.WARM = not case.get("fresh")
    spec = wl.workloads(case["quick"])[case["workload"]]
    prepare = contenders.CONTENDERS[case["contender"]]
    try:
        train, evaluate, threads = prepare(spec, case["variant"], case["rows"])
    except contenders.Skip as why:
        return {"skipped": str(why)}
    start = time.perf_counter()
    train()
    seconds = time.perf_counter() - start
    # ru_maxrss: kilobytes on Linux, bytes on macOS
    scale = 1 if sys.platform == "darwin" else 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
    return {"seconds": seconds, "peak_mb": peak, "threads": threads, "extra": evaluate()}


def measure(case: dict, timeout: float, cache_dir: Path | None = None) -> dict:
    """Run ``child(case)`` in a fresh interpreter and read back its JSON line; in fresh mode
    the record's ``seconds`` is the whole process's wall time (``train_s`` the training's).

    ``cache_dir`` holds the child's numba and JAX caches (emptied first for a "first" run)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(case)]
    env = dict(os.environ)
    if cache_dir is not None:
        if case.get("cache") == "first" and cache_dir.exists():
            shutil.rmtree(cache_dir)
        cache_dir.mkdir(parents=True, exist_ok=True)
        env.update(
            NUMBA_CACHE_DIR=str(cache_dir / "numba"),
            JAX_COMPILATION_CACHE_DIR=str(cache_dir / "jax"),
            JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
            JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0",
        )
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - start
    record = child_result(done)
    if case.get("fresh") and "seconds" in record:
        record["train_s"], record["seconds"] = record["seconds"], wall
    return record


def child_result(done: subprocess.CompletedProcess) -> dict:
    """The record a child printed on its ``RESULT {...}`` line, or why there is none."""
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"failed": f"exit code {done.returncode}: " + " | ".join(tail)}


def cases_of(name: str, spec: dict, quick: bool, fresh: bool = False) -> list[dict]:
    """Every (size, variant, contender) to measure; the GEMM limit once per size (it is the
    same products whatever the optimizer), and not in fresh mode. In fresh mode a contender
    with an on-disk cache is measured twice: cache "first" (empty) and "cached"."""
    rows = spec["rows"] if isinstance(spec["rows"], tuple) else (spec["rows"],)
    first = next(iter(spec["variants"]))
    cases = []
    for r in rows:
        for v in spec["variants"]:
            for c in spec["contenders"]:
                if c == "gemm" and (fresh or v != first):
                    continue
                case = {"workload": name, "contender": c, "variant": v, "rows": r, "quick": quick}
                if not fresh:
                    cases.append(case)
                    continue
                for cache in ("first", "cached") if c in CACHED else ("none",):
                    cases.append({**case, "fresh": True, "cache": cache})
    return cases


def run_workload(name: str, spec: dict, args, fresh: bool = False) -> dict:
    cases = cases_of(name, spec, args.quick, fresh)
    records = {i: [] for i in range(len(cases))}
    skipped = {}
    caches = Path(args.cache_root) if fresh else None
    for round_ in range(args.repeat):
        shift = round_ % len(cases)
        for i in list(range(shift, len(cases))) + list(range(shift)):
            if i in skipped:
                continue
            case = cases[i]
            cache_dir = None
            if caches is not None and case["contender"] in CACHED:
                cache_dir = caches / f"{name}-{case['contender']}-{case['variant']}"
                if case["cache"] == "cached" and not cache_dir.exists():
                    measure({**case, "cache": "first"}, args.timeout, cache_dir)  # fills it
            rec = measure(case, args.timeout, cache_dir)
            if "skipped" in rec or "failed" in rec:
                skipped[i] = rec
                print(
                    f"  {_label(cases[i])}: {rec.get('skipped') or rec.get('failed')}",
                    file=sys.stderr,
                )
                continue
            records[i].append(rec)
            print(f"  {_label(cases[i])}: {rec['seconds']:.3f} s", file=sys.stderr)
    results = []
    for i, case in enumerate(cases):
        row = {k: case[k] for k in ("contender", "variant", "rows")}
        if fresh:
            row["cache"] = case["cache"]
        if i in skipped:
            row.update(skipped[i])
        else:
            recs = records[i]
            row.update(
                times=[r["seconds"] for r in recs],
                median_s=statistics.median(r["seconds"] for r in recs),
                peak_mb=max(r["peak_mb"] for r in recs),
                threads=recs[-1]["threads"],
                extra=recs[-1]["extra"],
            )
            if fresh:
                row["train_s"] = statistics.median(r["train_s"] for r in recs)
        results.append(row)
    _add_ratios(spec, results)
    return {"title": spec["title"], "data_mb": _data_mb(spec), "results": results}


def _data_mb(spec: dict) -> float:
    """Size of the training features as float32 (the largest size for "scale")."""
    rows = max(spec["rows"]) if isinstance(spec["rows"], tuple) else spec["rows"]
    return rows * spec["sizes"][0] * 4 / 2**20


def _label(case: dict) -> str:
    cache = f" (fresh process, cache {case['cache']})" if case.get("fresh") else ""
    return f"{case['workload']} {case['contender']} {case['variant']} {case['rows']:,} rows{cache}"


def _add_ratios(spec: dict, results: list[dict]) -> None:
    """Ratios to deltaprop and to the GEMM limit of the same variant and size; GFLOP/s."""

    def median_of(contender, row):
        for r in results:
            same_variant = contender == "gemm" or r["variant"] == row["variant"]
            if r["contender"] == contender and same_variant and r["rows"] == row["rows"]:
                return r.get("median_s")
        return None

    for row in results:
        row["flops"] = wl.mlp_flops(spec["sizes"], row["rows"], spec["epochs"])
        if "median_s" not in row:
            continue
        base, limit = median_of("deltaprop", row), median_of("gemm", row)
        row["ratio_deltaprop"] = row["median_s"] / base if base else None
        row["ratio_gemm"] = row["median_s"] / limit if limit else None
        row["gflops"] = row["flops"] / row["median_s"] / 1e9
        row["s_per_10k_rows"] = row["median_s"] / spec["epochs"] / row["rows"] * 10_000


def _fmt(value, spec="{:.3g}") -> str:
    return "-" if value is None else spec.format(value)


def markdown_fresh(name: str, block: dict) -> str:
    """The fresh-process table: whole-process wall time, per cache state."""
    lines = [
        f"### {name}, fresh process: {block['title']}",
        "",
        "| contender | variant | cache | process s | x deltaprop | of which training s "
        "| peak MB | result |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in block["results"]:
        if "median_s" not in r:
            lines.append(
                f"| {r['contender']} | {r['variant']} | {r['cache']} | skipped: "
                f"{r.get('skipped') or r.get('failed')} | | | | |"
            )
            continue
        extra = ", ".join(f"{k} {v:.4g}" for k, v in r["extra"].items())
        lines.append(
            f"| {r['contender']} | {r['variant']} | {r['cache']} | {r['median_s']:.3f} | "
            f"{_fmt(r['ratio_deltaprop'], '{:.2f}')} | {r['train_s']:.3f} | "
            f"{r['peak_mb']:.0f} | {extra} |"
        )
    return "\n".join(lines)


def markdown(name: str, block: dict) -> str:
    if block.get("fresh"):
        return markdown_fresh(name, block)
    lines = [
        f"### {name}: {block['title']}",
        "",
        f"Training features: {block['data_mb']:.1f} MB as float32.",
        "",
    ]
    if name == "scale":
        lines += [
            "| contender | rows | s/epoch | s per 10k rows | peak MB |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in block["results"]:
            if "median_s" not in r:
                lines.append(
                    f"| {r['contender']} | {r['rows']:,} | skipped: "
                    f"{r.get('skipped') or r.get('failed')} | | |"
                )
                continue
            lines.append(
                f"| {r['contender']} | {r['rows']:,} | {r['median_s']:.3f} | "
                f"{r['s_per_10k_rows']:.3f} | {r['peak_mb']:.0f} |"
            )
        return "\n".join(lines)
    lines += [
        "| contender | variant | median s | x deltaprop | x GEMM limit | GFLOP/s | peak MB "
        "| result | BLAS / threads |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in block["results"]:
        if "median_s" not in r:
            lines.append(
                f"| {r['contender']} | {r['variant']} | skipped: "
                f"{r.get('skipped') or r.get('failed')} | | | | | | |"
            )
            continue
        extra = ", ".join(f"{k} {v:.4g}" for k, v in r["extra"].items())
        lines.append(
            f"| {r['contender']} | {r['variant']} | {r['median_s']:.3f} | "
            f"{_fmt(r['ratio_deltaprop'], '{:.2f}')} | {_fmt(r['ratio_gemm'], '{:.2f}')} | "
            f"{r['gflops']:.3g} | {r['peak_mb']:.0f} | {extra} | {r['threads']} |"
        )
    return "\n".join(lines)


def machine() -> dict:
    import numpy

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: all in < 1 minute")
    parser.add_argument(
        "--workloads",
        default="W1,W2,W3,W4,scale",
        help="comma-separated, from W1, W2, W3, W4, scale (default: all)",
    )
    parser.add_argument(
        "--mode",
        choices=("warm", "fresh", "both"),
        default="warm",
        help="warm: time one training run in a prepared process (default); fresh: the wall "
        "time of a whole process (imports, data, compiling, training, predicting); both",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="timed runs per contender (default 3, or 1 with --quick)",
    )
    parser.add_argument(
        "--contenders",
        help="comma-separated: measure only these (the GEMM limit and deltaprop always)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        help="seconds allowed to one measurement (default 1800)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print("RESULT " + json.dumps(child(json.loads(args.child))))
        return 0
    every = wl.workloads(args.quick)
    names = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in names if w not in every]
    if unknown or not names:
        parser.error(f"--workloads must name some of {', '.join(every)}; got {args.workloads!r}")
    if args.contenders:
        wanted = {c.strip() for c in args.contenders.split(",") if c.strip()}
        known = {c for w in names for c in every[w]["contenders"]}
        if not wanted or wanted - known:
            parser.error(
                f"--contenders must name some of {', '.join(sorted(known))}; "
                f"got {args.contenders!r}"
            )
        wanted |= {"gemm", "deltaprop"}
        for w in names:
            every[w]["contenders"] = [c for c in every[w]["contenders"] if c in wanted]
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.repeat < 1:
        parser.error(f"--repeat must be >= 1; got {args.repeat}")
    report = {
        "command": " ".join(
            [Path(sys.argv[0]).name] + (argv if argv is not None else sys.argv[1:])
        ),
        "quick": args.quick,
        "repeat": args.repeat,
        "machine": machine(),
        "workloads": {},
    }
    report["mode"] = args.mode
    started = time.perf_counter()
    modes = ("warm", "fresh") if args.mode == "both" else (args.mode,)
    with tempfile.TemporaryDirectory(prefix="deltaprop-bench-caches-") as root:
        args.cache_root = root
        for mode in modes:
            for name in names:
                if mode == "fresh" and name == "scale":
                    continue  # the same process as W1's, at other sizes
                print(f"{name} ({mode}): {every[name]['title']}", file=sys.stderr)
                block = run_workload(name, every[name], args, fresh=mode == "fresh")
                block["fresh"] = mode == "fresh"
                key = name if mode == "warm" else f"{name} fresh"
                report["workloads"][key] = block
    report["wall_s"] = time.perf_counter() - started
    text = "\n\n".join(markdown(n.split()[0], b) for n, b in report["workloads"].items())
    print(text)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
