"""A failing or killed process ends the whole job quickly; only process 0 writes files;
a 2-process run resumed from its checkpoint ends where an uninterrupted run does."""

import os
import signal
import subprocess
import time

import numpy as np
import pytest

from deltaprop.io.checkpoint import read_checkpoint

pytestmark = pytest.mark.slow


def test_a_raising_process_aborts_the_job_and_is_named(run_workers):
    start = time.monotonic()
    done = run_workers("raise", timeout=30)
    assert done.returncode != 0
    assert "deliberate failure in process 1" in done.stderr
    assert "rank 1" in done.stderr  # MPI's abort message names the process that aborted
    assert time.monotonic() - start < 30


def test_a_world_size_other_than_launched_is_refused(run_workers):
    done = run_workers("sgd", env={"DELTAPROP_WORLD_SIZE": "3"}, timeout=30)
    assert done.returncode != 0
    assert "the MPI world size must be 3 (deltaprop launch -n 3); got 2" in done.stderr


def test_a_killed_process_ends_the_job_quickly_and_it_resumes(run_workers, worker, tmp_path):
    job = run_workers("killed", wait=False)
    try:
        pid_file = tmp_path / "pid-1"
        deadline = time.monotonic() + 30
        # process 1's pid after its epoch 1, and process 0's checkpoint of it (the processes
        # run their callbacks independently: either may come first)
        while not (pid_file.exists() and (tmp_path / "resume.ckpt").exists()):
            assert job.poll() is None, job.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the workers never finished epoch 1"
            time.sleep(0.05)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        killed = time.monotonic()
        _, stderr = job.communicate(timeout=20)
    finally:
        if job.poll() is None:  # SIGTERM first: mpiexec then ends its workers too
            job.terminate()
            try:
                job.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                job.kill()
                job.communicate()
    assert job.returncode != 0, stderr[-2000:]
    assert time.monotonic() - killed < 20
    assert not (tmp_path / "weights-0.npz").exists()  # process 0 did not train on alone
    # and the job resumes from the last checkpoint written before the kill
    epoch = read_checkpoint(tmp_path / "resume.ckpt")["state"]["epoch"]
    assert 1 <= epoch < 4
    _assert_resumes_to_uninterrupted(run_workers, worker, tmp_path)


def test_only_process_0_writes_files(run_workers, tmp_path):
    folders = [tmp_path / "rank0", tmp_path / "rank1"]
    for folder in folders:
        folder.mkdir()
    done = run_workers("files", wdirs=folders)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in folders[0].iterdir()) == ["log.csv", "run.ckpt"]
    assert list(folders[1].iterdir()) == []
    assert len(folders[0].joinpath("log.csv").read_text().splitlines()) == 1 + 4  # header
    assert read_checkpoint(folders[0] / "run.ckpt")["state"]["epoch"] == 4


def test_resuming_from_a_checkpoint_under_two_processes_equals_an_uninterrupted_run(
    run_workers, worker, tmp_path
):
    first = run_workers("resume-first")
    assert first.returncode == 0, first.stderr[-3000:]
    assert read_checkpoint(tmp_path / "resume.ckpt")["state"]["epoch"] == 2
    _assert_resumes_to_uninterrupted(run_workers, worker, tmp_path)


def _assert_resumes_to_uninterrupted(run_workers, worker, tmp_path):
    rest = run_workers("resume-rest")
    assert rest.returncode == 0, rest.stderr[-3000:]
    with np.load(tmp_path / "weights-0.npz") as f:
        resumed = {k: f[k] for k in f.files}
    uninterrupted = worker.weights(worker.train("resume", epochs=4))
    for name, want in uninterrupted.items():
        np.testing.assert_allclose(resumed[name], want, rtol=0, atol=1e-5, err_msg=name)
