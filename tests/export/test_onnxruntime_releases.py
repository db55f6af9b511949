"""tools/onnxruntime_releases.py: its cases run in the installed onnxruntime with deltaprop's
answers (the tool runs the same cases in other releases; docs/onnx.md records them)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

TOOL = Path(__file__).resolve().parents[2] / "tools" / "onnxruntime_releases.py"


def _tool():
    spec = importlib.util.spec_from_file_location("onnxruntime_releases", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_case_runs_in_the_installed_onnxruntime(tmp_path):
    tool = _tool()
    manifest = tool.write_cases(tmp_path, opsets=[17, 21])
    assert len(manifest) == 16
    runner = tmp_path / "runner.py"
    runner.write_text(tool.RUNNER)
    done = subprocess.run([sys.executable, runner, tmp_path], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert results == {case["file"]: "ok" for case in manifest}


def test_a_wrong_answer_is_reported(tmp_path):
    tool = _tool()
    manifest = tool.write_cases(tmp_path, opsets=[17])
    first = manifest[0]
    import numpy as np

    expected = dict(np.load(tmp_path / first["expected"]))
    expected["probabilities"] = expected["probabilities"] + 1e-3
    np.savez(tmp_path / first["expected"], **expected)
    runner = tmp_path / "runner.py"
    runner.write_text(tool.RUNNER)
    done = subprocess.run([sys.executable, runner, tmp_path], capture_output=True, text=True)
    results = json.loads(done.stdout)["results"]
    assert results[first["file"]] == "AssertionError: probabilities differs from deltaprop's"


def test_the_table(capsys):
    tool = _tool()
    rows = [
        {
            "version": "9.9.9",
            "results": {
                "a-opset17.onnx": "ok",
                "b-opset17.onnx": "Fail: x",
                "c-opset17.onnx": "Fail: x",
            },
        },
        {"version": "0.1", "install": ["ERROR: no matching distribution"]},
    ]
    text = tool.table(rows, [17])
    assert "| 9.9.9 | 1 of 3 ok; b, c: Fail: x |" in text
    assert "| 0.1 | not installed: ERROR: no matching distribution |" in text
