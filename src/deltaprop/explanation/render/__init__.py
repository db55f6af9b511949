"""Renderers of an explanation, one module per format: text, markdown, json, html, latex."""

from __future__ import annotations

from ...errors import ParameterError
from . import html, json, latex, markdown, text

FORMATS = {"text": text, "markdown": markdown, "json": json, "html": html, "latex": latex}


def render(explanation: dict, format: str = "text") -> str:  # noqa: A002 - the CLI's name
    """The explanation as a string in ``format`` (one of FORMATS)."""
    if format not in FORMATS:
        raise ParameterError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    return FORMATS[format].render(explanation)
