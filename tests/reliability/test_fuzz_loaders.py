"""Hostile files: every loader, and the command line, fed random bytes and mutated valid files.

Each loader may load the file (when the damage missed everything that matters) or raise its
documented exception; anything else (an IndexError, a MemoryError, a NumPy traceback) fails.
The command line may only return 0, 1 or 2, with no traceback on stderr.

Mutations: bit flips, byte overwrites, truncation, extension, insertion and deletion of bytes;
for ZIP-based files also edits *inside* a member (past the CRC, so the semantic checks are
reached) and declared sizes larger than the file (ZIP size fields, ``.npy`` header shapes).

The number of examples per test comes from ``DELTAPROP_FUZZ_EXAMPLES`` (default
``CI_EXAMPLES``, which keeps this module under a minute). A long local run::

    DELTAPROP_FUZZ_EXAMPLES=20000 python -m pytest tests/reliability/test_fuzz_loaders.py
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import pickle
import re
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deltaprop as dp
from deltaprop.cli import main as cli_main
from deltaprop.errors import DataError, DeltapropError, ModelFileError, SpecError
from deltaprop.explanation.spec import load_spec
from deltaprop.io.checkpoint import read_checkpoint
from deltaprop.io.data import read_data
from deltaprop.io.idx import read_idx

CI_EXAMPLES = 100
EXAMPLES = int(os.environ.get("DELTAPROP_FUZZ_EXAMPLES", CI_EXAMPLES))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float32)
LABELS = np.array(["no", "yes", "yes", "no"])

SPEC_JSON = json.dumps(
    {
        "title": "xor",
        "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
        "targets": [[0], [1], [1], [0]],
        "layers": [
            {"units": 2, "activation": "logistic", "weights": [[0.1, 0.2], [0.3, 0.4]]},
            {"units": 1, "activation": "logistic", "weights": [[0.5, 0.6]]},
        ],
        "lr": 0.5,
        "update_biases": True,
        "names": {"neurons": [["i1", "i2"], ["h1", "h2"], ["o1"]]},
    }
).replace('"weights": [[0.1', '"biases": [0.1, 0.2], "weights": [[0.1')
SPEC_JSON = SPEC_JSON.replace('"weights": [[0.5', '"biases": [0.3], "weights": [[0.5')
SPEC_TOML = """title = "1-2-1"
inputs = [[-1.0], [0.5]]
targets = [[0.8], [-0.3]]
loss = "mean"
lr = 0.1
seed = 7

[[layers]]
units = 2
activation = "tanh"

[[layers]]
units = 1
activation = "identity"
"""
CSV = "a,b,label\n0,0,no\n0,1,yes\n1,0,yes\n1,1,no\n"


def _net():
    return dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2, "softmax")], seed=0)


def _resume(path):
    _net().fit(X, LABELS, loss="cross_entropy", epochs=2, seed=0, resume=path)


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, idx_bytes):
    """Valid bytes for each kind of file deltaprop reads."""
    folder = tmp_path_factory.mktemp("corpus")
    net = _net()
    net.fit(X, LABELS, loss="cross_entropy", epochs=1, seed=0, checkpoint=folder / "run.ckpt")
    net.save(folder / "net.dpm")
    table = np.hstack([X, np.array([[0], [1], [1], [0]], np.float32)])
    images = np.arange(4 * 3 * 2, dtype=np.uint8).reshape(4, 3, 2)
    return {
        "model": (folder / "net.dpm").read_bytes(),
        "checkpoint": (folder / "run.ckpt").read_bytes(),
        "spec": SPEC_JSON.encode(),
        "toml": SPEC_TOML.encode(),
        "csv": CSV.encode(),
        "npy": _npy_bytes(table),
        "npz": _npz_bytes(X=X, y=LABELS),
        "idx": idx_bytes(images),
        "idx-gz": gzip.compress(idx_bytes(images)),
    }


# name -> (corpus key, file suffix, loader, the exception it may raise)
LOADERS = {
    "model": ("model", ".dpm", dp.load, ModelFileError),
    "checkpoint": ("checkpoint", ".ckpt", read_checkpoint, ModelFileError),
    "resume": ("checkpoint", ".ckpt", _resume, DeltapropError),
    "spec-json": ("spec", ".json", load_spec, SpecError),
    "spec-toml": ("toml", ".toml", load_spec, SpecError),
    "explain-json": ("spec", ".json", lambda p: str(dp.explain(p, steps=2)), SpecError),
    "csv": ("csv", ".csv", lambda p: read_data(p, target="label"), DataError),
    "npy": ("npy", ".npy", lambda p: read_data(p, target=-1), DataError),
    "npz": ("npz", ".npz", read_data, DataError),
    "idx": ("idx", ".idx", read_idx, DataError),
    "idx-gz": ("idx-gz", ".idx.gz", read_idx, DataError),
}
ZIPPED = ("model", "checkpoint", "resume", "npz")


@contextlib.contextmanager
def _scratch(suffix, data: bytes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz", numbered=True)
    path = folder / f"fuzzed{suffix}"
    path.write_bytes(data)
    try:
        yield path
    finally:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()


def _check(name, data: bytes, tmp_path_factory):
    _, suffix, load, allowed = LOADERS[name]
    with _scratch(suffix, data, tmp_path_factory) as path:
        try:
            load(path)
        except allowed:
            pass


# -- mutations ----------------------------------------------------------------------------------
def _mutate(data: bytes, draw) -> bytes:
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "set", "truncate", "extend", "insert", "delete"]))
        i = draw(st.integers(0, max(0, len(buf) - 1)))
        if kind == "flip" and buf:
            buf[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and buf:
            buf[i] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del buf[i:]
        elif kind == "extend":
            buf += draw(st.binary(min_size=1, max_size=64))
        elif kind == "insert":
            buf[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del buf[i : i + draw(st.integers(1, 16))]
    return bytes(buf)


def _bigger_shape(npy: bytes, draw) -> bytes:
    """Rewrite a .npy header's shape to declare more (or other) data than the bytes hold."""
    dims = draw(st.lists(st.integers(0, 2**40), min_size=0, max_size=3))
    shape = "(" + "".join(f"{d}, " for d in dims) + ")"
    edited = re.sub(rb"'shape': \([^)]*\)", f"'shape': {shape}".encode(), npy, count=1)
    header_len = struct.unpack("<H", edited[8:10])[0] if len(edited) > 10 else 0
    if edited[:6] == b"\x93NUMPY" and edited[6] == 1:
        # Keep the declared header length honest so the reader reaches the shape check.
        end = edited.index(b"}", 10) + 1 if b"}" in edited[10:] else 10 + header_len
        text = edited[10:end].rstrip(b"\n").ljust(((end - 10) // 64 + 1) * 64 - 1) + b"\n"
        edited = edited[:8] + struct.pack("<H", len(text)) + text + edited[10 + header_len :]
    return edited


def _edit_member(data: bytes, draw) -> bytes:
    """Change one member's uncompressed content and rewrite the archive with valid CRCs."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    name = draw(st.sampled_from(sorted(members)))
    if draw(st.booleans()):
        members[name] = _bigger_shape(members[name], draw)
    else:
        members[name] = _mutate(members[name], draw)
    if draw(st.integers(0, 9)) == 0:
        del members[name]
    elif draw(st.integers(0, 9)) == 0:
        members[f"tensors/{draw(st.text(max_size=8))}.npy"] = members.get(name, b"")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, content in members.items():
            zf.writestr(member, content)
    return out.getvalue()


def _zip_sizes(data: bytes, draw) -> bytes:
    """Declare member sizes larger than the file in the ZIP headers themselves."""
    buf = bytearray(data)
    huge = struct.pack("<I", draw(st.integers(len(data), 2**32 - 1)))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        for match in re.finditer(re.escape(signature), bytes(buf)):
            if draw(st.booleans()):
                at = match.start() + offset
                buf[at : at + 4] = huge
    return bytes(buf)


# -- the loaders --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(LOADERS))
@FUZZ
@given(data=st.binary(max_size=4096), prefix=st.sampled_from([b"", b"PK\x03\x04", b"\x93NUMPY"]))
def test_random_bytes(name, data, prefix, tmp_path_factory):
    _check(name, prefix + data, tmp_path_factory)


@pytest.mark.parametrize("name", sorted(LOADERS))
@FUZZ
@given(draw=st.data())
def test_mutated_valid_file(name, corpus, draw, tmp_path_factory):
    _check(name, _mutate(corpus[LOADERS[name][0]], draw.draw), tmp_path_factory)


@pytest.mark.parametrize("name", ZIPPED)
@FUZZ
@given(draw=st.data())
def test_edited_member(name, corpus, draw, tmp_path_factory):
    _check(name, _edit_member(corpus[LOADERS[name][0]], draw.draw), tmp_path_factory)


@pytest.mark.parametrize("name", ZIPPED)
@FUZZ
@given(draw=st.data())
def test_zip_sizes_larger_than_the_file(name, corpus, draw, tmp_path_factory):
    _check(name, _zip_sizes(corpus[LOADERS[name][0]], draw.draw), tmp_path_factory)


@FUZZ
@given(draw=st.data())
def test_npy_shape_larger_than_the_file(corpus, draw, tmp_path_factory):
    _check("npy", _bigger_shape(corpus["npy"], draw.draw), tmp_path_factory)


# -- the command line ---------------------------------------------------------------------------
OPTIONS = [
    "--target",
    "label",
    "y",
    "-1",
    "0",
    "2",
    "--epochs",
    "1",
    "2",
    "--batch-size",
    "--lr",
    "0.1",
    "nan",
    "-3",
    "--hidden",
    "2,3",
    "none",
    "x",
    "--json",
    "--quiet",
    "--proba",
    "--task",
    "classification",
    "regression",
    "--loss",
    "cross_entropy",
    "squared_error",
    "--optimizer",
    "sgd",
    "--validation-split",
    "0.5",
    "--steps",
    "--detail",
    "--format",
    "markdown",
    "html",
    "latex",
    "--example",
    "mazur",
    "one-weight",
    "--seed",
    "--reduction",
    "sum",
    "--update-biases",
    "--bias",
    "shared",
    "-o",
    "--output",
    "--out",
    "export",
    "list",
    "xor",
    "iris",
    "--no-standardize",
    "",
    "\x00",
    "é",
    "--help",
]
COMMANDS = ["train", "predict", "evaluate", "explain", "gradcheck", "datasets", "nope"]


@FUZZ
@given(draw=st.data())
def test_cli(corpus, draw, tmp_path_factory):
    with _scratch(".keep", b"", tmp_path_factory) as keep:
        folder = keep.parent
        files = []
        for key, suffix in [("model", ".dpm"), ("csv", ".csv"), ("npz", ".npz"), ("spec", ".json")]:
            data = corpus[key]
            if draw.draw(st.booleans()):
                data = _mutate(data, draw.draw)
            path = folder / f"in{suffix}"
            path.write_bytes(data)
            files.append(str(path))
        outputs = [str(folder / "out.dpm"), str(folder / "out.csv"), str(folder / "missing/x")]
        tokens = st.one_of(
            st.sampled_from(OPTIONS), st.sampled_from(files + outputs), st.text(max_size=6)
        )
        argv = [draw.draw(st.sampled_from(COMMANDS))] + draw.draw(st.lists(tokens, max_size=8))
        if draw.draw(st.booleans()) and argv[0] in ("train", "predict", "evaluate"):
            argv[1:1] = files[:2]  # often reach past argument parsing
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            try:
                code = cli_main(argv)
            except SystemExit as exc:  # --help
                code = exc.code
        for leftover in folder.iterdir():
            if leftover.is_dir():
                for inner in leftover.iterdir():
                    inner.unlink()
                leftover.rmdir()
            elif leftover != keep:
                leftover.unlink()
    assert code in (0, 1, 2), (argv, code, err.getvalue())
    assert "Traceback" not in err.getvalue(), (argv, err.getvalue())


# -- nothing deltaprop loads can run code -------------------------------------------------------
@pytest.fixture
def no_pickle(monkeypatch):
    """Make every way to unpickle fail loudly, and np.load refuse allow_pickle=True."""

    def refuse(*args, **kwargs):
        raise AssertionError("a loader tried to unpickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    real_load = np.load

    def load(*args, allow_pickle=False, **kwargs):
        assert not allow_pickle, "np.load called with allow_pickle=True"
        return real_load(*args, allow_pickle=False, **kwargs)

    monkeypatch.setattr(np, "load", load)


def _pickled_npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"code": "payload"}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def _with_pickled_member(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    name = next(n for n in sorted(members) if n != "config.npy")
    members[name] = _pickled_npy()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for member, content in members.items():
            zf.writestr(member, content)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_valid_files_load_without_pickle(name, corpus, no_pickle, tmp_path_factory):
    key, suffix, load, _ = LOADERS[name]
    with _scratch(suffix, corpus[key], tmp_path_factory) as path:
        load(path)


@pytest.mark.parametrize("name", ["model", "checkpoint", "npz", "npy"])
def test_pickled_objects_are_refused(name, corpus, no_pickle, tmp_path_factory):
    key, suffix, load, allowed = LOADERS[name]
    data = _pickled_npy() if name == "npy" else _with_pickled_member(corpus[key])
    with _scratch(suffix, data, tmp_path_factory) as path, pytest.raises(allowed) as info:
        load(path)
    assert "object" in str(info.value) or "numbers" in str(info.value)


# -- specific hostile model and checkpoint files (folded in from tests/io) ----------------------
def _members(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(path: Path, members: dict) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return path


def _npy_header(shape, dtype="<f4"):
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}"
    header = header.ljust(118) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()


@pytest.mark.parametrize("kind", ["model", "checkpoint"])
def test_declared_size_larger_than_the_member(kind, corpus, tmp_path):
    members = _members(corpus[kind])
    name = next(n for n in sorted(members) if n.startswith("tensors/"))
    members[name] = _npy_header((10**12,)) + b"\x00" * 16  # claims 4 TB, holds 16 bytes
    load = LOADERS[kind][2]
    with pytest.raises(ModelFileError, match="declares shape"):
        load(_zip(tmp_path / "bad", members))


def _with_config(data: bytes, change) -> dict:
    members = _members(data)
    raw = np.lib.format.read_array(io.BytesIO(members["config.npy"]))
    config = json.loads(raw.tobytes())
    change(config)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.frombuffer(json.dumps(config).encode(), np.uint8))
    members["config.npy"] = buffer.getvalue()
    return members


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
def test_inconsistent_model_configs(corpus, tmp_path, change, message):
    members = _with_config(corpus["model"], change)
    with pytest.raises(ModelFileError, match=message):
        dp.load(_zip(tmp_path / "bad.dpm", members))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c.update(format_version=2), "format_version 2"),
        (lambda c: c["state"].update(epoch=-1), "epoch must be an integer >= 0"),
        (lambda c: c["state"].pop("epoch"), "must be an object with"),
        (lambda c: c["state"].update(extra={"__tensor__": "nope"}), "missing tensor 'nope'"),
    ],
)
def test_inconsistent_checkpoint_states(corpus, tmp_path, change, message):
    members = _with_config(corpus["checkpoint"], change)
    with pytest.raises(ModelFileError, match=message):
        read_checkpoint(_zip(tmp_path / "bad.ckpt", members))


@pytest.mark.parametrize("load", [dp.load, read_checkpoint])
def test_missing_file_and_directory(load, tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load(tmp_path / "nope.dpm")
    with pytest.raises(ModelFileError, match="is a directory"):
        load(tmp_path)


def test_a_python2_style_npy_header_is_refused_without_a_warning(tmp_path):
    """NumPy 'repairs' headers it takes for Python 2's (``3L``) with a UserWarning; deltaprop
    refuses them as corrupted, silently apart from the error."""
    good = _npy_bytes(np.arange(3, dtype=np.float64))
    # one padding space less keeps the declared header length right
    bad = good.replace(b"'shape': (3,)", b"'shape': (3L,)", 1).replace(b" \n", b"\n", 1)
    assert len(bad) == len(good) and bad != good
    with pytest.warns(UserWarning, match="Python 2"):  # what NumPy itself does with it
        np.load(io.BytesIO(bad))
    path = tmp_path / "old.npy"
    path.write_bytes(bad)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="old.npy"):
            read_data(path)
