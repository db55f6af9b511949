"""A fused training step for the common case: a stack of Dense layers and a named loss.

The engine's general path (a recorded step replayed op by op, :mod:`deltaprop.engine.replay`)
allocates every intermediate array and walks a graph. For a plain multilayer perceptron the
same arithmetic can run in place on buffers allocated once per ``fit``, with no graph at all;
for small batches that Python and allocation overhead is most of a step. This module is that
path. It covers networks of :class:`~deltaprop.nn.Dense` layers (after an optional first
:class:`~deltaprop.nn.Standardize`, ``x' = (x - mean) / std``) whose hidden activations have
the fused forms (:class:`~deltaprop.engine.ops.activations.ActivationOp`: identity, relu,
leaky_relu, tanh, logistic, and any activation registered with them), an output layer the
loss's fused form accepts (``Loss.fused_output``: softmax for ``cross_entropy``, logistic for
``binary_cross_entropy``, the identity with ``from_logits=True``; any element-wise activation
for ``squared_error``), with or without example weights and the L2 penalty. Everything else
takes the general path, and so does every traced step (``explain``), so what a learner sees
is always the engine's own ops. This module holds no formula of its own: each activation's
and each loss's in-place forms live with it, and the step looks them up.

The formulas are the engine ops' (:mod:`deltaprop.engine.ops`); ``tests/training/
test_fused.py`` checks the fused loss and gradients against the engine's, and against central
differences, for random architectures, losses, weights and batch sizes.

Forward, layer ``l``: ``z_l = h_{l-1} @ W_l + b_l``, ``h_l = f_l(z_l)``, in place in ``z_l``.
Backward: ``d_L = dE/dz_L`` from the loss (``(p - t) * scale`` with the softmax or logistic
fused in); for ``l = L..1``: ``dE/dW_l = h_{l-1}^T d_l (+ c W_l)``, ``dE/db_l`` the sum of
``d_l`` over the rows (and over the units, for a shared bias), and
``d_{l-1} = (d_l @ W_l^T) * f'_{l-1}``, the derivative written in the stored output ``h``
(the activation's ``times_derivative``). The first layer's input gradient is never computed.

Two faster forms of the same step: tiny float64 batches run as generated straight-line Python
(:mod:`deltaprop.training.scalar`), and with numba (:mod:`deltaprop.kernels`, networks of
32,768 parameters or more) the activations' and losses' ``compiled_forms`` run instead of
their NumPy forms (relu: its bias and activation, its derivative with the bias gradient below
it; softmax cross-entropy) as one compiled pass each.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..nn import Dense, Standardize
from ..nn.flat import packed_buffers
from .batching import Batch
from .scalar import ScalarStep


class FusedStep:
    """Forward and backward of a Dense stack and its loss on preallocated buffers.

    ``run(batch)`` (a :class:`~deltaprop.training.steps.Batch`) writes every parameter's
    gradient into its gradient buffer and returns the batch's loss, with the NumPy forms or,
    when ``compiled``, the compiled ones; ``step(x, t[, w][, c])`` takes fit's objective's
    arrays instead and hands tiny float64 batches to the scalar form, as ``fit`` does.
    ``compiled``: True or False to choose, None to follow :func:`deltaprop.kernels.for_network`.
    """

    def __init__(
        self, layers, loss, weighted: bool, penalised: bool, params, scaler=None, compiled=None
    ):
        self.scaler = scaler  # a first Standardize layer, or None
        self.layers = layers
        self.loss = loss
        self.weighted = weighted
        self.penalised = penalised
        self.params = params
        self.signature = [p.requires_grad for p in params]
        # each layer's activation op: its forms are the step's formulas
        self.ops = [layer.activation.make_op() for layer in layers]
        self.first = params[0].data  # the packed storage this step reads and writes
        dtype = self.first.dtype
        # With numba (deltaprop.kernels), the ops' compiled forms replace their NumPy forms:
        # the same operations, the same bits.
        if compiled is None:
            compiled = kernels.for_network(sum(p.data.size for p in params), dtype)
        self.compiled = bool(compiled)
        self.forms = [
            {n: kernels.compiled(f) for n, f in op.compiled_forms.items()} if self.compiled else {}
            for op in self.ops
        ]
        self.constants = [op.compiled_constants(dtype) for op in self.ops]
        # tiny float64 batches run on Python floats instead (training/scalar.py)
        self.scalar = ScalarStep(self) if dtype == np.float64 else None
        # a layer whose bias and activation are one compiled pass (its derivative and the
        # bias gradient too, backward)
        self.bias_act = [
            "bias_activate" in forms
            and "times_derivative_and_sum" in forms
            and (layer.bias is None or layer.bias.data.shape == (layer.units,))
            for forms, layer in zip(self.forms, layers)
        ]
        self.capacity = 0
        self.by_rows: dict = {}

    @classmethod
    def build(cls, module, loss, weighted: bool, alpha: float, compiled=None) -> FusedStep | None:
        """The fused step for ``module`` and ``loss``, or None when it does not apply."""
        layers = list(getattr(module, "layers", None) or [])
        scaler = layers.pop(0) if layers and type(layers[0]) is Standardize else None
        if not layers or any(type(layer) is not Dense for layer in layers):
            return None
        params = module.parameters()
        if packed_buffers(params) is None:
            return None
        ops = [layer.activation.op for layer in layers]
        if any(not (op.fused() and op.elementwise) for op in ops[:-1]):
            return None
        if not (loss.has_fused_forms() and loss.fused_output(ops[-1])):
            return None
        return cls(layers, loss, weighted, bool(alpha), params, scaler, compiled)

    def is_valid(self) -> bool:
        """False once a parameter was frozen or unfrozen, or its storage replaced (the general
        path takes over)."""
        return (
            self.params[0].data is self.first
            and [p.requires_grad for p in self.params] == self.signature
        )

    def _allocate(self, rows: int, dtype) -> None:
        units = [layer.units for layer in self.layers]
        self.outputs = [np.empty((rows, u), dtype) for u in units]  # z_l, then h_l in place
        self.deltas = [np.empty((rows, u), dtype) for u in units[:-1]]  # d_l of hidden layers
        self.scratch = [np.empty((rows, u), dtype) for u in units]  # f' and other temporaries
        self.masks = [np.empty((rows, u), bool) for u in units]
        self.diff = np.empty((rows, units[-1]), dtype)  # o - t of a squared error
        self.rows_at = np.arange(rows) * units[-1]  # where each row starts in z flattened
        self.label_positions = np.empty(rows, np.intp)  # a batch's labels' places in them
        self.picked = np.empty((rows,), dtype)
        self.col = np.empty((rows, 1), dtype)
        if self.scaler is not None:
            self.scaled = np.empty((rows, self.scaler.in_features), dtype)
        self.capacity = rows
        self.by_rows = {}

    def _plan(self, k: int) -> list:
        """Per layer, everything a step of ``k`` rows touches, looked up once per batch size
        (a fit sees at most two: the batch size and a shorter last batch)."""
        plan = self.by_rows.get(k)
        if plan is None:
            plan = self.by_rows[k] = []
            for i, layer in enumerate(self.layers):
                w, b = layer.weight, layer.bias
                plan.append(
                    (
                        w.data,
                        None if b is None else b.data,
                        w.grad_buffer if w.requires_grad else None,
                        b.grad_buffer if b is not None and b.requires_grad else None,
                        w,
                        b,
                        self.outputs[i][:k],
                        self.deltas[i - 1][:k] if i else None,
                    )
                )
        return plan

    def form_for(self, rows: int) -> str:
        """The path a batch of ``rows`` rows takes by default: "scalar" (tiny float64
        batches), "compiled" (the compiled forms) or "fused"."""
        if self.scalar is not None and self.scalar.fits(rows):
            return "scalar"
        return "compiled" if self.compiled else "fused"

    def step(self, x, t, *extra) -> float:
        """The step on fit's objective's arrays ``(x, t[, w][, c])``, by :meth:`form_for`."""
        batch = batch_of(self, x, t, extra)
        if self.form_for(len(x)) == "scalar":
            return self.scalar.run(batch)
        return self.run(batch)

    def run(self, batch) -> float:
        """The batch's loss, its gradients written (NumPy or compiled forms)."""
        x, t, w = batch.x, batch.t, batch.weight
        k = len(x)
        if k > self.capacity:
            self._allocate(k, self.first.dtype)
        plan = self._plan(k)
        c = float(batch.penalty) if batch.penalty is not None else 0.0
        last = len(plan) - 1
        if self.scaler is not None:
            x = np.subtract(x, self.scaler.mean, out=self.scaled[:k])
            x /= self.scaler.std
        h = x
        for i, (W, b, _, _, _, _, z, _) in enumerate(plan):
            np.matmul(h, W, out=z)
            if i < last and self.bias_act[i]:
                self.forms[i]["bias_activate"](z, b, *self.constants[i])
            else:
                if b is not None:
                    z += b
                if i < last:
                    self.activate(i, z)
            h = z
        value, d = self._loss_and_delta(h, t, w)
        if c:  # the L2 penalty covers the trainable weight matrices, as fit's objective
            value += 0.5 * c * sum(float(np.vdot(e[0], e[0])) for e in plan if e[2] is not None)
        summed = False  # the bias gradient of layer i is already in place
        for i in range(last, -1, -1):
            W, _, gw, gb, wp, bp, _, dn = plan[i]
            below = x if i == 0 else plan[i - 1][6]
            if gw is not None:  # a frozen parameter's grad stays None
                np.matmul(below.T, d, out=gw)
                if c:
                    gw += c * W
                wp.grad = gw
            if gb is not None:
                if not summed and gb.shape[0] == d.shape[1]:
                    d.sum(axis=0, out=gb)
                elif not summed:  # one bias shared by the layer's units
                    gb[0] = d.sum()
                bp.grad = gb
            if i:
                np.matmul(d, W.T, out=dn)
                below_bias = plan[i - 1][3]
                if self.bias_act[i - 1] and below_bias is not None:
                    # the derivative and the column sums of the result in one pass
                    self.forms[i - 1]["times_derivative_and_sum"](
                        dn, below, below_bias, *self.constants[i - 1]
                    )
                    summed = True
                else:
                    self.times_derivative(i - 1, dn, below)
                    summed = False
                d = dn
        return value

    def activate(self, i: int, z) -> None:
        """z = f_i(z) in place: layer i's activation, its NumPy form."""
        k = len(z)
        self.ops[i].activate_inplace(z, self.scratch[i][:k], self.masks[i][:k])

    def times_derivative(self, i: int, d, h) -> None:
        """d *= f_i'(net), written in the layer's stored output h (compiled when it can)."""
        compiled = self.forms[i].get("times_derivative")
        if compiled is not None:
            compiled(d, h, *self.constants[i])
            return
        k = len(d)
        self.ops[i].times_derivative(d, h, self.scratch[i][:k], self.masks[i][:k])

    def compiled_form(self, owner, name: str):
        """The compiled version of ``owner.compiled_forms[name]`` (a loss's, say) when this
        step runs compiled forms, else None."""
        function = owner.compiled_forms.get(name) if self.compiled else None
        return None if function is None else kernels.compiled(function)

    def _loss_and_delta(self, z, t, w):
        """E and dE/dz of the output layer's net z (z's buffer may be reused for it): the
        loss's fused form, with the example weights as a column and their sum."""
        wcol = None if w is None else w.astype(z.dtype, copy=False).reshape(-1, 1)
        weight_sum = None if w is None else float(w.sum())
        if weight_sum is not None and weight_sum <= 0:
            weight_sum = 1.0  # all-zero weights: E = 0 and a zero gradient, as the ops
        return self.loss.fused_loss_and_delta(self, z, t, wcol, weight_sum)


def batch_of(step, x, t, extra):
    """A Batch from fit's objective's arrays ``(x, t[, w][, c])`` for ``step``'s settings."""
    weight = extra[0] if step.weighted else None
    penalty = extra[-1] if step.penalised else None
    return Batch(x, t, weight, penalty)
