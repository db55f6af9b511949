"""plot_history: what training recorded per epoch, from a History."""

from __future__ import annotations

from ..errors import ParameterError, ParameterTypeError
from ..training import History
from ._figure import new_figure

LOSSES = ("loss", "val_loss")


def plot_history(history, *, log: bool = False, title: str | None = None):
    """Loss and validation loss per epoch (``log``: a log-scale y axis), the metrics in a
    second panel, the learning rate in a third, and the last epoch marked with why training
    stopped. Panels without data are left out. Returns the Figure."""
    if not isinstance(history, History):
        raise ParameterTypeError(
            f"history must be the History that fit returns; got {type(history).__name__}"
        )
    if len(history) == 0:
        raise ParameterError("the history is empty: it has no epoch to plot")
    epochs = history.epochs
    metrics = [k for k in history.history if k not in LOSSES and k != "lr"]
    panels = [
        p
        for p, present in (
            ("loss", any(k in history for k in LOSSES)),
            ("metrics", bool(metrics)),
            ("lr", "lr" in history),
        )
        if present
    ]
    ratios = [1.0 if p == "loss" else 0.8 if p == "metrics" else 0.45 for p in panels]
    fig = new_figure(7.0, 1.0 + 2.6 * sum(ratios))
    axes = fig.subplots(
        len(panels), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": ratios}
    )[:, 0]
    for ax, panel in zip(axes, panels):
        keys = {"loss": [k for k in LOSSES if k in history], "metrics": metrics, "lr": ["lr"]}[
            panel
        ]
        for key in keys:
            ax.plot(
                epochs,
                history[key],
                label=key,
                marker="." if len(epochs) <= 30 else None,
                linestyle="--" if key.startswith("val_") else "-",
                gid=f"line:{key}",
            )
        ax.set_ylabel({"loss": "loss", "metrics": "metric", "lr": "learning rate"}[panel])
        if panel == "loss" and log:
            ax.set_yscale("log")
        if panel == "lr" and len(set(history["lr"])) > 1 and min(history["lr"]) > 0:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.axvline(epochs[-1], color="#888888", linestyle=":", linewidth=1, gid="stop")
        if panel != "lr" or len(keys) > 1:
            ax.legend(loc="best", fontsize=8)
    stop = history.stop_reason or "end of training"
    axes[0].annotate(
        f"stopped at epoch {epochs[-1]}: {stop}",
        xy=(epochs[-1], 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(-4, -4),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=8,
        color="#555555",
    )
    axes[-1].set_xlabel("epoch")
    if title:
        fig.suptitle(title)
    return fig
