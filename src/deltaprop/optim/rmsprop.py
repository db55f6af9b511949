"""RMSprop: gradient descent with each weight's step divided by a running RMS of its gradient."""

from __future__ import annotations

import numpy as np

from .._checks import check_number
from .optimizer import Optimizer
from .registry import register_optimizer


@register_optimizer("rmsprop")
class RMSprop(Optimizer):
    """RMSprop (Tieleman and Hinton, 2012), in PyTorch's form.

    With decay ``rho``, weight decay ``lambda`` and ``t`` the step number::

        g = dE/dw + lambda * w
        v = rho * v + (1 - rho) * g^2                   (v starts at 0)
        w = w - lr * g / (sqrt(v) + eps)                (momentum = 0)
        b = mu * b + g / (sqrt(v) + eps); w = w - lr * b   (momentum mu > 0)

    ``centered=True`` also keeps the mean gradient ``a = rho a + (1 - rho) g`` and divides
    by ``sqrt(v - a^2) + eps``, an estimate of the gradient's standard deviation.

    Departures from the lecture slides: ``eps`` is added outside the square root (PyTorch's
    and TensorFlow's choice), and ``v`` starts at 0 with no bias correction, so the first
    steps are larger than ``lr`` (by up to ``1 / sqrt(1 - rho)``).

    Parameters
    ----------
    params : iterable of Parameter
    lr : float, default 0.01
    rho : float, default 0.99
        Decay of the running mean of squared gradients, in [0, 1) (PyTorch's ``alpha``).
    eps : float, default 1e-8
    momentum : float, default 0
    centered : bool, default False
    weight_decay : float, default 0
        L2 penalty added to the gradient (coupled, as in SGD).
    clip_norm : float, optional
        Clip the gradients by global norm first (see :class:`Optimizer`).

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> w = dp.Parameter(np.array([1.0]))
    >>> opt = dp.optim.RMSprop([w], lr=0.01, rho=0.9)
    >>> w.grad = np.array([2.0]); opt.step()       # v = 0.4; w = 1 - 0.01 * 2 / sqrt(0.4)
    >>> round(float(w.data[0]), 6)
    0.968377
    """

    sensible_lr = 1.0

    def __init__(
        self,
        params,
        lr: float = 0.01,
        rho: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
    ):
        super().__init__(params, lr, clip_norm)
        self.rho = check_number("rho", rho, low=0.0, high=1.0, high_inclusive=False)
        self.eps = check_number("eps", eps, low=0.0, low_inclusive=False)
        self.momentum = check_number("momentum", momentum, low=0.0, high=1.0, high_inclusive=False)
        self.centered = bool(centered)
        self.weight_decay = check_number("weight_decay", weight_decay, low=0.0)

    @property
    def state_names(self):
        names = ("v",)
        if self.centered:
            names += ("a",)
        if self.momentum:
            names += ("b",)
        return names

    def compiled_update(self, w, g, state):
        v = state["v"]
        a, b = state.get("a", v), state.get("b", v)  # unused by the kernel when absent
        return "rmsprop", (w, g, v, a, b)

    def compiled_scalars(self, f):
        return (
            f(self.lr),
            f(self.weight_decay),
            f(self.rho),
            f(1.0 - self.rho),
            f(self.eps),
            f(self.momentum),
            self.centered,
        )

    def update(self, w, g, state):
        # Every temporary lives in a buffer reused across steps: no allocation per step.
        a, d = self.scratch(w, 0), self.scratch(w, 1)
        if self.weight_decay:
            e = self.scratch(w, 2)
            np.multiply(w, self.weight_decay, out=e)
            e += g
            g = e  # g + lambda w
        v = state["v"]
        v *= self.rho
        np.multiply(g, g, out=a)
        a *= 1.0 - self.rho
        v += a
        if self.centered:
            c = state["a"]
            c *= self.rho
            np.multiply(g, 1.0 - self.rho, out=a)
            c += a
            np.multiply(c, c, out=a)
            np.subtract(v, a, out=d)
            np.sqrt(d, out=d)  # sqrt(v - a^2)
        else:
            np.sqrt(v, out=d)
        d += self.eps
        np.divide(g, d, out=a)  # g / denom
        if self.momentum:
            b = state["b"]
            b *= self.momentum
            b += a
            np.multiply(b, self.lr, out=a)
        else:
            a *= self.lr
        w -= a

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rho": self.rho,
            "eps": self.eps,
            "momentum": self.momentum,
            "centered": self.centered,
            "weight_decay": self.weight_decay,
        }
