"""Run training steps of a spec'd network in float64 and record every number from the trace.

Every value comes from the engine: the forward values from ForwardEvents, dE/dout, the deltas
and every gradient from VjpEvents, dout/dnet from the activation op's own vjp (applied to a
gradient of ones), the updated weights from the SGD optimizer. explain only multiplies the
displayed factors back together, as a check that they are the chain rule's factors.
"""

from __future__ import annotations

import numpy as np

from ..engine import Tensor, no_grad
from ..engine import functional as F
from ..engine.gradcheck import _central
from ..engine.ops.activations import ActivationOp
from ..engine.replay import Replay
from ..engine.tracer import ForwardEvent, VjpEvent, trace
from ..nn import Dense, Stack
from ..optim import SGD

SCHEMA_VERSION = 1
EPS = 1e-6  # central-difference step: error ~eps^2 from truncation, ~1e-16/eps from rounding


class Network:
    """The float64 Sequential built from a spec, with readable names for every number."""

    def __init__(self, spec):
        self.spec = spec
        layers = []
        for layer in spec.layers:
            kw = {"init": layer.weights.T} if layer.weights is not None else {}
            bias = {"per_neuron": True, "shared": "shared", "none": False}[layer.bias]
            if layer.biases is not None:
                kw["bias_init"] = layer.biases
            layers.append(Dense(layer.units, layer.activation, bias=bias, **kw))
        self.module = Stack(layers, seed=spec.seed or 0, dtype="float64")
        self.module.build(spec.inputs.shape[1])
        self.layers = layers
        self.names = default_names(spec)
        trained = [layer.weight for layer in layers]
        if spec.update_biases:
            trained += [layer.bias for layer in layers if layer.bias is not None]
        self.optimizer = SGD(trained, lr=spec.lr)
        self._replay = None

    def loss(self, out) -> Tensor:
        return F.squared_error(out, Tensor(self.spec.targets), self.spec.reduction)

    def error(self) -> float:
        with no_grad():
            return float(self.loss(self.module(self.spec.inputs)).data)

    def error_extended(self) -> np.longdouble:
        """E computed in extended precision (``np.longdouble``) from the current weights.

        For the central differences: subtracting two float64 errors leaves only a few digits
        of their last-place rounding, and that rounding depends on the machine's vectorised
        ``exp``; in extended precision the difference keeps every digit that is shown.
        """
        extended = np.longdouble
        with no_grad():
            h = Tensor(self.spec.inputs.astype(extended))
            for layer in self.layers:
                b = None if layer.bias is None else Tensor(layer.bias.data.astype(extended))
                h = layer.activation(F.linear(h, Tensor(layer.weight.data.astype(extended)), b))
            e = F.squared_error(h, Tensor(self.spec.targets.astype(extended)), self.spec.reduction)
        return e.data[()]

    def outputs(self) -> np.ndarray:
        with no_grad():
            return self.module(self.spec.inputs).data.copy()

    def step(self) -> None:
        """One plain training step (no trace): forward, backward, SGD update.

        The step is recorded once and replayed (the engine's Replay: the same ops, no graph
        rebuilding), which makes 10,000 steps of a small network take a fraction of a second.
        """
        self.optimizer.zero_grad()
        self.module.zero_grad()
        if self._replay is None:
            self._replay, _ = Replay.record(lambda x: self.loss(self.module(x)), self.spec.inputs)
        else:
            self._replay.step(self.spec.inputs)
        self.optimizer.step()

    def parameters(self):
        """(name, kind, layer index, Parameter) for every weight matrix and bias vector."""
        for k, layer in enumerate(self.layers):
            yield "weight", k, layer.weight
            if layer.bias is not None:
                yield "bias", k, layer.bias


def default_names(spec) -> dict:
    """Neuron, weight and bias names: i1, h1, o1, w1..., b1... for a net with at most one
    hidden layer (the worked example's scheme), layer-indexed ones for deeper nets; a spec's
    ``names`` replace them."""
    sizes = [spec.inputs.shape[1]] + [layer.units for layer in spec.layers]
    deep = len(spec.layers) > 2
    neurons = [[f"i{j + 1}" for j in range(sizes[0])]]
    for k in range(1, len(sizes)):
        if k == len(sizes) - 1:
            neurons.append([f"o{j + 1}" for j in range(sizes[k])])
        elif deep:
            neurons.append([f"h{k}.{j + 1}" for j in range(sizes[k])])
        else:
            neurons.append([f"h{j + 1}" for j in range(sizes[k])])
    neurons = spec.names.get("neurons", neurons)
    weights, biases, count = [], [], 0
    for k, layer in enumerate(spec.layers):
        rows = []
        for j in range(layer.units):
            for i in range(sizes[k]):
                count += 1
                rows.append(f"w{count}" if not deep else f"w{k + 1}[{j + 1},{i + 1}]")
        weights.append(rows)
        if layer.bias == "shared":
            biases.append([f"b{k + 1}"])
        elif layer.bias == "per_neuron":
            biases.append([f"b{k + 1}[{n}]" for n in neurons[k + 1]])
        else:
            biases.append([])
    return {
        "neurons": neurons,
        "weights": spec.names.get("weights", weights),
        "biases": spec.names.get("biases", biases),
    }


def describe(net: Network) -> dict:
    """The network part of the JSON schema: layers, neuron names, parameter names."""
    spec, names = net.spec, net.names
    layers = [{"neurons": names["neurons"][0], "kind": "input"}]
    for k, layer in enumerate(spec.layers):
        layers.append(
            {
                "kind": "output" if k == len(spec.layers) - 1 else "hidden",
                "neurons": names["neurons"][k + 1],
                "activation": net.layers[k].activation.name,
                "formula": net.layers[k].activation.formula,
                "derivative": derivative_formula(net.layers[k].activation),
                "bias": layer.bias,
                "weights": [
                    names["weights"][k][
                        j * len(names["neurons"][k]) : (j + 1) * len(names["neurons"][k])
                    ]
                    for j in range(layer.units)
                ],
                "biases": names["biases"][k],
            }
        )
    return {"layers": layers}


def _is_activation(op) -> bool:
    """Whether a traced op is an element-wise activation (any registered one)."""
    return isinstance(op, ActivationOp) and op.elementwise


def derivative_formula(activation) -> str | None:
    """dout/dnet as a template in ``{out}`` and ``{net}`` (the activation op's
    ``derivative_formula``, its attributes such as a slope filled in), or None."""
    template = getattr(activation.op, "derivative_formula", None)
    if template is None:
        return None
    options = {k: f"{v:g}" for k, v in activation.get_config().items() if k != "name"}
    return template.format(out="{out}", net="{net}", **options)


def error_derivative_formula(reduction: str, count: int) -> str:
    """dE/dout of an output neuron for squared error, a template in ``{target}``, ``{out}``:
    E = sum 1/2 (t - o)^2 gives -(t - o); sum (t - o)^2 gives -2 (t - o); the mean divides
    that by the number of target values."""
    return {
        "sum_half": "-({target} - {out})",
        "sum": "-2 ({target} - {out})",
        "mean": f"-2 ({{target}} - {{out}}) / {count}",
    }[reduction]


def record_step(net: Network, number: int) -> dict:
    """One training step with the tracer on; the step's every number, by the JSON schema."""
    events = []

    def keep(event):
        # Arrays are copied now: the step reuses gradient buffers and updates weights in place.
        # Kept as (kind, op, input arrays, input tensors, output or g, output tensor, grads).
        vjp = isinstance(event, VjpEvent)
        if not vjp and not isinstance(event, ForwardEvent):
            return
        events.append(
            (
                "v" if vjp else "f",
                event.op,
                [np.array(t.data) for t in event.inputs],
                event.inputs,
                np.array(event.g if vjp else event.output.data),
                event.output,
                [None if g is None else np.array(g) for g in event.grads_in] if vjp else None,
            )
        )

    net.optimizer.zero_grad()
    net.module.zero_grad()
    spec = net.spec
    with trace(keep):
        x = Tensor(spec.inputs)
        out = net.module(x)
        error = net.loss(out)
        error.backward()
    layers = _match_events(net, events)
    numeric = _central_differences(net)
    olds = {id(p): p.data.copy() for _, _, p in net.parameters()}
    net.optimizer.step()
    step = {
        "step": number,
        "forward": _forward(net, layers),
        "errors": _errors(net, layers[-1]["out"]),
        "total_error": float(error.data),
        "backward": _backward(net, layers, numeric),
    }
    step["update"] = _update(net, olds)
    step["total_error_after"] = net.error()
    return step


def _match_events(net: Network, events) -> list[dict]:
    """Per layer: x, W, b, net, out from the forward events; dE/dout, delta and the gradients
    of W, b and x from the vjp events (matched by the tensors they involve)."""
    layers = []
    for layer in net.layers:
        info = {}
        for e in events:
            if e[0] == "f" and e[1].name == "linear" and e[3][1] is layer.weight:
                info.update(
                    x=e[2][0],
                    W=e[2][1],
                    b=e[2][2] if len(e[2]) > 2 else None,
                    net=e[4],
                    out=e[4],
                    net_tensor=e[5],
                    out_tensor=e[5],
                )
            if e[0] == "v" and e[1].name == "linear" and e[3][1] is layer.weight:
                info.update(
                    delta=e[4],
                    grad_x=e[6][0],
                    grad_W=e[6][1],
                    grad_b=e[6][2] if len(e[6]) > 2 else None,
                )
        info["activation_op"] = None
        for e in events:  # the activation op, if any, is the one fed by this layer's net
            if e[0] == "f" and e[3][0] is info["net_tensor"] and _is_activation(e[1]):
                info.update(out=e[4], out_tensor=e[5], activation_op=e[1])
        info["dE_dout"] = info["delta"]
        for e in events:
            if e[0] == "v" and e[5] is info["out_tensor"] and info["activation_op"] is not None:
                info["dE_dout"] = e[4]
        op = info["activation_op"]
        # dout/dnet is the activation op's own derivative: its vjp with a gradient of ones.
        info["dout_dnet"] = (
            np.ones_like(info["net"])
            if op is None
            else op.vjp(np.ones_like(info["out"]), info["out"], info["net"])[0]
        )
        layers.append(info)
    return layers


def _central_differences(net: Network) -> dict:
    """(E(w + eps) - E(w - eps)) / (2 eps) for every weight and bias, by the gradcheck helper.

    The two errors are computed in extended precision, so the difference is the same on every
    machine (see ``Network.error_extended``).
    """

    def s(u):
        return net.error_extended()

    return {
        id(p): np.array(
            [_central(s, None, p, k, EPS) for k in range(p.size)], dtype=np.float64
        ).reshape(p.shape)
        for _, _, p in net.parameters()
    }


def _forward(net: Network, layers) -> list[dict]:
    names = net.names
    examples = []
    for n in range(net.spec.inputs.shape[0]):
        neurons = []
        for k, info in enumerate(layers):
            b = info["b"]
            for j, neuron in enumerate(names["neurons"][k + 1]):
                terms = [
                    {
                        "weight": names["weights"][k][j * info["W"].shape[0] + i],
                        "w": float(info["W"][i, j]),
                        "input": names["neurons"][k][i],
                        "x": float(info["x"][n, i]),
                    }
                    for i in range(info["W"].shape[0])
                ]
                bias = None
                if b is not None:
                    bj = 0 if b.shape[0] == 1 else j
                    bias = {"name": names["biases"][k][bj], "value": float(b[bj])}
                neurons.append(
                    {
                        "neuron": neuron,
                        "layer": k + 1,
                        "terms": terms,
                        "bias": bias,
                        "net": float(info["net"][n, j]),
                        "activation": net.layers[k].activation.name,
                        "out": float(info["out"][n, j]),
                    }
                )
        examples.append({"example": n + 1, "neurons": neurons})
    return examples


def _errors(net: Network, out) -> list[dict]:
    """Each output's share of E_total, by the squared_error op on that output alone."""
    spec = net.spec
    count = spec.targets.size if spec.reduction == "mean" else 1
    reduction = "sum" if spec.reduction in ("sum", "mean") else "sum_half"
    rows = []
    with no_grad():
        for n in range(out.shape[0]):
            for j, name in enumerate(net.names["neurons"][-1]):
                share = F.squared_error(
                    Tensor(out[n, j : j + 1]), Tensor(spec.targets[n, j : j + 1]), reduction
                )
                rows.append(
                    {
                        "example": n + 1,
                        "output": name,
                        "target": float(spec.targets[n, j]),
                        "out": float(out[n, j]),
                        "error": float(share.data) / count,
                    }
                )
    return rows


def _rel(a: float, b: float) -> float:
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


def _backward(net: Network, layers, numeric) -> dict:
    names = net.names
    neurons, weights, biases = [], [], []
    last = len(layers) - 1
    for k in range(last, -1, -1):
        info = layers[k]
        n_in = info["W"].shape[0]
        for j, neuron in enumerate(names["neurons"][k + 1]):
            per_example = []
            for n in range(info["net"].shape[0]):
                row = {
                    "example": n + 1,
                    "net": float(info["net"][n, j]),
                    "out": float(info["out"][n, j]),
                    "dE_dout": float(info["dE_dout"][n, j]),
                    "dout_dnet": float(info["dout_dnet"][n, j]),
                    "delta": float(info["delta"][n, j]),
                }
                if k == last:
                    row["target"] = float(net.spec.targets[n, j])
                if k < last:  # a hidden neuron: the error arrives from every neuron it feeds
                    upper = layers[k + 1]
                    row["sum_terms"] = [
                        {
                            "neuron": names["neurons"][k + 2][o],
                            "delta": float(upper["delta"][n, o]),
                            "weight": names["weights"][k + 1][o * upper["W"].shape[0] + j],
                            "w": float(upper["W"][j, o]),
                        }
                        for o in range(upper["W"].shape[1])
                    ]
                per_example.append(row)
            neurons.append({"neuron": neuron, "layer": k + 1, "examples": per_example})
            for i in range(n_in):
                factors = [
                    {
                        "example": n + 1,
                        "dE_dout": float(info["dE_dout"][n, j]),
                        "dout_dnet": float(info["dout_dnet"][n, j]),
                        "dnet_dw": float(info["x"][n, i]),
                        "product": float(
                            info["dE_dout"][n, j] * info["dout_dnet"][n, j] * info["x"][n, i]
                        ),
                    }
                    for n in range(info["x"].shape[0])
                ]
                g = float(info["grad_W"][i, j])
                c = float(numeric[id(net.layers[k].weight)][i, j])
                weights.append(
                    {
                        "name": names["weights"][k][j * n_in + i],
                        "from": names["neurons"][k][i],
                        "to": neuron,
                        "factors": factors,
                        "gradient": g,
                        "numeric": c,
                        "rel_diff": _rel(g, c),
                    }
                )
        if info["b"] is not None:
            shared = info["b"].shape[0] == 1
            for bj, bname in enumerate(names["biases"][k]):
                units = range(info["net"].shape[1]) if shared else [bj]
                g = float(info["grad_b"][bj])
                c = float(numeric[id(net.layers[k].bias)][bj])
                biases.append(
                    {
                        "name": bname,
                        "neurons": [names["neurons"][k + 1][j] for j in units],
                        "deltas": [
                            {
                                "example": n + 1,
                                "neuron": names["neurons"][k + 1][j],
                                "delta": float(info["delta"][n, j]),
                            }
                            for n in range(info["net"].shape[0])
                            for j in units
                        ],
                        "gradient": g,
                        "numeric": c,
                        "rel_diff": _rel(g, c),
                    }
                )
    return {"neurons": neurons, "weights": weights, "biases": biases}


def _update(net: Network, olds) -> list[dict]:
    names = net.names
    trained = {id(p) for p in net.optimizer.params}
    rows = []
    for kind, k, p in net.parameters():
        labels = names["weights"][k] if kind == "weight" else names["biases"][k]
        old = olds[id(p)]
        grad = p.grad if p.grad is not None else np.zeros_like(old)
        if kind == "weight":  # in name order: neuron by neuron, input by input
            old, grad, new = old.T, grad.T, p.data.T
        else:
            new = p.data
        for name, o, g, w in zip(labels, old.ravel(), grad.ravel(), new.ravel()):
            rows.append(
                {
                    "name": name,
                    "old": float(o),
                    "gradient": float(g),
                    "lr": net.spec.lr,
                    "new": float(w),
                    "updated": id(p) in trained,
                }
            )
    return rows


def record(spec, steps: int = 1, detail: int = 3) -> dict:
    """Run ``steps`` updates; record them all in full when there are at most ``detail`` of
    them, else the first one (none if ``detail`` is 0), and E_total after a few updates."""
    net = Network(spec)
    shown = steps if steps <= detail else min(1, detail)
    result = {
        "schema_version": SCHEMA_VERSION,
        "title": spec.title,
        "description": spec.description,
        "network": describe(net),
        "settings": {
            "loss": "squared_error",
            "reduction": spec.reduction,
            "lr": spec.lr,
            "update_biases": spec.update_biases,
            "dtype": "float64",
            "steps": steps,
            "steps_shown": shown,
            "error_derivative": error_derivative_formula(spec.reduction, spec.targets.size),
        },
        "inputs": spec.inputs.tolist(),
        "targets": spec.targets.tolist(),
        "steps": [],
    }
    first_error = net.error()
    marks = set(error_marks(steps))
    by_update = []
    for number in range(1, steps + 1):
        if number <= shown:
            result["steps"].append(record_step(net, number))
        else:
            net.step()
        if number in marks:
            by_update.append({"update": number, "error": net.error()})
    result["summary"] = {
        "updates": steps,
        "error_before": first_error,
        "error_after": net.error(),
        "error_by_update": by_update,
        "outputs_after": net.outputs().tolist(),
        "parameters_after": {
            row["name"]: row["new"]
            for row in _update(net, {id(p): p.data.copy() for _, _, p in net.parameters()})
        },
    }
    result["notes"] = []
    return result


def error_marks(steps: int) -> list[int]:
    """The updates after which the summary gives E_total: each of the first 10, then 1, 2, 5
    times the powers of ten, and the last.

    >>> error_marks(3), error_marks(120)
    ([1, 2, 3], [1, 2, 5, 10, 20, 50, 100, 120])
    """
    if steps <= 10:
        return list(range(1, steps + 1))
    marks, scale = [], 1
    while scale <= steps:
        marks += [m * scale for m in (1, 2, 5) if m * scale <= steps]
        scale *= 10
    return marks if marks[-1] == steps else [*marks, steps]
