"""A fused training step for the common case: a stack of Dense layers and a named loss.

The engine's general path (a recorded step replayed op by op, :mod:`deltaprop.engine.replay`)
allocates every intermediate array and walks a graph. For a plain multilayer perceptron the
same arithmetic can run in place on buffers allocated once per ``fit``, with no graph at all;
for small batches that Python and allocation overhead is most of a step. This module is that
path. It covers networks of :class:`~deltaprop.nn.Dense` layers (after an optional first
:class:`~deltaprop.nn.Standardize`, ``x' = (x - mean) / std``) with hidden activations
identity, relu, leaky_relu, tanh and logistic, an output layer whose activation the loss
expects (softmax for ``cross_entropy``, logistic for ``binary_cross_entropy``, those or the
identity with ``from_logits=True``; anything but softmax for ``squared_error``), with or
without example weights and the L2 penalty. Everything else takes the general path, and so
does every traced step (``explain``), so what a learner sees is always the engine's own ops.

The formulas are the engine ops' (:mod:`deltaprop.engine.ops`); ``tests/training/
test_fused.py`` checks the fused loss and gradients against the engine's, and against central
differences, for random architectures, losses, weights and batch sizes.

Forward, layer ``l``: ``z_l = h_{l-1} @ W_l + b_l``, ``h_l = f_l(z_l)``, in place in ``z_l``.
Backward: ``d_L = dE/dz_L`` from the loss (``(p - t) * scale`` with the softmax or logistic
fused in); for ``l = L..1``: ``dE/dW_l = h_{l-1}^T d_l (+ c W_l)``, ``dE/db_l`` the sum of
``d_l`` over the rows (and over the units, for a shared bias), and
``d_{l-1} = (d_l @ W_l^T) * f'_{l-1}``, the derivative written in the stored output ``h``:
relu ``1[h > 0]``, leaky relu ``1 or slope``, tanh ``1 - h^2``, logistic ``h (1 - h)``,
identity ``1``. The first layer's input gradient is never computed.

Two faster forms of the same step: tiny float64 batches run as generated straight-line Python
(:mod:`deltaprop.training.scalar`), and with numba (:mod:`deltaprop.kernels`, networks of
32,768 parameters or more) a relu layer's bias and activation, relu's derivative with the
bias gradient below it, and softmax cross-entropy each become one compiled pass.
"""

from __future__ import annotations

import numpy as np

from .. import kernels, losses
from ..nn import Dense, Standardize
from ..nn.flat import packed_buffers
from .scalar import ScalarStep

_HIDDEN = ("identity", "relu", "leaky_relu", "tanh", "logistic")


class FusedStep:
    """Forward and backward of a Dense stack and its loss on preallocated buffers.

    ``step(x, t[, w][, c])`` takes the same per-batch arrays as fit's objective (example
    weights ``w`` when weighted, the L2 penalty's scale ``c`` when ``alpha`` is set), writes
    every parameter's gradient into its gradient buffer and returns the batch's loss.
    """

    def __init__(self, layers, loss, weighted: bool, penalised: bool, params, scaler=None):
        self.scaler = scaler  # a first Standardize layer, or None
        self.layers = layers
        self.loss = loss
        self.weighted = weighted
        self.penalised = penalised
        self.params = params
        self.signature = [p.requires_grad for p in params]
        self.kinds = [layer.activation.name for layer in layers]
        self.slopes = [getattr(layer.activation, "slope", 0.0) for layer in layers]
        self.first = params[0].data  # the packed storage this step reads and writes
        # With numba (deltaprop.kernels), a relu layer's bias and activation are one pass
        # forward and its derivative one pass backward: the same operations, the same bits.
        dtype = self.first.dtype
        self.compiled = kernels.for_network(sum(p.data.size for p in params), dtype)
        self.zero, self.one = dtype.type(0), dtype.type(1)
        # tiny float64 batches run on Python floats instead (training/scalar.py)
        self.scalar = ScalarStep(self) if dtype == np.float64 else None
        self.bias_relu = [
            self.compiled is not None
            and kind == "relu"
            and (layer.bias is None or layer.bias.data.shape == (layer.units,))
            for kind, layer in zip(self.kinds, layers)
        ]
        self.capacity = 0
        self.by_rows: dict = {}

    @classmethod
    def build(cls, module, loss, weighted: bool, alpha: float) -> FusedStep | None:
        """The fused step for ``module`` and ``loss``, or None when it does not apply."""
        layers = list(getattr(module, "layers", None) or [])
        scaler = layers.pop(0) if layers and type(layers[0]) is Standardize else None
        if not layers or any(type(layer) is not Dense for layer in layers):
            return None
        params = module.parameters()
        if packed_buffers(params) is None:
            return None
        kinds = [layer.activation.name for layer in layers]
        if any(kind not in _HIDDEN for kind in kinds[:-1]):
            return None
        last = kinds[-1]
        if type(loss) is losses.CrossEntropy:
            fits = last == ("identity" if loss.from_logits else "softmax")
        elif type(loss) is losses.BinaryCrossEntropy:
            fits = last == ("identity" if loss.from_logits else "logistic")
        elif type(loss) is losses.SquaredError:
            fits = last in _HIDDEN
        else:
            fits = False
        return cls(layers, loss, weighted, bool(alpha), params, scaler) if fits else None

    def is_valid(self) -> bool:
        """False once a parameter was frozen or unfrozen, or its storage replaced (the general
        path takes over)."""
        return (
            self.params[0].data is self.first
            and [p.requires_grad for p in self.params] == self.signature
        )

    def _allocate(self, rows: int, dtype) -> None:
        units = [layer.units for layer in self.layers]
        self.Z = [np.empty((rows, u), dtype) for u in units]  # z_l, then h_l in place
        self.D = [np.empty((rows, u), dtype) for u in units[:-1]]  # d_l of hidden layers
        self.T = [np.empty((rows, u), dtype) for u in units]  # f' and other temporaries
        self.M = [np.empty((rows, u), bool) for u in units]
        self.diff = np.empty((rows, units[-1]), dtype)  # o - t of a squared error
        self.rows_at = np.arange(rows) * units[-1]  # where each row starts in z flattened
        self.flat = np.empty(rows, np.intp)  # a batch's label positions in them
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
                        self.Z[i][:k],
                        self.D[i - 1][:k] if i else None,
                    )
                )
        return plan

    def step(self, x, t, *extra) -> float:
        k = len(x)
        if self.scalar is not None and self.scalar.fits(k):
            return self.scalar.step(x, t, *extra)
        if k > self.capacity:
            self._allocate(k, self.first.dtype)
        plan = self._plan(k)
        w = extra[0] if self.weighted else None
        c = float(extra[-1]) if self.penalised else 0.0
        last = len(plan) - 1
        if self.scaler is not None:
            x = np.subtract(x, self.scaler.mean, out=self.scaled[:k])
            x /= self.scaler.std
        h = x
        for i, (W, b, _, _, _, _, z, _) in enumerate(plan):
            np.matmul(h, W, out=z)
            if i < last and self.bias_relu[i]:
                self.compiled["bias_relu"](z, b, self.zero)
            else:
                if b is not None:
                    z += b
                if i < last:
                    self._activate(i, z)
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
                if self.bias_relu[i - 1] and below_bias is not None:
                    # relu's derivative and the column sums of the result in one pass
                    self.compiled["times_relu_derivative_and_sum"](
                        dn, below, below_bias, self.zero, self.one
                    )
                    summed = True
                else:
                    self._times_derivative(i - 1, dn, below)
                    summed = False
                d = dn
        return value

    def _activate(self, i: int, z) -> None:
        kind = self.kinds[i]
        if kind == "relu":
            np.maximum(z, 0, out=z)
        elif kind == "tanh":
            np.tanh(z, out=z)
        elif kind == "logistic":  # (1 + tanh(z / 2)) / 2, as the engine's op
            z *= 0.5
            np.tanh(z, out=z)
            z *= 0.5
            z += 0.5
        elif kind == "leaky_relu":
            tmp = self.T[i][: len(z)]
            np.multiply(z, self.slopes[i], out=tmp)
            np.maximum(z, tmp, out=z)

    def _times_derivative(self, i: int, d, h) -> None:
        """d *= f_i'(net), written in the layer's stored output h."""
        kind = self.kinds[i]
        k = len(d)
        if kind == "identity":
            return
        if kind == "relu" and self.compiled is not None:
            self.compiled["times_relu_derivative"](d, h, self.zero, self.one)
            return
        if kind == "relu":
            mask = self.M[i][:k]
            np.greater(h, 0, out=mask)
            np.multiply(d, mask, out=d)
            return
        tmp = self.T[i][:k]
        if kind == "tanh":
            np.multiply(h, h, out=tmp)
            np.subtract(1, tmp, out=tmp)
        elif kind == "logistic":
            np.subtract(1, h, out=tmp)
            tmp *= h
        else:  # leaky relu: 1 where h > 0, else the slope
            mask = self.M[i][:k]
            np.greater(h, 0, out=mask)
            np.multiply(mask, 1.0 - self.slopes[i], out=tmp)
            tmp += self.slopes[i]
        d *= tmp

    def _loss_and_delta(self, z, t, w):
        """E and dE/dz of the output layer's net z (z's buffer may be reused for it)."""
        loss = self.loss
        k = len(z)
        wcol = None if w is None else w.astype(z.dtype, copy=False).reshape(-1, 1)
        weight_sum = None if w is None else float(w.sum())
        if weight_sum is not None and weight_sum <= 0:
            weight_sum = 1.0  # all-zero weights: E = 0 and a zero gradient, as the ops
        if type(loss) is losses.CrossEntropy:
            return self._cross_entropy(z, t, wcol, weight_sum)
        if type(loss) is losses.BinaryCrossEntropy:
            return self._binary_cross_entropy(z, t, wcol, weight_sum)
        # squared error on o = f(z): dE/dz = dE/do * f'(o)
        L = len(self.layers) - 1
        self._activate(L, z)
        diff = self.diff[:k]
        np.subtract(z, t.reshape(z.shape) if t.ndim != z.ndim else t, out=diff)
        squares = diff * diff  # summed as the engine's op sums them: the same bits
        if wcol is not None:
            squares *= wcol
        total = float(squares.sum())
        examples = k if weight_sum is None else weight_sum
        reduction = loss.reduction
        if reduction == "sum_half":
            scale, value = 1.0, 0.5 * total
        elif reduction == "sum":
            scale, value = 2.0, total
        elif reduction == "mean_half":
            scale, value = 1.0 / examples, 0.5 * total / examples
        else:
            count = examples * z.shape[1]
            scale, value = 2.0 / count, total / count
        if wcol is not None:
            diff *= wcol
        if scale != 1.0:  # "sum_half": dE/do = o - t as it stands
            diff *= scale
        self._times_derivative(L, diff, z)
        return value, diff  # the delta lives in diff's buffer; z is not needed any more

    def _cross_entropy(self, z, t, wcol, weight_sum):
        k = len(z)
        if self.compiled is not None and t.ndim == 1:  # one compiled pass per row
            count = k if weight_sum is None else weight_sum
            mean = self.loss.reduction == "mean"
            total = self.compiled["softmax_cross_entropy"](
                z,
                t if t.dtype == np.intp else t.astype(np.intp),
                None if wcol is None else wcol[:, 0],
                z.dtype.type(1.0 / count if mean else 1.0),
            )
            return (total / count if mean else total), z
        col = self.col[:k]
        # ufuncs' own reduce: no Python wrapper per batch (as ndarray.max/sum have)
        np.maximum.reduce(z, 1, None, col, True)
        z -= col  # shifted logits
        labels = t.ndim == 1
        if labels:
            # the labels' positions in z flattened: one 1-D gather and scatter per batch
            flat = np.add(self.rows_at[:k], t, out=self.flat[:k], casting="unsafe")
            zf = z.reshape(-1)
            picked = zf.take(flat, out=self.picked[:k], mode="clip")
        else:
            soft = t.astype(z.dtype, copy=False)
            cross = np.add.reduce(soft * z, 1)
            mass = np.add.reduce(soft, 1)
        np.exp(z, out=z)
        np.add.reduce(z, 1, None, col, True)
        z /= col
        log_s = np.log(col[:, 0])
        if labels:
            log_s -= picked  # the per-example losses
        else:
            log_s *= mass
            log_s -= cross
        if wcol is None:
            total = float(np.add.reduce(log_s))
        else:
            total = float(np.dot(log_s, wcol[:, 0]))
        if labels:
            zf[flat] -= 1
        else:
            z -= soft
        if wcol is not None:
            z *= wcol
        if self.loss.reduction == "mean":
            count = k if weight_sum is None else weight_sum
            z *= 1.0 / count
            return total / count, z
        return total, z

    def _binary_cross_entropy(self, z, t, wcol, weight_sum):
        k = len(z)
        tt = t.astype(z.dtype, copy=False).reshape(z.shape)
        e = np.exp(-np.abs(z))
        elementwise = np.maximum(z, 0) - z * tt + np.log1p(e)
        if wcol is not None:
            elementwise *= wcol
        total = float(elementwise.sum())
        # s(z) = 1 / (1 + e^-z), written without overflow from e = e^-|z|
        inv = 1.0 / (1.0 + e)
        s = np.where(z >= 0, inv, e * inv)
        np.subtract(s, tt, out=z)
        if wcol is not None:
            z *= wcol
        if self.loss.reduction == "mean":
            count = (k if weight_sum is None else weight_sum) * z.shape[1]
            z *= 1.0 / count
            return total / count, z
        return total, z
