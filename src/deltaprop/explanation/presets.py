"""Built-in examples: Matt Mazur's worked example ("mazur": "A Step by Step Backpropagation
Example", 2015) and the one-weight example.

The worked example's published figures are compared with what the engine computes. Where a
figure does not follow from the stated method, the same comparison is run against nearby
readings (one update fewer or more, hidden deltas computed with the already-updated output
weights) and the output says which of them the figure matches.
"""

from __future__ import annotations

import functools
from decimal import Decimal

import numpy as np

from ..datasets import worked_example
from ..engine import Tensor
from ..engine import functional as F
from ..errors import ParameterError
from ..optim import SGD
from .record import Network, record
from .spec import BIAS_MODES, REDUCTIONS, LayerSpec, NetworkSpec

PRESETS = ("mazur", "one-weight")

# The worked example's published walk-through: (label, printed figure, where explain has it).
WALKTHROUGH = [
    ("net_h1", "0.3775", ("forward", "h1", "net")),
    ("out_h1", "0.593269992", ("forward", "h1", "out")),
    ("out_h2", "0.596884378", ("forward", "h2", "out")),
    ("net_o1", "1.105905967", ("forward", "o1", "net")),
    ("out_o1", "0.75136507", ("forward", "o1", "out")),
    ("out_o2", "0.772928465", ("forward", "o2", "out")),
    ("E_o1", "0.274811083", ("error", "o1")),
    ("E_o2", "0.023560026", ("error", "o2")),
    ("E_total", "0.298371109", ("total",)),
    ("dE_total/dout_o1", "0.74136507", ("neuron", "o1", "dE_dout")),
    ("dout_o1/dnet_o1", "0.186815602", ("neuron", "o1", "dout_dnet")),
    ("dE_total/dw5", "0.082167041", ("gradient", "w5")),
    ("delta_o1", "0.138498562", ("neuron", "o1", "delta")),
    ("dE_total/dout_h1", "0.036350306", ("neuron", "h1", "dE_dout")),
    ("dout_h1/dnet_h1", "0.241300709", ("neuron", "h1", "dout_dnet")),
    ("dE_total/dw1", "0.000438568", ("gradient", "w1")),
    ("w5+", "0.35891648", ("new", "w5")),
    ("w6+", "0.408666186", ("new", "w6")),
    ("w7+", "0.511301270", ("new", "w7")),
    ("w8+", "0.561370121", ("new", "w8")),
    ("w1+", "0.149780716", ("new", "w1")),
    ("w2+", "0.19956143", ("new", "w2")),
    ("w3+", "0.24975114", ("new", "w3")),
    ("w4+", "0.29950229", ("new", "w4")),
]
AFTER_ONE = "0.291027924"
AFTER_MANY = "0.0000351085"
OUTPUTS_AFTER_MANY = ("0.015912196", "0.984065734")
MANY = 10_000
STATED = "the stated method (hidden deltas from the forward pass's weights)"
VARIANT = "hidden deltas computed with the already-updated output weights w5+..w8+"


def mazur_spec(
    update_biases: bool = False, bias: str = "shared", reduction: str = "sum_half"
) -> NetworkSpec:
    """Mazur's worked example (2015) with the learner's convention switches."""
    if bias not in ("shared", "per_neuron"):
        raise ParameterError(f"bias must be 'shared' or 'per_neuron'; got {bias!r}")
    if reduction not in REDUCTIONS:
        raise ParameterError(f"reduction must be one of {', '.join(REDUCTIONS)}; got {reduction!r}")
    count = 1 if bias == "shared" else 2
    biases = [["b1"], ["b2"]] if bias == "shared" else [["b1[h1]", "b1[h2]"], ["b2[o1]", "b2[o2]"]]
    data = worked_example()
    w = data.initial_weights  # Dense layout (in, out); a spec lists each neuron's weights: .T
    return NetworkSpec(
        inputs=data.X,
        targets=data.y,
        layers=[
            LayerSpec(
                2,
                "logistic",
                w[f"layers.{i}.weight"].T,
                bias,
                np.full(count, w[f"layers.{i}.bias"][0]),
            )
            for i in (0, 1)
        ],
        reduction=reduction,
        lr=0.5,
        update_biases=update_biases,
        title="Mazur's worked example (2015): 2-2-2 logistic network, one training example",
        description=(
            'From Matt Mazur, "A Step by Step Backpropagation Example" (2015). '
            "Inputs i1 = 0.05, i2 = 0.10, targets 0.01 and 0.99, learning rate 0.5, "
            "E = sum 1/2 (target - out)^2. Weights w1..w8; bias b1 shared by the hidden "
            "neurons and b2 by the output neurons"
            + ("" if update_biases else ", not updated (as in the published walk-through)")
            + "."
        ),
        names={
            "neurons": [["i1", "i2"], ["h1", "h2"], ["o1", "o2"]],
            "weights": [["w1", "w2", "w3", "w4"], ["w5", "w6", "w7", "w8"]],
            "biases": biases,
        },
    )


def one_weight_spec() -> NetworkSpec:
    """y = W x on (0, 0), (1, 2), (2, 4), E = sum 1/2 (y - W x)^2, from W = 3, lr 0.1."""
    return NetworkSpec(
        inputs=np.array([[0.0], [1.0], [2.0]]),
        targets=np.array([[0.0], [2.0], [4.0]]),
        layers=[LayerSpec(1, "identity", np.array([[3.0]]), "none", None)],
        reduction="sum_half",
        lr=0.1,
        update_biases=False,
        title="One weight: y = W x on the data (0, 0), (1, 2), (2, 4)",
        description=(
            "E(W) = sum 1/2 (y - W x)^2 over the three examples; dE/dW = sum x (W x - y) = "
            "5 (W - 2), so the minimum is at W = 2. Gradient descent starts at W = 3 with "
            "learning rate 0.1."
        ),
        names={"neurons": [["x"], ["y"]], "weights": [["W"]], "biases": [[]]},
    )


def explain_mazur(steps=1, detail=3, update_biases=False, bias="shared", reduction="sum_half"):
    spec = mazur_spec(update_biases, bias, reduction)
    result = record(spec, steps, detail)
    if (update_biases, bias, reduction) != (False, "shared", "sum_half"):
        result["notes"].append(
            "These conventions differ from the published walk-through's (shared biases, "
            "not updated, E = sum 1/2 (t - o)^2), so its figures are not compared here."
        )
        return result
    result["published"] = published_comparison(result["steps"][0] if result["steps"] else None)
    result["notes"].append(
        "The published walk-through is reproduced where the 'published' table says 'agrees'. "
        "Where it says 'differs', the figure does not follow from the stated method; the table "
        "names the reading it does match."
    )
    return result


def published_comparison(step: dict | None) -> list[dict]:
    """Each published figure beside the engine's value, and what it matches when they differ."""
    rows = []
    if step is not None:
        for label, printed, where in WALKTHROUGH:
            value = _lookup(step, where)
            rows.append(_row(label, printed, value, []))
    runs = _runs()
    one = runs["stated"][1]
    rows.append(
        _row(
            "E_total after 1 update",
            AFTER_ONE,
            one["error"],
            [(f"{VARIANT}, after 1 update", runs["variant"][1]["error"])],
        )
    )
    candidates = []
    for name in ("stated", "variant"):
        label = STATED if name == "stated" else VARIANT
        for n in (MANY - 1, MANY + 1) if name == "stated" else (MANY - 1, MANY, MANY + 1):
            candidates.append((f"{label}, after {n:,} updates", runs[name][n]["error"]))
    published_outputs = np.array([[float(v) for v in OUTPUTS_AFTER_MANY]])
    consistent = float(
        F.squared_error(
            Tensor(published_outputs), Tensor(np.array([[0.01, 0.99]])), "sum_half"
        ).data
    )
    candidates.append(("1/2 sum (t - o)^2 of the published outputs themselves", consistent))
    rows.append(
        _row(
            f"E_total after {MANY:,} updates", AFTER_MANY, runs["stated"][MANY]["error"], candidates
        )
    )
    for k, printed in enumerate(OUTPUTS_AFTER_MANY):
        rows.append(
            _row(
                f"out_o{k + 1} after {MANY:,} updates",
                printed,
                runs["stated"][MANY]["outputs"][k],
                [
                    (f"{VARIANT}, after {n:,} updates", runs["variant"][n]["outputs"][k])
                    for n in (MANY - 1, MANY, MANY + 1)
                ],
            )
        )
    return rows


def agrees(value: float, printed: str) -> bool:
    """True when ``value`` rounds to the published figure at the digits it was printed with."""
    figure = Decimal(printed)
    half_unit = Decimal(1).scaleb(figure.as_tuple().exponent) / 2
    return abs(Decimal(value) - figure) <= half_unit


def _row(label, printed, value, candidates) -> dict:
    ok = agrees(value, printed)
    matches = (
        []
        if ok
        else [{"reading": text, "value": v} for text, v in candidates if agrees(v, printed)]
    )
    if ok:
        note = "agrees"
    elif matches:
        note = (
            f"differs: the stated method gives {value:.10g}; the published figure matches "
            + "; and ".join(f"{m['reading']} ({m['value']:.10g})" for m in matches)
        )
    else:
        note = (
            f"differs: the stated method gives {value:.10g}, and none of the other "
            "readings tried gives the published figure"
        )
    return {
        "quantity": label,
        "published": printed,
        "computed": value,
        "agrees": ok,
        "matches": matches,
        "note": note,
    }


def _lookup(step: dict, where) -> float:
    kind = where[0]
    if kind == "forward":
        for n in step["forward"][0]["neurons"]:
            if n["neuron"] == where[1]:
                return n[where[2]]
    if kind == "error":
        return next(e["error"] for e in step["errors"] if e["output"] == where[1])
    if kind == "total":
        return step["total_error"]
    if kind == "neuron":
        n = next(n for n in step["backward"]["neurons"] if n["neuron"] == where[1])
        return n["examples"][0][where[2]]
    if kind == "gradient":
        return next(w["gradient"] for w in step["backward"]["weights"] if w["name"] == where[1])
    return next(u["new"] for u in step["update"] if u["name"] == where[1])


@functools.lru_cache(maxsize=1)
def _runs() -> dict:
    """Error and outputs after 1 and MANY - 1 .. MANY + 1 updates, by both readings."""
    checkpoints = {1, MANY - 1, MANY, MANY + 1}
    runs = {"stated": {}, "variant": {}}
    net = Network(mazur_spec())
    for n in range(1, MANY + 2):
        net.step()
        if n in checkpoints:
            runs["stated"][n] = {"error": net.error(), "outputs": net.outputs()[0].tolist()}
    net = Network(mazur_spec())
    for n in range(1, MANY + 2):
        _variant_step(net)
        if n in checkpoints:
            runs["variant"][n] = {"error": net.error(), "outputs": net.outputs()[0].tolist()}
    return runs


def _variant_step(net: Network) -> None:
    """One step of the published variant, by the engine's ops: the output layer is updated
    first and the hidden deltas are then computed through the *updated* output weights."""
    hidden, output = net.layers
    spec = net.spec
    for p in net.module.parameters():
        p.grad = None
    h = hidden(Tensor(spec.inputs))
    h_value = Tensor(h.data)
    net_o = Tensor(
        F.linear(h_value, Tensor(output.weight.data), Tensor(output.bias.data)).data,
        requires_grad=True,
    )
    net.loss(output.activation(net_o)).backward()
    delta_o = net_o.grad  # dE/dnet_o, from the forward pass
    F.linear(h_value, output.weight, output.bias).backward(delta_o)
    SGD([output.weight], lr=spec.lr).step()
    F.linear(h, Tensor(output.weight.data.copy())).backward(delta_o)
    SGD([hidden.weight], lr=spec.lr).step()


def explain_one_weight(steps=1, detail=3, low=0.0, high=4.0, points=17, descent_steps=10):
    """The one-weight example: the explained step(s), the error curve E(W) and the descent."""
    spec = one_weight_spec()
    result = record(spec, steps, detail)
    net = Network(spec)
    weight = net.layers[0].weight
    curve = []
    for w in np.linspace(low, high, points):
        weight.data = np.array([[w]])
        curve.append({"W": float(w), "error": net.error()})
    result["error_curve"] = {"weight": "W", "points": curve}
    net = Network(spec)
    weight = net.layers[0].weight
    descent = []
    for k in range(1, descent_steps + 1):
        old, error = float(weight.data[0, 0]), net.error()
        net.step()
        descent.append(
            {
                "step": k,
                "W": old,
                "error": error,
                "gradient": float(weight.grad[0, 0]),
                "new": float(weight.data[0, 0]),
            }
        )
    result["descent"] = descent
    result["notes"].append(
        f"From W = 3 the error is {curve_at(curve, 3.0):.9g}; it rises towards W = 4 "
        f"({curve_at(curve, 4.0):.9g}) and falls towards W = 2 ({curve_at(curve, 2.0):.9g}). "
        f"Each step moves W by -lr dE/dW; after {descent_steps} steps W = "
        f"{descent[-1]['new']:.9g}."
    )
    return result


def curve_at(curve, w: float) -> float:
    return next(p["error"] for p in curve if abs(p["W"] - w) < 1e-12)


__all__ = [
    "PRESETS",
    "BIAS_MODES",
    "explain_mazur",
    "explain_one_weight",
    "mazur_spec",
    "one_weight_spec",
    "agrees",
]
