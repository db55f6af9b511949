"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

import numpy as np

from .._checks import check_number
from ..errors import ParameterError
from .optimizer import Optimizer
from .registry import register_optimizer


@register_optimizer("sgd")
class SGD(Optimizer):
    """Gradient descent: ``w(t+1) = w(t) - lr * dE/dw(t)``.

    With momentum ``mu`` and weight decay ``lambda`` (PyTorch's convention)::

        g = dE/dw + lambda * w
        v = mu * v + g                         (v starts at 0)
        w = w - lr * v                         (plain momentum)
        w = w - lr * (g + mu * v)              (nesterov=True)

    This is Sutskever et al.'s form with the learning rate outside the velocity; it equals
    the classical form ``v = mu v - lr g; w = w + v`` while ``lr`` is constant. Weight decay
    here is the L2 penalty ``lambda/2 ||w||^2`` added to the loss (it is scaled by lr).

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``net.parameters()``.
    lr : float
        Learning rate (eta), > 0.
    momentum : float, default 0
        In [0, 1).
    nesterov : bool, default False
        Needs momentum > 0.
    weight_decay : float, default 0
        >= 0.
    clip_norm : float, optional
        Clip the gradients by global norm first (see :class:`Optimizer`).

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> w = dp.nn.Parameter(np.array([3.0]))
    >>> opt = dp.SGD([w], lr=0.1)
    >>> w.grad = np.array([4.0])
    >>> opt.step()
    >>> w.data
    array([2.6])
    """

    def __init__(
        self,
        params,
        lr: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
    ):
        super().__init__(params, lr, clip_norm)
        self.momentum = check_number("momentum", momentum, low=0.0, high=1.0, high_inclusive=False)
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise ParameterError("nesterov=True needs momentum > 0; got momentum=0")
        self.weight_decay = check_number("weight_decay", weight_decay, low=0.0)

    @property
    def state_names(self):
        return ("velocity",) if self.momentum else ()

    def compiled_update(self, w, g, state):
        if self.momentum:
            return "sgd_momentum", (w, g, state["velocity"])
        return "sgd", (w, g)

    def compiled_scalars(self, f):
        if self.momentum:
            return f(self.lr), f(self.weight_decay), f(self.momentum), self.nesterov
        return f(self.lr), f(self.weight_decay)

    def update(self, w, g, state):
        # Temporaries live in buffers reused across steps: no allocation per step.
        d = self.scratch(w)
        if self.weight_decay:
            np.multiply(w, self.weight_decay, out=d)
            d += g
            g = d  # g + lambda w
        if self.momentum:
            v = state["velocity"]
            v *= self.momentum
            v += g
            if self.nesterov:
                e = self.scratch(w, 1)
                np.multiply(v, self.momentum, out=e)
                e += g
                g = e  # g + mu v
            else:
                g = v
        np.multiply(g, self.lr, out=d)
        w -= d

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
        }
