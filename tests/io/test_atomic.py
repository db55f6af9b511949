"""Atomic writes give a file the permissions open() would: 0666 & ~umask when new, the old
mode when replacing one (not mkstemp's 0600)."""

import os
import stat

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import main
from deltaprop.io.atomic import atomic_write

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture
def umask():
    old = os.umask(0o022)
    try:
        yield lambda mask: os.umask(mask)
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_gets_0666_less_the_umask(tmp_path, umask):
    with atomic_write(tmp_path / "a.bin") as fh:
        fh.write(b"x")
    assert mode(tmp_path / "a.bin") == 0o644
    umask(0o027)
    with atomic_write(tmp_path / "b.bin") as fh:
        fh.write(b"x")
    assert mode(tmp_path / "b.bin") == 0o640


def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    path = tmp_path / "a.txt"
    path.write_text("old")
    os.chmod(path, 0o664)
    with atomic_write(path, "w") as fh:
        fh.write("new")
    assert path.read_text() == "new" and mode(path) == 0o664


def test_model_checkpoint_and_predictions_files(tmp_path, umask, capsys):
    X = np.linspace(-1, 1, 8).reshape(-1, 1)
    net = dp.Sequential([dp.Dense(1, in_features=1)], seed=0)
    net.fit(X, 2 * X, epochs=1, checkpoint=tmp_path / "run.ckpt")
    net.save(tmp_path / "m.dpm")
    (tmp_path / "x.csv").write_text("x\n" + "\n".join(f"{v:.3f}" for v in X[:, 0]) + "\n")
    preds = tmp_path / "p.csv"
    assert (
        main(["predict", str(tmp_path / "m.dpm"), str(tmp_path / "x.csv"), "-o", str(preds)]) == 0
    )
    for name in ("run.ckpt", "m.dpm", "p.csv"):
        assert mode(tmp_path / name) == 0o644, name
    os.chmod(tmp_path / "m.dpm", 0o640)
    net.save(tmp_path / "m.dpm")
    assert mode(tmp_path / "m.dpm") == 0o640
