"""AdamW: Adam with weight decay decoupled from the gradient."""

from __future__ import annotations

from .adam import Adam
from .registry import register_optimizer


@register_optimizer("adamw")
class AdamW(Adam):
    """AdamW (Loshchilov and Hutter, 2019): Adam plus a decay step that bypasses the moments.

    Each step, with ``lambda`` the weight decay::

        w = w - lr * lambda * w                         (decoupled decay, first)
        m, v, m_hat, v_hat as in Adam, from g = dE/dw alone
        w = w - lr * m_hat / (sqrt(v_hat) + eps)

    Unlike an L2 penalty (Adam's ``weight_decay``), the decay is not divided by
    ``sqrt(v_hat)``, so every weight shrinks by the same fraction ``lr * lambda`` per step.
    Departures from the paper (as PyTorch's ``AdamW``): the decay is multiplied by ``lr``
    rather than by a separate schedule multiplier ``eta_t``, so a learning-rate schedule
    scales it too; it applies to every parameter given, biases included (pass only the
    weights to exempt biases); ``eps`` and the shared step count as in :class:`Adam`.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float, default 0.001
    beta_1, beta_2 : float, default 0.9 and 0.999
    eps : float, default 1e-8
    weight_decay : float, default 0.01
        ``lambda``, >= 0.
    clip_norm : float, optional

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> w = dp.Parameter(np.array([2.0]))
    >>> opt = dp.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = np.array([1.0]); opt.step()   # 2 - 0.1*0.5*2 = 1.9, then the Adam step 0.1
    >>> round(float(w.data[0]), 6)
    1.8
    """

    def __init__(
        self,
        params,
        lr: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        clip_norm: float | None = None,
    ):
        super().__init__(params, lr, beta_1, beta_2, eps, weight_decay, clip_norm)

    def compiled_scalars(self, f):
        return self._kernel_scalars(f, decay=1.0 - self.lr * self.weight_decay, wd=0.0)

    def compiled_scalar_rows(self, steps, dtype):
        return self._kernel_rows(steps, dtype, decay=1.0 - self.lr * self.weight_decay, wd=0.0)

    def update(self, w, g, state):
        if self.weight_decay:
            w *= 1.0 - self.lr * self.weight_decay
        self._adam_step(w, g, state)
