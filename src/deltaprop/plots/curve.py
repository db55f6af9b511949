"""plot_error_curve: E against one weight, the backprop tangent, and one descent step."""

from __future__ import annotations

from ..explanation.curve import error_curve
from ._figure import new_figure


def plot_error_curve(
    net,
    X,
    y,
    weight: str = "layers.1.weight[0,0]",
    *,
    loss=None,
    lr: float = 0.5,
    span: float | None = None,
    points: int = 201,
    title: str | None = None,
):
    """E(w) as ``weight`` varies (every other parameter fixed) on (X, y), for any weight of
    any network (names as in ``net.named_parameters()`` with an index: ``layers.0.bias[1]``).

    Drawn: the curve, the current point, the tangent there whose slope is the backpropagated
    dE/dw, the central-difference slope beside it (in the legend), and the gradient-descent
    step from w to ``w - lr dE/dw`` with the new E. Returns the Figure; the numbers are in
    :func:`deltaprop.explanation.curve.error_curve`.
    """
    c = error_curve(net, X, y, weight, loss=loss, lr=lr, span=span, points=points)
    fig = new_figure(6.4, 4.4)
    ax = fig.add_subplot()
    ax.plot(c.values, c.errors, color="#333333", linewidth=1.6, label=f"E({weight})", gid="curve")
    half = (c.values[-1] - c.values[0]) / 4
    tx = [c.w - half, c.w + half]
    ax.plot(
        tx,
        list(c.tangent(tx)),
        color="#2166ac",
        linewidth=1.6,
        linestyle="--",
        gid="tangent",
        label=f"tangent: backprop dE/dw = {c.gradient:.9g}",
    )
    ax.plot([], [], " ", label=f"central difference     = {c.numeric:.9g}")
    ax.plot(
        [c.w],
        [c.error],
        "o",
        color="#2166ac",
        zorder=4,
        gid="current",
        label=f"now: w = {c.w:.6g}, E = {c.error:.9g}",
    )
    ax.annotate(
        "",
        xy=(c.w_new, c.error_new),
        xytext=(c.w, c.error),
        arrowprops={"arrowstyle": "->", "color": "#d6604d", "linewidth": 1.4},
    )
    ax.plot(
        [c.w_new],
        [c.error_new],
        "o",
        color="#d6604d",
        zorder=4,
        gid="step",
        label=f"step w - {c.lr:g}·dE/dw = {c.w_new:.6g}, E = {c.error_new:.9g}",
    )
    low, high = c.errors.min(), c.errors.max()
    pad = 0.08 * (high - low or 1.0)
    ax.set_ylim(low - pad, high + pad)  # the tangent may leave the curve's range: clip it
    ax.set_xlabel(weight)
    ax.set_ylabel(f"E ({c.loss})")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    ax.set_title(title or f"error against {weight}, others fixed", fontsize=10)
    return fig
