"""Markdown rendering: headings, fenced formula lines and pipe tables."""

from __future__ import annotations

from .blocks import blocks


def render(explanation: dict) -> str:
    out = []
    for block in blocks(explanation):
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out += ["#" * int(kind[1]) + " " + block[1], ""]
        elif kind == "p":
            out += [block[1], ""]
        elif kind == "pre":
            out += ["```text", *block[1], "```", ""]
        else:
            headers, rows = block[1], block[2]
            out.append("| " + " | ".join(headers) + " |")
            out.append("|" + "|".join("---" for _ in headers) + "|")
            out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
            out.append("")
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<-", "&larr;")
