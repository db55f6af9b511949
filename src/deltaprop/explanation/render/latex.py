"""LaTeX rendering: a complete article (formula lines verbatim, tables as tabular)."""

from __future__ import annotations

from .blocks import blocks

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def escape(text: str) -> str:
    return "".join(_SPECIAL.get(c, c) for c in text)


def render(explanation: dict) -> str:
    out = [
        r"\documentclass{article}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\begin{document}",
    ]
    heading = {"h1": "section", "h2": "subsection", "h3": "subsubsection"}
    for block in blocks(explanation):
        kind = block[0]
        if kind in heading:
            out.append(f"\\{heading[kind]}*{{{escape(block[1])}}}")
        elif kind == "p":
            out += [escape(block[1]), ""]
        elif kind == "pre":
            out += [r"{\footnotesize", r"\begin{verbatim}", *block[1], r"\end{verbatim}", "}"]
        else:
            headers, rows = block[1], block[2]
            out.append(r"{\footnotesize\begin{tabular}{" + "l" * len(headers) + "}")
            out.append(" & ".join(escape(h) for h in headers) + r" \\ \hline")
            out += [" & ".join(escape(c) for c in row) + r" \\" for row in rows]
            out.append(r"\end{tabular}}")
            out.append("")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
