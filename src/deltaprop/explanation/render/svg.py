"""Pictures for the browser, drawn in Python as SVG text: a network diagram, an error curve
with its tangent, a line chart, and a heat map (an inline PNG, encoded with zlib).

The interactive explain page and the playground put these into the page as they are; their
scripts only show, hide and highlight the elements (found by ``data-id``).
"""

from __future__ import annotations

import base64
import struct
import zlib
from html import escape

import numpy as np

POSITIVE = "#2166ac"
NEGATIVE = "#d6604d"


def _f(v: float) -> str:
    return f"{v:.2f}"


def diagram(
    layers,
    edges,
    *,
    width: int = 640,
    height: int | None = None,
    radius: int = 20,
    numbers: bool = True,
) -> str:
    """A layered network: ``layers`` is a list of columns of nodes ``{"id", "label", "lines"}``
    (``lines``: text under the node), ``edges`` a list of ``{"id", "src", "dst", "value",
    "label"}`` joining node ids. Edge colour = sign of ``value``, width ~ |value|."""
    tallest = max(len(col) for col in layers)
    row = 2.6 * radius + (
        14 * max((len(n.get("lines", [])) for c in layers for n in c), default=0) if numbers else 0
    )
    height = height or int(40 + row * tallest)
    pos = {}
    for k, col in enumerate(layers):
        x = radius + 30 + k * (width - 2 * radius - 60) / max(1, len(layers) - 1)
        top = 30 + (height - 30 - row * len(col)) / 2
        for r, node in enumerate(col):
            pos[node["id"]] = (x, top + row * r + radius)
    scale = max((abs(e["value"]) for e in edges), default=1.0) or 1.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="diagram">'
    ]
    by_dst = {}
    for e in edges:
        by_dst.setdefault(e["dst"], []).append(e)
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["src"]], pos[e["dst"]]
        colour = POSITIVE if e["value"] >= 0 else NEGATIVE
        stroke = 0.6 + 4.4 * abs(e["value"]) / scale
        out.append(
            f'<g class="edge" data-id="{escape(e["id"])}">'
            f'<line x1="{_f(x0)}" y1="{_f(y0)}" x2="{_f(x1)}" y2="{_f(y1)}" '
            f'stroke="{colour}" stroke-width="{stroke:.2f}"/>'
            f'<line class="hit" x1="{_f(x0)}" y1="{_f(y0)}" x2="{_f(x1)}" y2="{_f(y1)}"/>'
        )
        if numbers and e.get("label"):
            dst_col = next(
                k for k, col in enumerate(layers) if any(n["id"] == e["dst"] for n in col)
            )
            n_dst = len(layers[dst_col])
            j = next(r for r, n in enumerate(layers[dst_col]) if n["id"] == e["dst"])
            t = 0.25 + 0.5 * (j + 0.5) / n_dst
            lx, ly = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            out.append(
                f'<text x="{_f(lx)}" y="{_f(ly)}" class="wlabel">{escape(e["label"])}</text>'
            )
        out.append("</g>")
    small = "" if radius >= 15 else ' style="font-size:8px"'
    for col in layers:
        for node in col:
            x, y = pos[node["id"]]
            out.append(
                f'<g class="neuron" data-id="{escape(node["id"])}">'
                f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{radius}"/>'
                f'<text x="{_f(x)}" y="{_f(y + (4 if radius >= 15 else 3))}" class="nlabel"'
                f"{small}>"
                f"{escape(node['label'])}</text>"
            )
            if numbers:
                for i, line in enumerate(node.get("lines", [])):
                    text, lid = line if isinstance(line, tuple) else (line, None)
                    extra = f' data-id="{escape(lid)}"' if lid else ""
                    out.append(
                        f'<text x="{_f(x)}" y="{_f(y + radius + 13 + 13 * i)}" '
                        f'class="nvalue"{extra}>{escape(text)}</text>'
                    )
            out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _axes(xs, ys, width, height, pad):
    x0, x1 = float(np.min(xs)), float(np.max(xs))
    y0, y1 = float(np.min(ys)), float(np.max(ys))
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    margin = 0.06 * (y1 - y0)
    y0, y1 = y0 - margin, y1 + margin

    def px(x):
        return pad + (x - x0) / (x1 - x0) * (width - 1.5 * pad)

    def py(y):
        return height - pad + (y - y0) / (y1 - y0) * (1.6 * pad - height)

    return px, py, (x0, x1, y0, y1)


def _frame(width, height, pad, bounds, xlabel, ylabel) -> list:
    x0, x1, y0, y1 = bounds
    return [
        f'<rect x="{pad}" y="{0.6 * pad}" width="{width - 1.5 * pad}" '
        f'height="{height - 1.6 * pad}" class="frame"/>',
        f'<text x="{pad}" y="{height - pad + 14}" class="tick">{x0:.3g}</text>',
        f'<text x="{width - 0.5 * pad}" y="{height - pad + 14}" class="tick end">{x1:.3g}</text>',
        f'<text x="{pad - 4}" y="{height - pad}" class="tick end">{y0:.3g}</text>',
        f'<text x="{pad - 4}" y="{0.6 * pad + 10}" class="tick end">{y1:.3g}</text>',
        f'<text x="{width / 2}" y="{height - 6}" class="axis">{escape(xlabel)}</text>',
        f'<text x="12" y="{height / 2}" class="axis" transform="rotate(-90 12 {height / 2})">'
        f"{escape(ylabel)}</text>",
    ]


def curve(c: dict, *, width: int = 360, height: int = 230, name: str = "w", key: str = "") -> str:
    """An error curve ``c`` (ErrorCurve.to_dict()): E(w), the point, the tangent (slope =
    the backpropagated gradient) and the step to ``w_new``, with ``data-*`` numbers.
    ``key`` makes the clip path's id unique on a page with several curves."""
    clip = escape(f"clip-{key or name}")
    xs, ys = np.asarray(c["values"]), np.asarray(c["errors"])
    pad = 44
    px, py, bounds = _axes(xs, ys, width, height, pad)
    y_low, y_high = bounds[2], bounds[3]
    points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    half = (xs[-1] - xs[0]) / 4
    tx = np.array([c["w"] - half, c["w"] + half])
    ty = c["error"] + c["gradient"] * (tx - c["w"])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="curve" data-gradient="{float(c["gradient"])!r}" '
        f'data-w="{float(c["w"])!r}" data-error="{float(c["error"])!r}">',
        f'<clipPath id="{clip}"><rect x="{pad}" y="{0.6 * pad}" '
        f'width="{width - 1.5 * pad}" height="{height - 1.6 * pad}"/></clipPath>',
        *_frame(width, height, pad, bounds, name, "E"),
        f'<polyline points="{points}" class="eline"/>',
        f'<line x1="{px(tx[0]):.1f}" y1="{py(ty[0]):.1f}" x2="{px(tx[1]):.1f}" '
        f'y2="{py(ty[1]):.1f}" class="tangent" clip-path="url(#{clip})" '
        f'data-x1="{float(tx[0])!r}" data-y1="{float(ty[0])!r}" '
        f'data-x2="{float(tx[1])!r}" data-y2="{float(ty[1])!r}"/>',
        f'<circle cx="{px(c["w"]):.1f}" cy="{py(c["error"]):.1f}" r="4" class="now"/>',
    ]
    if y_low <= c["error_new"] <= y_high:
        out.append(
            f'<line x1="{px(c["w"]):.1f}" y1="{py(c["error"]):.1f}" '
            f'x2="{px(c["w_new"]):.1f}" y2="{py(c["error_new"]):.1f}" class="cstep"/>'
            f'<circle cx="{px(c["w_new"]):.1f}" cy="{py(c["error_new"]):.1f}" r="4" '
            f'class="new"/>'
        )
    out.append("</svg>")
    return "".join(out)


def chart(
    series: dict,
    *,
    width: int = 360,
    height: int = 200,
    xlabel: str = "epoch",
    ylabel: str = "loss",
) -> str:
    """Lines of ``series`` ({name: [values per epoch]}, None skipped) against 1, 2, 3..."""
    values = [v for s in series.values() for v in s if v is not None]
    longest = max((len(s) for s in series.values()), default=0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="chart">'
    ]
    if not values:
        out.append(
            f'<text x="{width / 2}" y="{height / 2}" class="axis">no epochs yet</text></svg>'
        )
        return "".join(out)
    pad = 44
    px, py, bounds = _axes([1, max(2, longest)], values, width, height, pad)
    out += _frame(width, height, pad, bounds, xlabel, ylabel)
    for k, (name, s) in enumerate(series.items()):
        pts = " ".join(f"{px(i + 1):.1f},{py(v):.1f}" for i, v in enumerate(s) if v is not None)
        if len(s) <= 30:  # few epochs: a dot on each, so that one epoch shows too
            out += [
                f'<circle cx="{px(i + 1):.1f}" cy="{py(v):.1f}" r="2.5" class="s{k}"/>'
                for i, v in enumerate(s)
                if v is not None
            ]
        out.append(
            f'<polyline points="{pts}" class="series s{k}" data-name="{escape(name)}"/>'
            f'<text x="{width - 0.5 * pad}" y="{0.6 * pad - 6 - 12 * k}" '
            f'class="legend s{k} end">{escape(name)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def png(rgb: np.ndarray) -> str:
    """An RGB array (height x width x 3, values in [0, 1], row 0 at the top) as a data: URL
    of a PNG (no compression library beyond zlib)."""
    rgb = np.nan_to_num(np.asarray(rgb, dtype=np.float64), nan=0.5)  # a diverged net: grey
    data = np.clip(np.round(rgb * 255), 0, 255).astype(np.uint8)
    h, w, _ = data.shape
    raw = b"".join(b"\x00" + data[i].tobytes() for i in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    blob = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(blob).decode("ascii")
