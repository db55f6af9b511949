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
