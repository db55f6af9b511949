"""matplotlib, imported once with a clear message when the ``plot`` extra is missing.

Figures are made with ``matplotlib.figure.Figure`` directly (not pyplot), so drawing needs no
display, keeps no global state and works from threads (the playground's server).
"""

from __future__ import annotations

from ..errors import ParameterError

POSITIVE = "#2166ac"  # edges with w > 0
NEGATIVE = "#d6604d"  # edges with w < 0


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ParameterError(
            "deltaprop.plots needs matplotlib: pip install 'deltaprop[plot]'"
        ) from exc
    return Figure


def new_figure(width: float, height: float):
    return _figure_class()(figsize=(width, height), layout="constrained")


def check_figure_path(path) -> str:
    """The format ("png" or "svg") of a figure file name; ParameterError for another suffix
    or when matplotlib is missing (checked before any work is done)."""
    from pathlib import Path

    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ParameterError(f"the figure file must end in .png or .svg; got {str(path)!r}")
    _figure_class()
    return suffix[1:]


def save_figure(fig, path) -> None:
    """Write ``fig`` to ``path`` (.png or .svg, by its suffix), atomically."""
    from ..io.atomic import atomic_write

    kind = check_figure_path(path)
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format=kind, dpi=120)
