"""Optimizer: the base class owns the parameter list, state and zero_grad; each subclass
writes one update rule in ``update``."""

from __future__ import annotations

import numpy as np

from .._checks import check_number
from ..engine import Tensor
from ..errors import ParameterError, ParameterTypeError


class Optimizer:
    """Base class. ``step()`` applies ``update`` to every trainable parameter with a gradient.

    Frozen parameters (``requires_grad=False``) and parameters without a gradient are left
    exactly as they are. Per-parameter state (momentum buffers and the like) is created on the
    first step, so an optimizer may be built before the network knows its input size.
    """

    def __init__(self, params, lr: float):
        if isinstance(params, Tensor):
            raise ParameterTypeError(
                "params must be an iterable of parameters, e.g. net.parameters(); "
                "got a single Tensor"
            )
        try:
            self.params = list(params)
        except TypeError as exc:
            raise ParameterTypeError(
                f"params must be an iterable of parameters, e.g. net.parameters(); got {params!r}"
            ) from exc
        if not self.params:
            raise ParameterError("params is empty: the optimizer has nothing to train")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise ParameterTypeError(f"params[{i}] must be a Tensor or Parameter; got {p!r}")
        self.lr = check_number("lr", lr, low=0.0, low_inclusive=False)
        self.state: list[dict] = [{} for _ in self.params]
        self.steps = 0

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set it to None) before the next backward."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every trainable parameter in place from its gradient."""
        self.steps += 1
        for p, state in zip(self.params, self.state):
            if p.requires_grad and p.grad is not None:
                self.update(p.data, p.grad, state)

    def update(self, w: np.ndarray, g: np.ndarray, state: dict) -> None:
        """Change ``w`` in place given its gradient ``g``; ``state`` persists across steps."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"
