"""Run a scenario of worker.py under ``mpiexec -n 2`` as a subprocess, with a timeout.

pytest itself never runs under mpiexec. Every test here is skipped when mpi4py or an
``mpiexec`` is missing (``pip install "deltaprop[mpi]"`` provides both).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deltaprop.cli.launch import find_mpiexec

HERE = Path(__file__).resolve().parent
WORKER = HERE / "worker.py"
TIMEOUT = 60


def _worker_module():
    spec = importlib.util.spec_from_file_location("distributed_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def worker():
    """worker.py as a module, for the one-process reference runs."""
    return _worker_module()


@pytest.fixture(scope="session")
def mpiexec():
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip("mpi4py is not installed (pip install 'deltaprop[mpi]')")
    path = find_mpiexec()
    if path is None:
        pytest.skip("no mpiexec found (pip install 'deltaprop[mpi]')")
    return path


def clean_env(**extra) -> dict:
    """The environment of the test process, one BLAS thread per process, plus ``extra``."""
    env = dict(os.environ)
    env.pop("DELTAPROP_WORLD_SIZE", None)
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    env.update(extra)
    return env


@pytest.fixture
def run_workers(mpiexec, tmp_path):
    """run_workers(scenario, n=2, env=None, wdirs=None) -> CompletedProcess of mpiexec running
    worker.py; ``wdirs`` gives each process its own working directory."""

    def run(scenario, n=2, env=None, timeout=TIMEOUT, wdirs=None, wait=True):
        command = worker_command(mpiexec, scenario, tmp_path, n, wdirs)
        if not wait:
            return subprocess.Popen(
                command,
                env=clean_env(**(env or {})),
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=clean_env(**(env or {}))
        )

    return run


def worker_command(mpiexec, scenario, out, n=2, wdirs=None) -> list:
    program = [sys.executable, "-m", "mpi4py", str(WORKER), scenario, str(out), "mpi"]
    if wdirs is None:
        return [mpiexec, "-n", str(n), *program]
    command = [mpiexec]
    for folder in wdirs:  # MPMD: one process per working directory
        command += [*(["-n", "1", "-wdir", str(folder)]), *program, ":"]
    return command[:-1]
