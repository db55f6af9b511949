"""plot_decision_boundary: a network's class probabilities over two features, with the data."""

from __future__ import annotations

import numpy as np

from ..explanation.boundary import boundary_grid
from ..training.labels import encode_labels
from ._figure import new_figure

CLASS_COLOURS = [
    "#4477aa",
    "#ee6677",
    "#228833",
    "#ccbb44",
    "#66ccee",
    "#aa3377",
    "#bbbbbb",
    "#000000",
    "#ee8866",
    "#44bb99",
]


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def plot_decision_boundary(
    net,
    X,
    y,
    *,
    features=(0, 1),
    resolution: int = 200,
    feature_names=None,
    title: str | None = None,
):
    """The network's output over features ``features`` (two column indices of X) as a heat
    map, with the points of (X, y) on it. Returns the Figure.

    For a classifier each grid point is coloured by blending the class colours with the
    class probabilities (so uncertain regions look mixed) and the predicted-class boundary is
    drawn as a line; for a regression network, the output as a colour scale. With more than
    two features, the other features are held at their means over X (the title says so).
    """
    grid = boundary_grid(net, X, features, resolution)
    X = np.asarray(X, dtype=np.float64)
    names = (
        feature_names
        or getattr(net, "feature_names", None)
        or [f"x{i + 1}" for i in range(X.shape[1])]
    )
    fx, fy = grid.features
    fig = new_figure(6.0, 5.0)
    ax = fig.add_subplot()
    extent = (grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1])
    if grid.kind == "classes":
        probs = grid.values
        if probs.shape[-1] == 1:
            probs = np.concatenate([1 - probs, probs], axis=-1)
        k = probs.shape[-1]
        colours = np.array([_rgb(CLASS_COLOURS[c % len(CLASS_COLOURS)]) for c in range(k)])
        image = 0.35 + 0.65 * (probs @ colours)  # lightened, so the points stand out
        ax.imshow(
            image,
            origin="lower",
            extent=extent,
            aspect="auto",
            interpolation="bilinear",
            gid="heatmap",
        )
        if k == 2:  # the boundary is where P(class 1) = 0.5: a smooth contour of it
            ax.contour(grid.xs, grid.ys, probs[..., 1], levels=[0.5], colors="#333333")
        else:
            levels = np.arange(k) + 0.5
            ax.contour(grid.xs, grid.ys, grid.predicted(), levels=levels, colors="#333333")
        classes = getattr(net, "classes_", None)
        codes = encode_labels(np.asarray(y), net.loss, classes)
        codes = np.asarray(codes)
        if codes.ndim == 2:
            codes = np.argmax(codes, axis=1) if codes.shape[1] > 1 else codes[:, 0]
        codes = codes.astype(int)
        for c in range(k):
            mask = codes == c
            label = str(classes[c]) if classes is not None else str(c)
            ax.scatter(
                X[mask, fx],
                X[mask, fy],
                s=18,
                color=CLASS_COLOURS[c % len(CLASS_COLOURS)],
                edgecolors="black",
                linewidths=0.5,
                label=label,
                zorder=3,
                gid=f"points:{c}",
            )
        ax.legend(loc="upper right", fontsize=8, title="class", framealpha=0.8)
    else:
        values = grid.values[..., 0]
        target = np.asarray(y, dtype=np.float64).reshape(len(X), -1)[:, 0]
        low = min(values.min(), target.min())
        high = max(values.max(), target.max())
        im = ax.imshow(
            values,
            origin="lower",
            extent=extent,
            aspect="auto",
            cmap="viridis",
            vmin=low,
            vmax=high,
            gid="heatmap",
        )
        ax.scatter(
            X[:, fx],
            X[:, fy],
            c=target,
            cmap="viridis",
            vmin=low,
            vmax=high,
            s=18,
            edgecolors="white",
            linewidths=0.5,
            zorder=3,
            gid="points",
        )
        fig.colorbar(im, ax=ax, label="network output")
    ax.set_xlabel(names[fx])
    ax.set_ylabel(names[fy])
    heading = title or ("decision boundary" if grid.kind == "classes" else "network output")
    if X.shape[1] > 2:
        heading += f"\n(other {X.shape[1] - 2} features at their means)"
    ax.set_title(heading, fontsize=10)
    return fig
