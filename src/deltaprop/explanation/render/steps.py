"""One recorded training step as a walk-through: lines of MathML with the numbers put in, in
the order forward pass -> error -> backward pass -> update, each naming the neurons and
weights it uses (what the interactive page highlights)."""

from __future__ import annotations

from .blocks import num
from .mathml import (
    activation,
    frac,
    joined,
    math,
    mi,
    mn,
    mo,
    mtext,
    partial,
    row,
    sub,
    sup,
)

PHASES = ("forward", "error", "backward", "update")


def _line(phase: str, formula: str, uses, text: str = "") -> dict:
    return {"phase": phase, "math": formula, "uses": sorted(set(uses)), "text": text}


def _tag(ex: dict, n: int) -> str:
    """' (example n)' when the step has several training examples, else nothing."""
    return f" (example {n})" if len(ex["inputs"]) > 1 else ""


def _value(name: str, inputs) -> str:
    """An input neuron's value is its name (i1); another neuron's is its out (out_h1)."""
    return mi(name) if name in inputs else sub("out", name)


def forward_lines(ex: dict, step: dict) -> list[dict]:
    inputs = set(ex["network"]["layers"][0]["neurons"])
    lines = []
    for example in step["forward"]:
        n = example["example"]
        for neuron in example["neurons"]:
            j = neuron["neuron"]
            names = [
                row(mi(t["weight"]), mo("·"), _value(t["input"], inputs)) for t in neuron["terms"]
            ]
            values = [row(mn(t["w"]), mo("·"), mn(t["x"], True)) for t in neuron["terms"]]
            uses = (
                [j] + [t["weight"] for t in neuron["terms"]] + [t["input"] for t in neuron["terms"]]
            )
            if neuron["bias"] is not None:
                names.append(mi(neuron["bias"]["name"]))
                values.append(mn(neuron["bias"]["value"], True))
                uses.append(neuron["bias"]["name"])
            lines.append(
                _line(
                    "forward",
                    math(
                        sub("net", j),
                        mo("="),
                        joined(names, "+"),
                        mo("="),
                        joined(values, "+"),
                        mo("="),
                        mn(neuron["net"]),
                    ),
                    uses,
                    f"net_{j}{_tag(ex, n)}",
                )
            )
            lines.append(
                _line(
                    "forward",
                    math(
                        sub("out", j),
                        mo("="),
                        activation(neuron["activation"], sub("net", j)),
                        mo("="),
                        activation(neuron["activation"], mn(neuron["net"], True)),
                        mo("="),
                        mn(neuron["out"]),
                    ),
                    [j],
                    f"out_{j}{_tag(ex, n)}",
                )
            )
    return lines


def _half_square(reduction: str, inner: str, count: int) -> str:
    squared = sup(row(mo("("), inner, mo(")")), mn(2))
    if reduction == "sum_half":
        return row(frac(mn(1), mn(2)), squared)
    if reduction == "mean":
        return frac(squared, mn(count))
    return squared


def error_lines(ex: dict, step: dict) -> list[dict]:
    reduction = ex["settings"]["reduction"]
    count = len(step["errors"])
    lines = []
    for e in step["errors"]:
        o = e["output"]
        lines.append(
            _line(
                "error",
                math(
                    sub("E", o),
                    mo("="),
                    _half_square(reduction, row(mi("target"), mo("−"), sub("out", o)), count),
                    mo("="),
                    _half_square(
                        reduction, row(mn(e["target"]), mo("−"), mn(e["out"], True)), count
                    ),
                    mo("="),
                    mn(e["error"]),
                ),
                [o],
                f"E_{o}{_tag(ex, e['example'])}",
            )
        )
    lines.append(
        _line(
            "error",
            math(
                sub("E", "total"),
                mo("="),
                joined([sub("E", e["output"]) for e in step["errors"]], "+"),
                mo("="),
                joined([mn(e["error"]) for e in step["errors"]], "+"),
                mo("="),
                mn(step["total_error"]),
            ),
            [e["output"] for e in step["errors"]],
            "E_total",
        )
    )
    return lines


def _dout(j: str) -> str:
    return partial(sub("E", "total"), sub("out", j))


def _dnet(j: str) -> str:
    return partial(sub("out", j), sub("net", j))


def neuron_lines(ex: dict, neuron: dict) -> list[dict]:
    """dE/dout, dout/dnet and delta of one neuron, for each example."""
    j, lines = neuron["neuron"], []
    template = ex["settings"]["error_derivative"]
    for r in neuron["examples"]:
        tag = _tag(ex, r["example"])
        if "target" in r:
            value = template.format(target=num(r["target"]), out=num(r["out"]))
            formula = [
                _dout(j),
                mo("="),
                mtext(template.format(target="target", out=f"out_{j}")),
                mo("="),
                mtext(value),
                mo("="),
                mn(r["dE_dout"]),
            ]
            uses = [j]
        else:
            terms = r["sum_terms"]
            formula = [
                _dout(j),
                mo("="),
                joined([row(sub("δ", t["neuron"]), mo("·"), mi(t["weight"])) for t in terms], "+"),
                mo("="),
                joined([row(mn(t["delta"], True), mo("·"), mn(t["w"], True)) for t in terms], "+"),
                mo("="),
                mn(r["dE_dout"]),
            ]
            uses = [j] + [t["neuron"] for t in terms] + [t["weight"] for t in terms]
        lines.append(_line("backward", math(*formula), uses, f"dE/dout_{j}{tag}"))
        lines.append(
            _line(
                "backward", math(_dnet(j), mo("="), mn(r["dout_dnet"])), [j], f"dout/dnet_{j}{tag}"
            )
        )
        lines.append(
            _line(
                "backward",
                math(
                    sub("δ", j),
                    mo("="),
                    _dout(j),
                    mo("·"),
                    _dnet(j),
                    mo("="),
                    mn(r["dE_dout"], True),
                    mo("·"),
                    mn(r["dout_dnet"], True),
                    mo("="),
                    mn(r["delta"]),
                ),
                [j],
                f"δ_{j}{tag}",
            )
        )
    return lines


def chain(w: dict) -> str:
    """dE/dw = dE/dout · dout/dnet · dnet/dw = the numbers = the gradient (summed over the
    examples when there are several)."""
    j = w["to"]
    dw = partial(sub("E", "total"), mi(w["name"]))
    factors = [_dout(j), mo("·"), _dnet(j), mo("·"), partial(sub("net", j), mi(w["name"]))]
    products = [
        row(
            mn(f["dE_dout"], True),
            mo("·"),
            mn(f["dout_dnet"], True),
            mo("·"),
            mn(f["dnet_dw"], True),
        )
        for f in w["factors"]
    ]
    many = len(products) > 1
    numbers = joined([row(mo("("), p, mo(")")) for p in products], "+") if many else products[0]
    return math(
        dw,
        mo("="),
        *((mo("∑"),) if many else ()),
        *factors,
        mo("="),
        numbers,
        mo("="),
        mn(w["gradient"]),
    )


def bias_delta(ex: dict, d: dict) -> str:
    """delta_h1, or delta_h1(n) for example n when there are several."""
    if len(ex["inputs"]) == 1:
        return sub("δ", d["neuron"])
    return row(sub("δ", d["neuron"]), mo("("), mn(d["example"]), mo(")"))


def backward_lines(ex: dict, step: dict) -> list[dict]:
    back = step["backward"]
    lines = []
    for neuron in back["neurons"]:
        lines += neuron_lines(ex, neuron)
        for w in back["weights"]:
            if w["to"] == neuron["neuron"]:
                lines.append(
                    _line("backward", chain(w), [w["name"], w["to"], w["from"]], f"dE/d{w['name']}")
                )
    for b in back["biases"]:
        deltas = [mn(d["delta"], True) for d in b["deltas"]]
        lines.append(
            _line(
                "backward",
                math(
                    partial(sub("E", "total"), mi(b["name"])),
                    mo("="),
                    joined([bias_delta(ex, d) for d in b["deltas"]], "+"),
                    mo("="),
                    joined(deltas, "+"),
                    mo("="),
                    mn(b["gradient"]),
                ),
                [b["name"], *b["neurons"]],
                f"dE/d{b['name']}",
            )
        )
    return lines


def update_lines(ex: dict, step: dict) -> list[dict]:
    lines = []
    for u in step["update"]:
        name = u["name"]
        new = sup(mi(name), mo("+"))
        if not u["updated"]:
            lines.append(
                _line(
                    "update",
                    math(
                        new, mo("="), mi(name), mo("="), mn(u["old"]), mtext("\u00a0(not updated)")
                    ),
                    [name],
                    f"{name}+",
                )
            )
            continue
        lines.append(
            _line(
                "update",
                math(
                    new,
                    mo("="),
                    mi(name),
                    mo("−"),
                    mi("η"),
                    mo("·"),
                    partial(sub("E", "total"), mi(name)),
                    mo("="),
                    mn(u["old"]),
                    mo("−"),
                    mn(u["lr"]),
                    mo("·"),
                    mn(u["gradient"], True),
                    mo("="),
                    mn(u["new"]),
                ),
                [name],
                f"{name}+",
            )
        )
    lines.append(
        _line(
            "update",
            math(
                sub("E", "total"),
                mtext(" after this update "),
                mo("="),
                mn(step["total_error_after"]),
            ),
            [],
            "E_total after",
        )
    )
    return lines


def walkthrough(ex: dict, step: dict) -> list[dict]:
    """Every line of one step, in order, each with ``phase``, ``math``, ``uses``, ``text``."""
    return (
        forward_lines(ex, step)
        + error_lines(ex, step)
        + backward_lines(ex, step)
        + update_lines(ex, step)
    )
