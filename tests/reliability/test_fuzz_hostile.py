"""Generators for the classes of issue 16: ZIP structure, ``.npy`` headers, config values,
checkpoint state values, special files. Every generated file must be loaded or refused with
the loader's documented error, within the stated bounds (no other exception, no allocation
beyond a few MiB of the process's peak memory, no hang: FIFOs are among the inputs).

Examples per test: ``DELTAPROP_FUZZ_EXAMPLES`` (default 50 here: the module runs in seconds).
"""

from __future__ import annotations

import copy
import io
import json
import math
import os
import resource
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deltaprop as dp
from deltaprop.errors import DataError, InputError, ModelFileError
from deltaprop.io.checkpoint import read_checkpoint, write_checkpoint
from deltaprop.io.data import read_data

EXAMPLES = int(os.environ.get("DELTAPROP_FUZZ_EXAMPLES", 50))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float32)
Y = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=np.float32)
PEAK_GROWTH_MIB = 64


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-hostile")
    net = dp.Sequential([dp.nn.Standardize(), dp.Dense(3, "tanh"), dp.Dense(1)], seed=0)
    net.fit(X, Y, epochs=2, seed=0, checkpoint=str(folder / "run.ckpt"))
    net.save(folder / "net.dpm")
    with zipfile.ZipFile(folder / "net.dpm") as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    checkpoint = read_checkpoint(folder / "run.ckpt")
    return {"folder": folder, "members": members, "checkpoint": checkpoint}


def _raw_zip(entries) -> bytes:
    """A ZIP written field by field: each entry (name, data, declared size, method, crc)."""
    out = io.BytesIO()
    central = []
    for name, data, size, method, crc in entries:
        offset = out.tell()
        raw = name.encode("utf-8", "surrogatepass")
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data),
                              size, len(raw), 0))  # fmt: skip
        out.write(raw + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0,
                                   crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                          out.tell() - start, start, 0))  # fmt: skip
    return out.getvalue()


def _entry(name: str, data: bytes, method: int, size: int | None = None):
    stored = data if method == zipfile.ZIP_STORED else zlib.compress(data)[2:-4]
    return (name, stored, len(data) if size is None else size, method, zlib.crc32(data))


def _check_load(path: Path, load=dp.load, allowed=(ModelFileError,)):
    before = _peak_mib()
    try:
        load(path)
    except allowed:
        pass
    assert _peak_mib() - before < PEAK_GROWTH_MIB


NAMES = st.one_of(
    st.sampled_from(["config.npy", "tensors/layers.1.weight.npy", "tensors/x.npy", "junk",
                     "../evil.npy", "/abs.npy", "tensors/.npy", "X.npy", "y.npy"]),
    st.text(min_size=0, max_size=40),
)
METHODS = st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                           zipfile.ZIP_LZMA, 99])  # fmt: skip
SIZES = st.one_of(st.none(), st.integers(0, 2**32 - 1), st.sampled_from([0, 2**31, 2**32 - 1]))


@FUZZ
@given(draw=st.data())
def test_zip_structure(files, draw, tmp_path_factory):
    """Members added, dropped, duplicated, renamed, recompressed, resized (declared)."""
    members = list(files["members"].items())
    entries = []
    for name, data in members:
        if draw.draw(st.booleans()):
            name = draw.draw(st.one_of(st.just(name), NAMES))
        method = draw.draw(METHODS)
        if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            entries.append((name, data[:64], draw.draw(SIZES) or len(data), method, 0))
        else:
            entries.append(_entry(name, data, method, draw.draw(SIZES)))
    for _ in range(draw.draw(st.integers(0, 3))):
        entries.insert(draw.draw(st.integers(0, len(entries))), draw.draw(st.sampled_from(entries)))
    folder = tmp_path_factory.mktemp("zip")
    for suffix, load, allowed in ((".dpm", dp.load, (ModelFileError,)),
                                  (".ckpt", read_checkpoint, (ModelFileError,)),
                                  (".npz", read_data, (DataError,))):  # fmt: skip
        path = folder / f"f{suffix}"
        path.write_bytes(_raw_zip(entries))
        _check_load(path, load, allowed)


SHAPES = st.lists(st.integers(-(2**40), 2**40), min_size=0, max_size=70).map(tuple)
DTYPES = st.sampled_from(["<f4", "<f8", "<i8", "|u1", "|b1", "<c8", "|O", "<U3", "|V8", "<M8",
                          ">f4", "f4", "<f2"])  # fmt: skip


def _npy(descr: str, fortran, shape, body: bytes) -> bytes:
    header = repr({"descr": descr, "fortran_order": fortran, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


@FUZZ
@given(descr=DTYPES, fortran=st.sampled_from([False, True, 0, "x"]), shape=SHAPES,
       body=st.binary(max_size=256))  # fmt: skip
def test_npy_headers(files, descr, fortran, shape, body, tmp_path_factory):
    npy = _npy(descr, fortran, shape, body)
    folder = tmp_path_factory.mktemp("npy")
    members = dict(files["members"])
    members["tensors/layers.1.weight.npy"] = npy
    path = folder / "m.dpm"
    path.write_bytes(_raw_zip([_entry(n, d, zipfile.ZIP_DEFLATED) for n, d in members.items()]))
    _check_load(path)
    data = folder / "d.npy"
    data.write_bytes(npy)
    _check_load(data, read_data, (DataError,))


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**45), 10**45),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12,
)  # fmt: skip


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*prefix, i))


def _replace(value, path, new):
    if not path:
        return new
    target = value
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return value


@FUZZ
@given(draw=st.data())
def test_config_values(files, draw, tmp_path_factory):
    """Any field of a model's config replaced by any JSON value (nested, huge, odd types)."""
    members = dict(files["members"])
    config = json.loads(np.load(io.BytesIO(members["config.npy"])).tobytes())
    paths = list(_paths(config))
    path = draw.draw(st.sampled_from(paths[1:]))
    config = _replace(config, path, draw.draw(JSON_VALUES))
    text = json.dumps(config)
    buffer = io.BytesIO()
    np.save(buffer, np.frombuffer(text.encode(), dtype=np.uint8))
    members["config.npy"] = buffer.getvalue()
    target = tmp_path_factory.mktemp("config") / "m.dpm"
    target.write_bytes(_raw_zip([_entry(n, d, zipfile.ZIP_DEFLATED) for n, d in members.items()]))
    _check_load(target)


STATE_VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from([math.inf, -math.inf, math.nan, -1, 0, 2**63, 10**30, "1", [], {}, None]),
)


@FUZZ
@given(draw=st.data())
def test_state_values(files, draw, tmp_path_factory):
    """Any field of a checkpoint's state replaced: the resume is either accepted (the value
    was valid) or refused with an input error; never another exception."""
    state = copy.deepcopy(files["checkpoint"]["state"])
    paths = [p for p in _paths(state) if p and not isinstance(_get(state, p), np.ndarray)]
    path = draw.draw(st.sampled_from(paths))
    state = _replace(state, path, draw.draw(STATE_VALUES))
    route = draw.draw(st.sampled_from(["dict", "file"]))
    resume = state
    if route == "file":
        resume = tmp_path_factory.mktemp("state") / "s.ckpt"
        try:
            write_checkpoint(resume, state, files["checkpoint"]["model"])
        except (TypeError, ValueError):
            return  # not JSON-able (the writer's own business: a state fit never produces)
    net = dp.Sequential([dp.nn.Standardize(), dp.Dense(3, "tanh"), dp.Dense(1)], seed=0)
    try:
        net.fit(X, Y, epochs=3, seed=0, resume=resume)
    except InputError:
        pass


def _get(value, path):
    for key in path:
        value = value[key]
    return value


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "dev-null", "dir", "dangling-link"])
@pytest.mark.parametrize("suffix", [".dpm", ".ckpt", ".npz", ".npy", ".csv", ".json", ".toml"])
def test_special_files(tmp_path, kind, suffix):
    from deltaprop.errors import SpecError
    from deltaprop.explanation.spec import load_spec

    path = tmp_path / f"special{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dir":
        path.mkdir()
    elif kind == "dangling-link":
        path.symlink_to(tmp_path / "nowhere")
    else:
        device = "/dev/zero" if kind == "dev-zero" else "/dev/null"
        if not os.path.exists(device):
            pytest.skip(f"no {device}")
        path.symlink_to(device)
    loaders = {".dpm": (dp.load, ModelFileError), ".ckpt": (read_checkpoint, ModelFileError),
               ".json": (load_spec, SpecError), ".toml": (load_spec, SpecError)}
    load, error = loaders.get(suffix, (read_data, DataError))
    with pytest.raises(error):
        load(path)
