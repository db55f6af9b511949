"""Internal: lay an explanation (the JSON-schema dict) out as blocks every format shares.

A block is ``("h1" | "h2" | "h3", text)``, ``("p", text)``, ``("pre", [lines])`` or
``("table", headers, rows)``; each renderer only decides how a block looks.
"""

from __future__ import annotations

from ..._text import plural


def num(v: float) -> str:
    """At least 9 significant digits (exact short values such as 0.15 stay short)."""
    return f"{v:.9g}"


def rel(v: float) -> str:
    return f"{v:.1e}"


def blocks(ex: dict) -> list:
    out = [("h1", ex["title"])]
    if ex.get("description"):
        out.append(("p", ex["description"]))
    out.append(("p", _network_line(ex)))
    for step in ex["steps"]:
        out += _step(ex, step)
    summary = ex["summary"]
    if summary["updates"] > len(ex["steps"]) or not ex["steps"]:
        out.append(("h2", f"After {plural(summary['updates'], 'update')}"))
        if ex["steps"]:
            out.append(
                (
                    "p",
                    f"Updates {len(ex['steps']) + 1:,} to {summary['updates']:,} ran without "
                    "being laid out (a larger detail lays out each one).",
                )
            )
        outputs = ", ".join(num(v) for row in summary["outputs_after"] for v in row)
        out.append(
            (
                "pre",
                [
                    f"E_total before training = {num(summary['error_before'])}",
                    f"E_total after {plural(summary['updates'], 'update')} = "
                    f"{num(summary['error_after'])}",
                    f"outputs = {outputs}",
                ]
                + [f"{k} = {num(v)}" for k, v in summary["parameters_after"].items()],
            )
        )
        if summary.get("error_by_update"):
            out.append(
                (
                    "table",
                    ["after update", "E_total"],
                    [[f"{r['update']:,}", num(r["error"])] for r in summary["error_by_update"]],
                )
            )
    if ex.get("published"):
        out.append(("h2", "The published figures"))
        out.append(
            (
                "table",
                ["quantity", "published", "computed", "verdict"],
                [
                    [
                        r["quantity"],
                        r["published"],
                        num(r["computed"]),
                        "agrees" if r["agrees"] else "DIFFERS",
                    ]
                    for r in ex["published"]
                ],
            )
        )
        for r in ex["published"]:
            if not r["agrees"]:
                out.append(("p", f"{r['quantity']}: published {r['published']}; {r['note']}."))
    if ex.get("error_curve"):
        curve = ex["error_curve"]["points"]
        top = max(p["error"] for p in curve) or 1.0
        out.append(("h2", "The error against the weight"))
        out.append(
            (
                "table",
                ["W", "E(W)", "curve"],
                [[num(p["W"]), num(p["error"]), "#" * round(40 * p["error"] / top)] for p in curve],
            )
        )
    if ex.get("descent"):
        out.append(("h2", "Gradient descent, step by step"))
        out.append(
            (
                "table",
                ["step", "W", "E(W)", "dE/dW", "new W = W - lr dE/dW"],
                [
                    [
                        str(d["step"]),
                        num(d["W"]),
                        num(d["error"]),
                        num(d["gradient"]),
                        num(d["new"]),
                    ]
                    for d in ex["descent"]
                ],
            )
        )
    for note in ex.get("notes", []):
        out.append(("p", note))
    return out


def _network_line(ex: dict) -> str:
    parts = []
    for layer in ex["network"]["layers"]:
        text = " ".join(layer["neurons"])
        if layer["kind"] != "input":
            bias = {
                "shared": f"bias {layer['biases'][0]} shared" if layer["biases"] else "",
                "per_neuron": "one bias per neuron",
                "none": "no bias",
            }[layer["bias"]]
            text += f" ({layer['activation']}, {bias})"
        parts.append(text)
    s = ex["settings"]
    updates = "biases updated" if s["update_biases"] else "biases not updated"
    return (
        f"Network: {' -> '.join(parts)}. Loss: squared error, reduction {s['reduction']}; "
        f"learning rate {num(s['lr'])}; {updates}; computed in {s['dtype']}."
    )


def _where(ex, n) -> str:
    return f" [example {n}]" if len(ex["inputs"]) > 1 else ""


def _step(ex: dict, step: dict) -> list:
    out = [("h2", f"Step {step['step']}")]
    out.append(("h3", "Forward pass: net = sum of w * x + b, out = f(net)"))
    lines = []
    for example in step["forward"]:
        for n in example["neurons"]:
            symbolic = " + ".join(f"{t['weight']}*{t['input']}" for t in n["terms"])
            numbers = " + ".join(f"{num(t['w'])}*{num(t['x'])}" for t in n["terms"])
            if n["bias"]:
                symbolic += f" + {n['bias']['name']}"
                numbers += f" + {num(n['bias']['value'])}"
            tag = _where(ex, example["example"])
            lines.append(f"net_{n['neuron']} = {symbolic} = {numbers} = {num(n['net'])}{tag}")
            lines.append(
                f"out_{n['neuron']} = {n['activation']}(net_{n['neuron']}) = {num(n['out'])}{tag}"
            )
    out.append(("pre", lines))
    reduction = ex["settings"]["reduction"]
    out.append(("h3", f"Error ({_error_formula(reduction)})"))
    lines = []
    share = {"sum_half": "1/2 ", "sum": "", "mean": ""}[reduction]
    for e in step["errors"]:
        tag = _where(ex, e["example"])
        lines.append(
            f"E_{e['output']} = {share}({num(e['target'])} - {num(e['out'])})^2"
            f"{' / count' if reduction == 'mean' else ''} = {num(e['error'])}{tag}"
        )
    if len(ex["inputs"]) == 1:
        terms = " + ".join(f"E_{e['output']}" for e in step["errors"]) + " = "
    else:
        terms = " + ".join(num(e["error"]) for e in step["errors"]) + " = "
    lines.append(f"E_total = {terms}{num(step['total_error'])}")
    out.append(("pre", lines))
    out += _backward(ex, step)
    out.append(("h3", "Update: new = old - lr * dE/dw"))
    out.append(
        (
            "table",
            ["parameter", "old", "dE/dw", "lr", "new"],
            [
                [
                    u["name"],
                    num(u["old"]),
                    num(u["gradient"]),
                    num(u["lr"]),
                    num(u["new"]) if u["updated"] else f"{num(u['new'])} (not updated)",
                ]
                for u in step["update"]
            ],
        )
    )
    out.append(
        (
            "p",
            f"E_total after this update: {num(step['total_error_after'])} "
            f"(before: {num(step['total_error'])}).",
        )
    )
    return out


def _error_formula(reduction: str) -> str:
    return {
        "sum_half": "E = sum 1/2 (target - out)^2",
        "sum": "E = sum (target - out)^2",
        "mean": "E = mean of (target - out)^2 over all outputs and examples",
    }[reduction]


def _equation(left: str, template: str | None, name: str, row: dict, result: float) -> str:
    """``left = formula in names = formula in numbers = result``; a template holds ``{out}``,
    ``{net}`` or ``{target}``; parts that read the same are written once."""
    parts = [left]
    if template is not None:
        keys = ("out", "net", "target")
        symbolic = template.format(**{k: f"{k}_{name}" for k in keys})
        numbers = template.format(**{k: num(row[k]) if k in row else k for k in keys})
        parts += [symbolic] if symbolic == numbers else [symbolic, numbers]
    if parts[-1] != num(result):
        parts.append(num(result))
    return " = ".join(parts)


def _delta_term(ex: dict, d: dict) -> str:
    """One delta of a bias gradient's sum, naming its example in a batch."""
    if len(ex["inputs"]) > 1:
        return f"delta_{d['neuron']} (example {d['example']})"
    return f"delta_{d['neuron']}"


def _backward(ex: dict, step: dict) -> list:
    back = step["backward"]
    out = [("h3", "Backward pass: deltas, delta = dE/dout * dout/dnet")]
    derivative = {
        neuron: layer.get("derivative")
        for layer in ex["network"]["layers"][1:]
        for neuron in layer["neurons"]
    }
    lines = []
    for neuron in back["neurons"]:
        name = neuron["neuron"]
        for row in neuron["examples"]:
            tag = _where(ex, row["example"])
            if "sum_terms" in row:
                symbolic = " + ".join(
                    f"delta_{t['neuron']}*{t['weight']}" for t in row["sum_terms"]
                )
                numbers = " + ".join(f"{num(t['delta'])}*{num(t['w'])}" for t in row["sum_terms"])
                lines.append(
                    f"dE/dout_{name} = {symbolic} = {numbers} = {num(row['dE_dout'])}{tag}"
                )
            else:
                formula = ex["settings"].get("error_derivative")
                lines.append(_equation(f"dE/dout_{name}", formula, name, row, row["dE_dout"]) + tag)
            lines.append(
                _equation(f"dout_{name}/dnet_{name}", derivative[name], name, row, row["dout_dnet"])
                + tag
            )
            lines.append(
                f"delta_{name} = dE/dout_{name} * dout_{name}/dnet_{name} = "
                f"{num(row['dE_dout'])} * {num(row['dout_dnet'])} = "
                f"{num(row['delta'])}{tag}"
            )
    out.append(("pre", lines))
    out.append(
        ("h3", "Gradients: dE/dw = dE/dout * dout/dnet * dnet/dw, checked by central differences")
    )
    rows = []
    for w in back["weights"]:
        many = len(w["factors"]) > 1
        for k, f in enumerate(w["factors"]):
            last = k == len(w["factors"]) - 1 and not many
            link = f"{w['to']}<-{w['from']}" if k == 0 else ""
            if many:  # one row per example: name it
                link = f"{link} (example {f['example']})".strip()
            rows.append(
                [
                    w["name"] if k == 0 else "",
                    link,
                    num(f["dE_dout"]),
                    num(f["dout_dnet"]),
                    num(f["dnet_dw"]),
                    num(f["product"]),
                    num(w["numeric"]) if last else "",
                    rel(w["rel_diff"]) if last else "",
                ]
            )
        if many:
            rows.append(
                ["", "sum", "", "", "", num(w["gradient"]), num(w["numeric"]), rel(w["rel_diff"])]
            )
    out.append(
        (
            "table",
            ["w", "link", "dE/dout", "dout/dnet", "dnet/dw", "dE/dw", "numeric", "rel.diff"],
            rows,
        )
    )
    if back["biases"]:
        rows = [
            [
                b["name"],
                " + ".join(_delta_term(ex, d) for d in b["deltas"]),
                num(b["gradient"]),
                num(b["numeric"]),
                rel(b["rel_diff"]),
            ]
            for b in back["biases"]
        ]
        out.append(
            (
                "table",
                [
                    "bias",
                    "dE/db = sum of the deltas it feeds (dnet/db = 1)",
                    "dE/db",
                    "numeric",
                    "rel.diff",
                ],
                rows,
            )
        )
    return out
