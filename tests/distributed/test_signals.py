"""Signals and silent processes in a 2-process job (issue 16, class 9): a signal to any one
process stops every process after the same batch and process 0 saves before the job ends;
the launcher forwards signals to the job and takes it down with itself; a process that stops
answering ends the job after DELTAPROP_MPI_TIMEOUT seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import deltaprop as dp

from .conftest import clean_env

pytestmark = pytest.mark.slow

WORKER = Path(__file__).resolve().parent / "signal_worker.py"


@pytest.fixture
def job(mpiexec, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n" + "".join(f"{i % 7},{(i * 3) % 5},{i % 2}\n" for i in range(200)))
    script = WORKER

    def start(rank=None, name=None, epochs=6, extra_env=None, command=None):
        train = ["train", str(data), "--target", "y", "--hidden", "8", "--epochs", str(epochs),
                 "--distributed", "mpi", "--quiet", "--out", str(tmp_path / "m.dpm"),
                 "--checkpoint", str(tmp_path / "run.ckpt")]  # fmt: skip
        program = command or [str(script)]
        env = clean_env(**{"TEST_RANK": str(rank if rank is not None else -1),
                           "TEST_SLOW_SAVE": "1", "TEST_SIGNAL": name or "SIGTERM",
                           **(extra_env or {})})
        return subprocess.Popen(
            [sys.executable, "-m", "deltaprop", "launch", "-n", "2", "--", *program, *train],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip

    return start


def _loads(path: Path) -> bool:
    return dp.load(path).predict(np.zeros((1, 2), dtype=np.float32)).shape == (1,)


def _job_processes(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (this test's folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("rank", [0, 1])
@pytest.mark.parametrize("name, status", [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_to_one_process_stops_all_and_process_0_saves(job, tmp_path, rank, name, status):
    process = job(rank=rank, name=name, epochs=200)
    _, err = process.communicate(timeout=240)
    assert process.returncode == status, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert _loads(tmp_path / "m.dpm")
    assert dp.io.checkpoint.read_checkpoint(tmp_path / "run.ckpt")["state"]["epoch"] == 2


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
@pytest.mark.parametrize("name, status", [("SIGTERM", 143), ("SIGINT", 130), ("SIGHUP", 143)])
def test_a_signal_to_the_launcher_reaches_every_process(job, tmp_path, name, status):
    process = job(epochs=100000, command=["deltaprop"])
    checkpoint = tmp_path / "run.ckpt"
    deadline = time.monotonic() + 180
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert checkpoint.exists(), "training did not start"
    process.send_signal(getattr(signal, name))  # to the launcher alone
    _, err = process.communicate(timeout=120)
    assert process.returncode == status, err[-3000:]
    assert _loads(tmp_path / "m.dpm")
    time.sleep(1)
    assert _job_processes(str(tmp_path)) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_launcher_takes_the_job_with_it_and_the_model_is_saved(job, tmp_path):
    process = job(epochs=100000, command=["deltaprop"])
    checkpoint = tmp_path / "run.ckpt"
    deadline = time.monotonic() + 180
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert checkpoint.exists(), "training did not start"
    process.kill()  # SIGKILL: the launcher cannot forward anything
    process.communicate(timeout=30)
    deadline = time.monotonic() + 120
    while _job_processes(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _job_processes(str(tmp_path)) == []
    assert _loads(tmp_path / "m.dpm")  # mpiexec got SIGTERM and forwarded it: rank 0 saved


def test_a_process_that_stops_answering_ends_the_job_after_the_timeout(job, tmp_path):
    started = time.monotonic()
    process = job(rank=1, name="SIGSTOP", epochs=100000, extra_env={"DELTAPROP_MPI_TIMEOUT": "3",
                                                                "TEST_SLOW_SAVE": "0"})
    _, err = process.communicate(timeout=180)
    assert process.returncode != 0
    assert "stopped answering; ending the job" in err and "DELTAPROP_MPI_TIMEOUT=3 s" in err
    assert time.monotonic() - started < 150
    assert "saved the model as it stood" in err
    assert _loads(tmp_path / "m.dpm")  # process 0 saved before ending the job
    time.sleep(1)
    assert _job_processes(str(tmp_path)) == []
