"""Plain-text rendering for a terminal: headings, formula lines and aligned tables."""

from __future__ import annotations

import textwrap

from .blocks import blocks

WIDTH = 100


def render(explanation: dict) -> str:
    out = []
    for block in blocks(explanation):
        kind = block[0]
        if kind in ("h1", "h2"):
            out += ["", block[1], ("=" if kind == "h1" else "-") * min(len(block[1]), WIDTH)]
        elif kind == "h3":
            out += ["", block[1]]
        elif kind == "p":
            out += [""] + textwrap.wrap(block[1], WIDTH, break_on_hyphens=False)
        elif kind == "pre":
            out += ["  " + line for line in block[1]]
        else:
            out += table(block[1], block[2])
    return "\n".join(out).lstrip("\n") + "\n"


def table(headers, rows) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    numeric = [all(_is_number(r[k]) for r in rows) for k in range(len(headers))]

    def line(cells):
        return (
            "  "
            + "  ".join(
                str(c).rjust(w) if numeric[k] else str(c).ljust(w)
                for k, (c, w) in enumerate(zip(cells, widths))
            ).rstrip()
        )

    return [line(headers), "  " + "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def _is_number(cell) -> bool:
    try:
        float(cell)
    except ValueError:
        return cell == ""
    return True
