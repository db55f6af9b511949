"""Bundled data sets (NumPy only; base layer).

- :func:`load_digits`: the UCI optical recognition of handwritten digits data (8x8 images,
  1,797 examples, 10 classes; Alpaydin and Kaynak, UCI Machine Learning Repository, CC BY 4.0).
- :func:`load_iris`: Fisher's iris measurements (150 examples, 3 classes; UCI, CC BY 4.0).
- :func:`worked_example`, :func:`xor`, :func:`one_weight`: tiny teaching sets: the 2-2-2
  network of Matt Mazur's "A Step by Step Backpropagation Example" (2015; input, targets and
  initial weights), exclusive or, and the one-weight example y = 2 x.
- :func:`make_moons`, :func:`make_circles`, :func:`make_spirals`: random 2-D classification
  problems that need a hidden layer (see :mod:`deltaprop.datasets.synthetic`).
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from .dataset import Dataset
from .synthetic import make_circles, make_moons, make_spirals


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


def worked_example() -> Dataset:
    """Matt Mazur's worked example (2015): one input (0.05, 0.10), targets (0.01, 0.99), and the
    initial weights of its 2-2-2 logistic network (learning rate 0.5, squared error).

    ``initial_weights`` holds ``layers.0.weight`` = [[w1, w3], [w2, w4]], ``layers.0.bias`` =
    [b1], ``layers.1.weight`` = [[w5, w7], [w6, w8]], ``layers.1.bias`` = [b2] in the layout
    of ``Dense(2, "logistic", bias="shared")`` (net = x @ W + b), so ``h1`` gets
    ``w1 i1 + w2 i2 + b1``. The forward pass gives the published out_h1 = 0.593269992:

    >>> data = worked_example()
    >>> W, b = data.initial_weights["layers.0.weight"], data.initial_weights["layers.0.bias"]
    >>> out_h = 1 / (1 + np.exp(-(data.X @ W + b)))
    >>> round(float(out_h[0, 0]), 9), data.y.tolist()
    (0.593269992, [[0.01, 0.99]])
    """
    return Dataset(
        X=np.array([[0.05, 0.10]]),
        y=np.array([[0.01, 0.99]]),
        feature_names=["i1", "i2"],
        target_names=["o1", "o2"],
        description="the 2-2-2 worked example of Mazur (2015), one example, two targets",
        initial_weights={
            "layers.0.weight": np.array([[0.15, 0.25], [0.20, 0.30]]),
            "layers.0.bias": np.array([0.35]),
            "layers.1.weight": np.array([[0.40, 0.50], [0.45, 0.55]]),
            "layers.1.bias": np.array([0.60]),
        },
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


__all__ = [
    "Dataset",
    "load_digits",
    "load_iris",
    "make_circles",
    "make_moons",
    "make_spirals",
    "one_weight",
    "worked_example",
    "xor",
]
