"""The fused step in plain Python floats, for tiny float64 networks.

On a network like the worked example's 2-2-2 a NumPy call costs far more than the arithmetic
it does (about a microsecond for four multiplications), so a step made of 25 such calls is
all overhead. This module is the lean path: :class:`~deltaprop.training.fused.FusedStep`
hands a batch to :class:`ScalarStep` when the network is float64 (Python's float is IEEE
double: the same operations; only the order of the sums inside a matrix product may differ
from the BLAS's, as between two BLAS libraries) and the batch needs at most
:data:`MAX_PRODUCTS` weight products.

For each network :class:`ScalarStep` writes the step out once as straight-line Python, one
statement per net input, output, delta and gradient, with every weight a local variable,
and compiles it: the "recorded tape" of a tiny network, replayed with no loops over units
and no NumPy calls. :meth:`ScalarStep.source` shows that code; it reads as the hand
calculation of the worked example. The formulas are the fused step's, per element (see
:mod:`deltaprop.training.fused`): forward ``z_j = sum_a h_a W_aj + b_j``, ``h_j = f(z_j)``;
the loss and ``d_j = dE/dz_j`` of the output layer; backward ``dE/dW_aj = sum_rows h_a d_j
(+ c W_aj)``, ``dE/db_j = sum_rows d_j``, ``d_a = (sum_j d_j W_aj) f'(h_a)``.
The statements of each activation and loss are theirs (``scalar_activate`` and
``scalar_derivative`` of :class:`~deltaprop.engine.ops.activations.ActivationOp`,
``scalar_lines`` of the losses), with every function of :mod:`math` in scope; this module
only lays out the network. ``tests/training/test_fused.py`` checks loss and gradients of both
paths against the engine's, for random architectures, losses, weights and batches.
"""

from __future__ import annotations

import math

import numpy as np

MAX_PRODUCTS = 256  # rows x weights of a batch at most: above it the NumPy step is faster


class ScalarStep:
    """``step(x, t[, w][, c])`` of a :class:`FusedStep`'s network, on Python floats."""

    def __init__(self, fused):
        self.fused = fused
        self.layers = fused.layers
        self.ops = fused.ops
        self.weights = sum(layer.weight.data.size for layer in fused.layers)
        self.sizes = [self.layers[0].weight.data.shape[0]] + [la.units for la in self.layers]
        # per layer: weight, bias, their gradient buffers (flat) when trainable, shared bias;
        # fixed while the fused step is valid (it is rebuilt when one is frozen or replaced)
        self.plan = []
        for layer in self.layers:
            w, b = layer.weight, layer.bias
            self.plan.append(
                (
                    w,
                    b,
                    w.grad_buffer.reshape(-1) if w.requires_grad else None,
                    b.grad_buffer if b is not None and b.requires_grad else None,
                    b is not None and b.data.shape[0] != layer.units,
                )
            )
        self.compiled: dict = {}  # labels (cross-entropy with class labels) -> function

    def fits(self, rows: int) -> bool:
        return rows * self.weights <= MAX_PRODUCTS

    def step(self, x, t, *extra) -> float:
        """The step on fit's objective's arrays ``(x, t[, w][, c])``, whatever their size."""
        from .fused import batch_of

        return self.run(batch_of(self.fused, x, t, extra))

    def run(self, batch) -> float:
        """The batch's loss (a :class:`~deltaprop.training.steps.Batch`), gradients written."""
        fused, loss = self.fused, self.fused.loss
        x, t, weights = batch.x, batch.t, batch.weight
        k = len(x)
        c = float(batch.penalty) if batch.penalty is not None else 0.0
        rows = x.tolist()
        if fused.scaler is not None:
            mean, std = fused.scaler.mean.tolist(), fused.scaler.std.tolist()
            rows = [[(v - m) / s for v, m, s in zip(row, mean, std)] for row in rows]
        outputs = self.sizes[-1]
        labels = loss.takes_labels(t)
        if labels:
            targets = (t if t.dtype == np.intp else t.astype(np.intp)).tolist()
        else:
            targets = np.asarray(t, np.float64).reshape(k, outputs).tolist()
        wts = None if weights is None else weights.astype(np.float64).tolist()
        examples = k
        if weights is not None:
            examples = float(weights.sum())
            if examples <= 0:
                examples = 1.0  # all-zero weights: E = 0 and a zero gradient, as the ops
        # the factor the reduction brings into dE/dz
        scale = loss.delta_scale(examples, outputs)
        run = self.compiled.get(labels)
        if run is None:
            run = self.compiled[labels] = self._compile(labels)
        arrays = []
        for w, b, _, _, _ in self.plan:
            arrays.append(w.data.ravel().tolist())
            arrays.append(None if b is None else b.data.tolist())
        total, grads = run(rows, targets, wts, scale, *arrays)
        value = loss.reduce_total(total, examples, outputs)
        grads = iter(grads)
        for w, b, gw, gb, _ in self.plan:
            if gw is not None:
                grad = next(grads)
                if c:
                    grad = [g + c * v for g, v in zip(grad, w.data.ravel().tolist())]
                    value += 0.5 * c * float(np.vdot(w.data, w.data))
                gw[:] = grad
                w.grad = w.grad_buffer
            if gb is not None:
                gb[:] = next(grads)
                b.grad = gb
        return value

    def _compile(self, labels: bool):
        namespace = {name: getattr(math, name) for name in dir(math) if not name.startswith("_")}
        exec(compile(self.source(labels), "<deltaprop scalar step>", "exec"), namespace)
        return namespace["step"]

    def source(self, labels: bool = True) -> str:
        """The step's Python code (``labels``: cross-entropy targets are class labels)."""
        sizes, L, plan = self.sizes, len(self.layers), self.plan
        loss = self.fused.loss
        names = [f"W{i}, B{i}" for i in range(L)]
        code = [f"def step(rows, targets, wts, scale, {', '.join(names)}):"]
        body = []
        for i in range(L):  # weights and biases as locals
            n, m = sizes[i], sizes[i + 1]
            body.append(
                ", ".join(f"w{i}_{a}_{j}" for a in range(n) for j in range(m)) + ", = W" + str(i)
            )
            if plan[i][1] is not None:
                if plan[i][4]:
                    body.append(f"b{i}, = B{i}")
                else:
                    body.append(", ".join(f"b{i}_{j}" for j in range(m)) + f", = B{i}")
            if plan[i][2] is not None:
                body.append(
                    " = ".join(f"g{i}_{a}_{j}" for a in range(n) for j in range(m)) + " = 0.0"
                )
            if plan[i][3] is not None:
                body.append(" = ".join(f"gb{i}_{j}" for j in range(m)) + " = 0.0")
        body.append("total = 0.0")
        body.append("for r in range(len(rows)):")
        row = []
        row.append(", ".join(f"h0_{a}" for a in range(sizes[0])) + ", = rows[r]")
        if self.fused.weighted:
            row.append("wr = wts[r]")
        for i in range(L):  # forward
            n, m = sizes[i], sizes[i + 1]
            b, shared = plan[i][1], plan[i][4]
            for j in range(m):
                h = f"h{i + 1}_{j}"
                z = " + ".join(f"h{i}_{a} * w{i}_{a}_{j}" for a in range(n))
                if b is not None:
                    z = f"{z} + b{i}" if shared else f"{z} + b{i}_{j}"
                row.append(f"{h} = {z}")
                if i < L - 1:
                    row += self.ops[i].scalar_activate(h)
        row += self._loss(loss, labels, L, sizes[L])
        for i in range(L - 1, -1, -1):  # backward
            n, m = sizes[i], sizes[i + 1]
            if plan[i][2] is not None:
                for a in range(n):
                    for j in range(m):
                        row.append(f"g{i}_{a}_{j} += h{i}_{a} * d{i + 1}_{j}")
            if plan[i][3] is not None:
                for j in range(m):
                    row.append(f"gb{i}_{j} += d{i + 1}_{j}")
            if i:
                for a in range(n):
                    s = " + ".join(f"d{i + 1}_{j} * w{i}_{a}_{j}" for j in range(m))
                    factor = self.ops[i - 1].scalar_derivative(f"h{i}_{a}")
                    row.append(f"d{i}_{a} = ({s}){factor}")
        body += ["    " + line for line in row]
        grads = []
        for i in range(L):
            n, m = sizes[i], sizes[i + 1]
            if plan[i][2] is not None:
                grads.append(
                    "[" + ", ".join(f"g{i}_{a}_{j}" for a in range(n) for j in range(m)) + "]"
                )
            if plan[i][3] is not None:
                parts = [f"gb{i}_{j}" for j in range(m)]
                grads.append(f"[{' + '.join(parts)}]" if plan[i][4] else f"[{', '.join(parts)}]")
        body.append(f"return total, ({', '.join(grads)}{',' if len(grads) == 1 else ''})")
        return "\n".join(code + ["    " + line for line in body]) + "\n"

    def _loss(self, loss, labels: bool, L: int, m: int) -> list[str]:
        """Statements adding the row's loss to ``total`` and making d{L}_j = dE/dz_j."""
        z = [f"h{L}_{j}" for j in range(m)]
        d = [f"d{L}_{j}" for j in range(m)]
        weighted = self.fused.weighted
        scaled = loss.scales_delta()
        out = self.ops[-1]
        lines = []
        if loss.applies_output_activation:  # o = f(z) first, then the loss of o
            for j in range(m):
                lines += out.scalar_activate(z[j])
        lines += loss.scalar_lines(z, d, labels, weighted)
        for j in range(m):
            factor = out.scalar_derivative(z[j]) if loss.applies_output_activation else ""
            expr = d[j]
            if weighted:
                expr = f"{expr} * wr"
            if scaled:
                expr = f"{expr} * scale"
            if weighted or scaled:
                lines.append(f"{d[j]} = ({expr}){factor}" if factor else f"{d[j]} = {expr}")
            elif factor:
                lines.append(f"{d[j]} = {d[j]}{factor}")
        return lines
