"""IDX (MNIST format) and .npy-pair reading: shapes, dtypes, gzip, and hostile files."""

import gzip

import numpy as np
import pytest

from deltaprop.errors import DataError
from deltaprop.io.data import read_data, read_labels
from deltaprop.io.idx import read_idx


@pytest.fixture
def digits(tmp_path, idx_bytes):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 4, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    img, lab = tmp_path / "train-images-idx3-ubyte.gz", tmp_path / "train-labels-idx1-ubyte"
    img.write_bytes(gzip.compress(idx_bytes(images)))
    lab.write_bytes(idx_bytes(labels))
    return img, lab, images, labels


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("compress", [False, True])
def test_every_type_round_trips(tmp_path, dtype, compress, idx_bytes):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    data = idx_bytes(array)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    got = read_idx(path)
    assert got.dtype == np.dtype(dtype).newbyteorder("=") and got.dtype.isnative
    np.testing.assert_array_equal(got, array)


def test_images_flattened_to_rows_with_labels(digits):
    img, lab, images, labels = digits
    table = read_data(img, labels=lab)
    assert table.X.dtype == np.float32 and table.X.shape == (7, 12)
    np.testing.assert_array_equal(table.X, images.reshape(7, 12).astype(np.float32))
    assert table.y.dtype == np.int64 and table.y.tolist() == labels.tolist()


def test_hostile_header_is_refused_before_allocating(tmp_path):
    header = bytes([0, 0, 0x08, 3]) + b"".join(d.to_bytes(4, "big") for d in (10**6, 10**6, 1))
    plain, packed = tmp_path / "big.idx", tmp_path / "big-idx3-ubyte.gz"
    plain.write_bytes(header + bytes(100))
    packed.write_bytes(gzip.compress(header + bytes(100)))
    for path in (plain, packed):
        with pytest.raises(DataError, match=str(path.name)):
            read_idx(path)
    # a plausible declared size, but the compressed stream runs out: truncated, not MemoryError
    header = bytes([0, 0, 0x08, 1]) + (5_000).to_bytes(4, "big")
    packed.write_bytes(gzip.compress(header + bytes(10)))
    with pytest.raises(DataError, match="truncated"):
        read_idx(packed)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "magic number"),
        (b"PK\x03\x04 not idx at all", "magic number"),
        (bytes([0, 0, 8, 2, 0, 0, 0]), "cut short"),
        (bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2]), "truncated"),
        (bytes([0, 0, 8, 1, 0, 0, 0, 1, 1, 2]), "has 10 bytes"),
    ],
)
def test_malformed_idx(tmp_path, content, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_idx(path)


def test_corrupt_gzip_names_the_file(tmp_path, digits):
    img = digits[0]
    data = bytearray(img.read_bytes())
    bad = tmp_path / "bad-idx3-ubyte.gz"
    bad.write_bytes(bytes(data[: len(data) // 2]))  # cut in the middle of the stream
    with pytest.raises(DataError, match="bad-idx3-ubyte.gz"):
        read_data(bad)
    data[12:20] = b"\xff" * 8  # damage the deflate blocks
    bad.write_bytes(bytes(data))
    with pytest.raises(DataError, match="bad-idx3-ubyte.gz"):
        read_data(bad)


def test_labels_must_match_the_rows(digits, tmp_path, idx_bytes):
    img, _, _, labels = digits
    short = tmp_path / "short-idx1-ubyte"
    short.write_bytes(idx_bytes(labels[:5]))
    with pytest.raises(DataError, match="one label per row of the data \\(7\\)"):
        read_data(img, labels=short)
    with pytest.raises(DataError, match="no columns"):
        read_data(img, target="label")


def test_npy_pair_and_refusals(tmp_path):
    X = np.arange(12, dtype=np.float64).reshape(4, 3)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.array(["a", "b", "a", "b"]))
    table = read_data(tmp_path / "X.npy", labels=tmp_path / "y.npy")
    assert table.X.dtype == np.float32 and table.X.tolist() == X.tolist()
    assert table.y.tolist() == ["a", "b", "a", "b"]
    np.save(tmp_path / "yf.npy", np.array([[1.0], [0.0], [2.0], [1.0]]))
    assert read_labels(tmp_path / "yf.npy", 4).dtype == np.int64

    np.save(tmp_path / "obj.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="object arrays are never loaded"):
        read_data(tmp_path / "obj.npy")
    with pytest.raises(DataError, match="object arrays are never loaded"):
        read_labels(tmp_path / "obj.npy", 3)
    cut = tmp_path / "cut.npy"
    cut.write_bytes((tmp_path / "X.npy").read_bytes()[:-8])
    with pytest.raises(DataError, match="truncated"):
        read_data(cut)
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="labels files go with"):
        read_data(csv, labels=tmp_path / "y.npy")


def test_large_npy_is_memory_mapped(tmp_path, monkeypatch):
    import deltaprop.io.data as data

    X = np.ones((50, 4), dtype=np.float32)
    np.save(tmp_path / "X.npy", X)
    monkeypatch.setattr(data, "MMAP_BYTES", 100)
    table = read_data(tmp_path / "X.npy")
    # read-only pages of the file, not a private copy (np.load without mmap is writeable)
    assert not table.X.flags.writeable and table.X.tolist() == X.tolist()
    monkeypatch.setattr(data, "MMAP_BYTES", 10**9)
    assert read_data(tmp_path / "X.npy").X.flags.writeable
