"""The README's "Deploy with ONNX" example runs as written and prints what it says."""

import re
from pathlib import Path

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

README = Path(__file__).resolve().parents[1] / "README.md"


def test_onnx_example_runs(capsys, tmp_path, monkeypatch):
    section = README.read_text().split("## Deploy with ONNX", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "['setosa' 'versicolor' 'virginica']"
    expected = scope["net"].predict_proba(scope["iris"].X[[0, 60, 120]])
    assert abs(scope["probabilities"] - expected).max() < 1e-5
    assert (tmp_path / "iris.onnx").is_file()
