"""Adam: per-weight steps from bias-corrected running means of the gradient and its square."""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_number
from .optimizer import Optimizer
from .registry import register_optimizer


@register_optimizer("adam")
class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015, Algorithm 1).

    With ``t`` the step number (from 1) and weight decay ``lambda``::

        g = dE/dw + lambda * w                          (lambda = 0 by default)
        m = beta_1 * m + (1 - beta_1) * g               (m, v start at 0)
        v = beta_2 * v + (1 - beta_2) * g^2
        m_hat = m / (1 - beta_1^t);  v_hat = v / (1 - beta_2^t)
        w = w - lr * m_hat / (sqrt(v_hat) + eps)

    Departures from the paper, all shared with PyTorch's ``Adam``: ``eps`` is added to
    ``sqrt(v_hat)`` (Algorithm 1), not to ``sqrt(v)`` as in the paper's "more efficient"
    variant that scikit-learn uses (the two differ only while ``v`` is tiny); the step count
    ``t`` is one counter shared by every parameter (a frozen parameter's moments do not age
    while it is frozen, but its bias correction does); ``weight_decay`` is an L2 penalty added
    to the gradient, which then passes through the adaptive scaling: for decay that does not,
    use :class:`AdamW`.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float, default 0.001
    beta_1, beta_2 : float, default 0.9 and 0.999
        Decay rates of the running means, each in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0
    clip_norm : float, optional
        Clip the gradients by global norm first (see :class:`Optimizer`).

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> w = dp.Parameter(np.array([1.0, -1.0]))
    >>> opt = dp.optim.Adam([w], lr=0.1)
    >>> w.grad = np.array([0.5, -3.0]); opt.step()   # the first step moves each weight by lr
    >>> w.data.round(6).tolist()
    [0.9, -0.9]
    """

    sensible_lr = 1.0

    state_names = ("m", "v")

    def __init__(
        self,
        params,
        lr: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
    ):
        super().__init__(params, lr, clip_norm)
        self.beta_1 = check_number("beta_1", beta_1, low=0.0, high=1.0, high_inclusive=False)
        self.beta_2 = check_number("beta_2", beta_2, low=0.0, high=1.0, high_inclusive=False)
        self.eps = check_number("eps", eps, low=0.0, low_inclusive=False)
        self.weight_decay = check_number("weight_decay", weight_decay, low=0.0)

    def update(self, w, g, state):
        if self.weight_decay:
            d = self.scratch(w, 2)
            np.multiply(w, self.weight_decay, out=d)
            d += g
            g = d  # g + lambda w
        self._adam_step(w, g, state)

    def compiled_update(self, w, g, state):
        return "adam", (w, g, state["m"], state["v"])

    def compiled_scalars(self, f):
        return self._kernel_scalars(f, decay=1.0, wd=self.weight_decay)

    def compiled_scalar_rows(self, steps: int, dtype) -> np.ndarray:
        """``compiled_scalars`` of the next ``steps`` steps at once, one row each (the form
        the compiled training loop takes, :mod:`deltaprop.training.compiled`)."""
        return self._kernel_rows(steps, dtype, decay=1.0, wd=self.weight_decay)

    def _kernel_rows(self, steps: int, dtype, decay: float, wd: float) -> np.ndarray:
        """:meth:`_kernel_scalars` for steps ``self.steps + 1`` on: the same float64
        operations on arrays, rounded to ``dtype`` last; the powers by Python's pow, as there
        (NumPy's power may differ from it in the last bit)."""
        t = range(self.steps + 1, self.steps + steps + 1)
        b1, b2 = self.beta_1, self.beta_2
        rows = np.empty((steps, 9))
        rows[:] = (wd, decay, b1, 1.0 - b1, b2, 1.0 - b2, 0.0, self.eps, 0.0)
        rows[:, 6] = 1.0 / np.sqrt(1.0 - np.array([b2**i for i in t]))
        rows[:, 8] = self.lr / (1.0 - np.array([b1**i for i in t]))
        return rows.astype(dtype)

    def _kernel_scalars(self, f, decay: float, wd: float) -> tuple:
        """The kernel's scalars: the decoupled ``decay`` of w, then the rule with ``wd``."""
        t = self.steps
        return (
            f(wd),
            f(decay),
            f(self.beta_1),
            f(1.0 - self.beta_1),
            f(self.beta_2),
            f(1.0 - self.beta_2),
            f(1.0 / math.sqrt(1.0 - self.beta_2**t)),
            f(self.eps),
            f(self.lr / (1.0 - self.beta_1**t)),
        )

    def _adam_step(self, w, g, state):
        # Every temporary lives in a buffer reused across steps: no allocation per step.
        m, v = state["m"], state["v"]
        a, b = self.scratch(w, 0), self.scratch(w, 1)
        m *= self.beta_1
        np.multiply(g, 1.0 - self.beta_1, out=a)
        m += a
        v *= self.beta_2
        np.multiply(g, g, out=a)
        a *= 1.0 - self.beta_2
        v += a
        t = self.steps
        # denom = sqrt(v_hat) + eps = sqrt(v) / sqrt(1 - beta_2^t) + eps
        np.sqrt(v, out=b)
        b *= 1.0 / math.sqrt(1.0 - self.beta_2**t)
        b += self.eps
        np.divide(m, b, out=a)
        a *= self.lr / (1.0 - self.beta_1**t)
        w -= a

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
        }
