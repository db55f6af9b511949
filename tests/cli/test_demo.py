"""deltaprop demo: trains on the digits, reports test accuracy, and shows one traced step."""

import math
import re

from deltaprop.cli import main


def _logistic(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_demo_trains_reports_accuracy_and_shows_one_step(capsys):
    assert main(["demo", "--epochs", "5", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert len(re.findall(r"^epoch \d+/5 - loss", out, flags=re.M)) == 5  # progress per epoch
    accuracy = float(re.search(r"test accuracy ([0-9.]+)", out).group(1))
    assert accuracy > 0.9

    # The w5 step, recomputed here in plain Python from SPEC.md section 5's numbers.
    h1 = _logistic(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    h2 = _logistic(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    o1 = _logistic(0.40 * h1 + 0.45 * h2 + 0.60)
    grad = (o1 - 0.01) * o1 * (1 - o1) * h1
    step = out[out.index("weight w5") :]
    shown = [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", step)]
    for expected in (o1, grad, 0.40 - 0.5 * grad):
        assert any(abs(v - expected) <= 1e-9 * max(1.0, abs(expected)) for v in shown), expected
    assert all(len(line) <= 100 for line in out.splitlines())


def test_a_reader_that_goes_away_ends_the_demo_quietly():
    """`deltaprop demo | head -2`: no BrokenPipeError traceback, exit status 141."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "deltaprop", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away after one line
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
