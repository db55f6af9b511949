"""Two-dimensional classification problems drawn at random: moons, circles and spirals.

Each generator draws ``n_samples`` points split as evenly as possible between the classes
(the first ``n_samples % n_classes`` classes get one more), from a NumPy random generator
seeded by ``seed``, adds independent Gaussian noise of standard deviation ``noise`` to both
coordinates, and returns a :class:`~deltaprop.datasets.Dataset` with ``X`` float32 of shape
(n_samples, 2) and ``y`` int64 class indices, in class order (shuffle before a split).
None of these classes can be separated by a straight line: a network needs a hidden layer.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_generator, check_number
from .dataset import Dataset


def make_moons(n_samples: int = 200, noise: float = 0.1, seed=None):
    """Two interleaved half circles.

    For angles ``t`` drawn uniformly from [0, pi]: class 0 is ``(cos t, sin t)``, the upper
    half of the unit circle; class 1 is ``(1 - cos t, 1/2 - sin t)``, the same half circle
    turned over and shifted so its tip sits inside the first one.

    >>> X, y = make_moons(100, noise=0.0, seed=0)
    >>> X.shape, X.dtype, np.bincount(y).tolist()
    ((100, 2), dtype('float32'), [50, 50])
    >>> bool(np.allclose(np.hypot(X[y == 0, 0], X[y == 0, 1]), 1.0))
    True
    """
    rng, counts, noise = _setup(n_samples, 2, noise, seed)
    t0, t1 = rng.uniform(0.0, np.pi, counts[0]), rng.uniform(0.0, np.pi, counts[1])
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return _dataset([upper, lower], rng, noise, "two interleaved half circles (moons)")


def make_circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed=None):
    """A circle inside another: class 0 on the unit circle, class 1 on radius ``factor``.

    For angles ``t`` drawn uniformly from [0, 2 pi): class 0 is ``(cos t, sin t)``, class 1
    is ``factor * (cos t, sin t)`` with 0 < factor < 1.

    >>> X, y = make_circles(10, noise=0.0, factor=0.3, seed=1)
    >>> np.hypot(X[:, 0], X[:, 1]).round(6).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 0.3, 0.3, 0.3, 0.3, 0.3]
    """
    factor = check_number(
        "factor", factor, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    rng, counts, noise = _setup(n_samples, 2, noise, seed)
    rings = []
    for radius, count in zip((1.0, factor), counts):
        t = rng.uniform(0.0, 2 * np.pi, count)
        rings.append(radius * np.column_stack([np.cos(t), np.sin(t)]))
    return _dataset(rings, rng, noise, f"two concentric circles (radii 1 and {factor:g})")


def make_spirals(
    n_samples: int = 300, n_classes: int = 2, noise: float = 0.05, turns: float = 1.0, seed=None
):
    """``n_classes`` spiral arms winding out of the origin, one per class.

    For ``r`` drawn uniformly from [0, 1], a point of class ``k`` is ``r (cos a, sin a)``
    with angle ``a = 2 pi k / n_classes + 2 pi turns r``: each arm turns ``turns`` times
    while its radius grows from 0 to 1, and the arms are rotated evenly around the circle.

    >>> X, y = make_spirals(90, n_classes=3, noise=0.0, seed=0)
    >>> np.bincount(y).tolist(), bool(np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-6))
    ([30, 30, 30], True)
    """
    n_classes = check_number("n_classes", n_classes, low=2, integer=True)
    turns = check_number("turns", turns, low=0.0, low_inclusive=False)
    rng, counts, noise = _setup(n_samples, n_classes, noise, seed)
    arms = []
    for k, count in enumerate(counts):
        r = rng.uniform(0.0, 1.0, count)
        a = 2 * np.pi * k / n_classes + 2 * np.pi * turns * r
        arms.append(r[:, None] * np.column_stack([np.cos(a), np.sin(a)]))
    return _dataset(arms, rng, noise, f"{n_classes} interleaved spirals")


def _setup(n_samples, n_classes: int, noise, seed):
    n_samples = check_number("n_samples", n_samples, low=n_classes, integer=True)
    noise = check_number("noise", noise, low=0.0)
    rng = as_generator(seed)
    counts = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    return rng, counts, float(noise)


def _dataset(parts: list, rng: np.random.Generator, noise: float, description: str):
    X = np.concatenate(parts)
    if noise > 0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    y = np.repeat(np.arange(len(parts), dtype=np.int64), [len(p) for p in parts])
    return Dataset(
        X=X.astype(np.float32),
        y=y,
        feature_names=["x1", "x2"],
        target_names=[str(k) for k in range(len(parts))],
        description=description,
    )
