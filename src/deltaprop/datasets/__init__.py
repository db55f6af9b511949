"""Bundled data sets (NumPy only; base layer).

- :func:`load_digits`: the UCI optical recognition of handwritten digits data (8x8 images,
  1,797 examples, 10 classes; Alpaydin and Kaynak, UCI Machine Learning Repository, CC BY 4.0).
- :func:`load_iris`: Fisher's iris measurements (150 examples, 3 classes; UCI, CC BY 4.0).
- :func:`xor`, :func:`one_weight`: the tiny teaching sets of the source material.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import numpy as np


@dataclass
class Dataset:
    """Features ``X`` (n_samples, n_features), targets ``y``, and their names."""

    X: np.ndarray
    y: np.ndarray
    feature_names: list = field(default_factory=list)
    target_names: list = field(default_factory=list)
    description: str = ""

    def __iter__(self):  # X, y = load_digits()
        return iter((self.X, self.y))


def _load(name: str) -> dict:
    with resources.files(__package__).joinpath("data", name).open("rb") as fh:
        with np.load(fh, allow_pickle=False) as archive:
            return {k: archive[k] for k in archive.files}


def load_digits() -> Dataset:
    """The 8x8 handwritten digits: X float32 in [0, 16] (pixel counts), y int64 in 0..9.

    >>> X, y = load_digits()
    >>> X.shape, y.shape, int(y.max())
    ((1797, 64), (1797,), 9)
    """
    arrays = _load("digits.npz")
    return Dataset(
        X=arrays["X"].astype(np.float32),
        y=arrays["y"].astype(np.int64),
        feature_names=[f"pixel_{r}_{c}" for r in range(8) for c in range(8)],
        target_names=[str(d) for d in range(10)],
        description="UCI optical recognition of handwritten digits, 8x8, 1797 examples",
    )


def load_iris() -> Dataset:
    """Fisher's iris: 4 measurements in cm (float32), 3 species (y int64 in 0..2).

    >>> X, y = load_iris()
    >>> X.shape, float(X[0, 0])
    ((150, 4), 5.1...)
    """
    arrays = _load("iris.npz")
    return Dataset(
        X=(arrays["X_tenths"].astype(np.float64) / 10).astype(np.float32),
        y=arrays["y"].astype(np.int64),
        feature_names=["sepal_length", "sepal_width", "petal_length", "petal_width"],
        target_names=["setosa", "versicolor", "virginica"],
        description="Fisher's iris data, 150 examples",
    )


def xor() -> Dataset:
    """The four XOR examples: y = x1 xor x2."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return Dataset(
        X=X,
        y=np.array([0, 1, 1, 0], dtype=np.int64),
        feature_names=["x1", "x2"],
        target_names=["0", "1"],
        description="exclusive or",
    )


def one_weight() -> Dataset:
    """The data (0, 0), (1, 2), (2, 4) of the one-weight example y = W x (best W = 2)."""
    return Dataset(
        X=np.array([[0.0], [1.0], [2.0]]),
        y=np.array([0.0, 2.0, 4.0]),
        feature_names=["x"],
        target_names=["y"],
        description="y = 2 x",
    )


__all__ = ["Dataset", "load_digits", "load_iris", "one_weight", "xor"]
