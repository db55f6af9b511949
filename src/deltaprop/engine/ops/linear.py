"""The fused affine map of a dense layer: net = x @ W + b."""

from __future__ import annotations

import numpy as np

from ..op import Op, Sample, register


@register
class Linear(Op):
    """net = x @ W + b, with W of shape (in, out) and b of shape (out,) or (1,) (shared).

    For an example x (a row), ``net_j = sum_i x_i W_ij + b_j``. Backward, for g = dE/d net:
    ``dE/dW = x^T @ g`` (``dE/dw_ij = sum over examples of x_i delta_j``),
    ``dE/db = sum of g over examples`` (and over units, for a shared bias),
    ``dE/dx = g @ W^T`` (``sum_j delta_j w_ij``, the error a lower layer receives). The
    gradient of x is skipped when x needs none, as for the data fed to the first layer.
    """

    name = "linear"

    def forward(self, x, w, b=None):
        net = np.matmul(x, w)
        if b is not None:
            net += b
        return net

    def vjp(self, g, out, x, w, b=None):
        need_x, need_w = self.needs_input_grad[:2]
        gx = gw = None
        if need_x:
            gx = np.matmul(g, w.T)
        if need_w:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
            gw = np.matmul(x2.T, g2, out=self.buffer(1))
        if b is None:
            return gx, gw
        # g in the broadcast shape; the engine sums it over examples (and units if shared).
        return gx, gw, (g if self.needs_input_grad[2] else None)

    @staticmethod
    def sample_inputs(rng):
        x, w = rng.normal(size=(5, 3)), rng.normal(size=(3, 2))
        yield Sample((x, w, rng.normal(size=(2,))))
        yield Sample((x, w, rng.normal(size=(1,))))  # one bias shared by the layer
        yield Sample((x, w))
        yield Sample((rng.normal(size=(3,)), w, rng.normal(size=(2,))))  # a single example
