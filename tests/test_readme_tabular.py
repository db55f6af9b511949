"""README's "Tabular data" section: its penguins commands run, and print what it shows."""

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from deltaprop.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"

pytestmark = pytest.mark.slow


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Tabular data")
    return text[start : text.index("\n## ", start + 1)]


def _blocks(section: str) -> list:
    return re.findall(r"```(?:bash)?\n(.*?)```", section, flags=re.S)


def test_the_penguins_commands_run_and_score_as_claimed(tmp_path, capsys, monkeypatch):
    palmerpenguins = pytest.importorskip("palmerpenguins")
    shutil.copy(Path(palmerpenguins.__file__).parent / "data" / "penguins.csv", tmp_path)
    monkeypatch.chdir(tmp_path)
    commands, output = _blocks(_section())[:2]
    claims = {}
    for line in commands.strip().splitlines():
        command, _, comment = line.partition("#")
        words = shlex.split(command)
        if words[0] == "cp":  # the copy out of the installed package, done above
            continue
        assert words[0] == "deltaprop"
        assert main(words[1:]) == 0, line
        printed = capsys.readouterr().out
        if words[1] == "evaluate":
            assert main([*words[1:], "--json"]) == 0
            result = json.loads(capsys.readouterr().out)
            claims["accuracy"] = (result["accuracy"], comment)
        if words[1] == "info":
            for shown in output.splitlines()[1:]:
                if shown.strip() != "...":
                    assert shown in printed, shown
        if "R²" in comment:
            assert main(["evaluate", words[-1], "penguins.csv", "--json"]) == 0
            claims["r2"] = (json.loads(capsys.readouterr().out)["r2"], comment)
    accuracy, comment = claims["accuracy"]
    assert accuracy == pytest.approx(float(re.search(r"accuracy ([\d.]+)", comment)[1]), abs=0.01)
    r2, comment = claims["r2"]
    assert r2 == pytest.approx(float(re.search(r"R² ([\d.]+)", comment)[1]), abs=0.03)
    assert Path("mass.csv").exists()
