"""A network's outputs over a grid of two input features: the data of a decision-boundary map.

With two features the grid spans them; with more, the two chosen ``features`` vary over their
range in X and every other feature is held at its mean over X (a slice through the input space
at the data's centre, so what is drawn is exactly what the network computes there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_number
from ..engine import Tensor, no_grad
from ..errors import ParameterError, ParameterTypeError
from ..nn import Stack


@dataclass
class BoundaryGrid:
    """``xs`` and ``ys`` (the grid's axes), ``values[iy, ix, k]`` (class probabilities for a
    classifier, else the raw outputs), ``kind`` ("classes" or "outputs"), ``features``, and
    ``fixed`` (the value every other feature is held at)."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    kind: str
    features: tuple
    fixed: np.ndarray

    def predicted(self) -> np.ndarray:
        """The class index with the highest probability at each grid point (classes only)."""
        if self.values.shape[-1] == 1:
            return (self.values[..., 0] >= 0.5).astype(int)
        return np.argmax(self.values, axis=-1)


def boundary_grid(net, X, features=(0, 1), resolution: int = 100, margin: float = 0.1):
    """The network's probabilities (or outputs) on a ``resolution`` x ``resolution`` grid."""
    if not isinstance(net, Stack):
        raise ParameterTypeError(
            f"net must be a deltaprop network (Sequential); got {type(net).__name__}"
        )
    resolution = check_number("resolution", resolution, low=2, high=2000, integer=True)
    margin = check_number("margin", margin, low=0)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ParameterError(f"X must be a non-empty 2-D array; got shape {X.shape}")
    if X.shape[1] < 2:
        raise ParameterError(f"a decision boundary needs at least 2 features; X has {X.shape[1]}")
    features = tuple(features)
    if (
        len(features) != 2
        or features[0] == features[1]
        or not all(isinstance(f, (int, np.integer)) and 0 <= f < X.shape[1] for f in features)
    ):
        raise ParameterError(
            f"features must be two different column indices below {X.shape[1]}; got {features!r}"
        )
    axes = []
    for f in features:
        low, high = float(X[:, f].min()), float(X[:, f].max())
        pad = margin * (high - low) if high > low else 1.0
        axes.append(np.linspace(low - pad, high + pad, resolution))
    gx, gy = np.meshgrid(*axes)
    fixed = X.mean(axis=0)
    grid = np.tile(fixed, (gx.size, 1))
    grid[:, features[0]] = gx.ravel()
    grid[:, features[1]] = gy.ravel()
    with no_grad():
        out = net(Tensor(grid.astype(net.dtype))).data.astype(np.float64)
    loss = getattr(net, "loss", None)
    kind = "classes" if loss is not None and loss.kind in ("multiclass", "binary") else "outputs"
    if kind == "classes":
        out = loss.probabilities(out)
    return BoundaryGrid(
        xs=axes[0],
        ys=axes[1],
        values=out.reshape(resolution, resolution, -1),
        kind=kind,
        features=features,
        fixed=fixed,
    )
