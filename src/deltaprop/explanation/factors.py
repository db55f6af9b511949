"""The chain rule's factors of one weight of any Dense network on a data set, from the trace.

For the weight ``w_ij`` from input ``i`` to neuron ``j`` of a Dense layer,
``dE/dw_ij = sum_n delta_j(n) * x_i(n)`` with ``delta_j = dE/dnet_j`` (the gradient the
``linear`` op receives, from its VjpEvent) and ``x_i`` the layer's input (``dnet_j/dw_ij``).
When the activation is applied on its own (not fused into the loss, as softmax with cross
entropy is), ``delta_j = dE/dout_j * dout_j/dnet_j``: dE/dout_j is the gradient the activation
op receives and dout_j/dnet_j its own vjp of ones. For a bias the input factor is 1.
"""

from __future__ import annotations

import numpy as np

from ..engine import Tensor
from ..engine.tracer import ForwardEvent, VjpEvent, trace
from .curve import WeightProbe
from .record import _is_activation


def weight_factors(probe: WeightProbe, limit: int = 8) -> dict:
    """``{"gradient", "rows": [{"example", "dE_dout", "dout_dnet", "delta", "x",
    "product"}...] (the first ``limit`` examples), "examples", "sum"}`` for the probe's weight
    (a Dense layer's weight or bias; ``dE_dout``/``dout_dnet`` are None when fused)."""
    net, p, index = probe.net, probe.param, probe.index
    layer = next(
        m for m in net.layers if p is getattr(m, "weight", None) or p is getattr(m, "bias", None)
    )
    is_bias = p is layer.bias
    events = []
    net.zero_grad()
    with trace(events.append):
        probe.loss(net(Tensor(probe.X)), Tensor(probe.target)).backward()
    gradient = float(p.grad[index])
    lin_f = next(
        e
        for e in events
        if isinstance(e, ForwardEvent) and e.op.name == "linear" and e.inputs[1] is layer.weight
    )
    lin_v = next(
        e
        for e in events
        if isinstance(e, VjpEvent) and e.op.name == "linear" and e.inputs[1] is layer.weight
    )
    act_v = next(
        (
            e
            for e in events
            if isinstance(e, VjpEvent)
            and _is_activation(e.op)
            and e.inputs[0] is lin_f.output
        ),
        None,
    )
    j = index[-1] if not is_bias else (index[0] if p.data.shape[0] > 1 else None)
    x = np.ones(len(probe.X)) if is_bias else np.asarray(lin_f.inputs[0].data)[:, index[0]]
    delta = np.asarray(lin_v.g)
    units = range(delta.shape[1]) if j is None else [j]  # a shared bias: every neuron's delta
    rows = []
    total = 0.0
    for n in range(len(probe.X)):
        for u in units:
            d = float(delta[n, u])
            product = d * float(x[n])
            total += product
            if len(rows) >= limit:
                continue
            dE_dout = dout_dnet = None
            if act_v is not None:
                g = np.asarray(act_v.g)
                dE_dout = float(g[n, u])
                ones = act_v.op.vjp(
                    np.ones_like(g[n : n + 1]),
                    act_v.output.data[n : n + 1],
                    act_v.inputs[0].data[n : n + 1],
                )[0]
                dout_dnet = float(ones[0, u])
            rows.append(
                {
                    "example": n + 1,
                    "neuron": u,
                    "dE_dout": dE_dout,
                    "dout_dnet": dout_dnet,
                    "delta": d,
                    "x": float(x[n]),
                    "product": product,
                }
            )
    return {
        "gradient": gradient,
        "rows": rows,
        "examples": len(probe.X),
        "sum": total,
        "bias": is_bias,
    }
