"""Hostile files that cost memory or time: every loader works within bounds set by the size
of a legitimate file of its kind (docs/reliability.md, "Bounds").

Each test builds the hostile file the way an attacker would (a bzip2 member of gigabytes of
zeros, thousands of members, a config declaring a 30000 x 30000 layer, JSON nested 100,000
deep, a named pipe...) and asserts the loader's documented error, raised before the cost is
paid: the process's peak memory (``ru_maxrss``) grows by at most a few MiB, and a pipe that
nobody writes to is refused at once (the test would hang otherwise).
"""

from __future__ import annotations

import bz2
import io
import json
import os
import resource
import zipfile
from pathlib import Path

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import DataError, ModelFileError, SpecError
from deltaprop.explanation.spec import load_spec
from deltaprop.io.checkpoint import read_checkpoint
from deltaprop.io.data import read_data

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float32)
LABELS = np.array(["no", "yes", "yes", "no"])


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2, "softmax")], seed=0)
    net.fit(X, LABELS, loss="cross_entropy", epochs=2, seed=0)
    path = tmp_path_factory.mktemp("hostile") / "net.dpm"
    net.save(path)
    return path


@pytest.fixture(scope="module")
def checkpoint_file(tmp_path_factory) -> Path:
    net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2, "softmax")], seed=0)
    path = tmp_path_factory.mktemp("hostile") / "run.ckpt"
    net.fit(X, LABELS, loss="cross_entropy", epochs=2, seed=0, checkpoint=str(path))
    return path


def _members(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _config(path: Path) -> dict:
    raw = np.load(io.BytesIO(_members(path)["config.npy"]), allow_pickle=False)
    return json.loads(raw.tobytes())


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _write_zip(path: Path, members, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def _with_config(source: Path, target: Path, change) -> Path:
    members = _members(source)
    config = _config(source)
    change(config)
    members["config.npy"] = _npy(np.frombuffer(json.dumps(config).encode(), dtype=np.uint8))
    return _write_zip(target, members.items())


def _zeros_deflated(n_chunks: int, chunk: int = 2**24, prefix: bytes = b"", tail: int = 0):
    """A raw deflate stream of ``prefix``, ``n_chunks * chunk`` zeros and ``tail`` more zeros,
    made by compressing one chunk: after a full flush every chunk compresses the same."""
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + block * n_chunks + compressor.compress(bytes(tail)) + compressor.flush()


def _big_npy_member() -> tuple[bytes, int]:
    """A deflated .npy member of float32 zeros, 4 GiB less 128 bytes, and its size: the
    header is honest, so only the size bound can refuse it."""
    n = 2**30 - 64
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (n,)}
    )
    chunks, tail = divmod(n * 4, 2**24)
    data = _zeros_deflated(chunks, prefix=header.getvalue(), tail=tail)
    return data, len(header.getvalue()) + n * 4


# -- class 1: compressed members -----------------------------------------------------------------
@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A bzip2 member claiming 4 GiB (zipfile would decompress bzip2 without an output bound:
    its real bytes need not be a bomb for the test, only the claim and the method)."""
    return bz2.compress(bytes(2**20), 9)


def _raw_zip(members: dict, name: str, compressed: bytes, size: int, method: int) -> bytes:
    """A ZIP written field by field so one member can claim any sizes and method."""
    import struct
    import zlib

    out = io.BytesIO()
    central = []
    entries = [(n, zlib.compress(d)[2:-4], len(d), zlib.crc32(d), 8) for n, d in members.items()]
    entries.append((name, compressed, size, 0, method))
    for entry_name, data, usize, crc, kind in entries:
        offset = out.tell()
        raw_name = entry_name.encode()
        out.write(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, kind, 0, 0, crc, len(data),
                        min(usize, 0xFFFFFFFF), len(raw_name), 0)
        )
        out.write(raw_name)
        out.write(data)
        central.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, kind, 0, 0, crc,
                        len(data), min(usize, 0xFFFFFFFF), len(raw_name), 0, 0, 0, 0, 0,
                        offset) + raw_name
        )
    start = out.tell()
    for record in central:
        out.write(record)
    size_cd = out.tell() - start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), size_cd,
                          start, 0))
    return out.getvalue()


@pytest.mark.parametrize("member", ["tensors/extra.npy", "config.npy", "junk.bin"])
def test_a_bzip2_bomb_member_is_refused_before_decompressing(member, model_file, bomb, tmp_path):
    base = {k: v for k, v in _members(model_file).items() if k != member}
    path = tmp_path / "bomb.dpm"
    path.write_bytes(_raw_zip(base, member, bomb, 4 * 2**30, zipfile.ZIP_BZIP2))
    assert path.stat().st_size < 64 * 2**10
    before = _peak_mib()
    with pytest.raises(ModelFileError) as info:
        dp.load(path)
    assert _peak_mib() - before < 64
    assert "compression method 12" in str(info.value) or "unexpected entries" in str(info.value)


def test_a_deflate_member_claiming_more_than_deflate_can_produce_is_refused(model_file, tmp_path):
    base = _members(model_file)
    path = tmp_path / "liar.npz"
    import zlib

    path.write_bytes(
        _raw_zip({}, "X.npy", zlib.compress(b"\0" * 1000)[2:-4], 4 * 2**30, zipfile.ZIP_DEFLATED)
    )
    with pytest.raises(DataError, match="more than deflate can produce"):
        read_data(path)
    path = tmp_path / "liar.dpm"
    path.write_bytes(
        _raw_zip(base, "tensors/x.npy", zlib.compress(b"\0" * 10)[2:-4], 2**30, 8)
    )
    with pytest.raises(ModelFileError, match="more than deflate can produce"):
        dp.load(path)


def test_an_npz_member_of_4_gib_is_refused_naming_its_size(tmp_path, monkeypatch):
    # An honest deflate member: 4 GiB of zeros compress to 4 MiB; the bound refuses it.
    data, size = _big_npy_member()
    path = tmp_path / "big.npz"
    path.write_bytes(_raw_zip({}, "X.npy", data, size, zipfile.ZIP_DEFLATED))
    before = _peak_mib()
    with pytest.raises(DataError, match=rf"needs 4\.0 GiB \({size} bytes\); at most 2\.0 GiB"):
        read_data(path)
    assert _peak_mib() - before < 64


def test_many_members_are_refused_with_a_short_message(model_file, tmp_path):
    members = list(_members(model_file).items())
    members += [(f"junk/{i}.bin", b"") for i in range(9990)]
    path = _write_zip(tmp_path / "many.dpm", members, zipfile.ZIP_STORED)
    with pytest.raises(ModelFileError) as info:
        dp.load(path)
    assert "unexpected entries 'junk/0.bin', 'junk/1.bin', 'junk/2.bin' and 9987 more" in str(
        info.value
    )
    assert len(str(info.value)) < 300
    too_many = [(f"tensors/t{i}.npy", _npy(np.zeros(1))) for i in range(10_001)]
    path = _write_zip(tmp_path / "toomany.dpm", too_many, zipfile.ZIP_STORED)
    with pytest.raises(ModelFileError, match="has 10001 entries; at most 10000"):
        dp.load(path)


def test_duplicate_members_are_refused(model_file, tmp_path):
    members = list(_members(model_file).items())
    name, data = next(m for m in members if m[0].startswith("tensors/"))
    path = tmp_path / "dup.dpm"
    with pytest.warns(UserWarning, match="Duplicate name"):
        _write_zip(path, members + [(name, data)])
    with pytest.raises(ModelFileError, match=f"has the entry '{name}' twice"):
        dp.load(path)


# -- class 2 and 5: the config is checked before the network is built ----------------------------
@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda c: c["architecture"].__setitem__(
                "layers", [{**c["architecture"]["layers"][0], "units": 30000, "in_features": 30000}]
            ),
            r"tensor layers\.0\.weight is float32\[2, 3\]; the architecture needs \[30000, 30000\]",
        ),
        (
            lambda c: c["architecture"]["layers"].__setitem__(
                0, {**c["architecture"]["layers"][0], "units": 30000}
            ),
            r"layers\[1\] was declared with in_features=3; got inputs with 30000",
        ),
        (lambda c: c["architecture"].__setitem__("layers", []), "has no layers"),
        (
            lambda c: c["architecture"]["layers"][0].__setitem__("units", -3),
            r"layers\[0\]\.units must be an integer >= 1; got -3",
        ),
        (lambda c: c.__setitem__("classes", [["no"], "yes"]), "classes must be a list of labels"),
        (lambda c: c.__setitem__("classes", {"a": 1}), "classes must be a list of labels"),
        (lambda c: c.__setitem__("classes", 3), "classes must be a list of labels"),
        (
            lambda c: c.__setitem__("classes", ["no"]),
            "classes has 1 labels but the output layer of 2 units needs 2",
        ),
        (
            lambda c: c.__setitem__("classes", ["a", "b", "c"]),
            "classes has 3 labels but the output layer of 2 units needs 2",
        ),
        (lambda c: c.__setitem__("classes", ["a", "a"]), "classes must be distinct"),
    ],
    ids=["30000x30000", "30000-wide", "no-layers", "negative-units", "ragged", "dict", "int",
         "fewer", "more", "repeated"],
)
def test_config_semantics_are_checked_before_building(model_file, tmp_path, change, message):
    path = _with_config(model_file, tmp_path / "bad.dpm", change)
    before = _peak_mib()
    with pytest.raises(ModelFileError, match=message):
        dp.load(path)
    assert _peak_mib() - before < 64


def test_a_config_declaring_more_weights_than_the_file_holds_is_refused(model_file, tmp_path):
    members = {"config.npy": _members(model_file)["config.npy"]}
    config = _config(model_file)
    config["architecture"]["layers"] = [
        {**config["architecture"]["layers"][0], "units": 30000, "in_features": 30000}
    ]
    members["config.npy"] = _npy(np.frombuffer(json.dumps(config).encode(), dtype=np.uint8))
    path = _write_zip(tmp_path / "big.dpm", members.items())
    assert path.stat().st_size < 4096
    before = _peak_mib()
    with pytest.raises(ModelFileError, match="declare at least 900000000 weights but the file "
                       "holds 0 numbers"):
        dp.load(path)
    assert _peak_mib() - before < 64


@pytest.mark.parametrize("value", [0.0, -1.0])
def test_standardize_std_must_be_positive(tmp_path, value):
    net = dp.Sequential([dp.nn.Standardize(), dp.Dense(1)], seed=0)
    net.fit(X, X[:, :1], epochs=1, seed=0)
    good = tmp_path / "std.dpm"
    net.save(good)
    members = _members(good)
    name = next(n for n in members if n.endswith(".std.npy"))
    members[name] = _npy(np.array([1.0, value], dtype=np.float32))
    path = _write_zip(tmp_path / "bad.dpm", members.items())
    with pytest.raises(ModelFileError, match=rf"std must be > 0 everywhere .* got {value}"):
        dp.load(path)


# -- class 3: parser limits -----------------------------------------------------------------------
DEEP = "[" * 100_000 + "]" * 100_000
HUGE_INT = "1" * 5000


@pytest.mark.parametrize(
    "text, message",
    [(DEEP, "nested too deeply"), (f'{{"format": {HUGE_INT}}}', "an integer of 5000 digits")],
    ids=["deep", "huge-int"],
)
def test_model_and_checkpoint_configs_bound_the_parser(model_file, tmp_path, text, message):
    members = _members(model_file)
    members["config.npy"] = _npy(np.frombuffer(text.encode(), dtype=np.uint8))
    path = _write_zip(tmp_path / "deep.dpm", members.items())
    for load in (dp.load, read_checkpoint):
        with pytest.raises(ModelFileError, match=message):
            load(path)


@pytest.mark.parametrize(
    "suffix, text, message",
    [
        (".json", DEEP, "nested too deeply"),
        (".json", '{"lr": ' + HUGE_INT + "}", "an integer of 5000 digits"),
        (".toml", "a = " + "[" * 100_000 + "]" * 100_000, "nested too deeply|not valid TOML"),
        (".toml", "lr = " + HUGE_INT, "not valid TOML"),
        (".json", '{"a": ' * 100 + "1" + "}" * 100, "nested too deeply"),
    ],
    ids=["json-deep", "json-int", "toml-deep", "toml-int", "json-100"],
)
def test_spec_files_bound_the_parser(tmp_path, suffix, text, message):
    path = tmp_path / f"spec{suffix}"
    path.write_text(text)
    with pytest.raises(SpecError, match=message):
        load_spec(path)


def test_cli_prints_parser_limits_on_one_line(tmp_path, capsys):
    from deltaprop.cli import main

    path = tmp_path / "spec.json"
    path.write_text(DEEP)
    for command in (["explain", str(path)], ["gradcheck", str(path)]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "nested too deeply" in err and "Traceback" not in err


# -- class 4: npy headers -------------------------------------------------------------------------
def _header(shape) -> bytes:
    header = {"descr": "<f4", "fortran_order": False, "shape": shape}
    return _npy_with_header(repr(header))


def _npy_with_header(text: str) -> bytes:
    body = text.encode("latin1")
    pad = 64 - (10 + len(body) + 1) % 64
    body += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body


@pytest.mark.parametrize(
    "shape, data",
    [((-1, -4), 16), ((1,) * 65, 4), ((2, -2), 0), ((True, 4), 16)],
    ids=["negative", "65-dims", "negative-zero-bytes", "bool"],
)
def test_npy_headers_with_impossible_shapes_are_refused(model_file, tmp_path, shape, data):
    member = _header(shape) + bytes(data)
    members = _members(model_file)
    name = next(n for n in members if n.startswith("tensors/"))
    members[name] = member
    path = _write_zip(tmp_path / "shape.dpm", members.items())
    with pytest.raises(ModelFileError, match="a shape is at most 64 sizes >= 0"):
        dp.load(path)
    npy = tmp_path / "shape.npy"
    npy.write_bytes(member)
    with pytest.raises(DataError, match="a shape is at most 64 sizes >= 0"):
        read_data(npy)


# -- class 7: only regular files ------------------------------------------------------------------
def _loaders(tmp_path):
    return [
        (dp.load, ModelFileError, "net.dpm"),
        (read_checkpoint, ModelFileError, "run.ckpt"),
        (lambda p: dp.Sequential([dp.Dense(1)]).fit(X, X[:, 0], epochs=1, resume=p),
         ModelFileError, "run.ckpt"),
        (load_spec, SpecError, "spec.json"),
        (read_data, DataError, "data.csv"),
        (read_data, DataError, "data.npy"),
        (read_data, DataError, "data.npz"),
        (lambda p: read_data(tmp_path / "good.npy", labels=p), DataError, "labels.npy"),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    np.save(tmp_path / "good.npy", X)
    for load, error, name in _loaders(tmp_path):
        path = tmp_path / name
        os.mkfifo(path)
        try:
            with pytest.raises(error, match="is a named pipe; only regular files are read"):
                load(path)
        finally:
            path.unlink()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_link_to_a_device_is_refused(tmp_path, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    np.save(tmp_path / "good.npy", X)
    for load, error, name in _loaders(tmp_path):
        path = tmp_path / name
        path.symlink_to(device)
        try:
            with pytest.raises(error, match="is a character device; only regular files"):
                load(path)
        finally:
            path.unlink()


# -- class 11: absurd sizes -----------------------------------------------------------------------
def test_a_spec_with_1e8_units_is_refused_before_drawing_weights(tmp_path):
    spec = {"inputs": [[1.0]], "targets": [[1.0]], "seed": 0,
            "layers": [{"units": 10**8, "activation": "tanh"}, {"units": 1}]}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(SpecError, match=r"layers\[0\]\.units is 100000000: .* more than the"):
        load_spec(path)


def test_a_huge_spec_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(64 * 2**20)
    with pytest.raises(SpecError, match="is 67108864 bytes; at most 4194304 are read"):
        load_spec(path)


def test_a_csv_whose_first_line_is_1_gib_is_refused_reading_16_mib(tmp_path):
    path = tmp_path / "wide.csv"
    with open(path, "wb") as fh:
        fh.write(b"a,b,")
        fh.truncate(2**30)  # one line of 1 GiB (sparse: no disk space used)
    before = _peak_mib()
    with pytest.raises(DataError, match="line 1 is longer than 16777216 characters"):
        read_data(path, target="b")
    assert _peak_mib() - before < 200


@pytest.mark.parametrize("in_features", [None, 10**4])
def test_dense_of_1e9_units_is_refused_naming_the_size(in_features):
    if in_features is not None:
        with pytest.raises(dp.errors.ParameterError, match=r"Dense\(1000000000\) with 10,000 "
                           r"inputs needs 10,001,000,000,000 values \([\d,.]+ GiB"):
            dp.Dense(10**9, in_features=in_features)
        return
    net = dp.Sequential([dp.Dense(10**9), dp.Dense(1)], seed=0)
    with pytest.raises(dp.errors.ParameterError, match="only .* GiB of memory is available"):
        net.fit(np.ones((4, 10**4), dtype=np.float32), np.ones(4), epochs=1)


def test_cli_hidden_1e9_is_refused_before_allocating(tmp_path, capsys, monkeypatch):
    import deltaprop._checks as checks
    from deltaprop.cli import main

    monkeypatch.setattr(checks, "available_memory", lambda: 8 * 2**30)
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    code = main(["train", str(data), "--target", "y", "--hidden", "1000000000", "--epochs",
                 "1", "--quiet", "--out", str(tmp_path / "m.dpm")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Dense(1000000000) with 2 inputs needs 3,000,000,000 values" in err
    assert "only 8.0 GiB of memory is available" in err and "Traceback" not in err
    assert not (tmp_path / "m.dpm").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
def test_cli_commands_refuse_special_files_without_blocking(model_file, tmp_path, capsys):
    from deltaprop.cli import main

    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    fifo_csv, fifo_model = tmp_path / "p.csv", tmp_path / "p.dpm"
    os.mkfifo(fifo_csv)
    os.mkfifo(fifo_model)
    commands = [
        ["train", str(fifo_csv), "--target", "y", "--out", str(tmp_path / "m.dpm")],
        ["predict", str(fifo_model), str(data)],
        ["evaluate", str(fifo_model), str(data), "--target", "y"],
        ["predict", str(model_file), str(fifo_csv)],
    ]
    for command in commands:
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert "is a named pipe; only regular files are read" in err, err


def test_cli_train_refuses_a_csv_whose_header_is_1_gib(tmp_path, capsys):
    from deltaprop.cli import main

    path = tmp_path / "wide.csv"
    with open(path, "wb") as fh:
        fh.write(b"a,b,")
        fh.truncate(2**30)
    before = _peak_mib()
    code = main(["train", str(path), "--target", "b", "--out", str(tmp_path / "m.dpm")])
    assert code == 2
    assert "line 1 is longer than 16777216 characters" in capsys.readouterr().err
    assert _peak_mib() - before < 200


def test_a_gzipped_idx_declaring_4_gib_is_refused_naming_its_size(tmp_path):
    import zlib

    from deltaprop.io.idx import read_idx

    header = b"\0\0\x08\x02" + (65536).to_bytes(4, "big") * 2  # 65536 x 65536 bytes
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(2**24)) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = first + block * 256 + compressor.flush()
    path = tmp_path / "big-idx3-ubyte.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body + bytes(8))
    before = _peak_mib()
    with pytest.raises(DataError, match=r"needs 4\.0 GiB \(4294967296 bytes\)"):
        read_idx(path)
    assert _peak_mib() - before < 64
