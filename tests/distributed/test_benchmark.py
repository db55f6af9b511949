"""benchmarks/distributed.py --quick end to end: 1 and 2 processes timed, the JSON written."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import clean_env

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "distributed.py"


@pytest.mark.slow
def test_quick_throughput_of_one_and_two_processes(mpiexec, tmp_path):
    if not SCRIPT.exists():
        pytest.skip("benchmarks/ is not part of this installation")
    out = tmp_path / "distributed.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--repeat", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["quick"] is True and report["workload"] == "W1"
    one, two = report["results"]
    assert (one["ranks"], two["ranks"]) == (1, 2)
    for row in (one, two):
        assert len(row["times"]) == 1 and row["median_s"] > 0
        assert row["rows_per_s"] == pytest.approx(4096 / row["median_s"])
    assert one["allreduce_s"] == 0.0  # one process sums nothing
    assert 0 < two["allreduce_s"] < two["median_s"]
    assert one["speedup"] == 1.0
    assert two["speedup"] == pytest.approx(two["rows_per_s"] / one["rows_per_s"])
    # the same training whatever the number of processes: the same epoch loss
    assert two["final_loss"][0] == pytest.approx(one["final_loss"][0], rel=1e-5)
    assert "| 2 |" in done.stdout and "speedup" in done.stdout
