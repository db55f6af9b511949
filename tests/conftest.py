"""Shared fixtures: a seeded random generator, and NumPy set to raise on silent overflow."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def strict_numerics():
    """Numerics tests run under errstate(all="raise"): overflow or invalid ops fail."""
    with np.errstate(all="raise"):
        yield


def _idx_bytes(array: np.ndarray) -> bytes:
    """An IDX (MNIST format) file's bytes, written independently of deltaprop's reader."""
    codes = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}
    header = bytes([0, 0, codes[array.dtype.str[1:]], array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.fixture(scope="session")
def idx_bytes():
    """The function array -> IDX file bytes (big-endian items after the magic and dims)."""
    return _idx_bytes
