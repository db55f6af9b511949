"""Hostile model files: random bytes, truncations and mutations of a valid file must give a
ModelFileError (or load, if the damage missed everything that matters), never another error."""

import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deltaprop as dp
from deltaprop.errors import ModelFileError


@pytest.fixture(scope="module")
def valid_bytes(tmp_path_factory):
    net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2, "softmax")], seed=0)
    net.build(4)
    net.loss = dp.losses.get("cross_entropy")
    path = tmp_path_factory.mktemp("valid") / "net.dpm"
    net.save(path)
    return path.read_bytes()


def _load(tmp_path, data: bytes):
    path = tmp_path / "fuzzed.dpm"
    path.write_bytes(data)
    try:
        dp.load(path)
    except ModelFileError:
        pass


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes(tmp_path, data):
    _load(tmp_path, data)


@FUZZ
@given(st.data())
def test_truncated(tmp_path, valid_bytes, data):
    cut = data.draw(st.integers(0, len(valid_bytes) - 1))
    _load(tmp_path, valid_bytes[:cut])


@FUZZ
@given(st.data())
def test_mutated(tmp_path, valid_bytes, data):
    buf = bytearray(valid_bytes)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(buf) - 1))
        buf[i] = data.draw(st.integers(0, 255))
    _load(tmp_path, bytes(buf))


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _npy_header(shape, dtype="<f4"):
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}"
    header = header.ljust(118) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()


def test_declared_size_larger_than_the_file(tmp_path, valid_bytes):
    good = tmp_path / "good.dpm"
    good.write_bytes(valid_bytes)
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in members if n.startswith("tensors/"))
    members[name] = _npy_header((10**12,)) + b"\x00" * 16  # claims 4 TB, holds 16 bytes
    bad = tmp_path / "bad.dpm"
    _write_zip(bad, members)
    with pytest.raises(ModelFileError, match="declares shape"):
        dp.load(bad)


def test_object_arrays_are_refused(tmp_path, valid_bytes):
    good = tmp_path / "good.dpm"
    good.write_bytes(valid_bytes)
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in members if n.startswith("tensors/"))
    members[name] = _npy_header((1,), "|O") + b"\x00" * 8
    bad = tmp_path / "bad.dpm"
    _write_zip(bad, members)
    with pytest.raises(ModelFileError, match="only numbers"):
        dp.load(bad)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda c: c.update(format="something-else"),
            "not a deltaprop-model or deltaprop-checkpoint file",
        ),
        (lambda c: c.update(format_version=99), "format_version 99"),
        (lambda c: c["architecture"]["layers"][1].update(units=5), "the architecture needs"),
        (lambda c: c["architecture"]["layers"][0].update(units=7), "got inputs with 7"),
        (lambda c: c["architecture"]["layers"][0].update(type="Conv2D"), "unknown type 'Conv2D'"),
        (lambda c: c["architecture"].update(dtype="int8"), "invalid architecture"),
        (lambda c: c.update(loss={"name": "hinge"}), "invalid loss"),
    ],
)
def test_inconsistent_configs(tmp_path, valid_bytes, change, message):
    import json

    good = tmp_path / "good.dpm"
    good.write_bytes(valid_bytes)
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    raw = np.lib.format.read_array(__import__("io").BytesIO(members["config.npy"]))
    config = json.loads(raw.tobytes())
    change(config)
    buf = __import__("io").BytesIO()
    np.lib.format.write_array(buf, np.frombuffer(json.dumps(config).encode(), np.uint8))
    members["config.npy"] = buf.getvalue()
    bad = tmp_path / "bad.dpm"
    _write_zip(bad, members)
    with pytest.raises(ModelFileError, match=message):
        dp.load(bad)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        dp.load(tmp_path / "nope.dpm")
    with pytest.raises(ModelFileError, match="is a directory"):
        dp.load(tmp_path)
