"""HTML rendering: one self-contained interactive page (no external file, works offline).

Everything on the page is computed here, in Python, by the engine: the walk-through's lines
(MathML with the numbers put in), the network diagram (SVG) of each recorded step, and for
every weight and bias its chain of factors, its central-difference check and its error curve
E(w) with the tangent whose slope is the backpropagated gradient. The inlined script only
steps through the lines (buttons, arrow keys), highlights the neurons and edges each line
uses, and shows a weight's panel when it is clicked. Below, every number as tables.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources

from . import svg
from .blocks import blocks, num, rel
from .mathml import math, mi, mn, mo, partial, sub
from .steps import PHASES, bias_delta, walkthrough

CURVE_POINTS = 81
CURVE_SPAN = 3.0  # each curve spans w +- 3: wide enough to show a logistic's bend
MAX_CURVES = 400  # weights and biases given an error curve (each is 81 forward passes)


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _tables(explanation: dict) -> list[str]:
    out = []
    for block in blocks(explanation):
        kind = block[0]
        if kind in ("h1", "h2", "h3", "p"):
            level = {"h1": "h2", "h2": "h3", "h3": "h4"}.get(kind, kind)
            out.append(f"<{level}>{escape(block[1])}</{level}>")
        elif kind == "pre":
            out.append("<pre>" + escape("\n".join(block[1])) + "</pre>")
        else:
            out.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in block[1]) + "</tr>")
            for row in block[2]:
                out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
            out.append("</table>")
    return out


def _short(v: float) -> str:
    return f"{v:.4g}"


def _diagram(ex: dict, step: dict) -> str:
    layers = ex["network"]["layers"]
    first = step["forward"][0]
    values = {n["neuron"]: n for n in first["neurons"]}
    inputs = ex["inputs"][0]
    columns = [
        [
            {"id": name, "label": name, "lines": [_short(inputs[i])]}
            for i, name in enumerate(layers[0]["neurons"])
        ]
    ]
    edges = []
    for layer in layers[1:]:
        col = []
        for name in layer["neurons"]:
            n = values[name]
            lines = []
            if n["bias"] is not None:
                bias = n["bias"]["name"]
                lines.append((f"{bias} = {_short(n['bias']['value'])}", bias))
            lines += [f"net {_short(n['net'])}", f"out {_short(n['out'])}"]
            col.append({"id": name, "label": name, "lines": lines})
            for t in n["terms"]:
                edges.append(
                    {
                        "id": t["weight"],
                        "src": t["input"],
                        "dst": name,
                        "value": t["w"],
                        "label": f"{t['weight']} = {_short(t['w'])}",
                    }
                )
        columns.append(col)
    tallest = max(len(c) for c in columns)
    numbers = tallest <= 8 and len(edges) <= 64
    width = 220 + 200 * (len(columns) - 1) if numbers else 160 + 120 * (len(columns) - 1)
    return svg.diagram(
        columns, edges, width=min(width, 900), numbers=numbers, radius=20 if numbers else 9
    )


def _curves(ex: dict, step: dict) -> dict:
    """name -> ErrorCurve dict for every weight and bias, by the engine, from the weights the
    step started with; empty when the rebuilt network does not give the step's E exactly."""
    from ..curve import error_curve
    from ..models import step_model

    net, X, y, parameters = step_model(ex, step)
    if len(parameters) > MAX_CURVES:
        return {}
    curves = {}
    for name, param in parameters.items():
        c = error_curve(
            net, X, y, param, lr=ex["settings"]["lr"], points=CURVE_POINTS, span=CURVE_SPAN
        )
        if abs(c.error - step["total_error"]) > 1e-12 * max(1.0, abs(step["total_error"])):
            return {}
        curves[name] = c.to_dict()
    return curves


def _check(item: dict) -> str:
    return (
        "<p>Central difference (E(w + ε) − E(w − ε)) / 2ε, ε = 1e-6: "
        f"<b>{escape(num(item['numeric']))}</b>; backpropagated: "
        f"<b>{escape(num(item['gradient']))}</b>; relative difference "
        f"{escape(rel(item['rel_diff']))}.</p>"
    )


def _curve_html(curves: dict, name: str, lr: float, key: str) -> str:
    c = curves.get(name)
    if c is None:
        return ""
    return (
        f"<p>E as {escape(name)} varies, everything else fixed; dashed: the tangent, slope "
        f"dE/d{escape(name)} = {escape(num(c['gradient']))}; red: the step to "
        f"{escape(name)} − {lr:g}·dE/d{escape(name)} = {escape(num(c['w_new']))}, where "
        f"E = {escape(num(c['error_new']))}.</p>" + svg.curve(c, name=name, key=key)
    )


def _panels(ex: dict, s: int, step: dict, lines: list[dict]) -> list[str]:
    from .steps import chain

    curves = _curves(ex, step)
    lr = ex["settings"]["lr"]
    updates = {u["name"]: u for u in step["update"]}
    out = []
    for w in step["backward"]["weights"]:
        name = w["name"]
        u = updates[name]
        out.append(
            f'<section class="panel" id="p-{s}-{escape(name)}" hidden>'
            f"<h3>{escape(name)}: {escape(w['from'])} → {escape(w['to'])}, now "
            f"{escape(num(u['old']))}</h3><p>The chain rule, with the numbers:</p>"
            + chain(w)
            + _check(w)
            + _curve_html(curves, name, lr, f"{s}-{name}")
            + "</section>"
        )
    for b in step["backward"]["biases"]:
        name = b["name"]
        u = updates[name]
        out.append(
            f'<section class="panel" id="p-{s}-{escape(name)}" hidden>'
            f"<h3>{escape(name)}: the bias of {escape(', '.join(b['neurons']))}, now "
            f"{escape(num(u['old']))}</h3>"
            + math(
                partial(sub("E", "total"), mi(name)),
                mo("="),
                mo("+").join(bias_delta(ex, d) for d in b["deltas"]),
                mo("="),
                mn(b["gradient"]),
            )
            + _check(b)
            + _curve_html(curves, name, lr, f"{s}-{name}")
            + ("" if u["updated"] else "<p>Biases are not updated in this run.</p>")
            + "</section>"
        )
    for neuron in step["backward"]["neurons"]:
        j = neuron["neuron"]
        mine = {f"net_{j}", f"out_{j}", f"dE/dout_{j}", f"dout/dnet_{j}", f"δ_{j}"}
        own = "".join(line["math"] for line in lines if line["text"].split(" ")[0] in mine)
        out.append(
            f'<section class="panel" id="p-{s}-{escape(j)}" hidden>'
            f"<h3>neuron {escape(j)}</h3>{own}</section>"
        )
    return out


def _errata(ex: dict) -> str:
    rows = ex.get("published") or []
    if not rows:
        return ""
    out = [
        "<h2>The published figures</h2>",
        "<p>Each figure of the published walk-through beside the value computed here. "
        "Highlighted: figures that do not follow from the stated method, with the reading "
        "they do match.</p>",
        "<table><tr><th>quantity</th><th>published</th><th>computed</th><th>note</th></tr>",
    ]
    for r in rows:
        cls = "" if r["agrees"] else ' class="erratum"'
        out.append(
            f"<tr{cls}><td>{escape(r['quantity'])}</td><td>{escape(r['published'])}</td>"
            f'<td>{escape(num(r["computed"]))}</td><td class="l">{escape(r["note"])}</td></tr>'
        )
    out.append("</table>")
    return "".join(out)


def _erratum_of_step(ex: dict, number: int) -> str | None:
    for r in ex.get("published") or []:
        if r["quantity"] == f"E_total after {number} update" and not r["agrees"]:
            return f"published {r['published']}; it {r['note']}"
    return None


def _step_html(ex: dict, s: int, step: dict, lines: list[dict]) -> str:
    out = [
        f'<div class="step" data-step="{s}"><div class="walk"><div class="left">',
        _diagram(ex, step),
        '<p class="hint">Click a weight (an edge), a bias (its label) or a neuron for its '
        "numbers."
        + (" The diagram's values are those of example 1." if len(ex["inputs"]) > 1 else "")
        + "</p>",
        *_panels(ex, s, step, lines),
        '</div><div class="lines" data-testid="lines">',
    ]
    erratum = _erratum_of_step(ex, step["step"])
    for k, line in enumerate(lines):
        note = ""
        if erratum and line["text"] == "E_total after":
            note = f'<div class="note erratum">{escape(erratum)}</div>'
        out.append(
            f'<div class="line" data-k="{k}" data-phase="{line["phase"]}">'
            f'<span class="tag">{escape(line["phase"])}</span>{line["math"]}{note}</div>'
        )
    out.append("</div></div></div>")
    return "".join(out)


def render(explanation: dict) -> str:
    ex = explanation
    steps = ex["steps"]
    walks = [walkthrough(ex, step) for step in steps]
    data = {
        "steps": [
            {
                "lines": [
                    {"phase": line["phase"], "uses": line["uses"], "text": line["text"]}
                    for line in lines
                ]
            }
            for lines in walks
        ]
    }
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(ex['title'])}</title><style>{_asset('explain.css')}</style></head>",
        f"<body><h1>{escape(ex['title'])}</h1>",
    ]
    if ex.get("description"):
        head.append(f"<p>{escape(ex['description'])}</p>")
    body = []
    if steps:
        select = ""
        if len(steps) > 1:
            select = (
                '<label>step <select id="step-select" data-testid="step-select">'
                + "".join(
                    f'<option value="{s}">{st["step"]}</option>' for s, st in enumerate(steps)
                )
                + "</select></label>"
            )
        phases = "".join(
            f'<button class="phase" data-phase="{p}" data-testid="phase-{p}">{p}</button>'
            for p in PHASES
        )
        body.append(
            '<div class="controls">'
            + select
            + '<button id="prev" data-testid="prev" title="previous line (←)">◀ back</button>'
            + '<button id="next" data-testid="next" title="next line (→)">next ▶</button>'
            + phases
            + '<span id="position" data-testid="position"></span></div>'
        )
        body += [
            _step_html(ex, s, step, lines) for s, (step, lines) in enumerate(zip(steps, walks))
        ]
    body.append(_errata(ex))
    body.append("<details><summary>Every number, as tables</summary>")
    body += _tables(ex)
    body.append("</details>")
    script = ""
    if steps:
        payload = json.dumps(data).replace("</", "<\\/")
        script = (
            f'<script type="application/json" id="dp-data">{payload}</script>'
            f"<script>{_asset('explain.js')}</script>"
        )
    return "\n".join(head + body) + script + "</body></html>\n"
