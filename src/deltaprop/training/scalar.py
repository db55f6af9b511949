"""The fused step in plain Python floats, for tiny float64 networks.

On a network like the worked example's 2-2-2 a NumPy call costs far more than the arithmetic
it does (about a microsecond for four multiplications), so a step made of 25 such calls is
all overhead; the same formulas on Python floats take a fraction of that. This module is
that path: :class:`~deltaprop.training.fused.FusedStep` hands a batch to :class:`ScalarStep`
when the network is float64 (Python's float is IEEE double: the same operations, only the
order of the sums in a matrix product may differ from the BLAS, as between two BLAS
libraries) and the batch needs at most :data:`MAX_PRODUCTS` weight products.

Every formula is the fused step's, written per element (see its module docstring): forward
``z_j = sum_i h_i W_ij + b_j``, ``h_j = f(z_j)``; the loss and ``d = dE/dz`` of the output
layer; backward ``dE/dW_ij = sum_rows h_i d_j (+ c W_ij)``, ``dE/db_j = sum_rows d_j`` and
``d_i = (sum_j d_j W_ij) f'(h_i)``. ``tests/training/test_scalar.py`` checks loss and
gradients against the engine's for random architectures, losses, weights and batches.
"""

from __future__ import annotations

import math

import numpy as np

from .. import losses

MAX_PRODUCTS = 256  # rows x weights of a batch at most: above it the NumPy step is faster


def _activate(kind: str, slope: float, z: float) -> float:
    if kind == "relu":
        return 0.0 if z < 0 else z  # NaN stays NaN, as np.maximum
    if kind == "tanh":
        return math.tanh(z)
    if kind == "logistic":  # (1 + tanh(z / 2)) / 2, as the engine's op
        return math.tanh(z * 0.5) * 0.5 + 0.5
    if kind == "leaky_relu":
        s = z * slope
        return z if z >= s or z != z else s
    return z  # identity


def _derivative(kind: str, slope: float, h: float) -> float:
    """f'(net) written in the output h (as the fused step)."""
    if kind == "relu":
        return 1.0 if h > 0 else 0.0
    if kind == "tanh":
        return 1.0 - h * h
    if kind == "logistic":
        return (1.0 - h) * h
    if kind == "leaky_relu":
        return (1.0 if h > 0 else 0.0) * (1.0 - slope) + slope
    return 1.0


class ScalarStep:
    """``step(x, t[, w][, c])`` of a :class:`FusedStep`'s network, on Python floats."""

    def __init__(self, fused):
        self.fused = fused
        self.kinds = fused.kinds
        self.slopes = [float(s) for s in fused.slopes]
        self.weights = sum(layer.weight.data.size for layer in fused.layers)
        # per layer: its parameters and their flat gradient views, fixed while the fused step
        # is valid (it is rebuilt when a parameter is frozen, unfrozen or replaced)
        self.plan = []
        for layer in fused.layers:
            w, b = layer.weight, layer.bias
            self.plan.append(
                (
                    w,
                    b,
                    w.grad_buffer.reshape(-1) if w.requires_grad else None,
                    b.grad_buffer if b is not None and b.requires_grad else None,
                    b is not None and b.data.shape[0] != layer.units,  # one shared bias
                )
            )

    def fits(self, rows: int) -> bool:
        return rows * self.weights <= MAX_PRODUCTS

    def step(self, x, t, *extra) -> float:
        fused = self.fused
        weights = extra[0] if fused.weighted else None
        c = float(extra[-1]) if fused.penalised else 0.0
        rows = x.tolist()
        if fused.scaler is not None:
            mean, std = fused.scaler.mean.tolist(), fused.scaler.std.tolist()
            rows = [[(v - m) / s for v, m, s in zip(row, mean, std)] for row in rows]
        # forward: H[l] is the list of rows of layer l's output (H[0] the input)
        H = [rows]
        last = len(self.plan) - 1
        for i, (w, b, _, _, shared) in enumerate(self.plan):
            columns = w.data.T.tolist()
            if b is None:
                bias = [0.0] * len(columns)
            else:
                bias = b.data.tolist() * len(columns) if shared else b.data.tolist()
            out = []
            for h in H[-1]:
                z = []
                for column, bj in zip(columns, bias):
                    s = 0.0
                    for hi, wi in zip(h, column):
                        s += hi * wi
                    z.append(s if b is None else s + bj)
                if i < last:
                    kind, slope = self.kinds[i], self.slopes[i]
                    z = [_activate(kind, slope, v) for v in z]
                out.append(z)
            H.append(out)
        value, D = self._loss_and_delta(H[-1], t, weights, len(rows))
        if c:
            squares = 0.0
            for w, _, gw, _, _ in self.plan:
                if gw is not None:
                    squares += float(np.vdot(w.data, w.data))
            value += 0.5 * c * squares
        # backward, layer by layer from the output
        for i in range(last, -1, -1):
            w, b, gw, gb, shared = self.plan[i]
            below = H[i]
            if gw is not None:  # dE/dW_aj = sum over rows of h_a d_j, row-major
                grad = None
                for h, d in zip(below, D):
                    products = [ha * dj for ha in h for dj in d]
                    grad = products if grad is None else [g + p for g, p in zip(grad, products)]
                if c:
                    grad = [g + c * v for g, v in zip(grad, w.data.reshape(-1).tolist())]
                gw[:] = grad
                w.grad = w.grad_buffer
            if gb is not None:
                sums = D[0]
                for d in D[1:]:
                    sums = [s + v for s, v in zip(sums, d)]
                if shared:
                    total = 0.0
                    for v in sums:
                        total += v
                    gb[0] = total
                else:
                    gb[:] = sums
                b.grad = gb
            if i:
                kind, slope = self.kinds[i - 1], self.slopes[i - 1]
                W = w.data.tolist()
                below_D = []
                for h, d in zip(below, D):
                    dn = []
                    for ha, row in zip(h, W):
                        s = 0.0
                        for dj, waj in zip(d, row):
                            s += dj * waj
                        dn.append(s * _derivative(kind, slope, ha))
                    below_D.append(dn)
                D = below_D
        return value

    def _loss_and_delta(self, Z, t, weights, k):
        """E and the rows of dE/dz of the output layer's nets Z (``weights``: the batch's
        example weights or None)."""
        loss = self.fused.loss
        w = weight_sum = None
        if weights is not None:
            w = weights.astype(np.float64).tolist()
            weight_sum = float(weights.sum())
            if weight_sum <= 0:
                weight_sum = 1.0  # all-zero weights: E = 0 and a zero gradient, as the ops
        units = len(Z[0])
        if type(loss) is losses.CrossEntropy:
            return self._cross_entropy(Z, t, w, weight_sum, k)
        tt = np.asarray(t, dtype=np.float64).reshape(k, units).tolist()
        if type(loss) is losses.BinaryCrossEntropy:
            total, D = 0.0, []
            for r, (z, tr) in enumerate(zip(Z, tt)):
                d = []
                for zj, tj in zip(z, tr):
                    e = math.exp(-abs(zj))
                    part = (0.0 if zj < 0 else zj) - zj * tj + math.log1p(e)
                    total += part if w is None else part * w[r]
                    inv = 1.0 / (1.0 + e)
                    dj = (inv if zj >= 0 else e * inv) - tj
                    d.append(dj if w is None else dj * w[r])
                D.append(d)
            if loss.reduction == "mean":
                count = (k if weight_sum is None else weight_sum) * units
                scale = 1.0 / count
                return total / count, [[v * scale for v in d] for d in D]
            return total, D
        # squared error on o = f(z): dE/dz = dE/do * f'(o)
        kind, slope = self.kinds[-1], self.slopes[-1]
        outs = [[_activate(kind, slope, v) for v in z] for z in Z]
        total, diffs = 0.0, []
        for r, (o, tr) in enumerate(zip(outs, tt)):
            diff = [oj - tj for oj, tj in zip(o, tr)]
            for v in diff:
                total += v * v if w is None else v * v * w[r]
            diffs.append(diff)
        examples = k if weight_sum is None else weight_sum
        reduction = loss.reduction
        if reduction == "sum_half":
            scale, value = 1.0, 0.5 * total
        elif reduction == "sum":
            scale, value = 2.0, total
        elif reduction == "mean_half":
            scale, value = 1.0 / examples, 0.5 * total / examples
        else:
            count = examples * units
            scale, value = 2.0 / count, total / count
        D = []
        for r, (o, diff) in enumerate(zip(outs, diffs)):
            d = []
            for oj, v in zip(o, diff):
                if w is not None:
                    v = v * w[r]
                if scale != 1.0:
                    v = v * scale
                d.append(v * _derivative(kind, slope, oj))
            D.append(d)
        return value, D

    def _cross_entropy(self, Z, t, w, weight_sum, k):
        labels = t.ndim == 1
        targets = t.tolist() if labels else np.asarray(t, np.float64).tolist()
        total, D = 0.0, []
        for r, z in enumerate(Z):
            top = z[0]
            for v in z:
                if v > top or v != v:
                    top = v
            s = [v - top for v in z]  # shifted logits
            e = [math.exp(v) for v in s]
            norm = 0.0
            for v in e:
                norm += v
            log_norm = math.log(norm)
            p = [v / norm for v in e]
            if labels:
                label = int(targets[r])
                part = log_norm - s[label]
                p[label] -= 1.0
            else:
                soft = targets[r]
                cross, mass = 0.0, 0.0
                for sj, tj in zip(s, soft):
                    cross += tj * sj
                    mass += tj
                part = log_norm * mass - cross
                p = [pj - tj for pj, tj in zip(p, soft)]
            if w is not None:
                part = part * w[r]
                p = [v * w[r] for v in p]
            total += part
            D.append(p)
        if self.fused.loss.reduction == "mean":
            count = k if weight_sum is None else weight_sum
            scale = 1.0 / count
            return total / count, [[v * scale for v in d] for d in D]
        return total, D
