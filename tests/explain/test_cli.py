"""The explain and gradcheck subcommands, in process and once as a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from deltaprop.cli import main
from deltaprop.engine.ops import activations

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_explain_one_weight_json_to_file(tmp_path):
    out = tmp_path / "one.json"
    assert (
        main(["explain", "--example", "one-weight", "--format", "json", "--output", str(out)]) == 0
    )
    data = json.loads(out.read_text())
    assert data["schema_version"] == 1 and data["descent"][0]["new"] == 2.5


def test_explain_spec_file_markdown(capsys):
    assert (
        main(["explain", str(EXAMPLES / "xor-2-2-1.json"), "--format", "markdown", "--steps", "2"])
        == 0
    )
    out = capsys.readouterr().out
    assert "## Step 2" in out and "| w5 |" in out


def test_explain_usage_errors(capsys, tmp_path):
    assert main(["explain"]) == 2
    assert "needs a SPEC file or --example" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"inputs": [[1]], "targets": [[1]], "layers": [{"units": 1}]}))
    assert main(["explain", str(bad)]) == 2
    assert "layers[0].weights is missing" in capsys.readouterr().err


def test_gradcheck_random_and_spec(capsys):
    assert main(["gradcheck", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "layer 1 (logistic)" in out and "ok: every gradient agrees" in out
    assert main(["gradcheck", str(EXAMPLES / "xor-2-2-1.json")]) == 0


def test_gradcheck_exits_1_on_a_wrong_derivative(monkeypatch, capsys):
    def wrong(self, g, out, x):
        return (g * out,)  # missing the (1 - out) factor

    monkeypatch.setattr(activations.Logistic, "vjp", wrong)
    assert main(["gradcheck"]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_subprocess_explain_one_weight():
    result = subprocess.run(
        [sys.executable, "-m", "deltaprop", "explain", "--example", "one-weight"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "net_y = W*x = 3*2 = 6 [example 3]" in result.stdout
    last = result.stdout.split("after 10 steps W = ")[1].split()[0].rstrip(".")
    assert np.isclose(float(last), 2.0009765625)
