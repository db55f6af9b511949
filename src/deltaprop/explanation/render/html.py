"""HTML rendering: one self-contained page (no scripts, no external files)."""

from __future__ import annotations

from html import escape

from .blocks import blocks

STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
    "td{font-family:monospace;text-align:right}pre{background:#f6f6f6;padding:6px}"
)


def render(explanation: dict) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(explanation['title'])}</title><style>{STYLE}</style></head><body>",
    ]
    for block in blocks(explanation):
        kind = block[0]
        if kind in ("h1", "h2", "h3", "p"):
            out.append(f"<{kind}>{escape(block[1])}</{kind}>")
        elif kind == "pre":
            out.append("<pre>" + escape("\n".join(block[1])) + "</pre>")
        else:
            out.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in block[1]) + "</tr>")
            for row in block[2]:
                out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
