"""IDX files, the format of the MNIST digits (``train-images-idx3-ubyte[.gz]``), read safely.

An IDX file is a 4-byte magic number ``0x00 0x00 T D``, then ``D`` big-endian unsigned 32-bit
dimension sizes, then the ``prod(dims)`` items, big-endian, of the type coded by ``T``:

====  ==========  ====  ==========
T     type        T     type
====  ==========  ====  ==========
0x08  uint8       0x0C  int32
0x09  int8        0x0D  float32
0x0B  int16       0x0E  float64
====  ==========  ====  ==========

The file may be gzip-compressed (recognised by its first bytes, whatever its name). A hostile
header cannot make the reader allocate more than the file holds: an uncompressed file must be
exactly ``header + prod(dims) * itemsize`` bytes long, checked before reading; a compressed
one is decompressed in chunks and refused as soon as it runs past the declared size (and
before starting when the declared size exceeds what deflate can expand the file to).
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import numpy as np

from .._files import check_size
from ..errors import DataError

#: type byte -> big-endian NumPy dtype
DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot expand data by more than about 1032:1, so a compressed file of n bytes
# declaring more than this many times n is lying; refused before decompressing anything.
MAX_DEFLATE_RATIO = 1032
_CHUNK = 1 << 20
_NAME = re.compile(r"(\.idx$|[-_.]idx\d)", re.IGNORECASE)


def looks_like_idx(path) -> bool:
    """Whether ``path`` is named like an IDX file: ``*.idx``, ``*-idx3-ubyte``, with or without
    ``.gz``.

    >>> [looks_like_idx(n) for n in ("train-images-idx3-ubyte.gz", "x.idx", "a.csv")]
    [True, True, False]
    """
    name = Path(path).name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return bool(_NAME.search(name))


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzipped or not) into an array of its declared shape and type.

    The items come back in native byte order, with the dtype the type byte names (uint8 for
    the MNIST images and labels).

    Raises
    ------
    DataError
        Naming the file: a bad magic number, a size that does not match the header, a
        truncated or corrupt gzip stream.

    Examples
    --------
    >>> import os, tempfile
    >>> header = bytes([0, 0, 0x08, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "t.idx")
    ...     _ = open(p, "wb").write(header + bytes(range(6)))
    ...     a = read_idx(p)
    >>> a.dtype, a.tolist()
    (dtype('uint8'), [[0, 1, 2], [3, 4, 5]])
    """
    path = Path(path)
    where = repr(str(path))
    size = path.stat().st_size
    with open(path, "rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    try:
        if compressed:
            with gzip.open(path, "rb") as fh:
                dtype, shape, header_len = _header(fh, where)
                n_bytes = _n_bytes(dtype, shape)
                if n_bytes > MAX_DEFLATE_RATIO * size:
                    raise DataError(
                        f"{where}: the header declares {shape} items ({n_bytes} bytes), more "
                        f"than a {size}-byte gzip file can hold; the file is corrupt"
                    )
                check_size(f"{where} (its items uncompressed)", n_bytes, DataError)
                data = _read_exactly(fh, n_bytes, where)
                if fh.read(1):
                    raise DataError(f"{where}: data continues past the {shape} items declared")
            flat = np.frombuffer(data, dtype=dtype)
        else:
            with open(path, "rb") as fh:
                dtype, shape, header_len = _header(fh, where)
            n_bytes = _n_bytes(dtype, shape)
            if size != header_len + n_bytes:
                raise DataError(
                    f"{where}: the header declares shape {shape} of {dtype.str[1:]} "
                    f"({header_len + n_bytes} bytes with the header) but the file has {size} "
                    "bytes; it is truncated or not an IDX file"
                )
            flat = np.fromfile(path, dtype=dtype, offset=header_len)
    except (OSError, EOFError, zlib.error) as exc:  # gzip's errors for a corrupt stream
        raise DataError(f"{where}: corrupt or truncated gzip data ({exc})") from exc
    return flat.reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def _header(fh, where: str) -> tuple[np.dtype, tuple, int]:
    magic = fh.read(4)
    if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] not in DTYPES or magic[3] == 0:
        codes = ", ".join(f"0x{t:02X}" for t in DTYPES)
        raise DataError(
            f"{where} must start with an IDX magic number 00 00 T D (T one of {codes}, D >= 1 "
            f"dimensions); got {magic.hex(' ') or 'nothing'}"
        )
    n_dims = magic[3]
    raw = fh.read(4 * n_dims)
    if len(raw) < 4 * n_dims:
        raise DataError(f"{where}: the header is cut short ({n_dims} dimension sizes expected)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4"))
    return DTYPES[magic[2]], shape, 4 + 4 * n_dims


def _n_bytes(dtype: np.dtype, shape: tuple) -> int:
    n = 1
    for d in shape:  # Python integers: no overflow, whatever the header says
        n *= d
    return n * dtype.itemsize


def _read_exactly(fh, n_bytes: int, where: str) -> bytearray:
    """``n_bytes`` from a stream, chunk by chunk, so memory follows the data actually present."""
    data = bytearray()
    while len(data) < n_bytes:
        chunk = fh.read(min(_CHUNK, n_bytes - len(data)))
        if not chunk:
            raise DataError(
                f"{where}: truncated; the header declares {n_bytes} bytes of items, the file "
                f"holds {len(data)}"
            )
        data += chunk
    return data
