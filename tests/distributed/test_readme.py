"""The README's "Training on several machines" script runs under deltaprop launch -n 2."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deltaprop as dp

from .conftest import clean_env

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.slow
def test_the_readme_script_on_two_processes_equals_one(mpiexec, tmp_path):
    section = README.read_text().split("## Training on several machines", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    runs = {}
    for name, command in {
        "two": [sys.executable, "-m", "deltaprop", "launch", "-n", "2", "--", "python"],
        "one": [sys.executable],  # distributed="mpi" in a lone process: an MPI job of size 1
    }.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "train.py").write_text(code)
        done = subprocess.run(
            [*command, "train.py"], cwd=folder, capture_output=True, text=True, timeout=120,
            env=clean_env(),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        runs[name] = dict(dp.load(folder / "digits.dpm").named_parameters())
    for name, p in runs["one"].items():
        np.testing.assert_allclose(runs["two"][name].data, p.data, rtol=0, atol=1e-5)
