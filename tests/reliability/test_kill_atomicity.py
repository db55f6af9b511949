"""kill -9 while writing: the target always holds a complete file, old or new.

A subprocess writes model files (or training checkpoints) to one path in a loop; the test
SIGKILLs it at random moments, several times, and checks that the path loads cleanly and
holds one of the versions written. A killed write may leave its temporary file (nothing runs
in a SIGKILLed process); it is named ``.<name>.<pid>.<random>.tmp`` and the next write to the
path removes it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.io.atomic import temporaries
from deltaprop.io.checkpoint import read_checkpoint

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL"),
]

KILLS = 4

MODEL_WRITER = """
import sys
import numpy as np
import deltaprop as dp

net = dp.Sequential([dp.Dense(256, "tanh"), dp.Dense(256)], seed=0)
net.build(64)
i = 0
while True:
    for p in net.parameters():
        p.data = np.random.default_rng(i).random(p.data.shape).astype(np.float32)
    net.target_name = str(i)
    net.save(sys.argv[1])
    i += 1
"""

CHECKPOINT_WRITER = """
import sys
import numpy as np
import deltaprop as dp

X = np.random.default_rng(0).random((64, 64)).astype(np.float32)
y = X.sum(axis=1, keepdims=True)
net = dp.Sequential([dp.Dense(256, "tanh"), dp.Dense(1)], seed=0)
net.fit(X, y, epochs=10**9, batch_size=64, seed=0, checkpoint=sys.argv[1])
"""


def _inode(path):
    return path.stat().st_ino if path.exists() else None


def _run_and_kill(script: str, path, rng: random.Random) -> int:
    before = _inode(path)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while _inode(path) in (None, before):  # this writer's first complete write
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the writer never wrote"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.2))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return proc.pid


def _check_model(path):
    net = dp.load(path)
    i = int(net.target_name)
    for name, value in net.state_dict().items():
        shape = value.shape
        expected = np.random.default_rng(i).random(shape).astype(np.float32)
        np.testing.assert_array_equal(value, expected, err_msg=f"{name} of version {i}")


def _check_checkpoint(path):
    state = read_checkpoint(path)["state"]
    assert state["epoch"] >= 1
    X = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    net = dp.Sequential([dp.Dense(256, "tanh"), dp.Dense(1)], seed=0)
    history = net.fit(
        X, X.sum(axis=1, keepdims=True), epochs=state["epoch"] + 1, batch_size=64, resume=path
    )
    assert len(history.history["loss"]) >= 1


@pytest.mark.parametrize(
    "script, check",
    [(MODEL_WRITER, _check_model), (CHECKPOINT_WRITER, _check_checkpoint)],
    ids=["model", "checkpoint"],
)
def test_sigkill_leaves_old_or_new_file(script, check, tmp_path):
    rng = random.Random(1234)
    path = tmp_path / "target.bin"
    for _ in range(KILLS):
        pid = _run_and_kill(script, path, rng)
        check(path)  # complete and consistent, whatever moment the kill came
        leftovers = temporaries(path)
        # Only the killed writer's temporary can be left, and it is recognisable.
        assert all(f".{pid}." in p.name for p in leftovers), leftovers
        others = set(os.listdir(tmp_path)) - {path.name} - {p.name for p in leftovers}
        assert not others, others
    # The next write to the path cleans up what killed writers left.
    net = dp.Sequential([dp.Dense(1)], seed=0)
    net.build(1)
    net.save(path)
    assert temporaries(path) == []
    assert os.listdir(tmp_path) == [path.name]


def test_a_live_writers_temporary_and_other_targets_are_kept(tmp_path):
    path = tmp_path / "net.dpm"
    live = tmp_path / f".net.dpm.{os.getppid()}.abcd1234.tmp"  # the parent process is alive
    dead = tmp_path / ".net.dpm.999999999.abcd1234.tmp"  # beyond any pid_max: never alive
    other = tmp_path / ".net.dpm.5.999999999.abcd1234.tmp"  # a writer of "net.dpm.5"
    for tmp in (live, dead, other):
        tmp.write_bytes(b"partial")
    net = dp.Sequential([dp.Dense(1)], seed=0)
    net.build(1)
    net.save(path)
    assert live.exists() and other.exists() and not dead.exists()
    dp.load(path)
