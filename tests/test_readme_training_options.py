"""The README's "Training options" example runs as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::deltaprop.errors.ConvergenceWarning")  # 12 epochs, a demo
def test_training_options_example_runs(tmp_path, monkeypatch, capsys):
    text = README.read_text()
    section = text.split("## Training options", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "run.ckpt").exists() and (tmp_path / "log.csv").exists()
    accuracy = float(capsys.readouterr().out.split()[0])
    assert accuracy > 0.8
