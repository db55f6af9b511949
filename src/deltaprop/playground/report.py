"""The playground's downloadable explain report of the current network.

A squared-error network of Dense layers with explain's activations, no Standardize layer and
at most ``MAX_ROWS`` training rows gets the full interactive explain page of its next
training step (from the current weights). Any other network gets a table of every weight and
bias: its value, its backpropagated gradient on the training set and the central difference
beside it.
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..explanation import explain
from ..explanation.curve import WeightProbe
from ..explanation.spec import LayerSpec, NetworkSpec
from ..nn import Dense
from .session import Session

MAX_ROWS = 50
MAX_ENTRIES = 2000
EXPLAIN_ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu", "identity")


def _spec(s: Session) -> NetworkSpec | None:
    net, loss = s.net, s.net.loss
    if loss.name != "squared_error" or loss.reduction not in ("sum_half", "mean", "sum"):
        return None
    if len(s.train_rows) > MAX_ROWS or not all(isinstance(m, Dense) for m in net.layers):
        return None
    if any(m.activation.name not in EXPLAIN_ACTIVATIONS for m in net.layers):
        return None
    trained = {id(p) for p in s.optimizer.params}
    layers = []
    for m in net.layers:
        if m.bias is None:
            mode, biases = "none", None
        else:
            mode = "shared" if m.bias_mode == "shared" else "per_neuron"
            biases = m.bias.data.astype(np.float64).copy()
        layers.append(
            LayerSpec(m.units, m.activation.name, m.weight.data.T.astype(np.float64), mode, biases)
        )
    biases_trained = any(id(m.bias) in trained for m in net.layers if m.bias is not None)
    return NetworkSpec(
        inputs=s.data.X[s.train_rows],
        targets=s.target[s.train_rows],
        layers=layers,
        reduction=loss.reduction,
        lr=s.config.lr,
        update_biases=biases_trained,
        title=f"{s.data.name}: the next training step from the current weights",
        description=f"{s.updates} updates so far; the step below is the next one, on the "
        "whole training set, with plain gradient descent.",
    )


def explain_report(s: Session) -> str:
    spec = _spec(s)
    if spec is not None:
        return explain(spec).render("html")
    rows = []
    X, y = s.data.X[s.train_rows], s.data.y[s.train_rows]
    for name, p in s.net.named_parameters():
        for index in np.ndindex(p.data.shape):
            if len(rows) >= MAX_ENTRIES:
                break
            label = f"{name}[{','.join(map(str, index))}]"
            probe = WeightProbe(s.net, X, y, label)
            g, c = probe.gradient(), probe.numeric()
            scale = max(abs(g), abs(c)) or 1.0
            rows.append(
                f"<tr><td>{escape(label)}</td><td>{probe.w0:.9g}</td><td>{g:.9g}</td>"
                f"<td>{c:.9g}</td><td>{abs(g - c) / scale:.1e}</td></tr>"
            )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>deltaprop report'
        "</title><style>body{font-family:sans-serif;margin:2em}td{font-family:monospace;"
        "text-align:right;padding:1px 8px}</style></head><body>"
        f"<h1>{escape(s.data.name)}</h1><p>{len(s.train_rows)} training rows, loss "
        f"{escape(s.net.loss.name)} = {s.error():.9g} after {s.updates} updates. Every weight "
        "and bias with its backpropagated gradient dE/dw on the training set and the central "
        "difference (E(w+ε) − E(w−ε)) / 2ε beside it (ε = 1e-6, float64).</p><table><tr>"
        "<th>parameter</th><th>value</th><th>dE/dw</th><th>central difference</th>"
        "<th>relative difference</th></tr>" + "".join(rows) + "</table></body></html>\n"
    )
