"""plot_network: a Dense network as neurons and edges (colour = sign of w, width = |w|)."""

from __future__ import annotations

import numpy as np

from ..explanation.diagram import network_view
from ._figure import NEGATIVE, POSITIVE, new_figure

MAX_DRAWN = 16  # neurons drawn per layer; a wider layer shows its first 12 and last 3
LABEL_NEURONS = 40  # at most this many neurons: names, biases, net and out written on them
LABEL_EDGES = 64  # at most this many edges: each weight written on its edge
LABEL_ROWS = 8  # at most this many neurons in a layer: the numbers fit beside them


def _drawn(n: int) -> list:
    """Indices of the neurons drawn for a layer of ``n`` (None marks the gap)."""
    if n <= MAX_DRAWN:
        return list(range(n))
    return list(range(12)) + [None] + list(range(n - 3, n))


def _names(view: dict, net) -> list[list[str]]:
    features = getattr(net, "feature_names", None)
    n_in = view["inputs"]
    inputs = (
        list(features) if features and len(features) == n_in else [f"x{i + 1}" for i in range(n_in)]
    )
    names = [inputs]
    last = len(view["layers"]) - 1
    for k, layer in enumerate(view["layers"]):
        prefix = "o" if k == last else (f"h{k + 1}." if last > 1 else "h")
        names.append([f"{prefix}{j + 1}" for j in range(layer["units"])])
    return names


def plot_network(net, x=None, *, digits: int = 4, title: str | None = None):
    """Draw ``net`` (a Sequential of Dense layers) as a diagram; return the Figure.

    Edges are blue for w > 0 and red for w < 0, their width proportional to |w| / max |w|.
    Small networks (at most 40 neurons) have their neurons named; with at most 8 neurons a
    layer they carry their numbers too: each weight on its edge (at most 64 edges), each
    neuron's bias, and with an input ``x`` (one example, raw features) each
    neuron's ``net`` and ``out``, rounded to ``digits`` significant digits. A layer wider than
    16 neurons shows its first 12 and last 3 with the count of the others between.
    """
    view = network_view(net, x)
    names = _names(view, net)
    sizes = [view["inputs"]] + [layer["units"] for layer in view["layers"]]
    drawn = [_drawn(n) for n in sizes]
    tallest = max(len(d) for d in drawn)
    label_neurons = sum(sizes) <= LABEL_NEURONS  # names in the circles
    numbers = label_neurons and tallest <= LABEL_ROWS  # and the values: room for them
    n_edges = sum(a * b for a, b in zip(sizes, sizes[1:]))
    label_edges = numbers and n_edges <= LABEL_EDGES
    gap = max(1.0, tallest / (3 if numbers else 4))  # between layers, in neuron rows
    xspan, yspan = gap * (len(sizes) - 1) + 1.2, tallest + (1.0 if numbers else 0.5)
    inch = min(1.6, 12.0 / yspan) if numbers else min(0.6, 8.0 / yspan)
    fig = new_figure(max(3.0, inch * xspan), max(2.5, inch * yspan))
    ax = fig.add_subplot()
    ax.set_axis_off()
    fmt = f"{{:.{digits}g}}".format
    pos = _positions(ax, drawn, sizes, gap)
    _edges(ax, view, pos, numbers, label_edges, fmt)
    _neurons(ax, view, pos, names, label_neurons, numbers, fmt)
    for k, layer in enumerate([None, *view["layers"]]):
        head = (
            "input" + (" (standardised)" if view["standardized"] else "")
            if k == 0
            else (f"{layer['activation']}" + (f"\n{layer['units']} units" if not numbers else ""))
        )
        top = (tallest - 1) / 2 + (0.62 if numbers else 0.4)
        ax.text(k * gap, top, head, ha="center", va="bottom", fontsize=9, color="#444444")
    ax.set_xlim(-0.6, gap * (len(sizes) - 1) + 0.6)
    ax.set_ylim(
        -(tallest - 1) / 2 - (1.0 if numbers else 0.4),
        (tallest - 1) / 2 + (1.0 if numbers else 0.9),
    )
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return fig


def _positions(ax, drawn, sizes, gap) -> list[dict]:
    """Per layer, {neuron index: (x, y)} of the neurons drawn; the gap of a wide layer is
    written where its hidden neurons would be."""
    pos = []
    for k, indices in enumerate(drawn):
        top = (len(indices) - 1) / 2
        pos.append({})
        for row, j in enumerate(indices):
            if j is None:
                ax.text(
                    k * gap,
                    top - row,
                    f"⋮ {sizes[k] - 15} more",
                    ha="center",
                    va="center",
                    fontsize=8,
                    zorder=5,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999"},
                )
            else:
                pos[k][j] = (k * gap, top - row)
    return pos


def _edges(ax, view, pos, numbers: bool, label_edges: bool, fmt) -> None:
    """One line per weight (gid ``edge:layer:i:j``), colour by sign, width by |w|."""
    scale = max(np.abs(np.asarray(layer["weight"])).max() for layer in view["layers"]) or 1.0
    for k, layer in enumerate(view["layers"]):
        W = np.asarray(layer["weight"])
        n_in, n_out = W.shape
        # labels go where the edges are apart: towards the wider layer's end
        lo, hi = (0.4, 0.85) if n_in < n_out else (0.15, 0.6) if n_in > n_out else (0.22, 0.78)
        for i, (x0, y0) in pos[k].items():
            for j, (x1, y1) in pos[k + 1].items():
                w = W[i, j]
                width = (0.4 + 3.6 * abs(w) / scale) if numbers else (0.15 + 1.6 * abs(w) / scale)
                ax.plot(
                    [x0, x1],
                    [y0, y1],
                    color=POSITIVE if w >= 0 else NEGATIVE,
                    linewidth=width,
                    alpha=0.85 if numbers else 0.45,
                    zorder=1,
                    gid=f"edge:{k}:{i}:{j}",
                )
                if label_edges:
                    t = lo + (hi - lo) * (j + 0.5) / n_out
                    ax.text(
                        x0 + t * (x1 - x0),
                        y0 + t * (y1 - y0),
                        fmt(w),
                        fontsize=7.5,
                        ha="center",
                        va="center",
                        zorder=3,
                        bbox={
                            "boxstyle": "round,pad=0.15",
                            "fc": "white",
                            "ec": "none",
                            "alpha": 0.85,
                        },
                    )


def _neurons(ax, view, pos, names, label_neurons: bool, numbers: bool, fmt) -> None:
    """The circles, their names, and below each its input value or bias, net and out."""
    radius = 0.22 if numbers else 0.3 if label_neurons else 0.2
    for k, layer_pos in enumerate(pos):
        layer = view["layers"][k - 1] if k else None
        for j, (x0, y0) in layer_pos.items():
            ax.add_patch(_circle(x0, y0, radius, "#f0f0f0" if k == 0 else "#ffffff"))
            if not label_neurons:
                continue
            ax.text(
                x0,
                y0,
                names[k][j],
                ha="center",
                va="center",
                fontsize=9 if numbers else 7,
                zorder=5,
            )
            if not numbers:
                continue
            below = []
            if k == 0 and view["x"] is not None:
                below.append(fmt(view["x_drawn"][j]))
            if layer is not None:
                if layer["bias"] is not None:
                    below.append(f"b {fmt(layer['bias'][0 if len(layer['bias']) == 1 else j])}")
                if "net" in layer:
                    below += [f"net {fmt(layer['net'][j])}", f"out {fmt(layer['out'][j])}"]
            if below:
                ax.text(
                    x0,
                    y0 - radius - 0.04,
                    "\n".join(below),
                    ha="center",
                    va="top",
                    fontsize=7.5,
                    zorder=5,
                    linespacing=1.15,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
                )


def _circle(x, y, r, face):
    from matplotlib.patches import Circle

    return Circle((x, y), r, facecolor=face, edgecolor="#333333", linewidth=1.2, zorder=4)
