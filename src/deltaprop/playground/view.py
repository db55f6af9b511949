"""What the playground page shows, computed from a Session: numbers as text, pictures as SVG.

The page's script puts these into the page as they come; it computes nothing itself.
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..explanation.boundary import boundary_grid
from ..explanation.curve import WeightProbe, error_curve
from ..explanation.diagram import network_view
from ..explanation.factors import weight_factors
from ..explanation.render import svg
from .session import Session

CLASS_COLOURS = [
    (0.27, 0.47, 0.67),
    (0.93, 0.4, 0.47),
    (0.13, 0.53, 0.2),
    (0.8, 0.73, 0.27),
    (0.4, 0.8, 0.93),
    (0.67, 0.2, 0.47),
    (0.73, 0.73, 0.73),
    (0.0, 0.0, 0.0),
]
BOUNDARY = 64  # grid points a side


def n9(v: float) -> str:
    return f"{v:.9g}"


def _diagram(s: Session) -> str:
    view = network_view(s.net, s.data.X[s.train_rows[0]])
    names = list(s.data.feature_names)[: view["inputs"]]
    if len(names) != view["inputs"]:
        names = [f"x{i + 1}" for i in range(view["inputs"])]
    columns = [
        [
            {"id": f"in:{i}", "label": names[i][:6], "lines": [f"{view['x_drawn'][i]:.4g}"]}
            for i in range(view["inputs"])
        ]
    ]
    edges = []
    last = len(view["layers"]) - 1
    for k, layer in enumerate(view["layers"]):
        col = []
        prefix = "o" if k == last else f"h{k + 1}." if last > 1 else "h"
        for j in range(layer["units"]):
            lines = []
            if layer["bias"] is not None:
                b = 0 if len(layer["bias"]) == 1 else j
                lines.append((f"b {layer['bias'][b]:.4g}", f"layers.{layer['index']}.bias[{b}]"))
            lines += [f"net {layer['net'][j]:.4g}", f"out {layer['out'][j]:.4g}"]
            col.append(
                {
                    "id": f"layers.{layer['index']}.unit[{j}]",
                    "label": f"{prefix}{j + 1}",
                    "lines": lines,
                }
            )
            src = columns[-1]
            for i, w in enumerate(np.asarray(layer["weight"])[:, j]):
                edges.append(
                    {
                        "id": f"layers.{layer['index']}.weight[{i},{j}]",
                        "src": src[i]["id"],
                        "dst": col[-1]["id"],
                        "value": float(w),
                        "label": f"{w:.3g}",
                    }
                )
        columns.append(col)
    tallest = max(len(c) for c in columns)
    if tallest > 24 or len(edges) > 2000:
        return (
            '<p class="hint">The network is too large to draw here '
            f"({sum(len(c) for c in columns)} neurons).</p>"
        )
    numbers = tallest <= 6 and len(edges) <= 40
    width = 220 + 190 * (len(columns) - 1) if numbers else 160 + 140 * (len(columns) - 1)
    return svg.diagram(
        columns, edges, width=min(width, 600), numbers=numbers, radius=20 if numbers else 10
    )


def _boundary(s: Session) -> str:
    d = s.data
    if d.X.shape[1] < 2:
        return '<p class="hint">One feature: there is no 2-D map to draw.</p>'
    fx, fy = d.plot_features
    grid = boundary_grid(s.net, d.X, (fx, fy), resolution=BOUNDARY)
    if grid.kind == "classes":
        probs = grid.values
        if probs.shape[-1] == 1:
            probs = np.concatenate([1 - probs, probs], axis=-1)
        colours = np.array([CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(probs.shape[-1])])
        rgb = 0.4 + 0.6 * (probs @ colours)
    else:
        v = grid.values[..., 0]
        t = (v - v.min()) / (np.ptp(v) or 1.0)
        rgb = np.stack([0.3 + 0.7 * t, 0.5 + 0.3 * (1 - abs(2 * t - 1)), 1.0 - 0.7 * t], -1)
    size, pad = 260, 4
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" '
        f'height="{size}" class="map"><image x="0" y="0" width="{size}" height="{size}" '
        f'preserveAspectRatio="none" href="{svg.png(rgb[::-1])}"/>'
    ]
    x0, x1, y0, y1 = grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1]
    codes = s.target.reshape(len(d.X), -1)
    for r in range(min(len(d.X), 2000)):
        px = pad + (d.X[r, fx] - x0) / (x1 - x0) * (size - 2 * pad)
        py = size - pad - (d.X[r, fy] - y0) / (y1 - y0) * (size - 2 * pad)
        if s.net.loss.kind in ("multiclass", "binary"):
            k = int(codes[r].argmax()) if codes.shape[1] > 1 else int(codes[r, 0])
            fill = "#" + "".join(f"{int(255 * c):02x}" for c in CLASS_COLOURS[k % 8])
        else:
            fill = "#ffffff"
        out.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.2" fill="{fill}" stroke="#222" '
            'stroke-width="0.8"/>'
        )
    names = d.feature_names
    out.append(
        f'<text x="{size / 2}" y="{size - 6}" class="axis">{escape(names[fx])}</text>'
        f'<text x="10" y="{size / 2}" class="axis" transform="rotate(-90 10 {size / 2})">'
        f"{escape(names[fy])}</text></svg>"
    )
    return "".join(out)


def _panel(s: Session) -> str:
    name = s.selected
    if name is None:
        return '<p class="hint">Click a weight (an edge) or a bias (its label) on the diagram.</p>'
    if ".unit[" in name:
        return _neuron_panel(s, name)
    d = s.data
    X, y = d.X[s.train_rows], d.y[s.train_rows]
    probe = WeightProbe(s.net, X, y, name)
    factors = weight_factors(probe)
    curve = error_curve(s.net, X, y, name, lr=s.config.lr, points=81)
    rows = "".join(
        f"<tr><td>{r['example']}</td>"
        + (
            f"<td>{n9(r['dE_dout'])}</td><td>{n9(r['dout_dnet'])}</td>"
            if r["dE_dout"] is not None
            else "<td>—</td><td>—</td>"
        )
        + f"<td>{n9(r['delta'])}</td><td>{n9(r['x'])}</td><td>{n9(r['product'])}</td></tr>"
        for r in factors["rows"]
    )
    more = factors["examples"] - len({r["example"] for r in factors["rows"]})
    rel = abs(curve.gradient - curve.numeric) / max(abs(curve.gradient), abs(curve.numeric), 1e-300)
    value = float(probe.w0)
    step = max(abs(value) / 50, 0.01)
    return (
        f'<h3>{escape(name)} = <span data-testid="weight-value">{n9(value)}</span></h3>'
        f'<label>edit <input type="number" step="any" value="{value!r}" '
        f'data-testid="weight-input" data-name="{escape(name)}"></label> '
        f'<label>drag <input type="range" min="{value - 3:.6g}" max="{value + 3:.6g}" '
        f'step="{step:.3g}" value="{value!r}" data-testid="weight-slider" '
        f'data-name="{escape(name)}"></label>'
        f"<p>dE/dw = Σ<sub>n</sub> δ<sub>j</sub>(n) · x<sub>i</sub>(n), δ = dE/dnet = dE/dout · "
        f"dout/dnet ({'input 1 for a bias' if factors['bias'] else 'x: the layer input'}):"
        f"</p><table><tr><th>example</th><th>dE/dout</th><th>dout/dnet</th><th>δ</th>"
        f"<th>dnet/dw</th><th>product</th></tr>{rows}</table>"
        + (f"<p>… and {more} more examples.</p>" if more > 0 else "")
        + f'<p>sum: <b data-testid="gradient">{n9(factors["gradient"])}</b> (backpropagated); '
        f"central difference (E(w+ε) − E(w−ε))/2ε: <b>{n9(curve.numeric)}</b>, relative "
        f"difference {rel:.1e}.</p>"
        f"<p>E as {escape(name)} varies (the rest fixed); dashed: the tangent; red: the step "
        f"to w − {s.config.lr:g}·dE/dw = {n9(curve.w_new)}, E = {n9(curve.error_new)}.</p>"
        + svg.curve(curve.to_dict(), name=name, key="panel")
    )


def _neuron_panel(s: Session, name: str) -> str:
    k = int(name.split(".")[1])
    j = int(name.split("[")[1].rstrip("]"))
    layer = s.net.layers[k]
    view = network_view(s.net, s.data.X[s.train_rows[0]])
    info = next(v for v in view["layers"] if v["index"] == k)
    probe = WeightProbe(
        s.net, s.data.X[s.train_rows], s.data.y[s.train_rows], f"layers.{k}.weight[0,{j}]"
    )
    rows = "".join(
        f"<tr><td>{r['example']}</td>"
        + (
            f"<td>{n9(r['dE_dout'])}</td><td>{n9(r['dout_dnet'])}</td>"
            if r["dE_dout"] is not None
            else "<td>—</td><td>—</td>"
        )
        + f"<td>{n9(r['delta'])}</td></tr>"
        for r in weight_factors(probe)["rows"]
    )
    return (
        f"<h3>neuron {j + 1} of layer {k}: {escape(layer.activation.name)}</h3>"
        f"<p>For the first training example: net = {n9(info['net'][j])}, out = "
        f"{n9(info['out'][j])}. Its δ = dE/dnet = dE/dout · dout/dnet, by example (— where "
        "the activation is fused into the loss):</p><table><tr><th>example</th><th>dE/dout</th>"
        f"<th>dout/dnet</th><th>δ</th></tr>{rows}</table>"
        "<p>Click one of its edges or its bias for the chain rule of that weight.</p>"
    )


def _series(h) -> dict:
    series = {"training": h.history.get("loss", [])}
    if "val_loss" in h:
        series["validation"] = h["val_loss"]
    return series


def state(s: Session) -> dict:
    """Everything the page shows, as JSON."""
    with s.lock:
        error = s.error()
        scores = s.scores(s.train_rows)
        if "accuracy" in scores:
            score = f"accuracy {scores['accuracy']:.4f}"
        elif "r2" in scores:
            score = f"R² {scores['r2']:.6f}"
        else:
            score = "R²: n/a (one example or constant targets)"
        h = s.history
        return {
            "error": n9(error),
            "score": score,
            "epochs": len(h),
            "updates": s.updates,
            "data": s.data.name,
            "preset": s.data.preset or "",
            "rows": f"{len(s.train_rows)} training rows, {len(s.val_rows)} validation rows",
            "task": s.data.task,
            "columns": s.data.columns,
            "target": s.data.target_name,
            "features": s.data.feature_names,
            "plot_features": list(s.data.plot_features),
            "config": {
                "hidden": ",".join(map(str, s.config.hidden)),
                "activation": s.config.activation,
                "loss": s.config.loss,
                "optimizer": s.config.optimizer,
                "lr": s.config.lr,
                "batch_size": "" if s.config.batch_size is None else s.config.batch_size,
                "seed": s.config.seed,
            },
            "network": _diagram(s),
            "loss_chart": svg.chart(_series(h)),
            "boundary": _boundary(s),
            "panel": _panel(s),
            "selected": s.selected,
            "message": s.message,
        }
