"""Load speed of a large CSV: deltaprop's reader (io.table.read_columns, both engines) against
pandas.read_csv.

Writes a CSV of about ``--megabytes`` MB (19 columns of numbers with 6 significant digits,
1% of them ``NA``, and one text column of 5 categories), then reads it with each reader in
turn, each in a fresh process (the file is read once first, so that both find it in the OS
page cache), and prints wall and CPU seconds, MB/s and peak memory per reader. All do the
same work: header, delimiter ',', NA tokens, numbers to float64, text as Python strings.
"deltaprop-python" splits the file with the csv module, "deltaprop-pandas" with pandas' C
tokenizer (read_columns(engine=...)); ``--check`` also compares their columns.

    python benchmarks/csv_load.py --megabytes 1024            # the 1 GB file
    python benchmarks/csv_load.py --megabytes 100 --repeat 3  # quicker

The file goes to ``--dir`` (default: a temporary directory, removed afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

COLUMNS = 20  # 19 numeric + 1 text


def write_csv(path: Path, megabytes: float, seed: int = 0) -> int:
    """A CSV of about ``megabytes`` MB (8 different blocks of 20,000 rows, repeated); returns
    the number of data rows."""
    rng = np.random.default_rng(seed)
    header = ",".join([f"x{i}" for i in range(COLUMNS - 1)] + ["kind"]) + "\n"
    kinds = np.array(["alpha", "beta", "gamma", "delta", "epsilon"])
    blocks = []
    for _ in range(8):
        numbers = np.char.mod("%.6g", rng.normal(size=(20_000, COLUMNS - 1)) * 100)
        numbers[rng.random(numbers.shape) < 0.01] = "NA"
        kind = kinds[rng.integers(0, 5, len(numbers))]
        blocks.append("".join(",".join(r) + f",{k}\n" for r, k in zip(numbers.tolist(), kind)))
    target, rows, written = int(megabytes * 1e6), 0, len(header)
    with open(path, "w", newline="") as fh:
        fh.write(header)
        while written < target:
            block = blocks[rows // 20_000 % len(blocks)]
            fh.write(block)
            written += len(block)
            rows += 20_000
    return rows


READERS = {
    "deltaprop-python": (
        "from deltaprop.io.table import read_columns\n"
        "t = read_columns(PATH, engine='python')\nn = len(t)"
    ),
    "deltaprop-pandas": (
        "from deltaprop.io.table import read_columns\n"
        "t = read_columns(PATH, engine='pandas')\nassert t.engine == 'pandas'\nn = len(t)"
    ),
    "pandas": ("import pandas as pd\nt = pd.read_csv(PATH)\nn = len(t)"),
    "pandas-pyarrow": ("import pandas as pd\nt = pd.read_csv(PATH, engine='pyarrow')\nn = len(t)"),
}


def time_reader(name: str, path: Path) -> dict | None:
    """Wall and CPU seconds of one reader in a fresh process (None if it cannot run)."""
    code = (
        "import json, os, time\n"
        f"PATH = {str(path)!r}\n"
        "w0, c0 = time.perf_counter(), os.times()\n"
        f"{READERS[name]}\n"
        "w1, c1 = time.perf_counter(), os.times()\n"
        "cpu = (c1.user - c0.user) + (c1.system - c0.system)\n"
        "import resource\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'wall': w1 - w0, 'cpu': cpu, 'rows': n, 'peak_mb': rss}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1024.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per reader (best kept)")
    parser.add_argument("--dir", help="where to write the CSV (default: a temporary directory)")
    parser.add_argument(
        "--readers",
        default="deltaprop-python,deltaprop-pandas,pandas,pandas-pyarrow",
        help="comma-separated",
    )
    parser.add_argument(
        "--check", action="store_true", help="also check that both engines give the same columns"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "big.csv"
        start = time.perf_counter()
        rows = write_csv(path, args.megabytes)
        size = path.stat().st_size / 1e6
        print(
            f"wrote {path.name}: {size:,.0f} MB, {rows:,} rows x {COLUMNS} columns in "
            f"{time.perf_counter() - start:.1f} s; cpus {os.cpu_count()}"
        )
        with open(path, "rb") as fh:  # into the page cache for every reader alike
            while fh.read(1 << 24):
                pass
        print(f"{'reader':<16}{'wall s':>10}{'cpu s':>10}{'MB/s':>10}{'peak MB':>10}")
        for name in args.readers.split(","):
            runs = [time_reader(name, path) for _ in range(args.repeat)]
            runs = [r for r in runs if r is not None]
            if not runs:
                print(f"{name:<16}{'(not installed or failed)':>40}")
                continue
            best = min(runs, key=lambda r: r["wall"])
            assert best["rows"] == rows, (name, best["rows"], rows)
            print(
                f"{name:<16}{best['wall']:>10.2f}{best['cpu']:>10.2f}"
                f"{size / best['wall']:>10.1f}{best['peak_mb']:>10.0f}"
            )
        if args.check:
            print("engines give the same columns:", same_columns(path))
    return 0


def same_columns(path: Path) -> bool:
    """Whether read_columns gives the same names, columns and lines with both engines."""
    from deltaprop.io.table import read_columns

    a, b = read_columns(path, engine="python"), read_columns(path, engine="pandas")
    if a.names != b.names or a.mixed != b.mixed or not np.array_equal(a.lines, b.lines):
        return False
    for name in a.names:
        x, y = a[name], b[name]
        if x.dtype != y.dtype:
            return False
        if x.dtype == object and x.tolist() != y.tolist():
            return False
        if x.dtype != object and not np.array_equal(x, y, equal_nan=True):
            return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
