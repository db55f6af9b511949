"""deltaprop launch and deltaprop train --distributed mpi, as real MPI jobs of 2 processes."""

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import launch, main

from .conftest import WORKER, clean_env

TRAIN = ["--target", "species", "--hidden", "8", "--epochs", "3", "--batch-size", "16"]


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    path = tmp_path_factory.mktemp("iris") / "iris.csv"
    assert main(["datasets", "export", "iris", str(path)]) == 0
    return path


def _deltaprop(*args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "deltaprop", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(),
    )


def _weights(path):
    return {name: p.data for name, p in dp.load(path).named_parameters()}


@pytest.mark.slow
def test_launched_training_equals_one_process_and_reports_once(mpiexec, iris, tmp_path):
    # 150 rows in batches of 16: the last batch (6 rows) is split 3/3, the others 8/8
    model = tmp_path / "two.dpm"
    done = _deltaprop(
        "launch", "-n", 2, "--", "deltaprop", "train", iris, *TRAIN,
        "--distributed", "mpi", "--out", model, "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)  # one JSON object: only process 0 printed it
    assert summary["epochs"] == 3 and summary["n_train"] == 150
    assert done.stderr.count("epoch 3/3") == 1  # one progress display
    single = tmp_path / "one.dpm"
    assert main(["train", str(iris), *TRAIN, "--out", str(single), "--quiet"]) == 0
    want = _weights(single)
    got = _weights(model)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=1e-5, err_msg=name)


@pytest.mark.slow
def test_train_checkpoint_then_resume_on_two_processes_equals_one_run(mpiexec, iris, tmp_path):
    ckpt = tmp_path / "run.ckpt"
    launch = ["launch", "-n", 2, "--", "deltaprop", "train", iris, *TRAIN, "--distributed", "mpi"]
    first = _deltaprop(*launch, "--epochs", 2, "--checkpoint", ckpt, "--out", tmp_path / "a.dpm")
    assert first.returncode == 0, first.stderr[-3000:]
    rest = _deltaprop(*launch, "--epochs", 5, "--resume", ckpt, "--out", tmp_path / "b.dpm")
    assert rest.returncode == 0, rest.stderr[-3000:]
    single = tmp_path / "one.dpm"
    assert main(["train", str(iris), *TRAIN, "--epochs", "5", "--out", str(single), "--quiet"]) == 0
    want = _weights(single)
    got = _weights(tmp_path / "b.dpm")
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=1e-5, err_msg=name)


@pytest.mark.slow
def test_only_process_0_writes_the_model(mpiexec, iris, tmp_path):
    folders = [tmp_path / "rank0", tmp_path / "rank1"]
    program = [sys.executable, "-m", "mpi4py", "-m", "deltaprop", "train", str(iris), *TRAIN]
    program += ["--distributed", "mpi", "--out", "m.dpm", "--quiet"]
    command = [mpiexec]
    for folder in folders:
        folder.mkdir()
        command += ["-n", "1", "-wdir", str(folder), *program, ":"]
    done = subprocess.run(command[:-1], capture_output=True, text=True, timeout=60, env=clean_env())
    assert done.returncode == 0, done.stderr[-3000:]
    assert [p.name for p in folders[0].iterdir()] == ["m.dpm"]
    assert list(folders[1].iterdir()) == []


@pytest.mark.slow
def test_launch_runs_a_script_and_passes_on_its_failure(mpiexec, tmp_path):
    ok = _deltaprop("launch", "-n", 2, "--", WORKER, "sgd", tmp_path, "mpi")
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert {p.name for p in tmp_path.iterdir()} == {"weights-0.npz", "weights-1.npz"}
    failed = _deltaprop("launch", "-n", 2, "--", "python", WORKER, "raise", tmp_path, "mpi")
    assert failed.returncode != 0
    assert "deliberate failure in process 1" in failed.stderr


@pytest.mark.slow
def test_a_usage_error_in_the_workers_is_the_jobs_exit_code(mpiexec, tmp_path):
    done = _deltaprop(
        "launch", "-n", 2, "--", "deltaprop", "train", tmp_path / "none.csv",
        "--distributed", "mpi", "--out", tmp_path / "m.dpm",
    )  # fmt: skip
    assert done.returncode == 2
    assert "does not exist" in done.stderr


@pytest.mark.slow
def test_a_foreign_mpiexec_that_starts_lone_processes_is_caught(mpiexec, tmp_path):
    # An mpiexec of another MPI library starts N one-process jobs; this stand-in starts one.
    fake = tmp_path / "mpiexec"
    fake.write_text('#!/bin/sh\nshift 2\nexec "$@"\n')
    fake.chmod(0o755)
    done = _deltaprop("launch", "-n", 2, "--mpiexec", fake, "--", WORKER, "sgd", tmp_path, "mpi")
    assert done.returncode != 0
    assert "the MPI world size must be 2 (deltaprop launch -n 2); got 1" in done.stderr


@pytest.mark.slow
def test_a_hostfile_is_passed_to_mpiexec(mpiexec, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("localhost:2\n")
    done = _deltaprop("launch", "-n", 2, "--hostfile", hosts, "--", WORKER, "adam", tmp_path, "mpi")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "weights-1.npz").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--mpiexec", "/no/such/mpiexec", "--", "deltaprop", "train"], "--mpiexec must be"),
        (["--"], "launch needs a command after --"),
        (["--", "ls", "-l"], "must be 'deltaprop ...' or a Python script"),
        (["--hostfile", "/no/such/hosts", "--", "deltaprop", "train"], "--hostfile must be"),
    ],
)
def test_launch_usage_errors_exit_2(argv, message, capsys):
    if importlib.util.find_spec("mpi4py") is None and "--hostfile" in argv:
        pytest.skip("the hostfile is checked after mpi4py")
    assert main(["launch", "-n", "2", *argv]) == 2
    assert message in capsys.readouterr().err


def test_launch_without_mpi4py_or_mpiexec_says_how_to_install(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mpi4py" else real(name, *a)
    )
    assert main(["launch", "-n", "2", "--", "deltaprop", "train"]) == 2
    assert 'pip install "deltaprop[mpi]"' in capsys.readouterr().err
    monkeypatch.setattr(importlib.util, "find_spec", real)
    monkeypatch.setattr(launch, "find_mpiexec", lambda explicit=None: None)
    assert main(["launch", "-n", "2", "--", "deltaprop", "train"]) == 2
    assert "launch needs an mpiexec" in capsys.readouterr().err


def test_train_without_mpi4py_is_a_usage_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now raises ImportError
    args = ["train", str(tmp_path / "d.csv"), "--distributed", "mpi", "--out", "m.dpm"]
    assert main(args) == 2
    assert 'distributed="mpi" needs mpi4py' in capsys.readouterr().err
