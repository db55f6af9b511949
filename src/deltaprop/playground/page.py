"""The playground's page: one HTML file with its style and script inlined (nothing fetched
from elsewhere; the data and pictures come from this server's /api)."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib import resources

from ..explanation.render.html import _asset as explain_asset
from ..losses import LOSSES
from ..nn.activations import NAMES as ACTIVATIONS
from ..optim import OPTIMIZERS
from .data import PRESETS


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _options(values, labels=None) -> str:
    labels = labels or {}
    return "".join(
        f'<option value="{escape(v)}">{escape(labels.get(v, v))}</option>' for v in values
    )


@lru_cache(maxsize=1)
def page() -> str:
    html = _asset("playground.html")
    fill = {
        "STYLE": explain_asset("explain.css") + _asset("playground.css"),
        "SCRIPT": _asset("playground.js"),
        "PRESETS": _options(PRESETS, PRESETS),
        "ACTIVATIONS": _options(ACTIVATIONS),
        "LOSSES": _options(["auto", *LOSSES.names()]),
        "OPTIMIZERS": _options(OPTIMIZERS.names()),
    }
    for key, value in fill.items():
        html = html.replace("{{" + key + "}}", value)
    return html
