"""Tracer hook: observers that receive one event per forward op and one per vjp.

explain and gradient inspection are built on this; the engine calls ``emit_*`` only while at
least one tracer is installed, so tracing costs nothing when unused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

_tracers: list[Callable[[Any], None]] = []


@dataclass(frozen=True)
class ForwardEvent:
    """An op ran forward: ``output = op(*inputs)`` (inputs and output are Tensors)."""

    op: Any
    inputs: tuple
    output: Any


@dataclass(frozen=True)
class VjpEvent:
    """An op's vector-Jacobian product ran: ``grads_in[i] = g^T d output / d inputs[i]``.

    ``g`` is the gradient arriving at the output; ``grads_in`` has one entry per input, None
    for inputs that need no gradient, already summed over broadcast axes.
    """

    op: Any
    inputs: tuple
    output: Any
    g: np.ndarray
    grads_in: tuple


def active() -> bool:
    return bool(_tracers)


def emit(event) -> None:
    for tracer in tuple(_tracers):
        tracer(event)


@contextlib.contextmanager
def trace(callback: Callable[[Any], None]):
    """Install ``callback`` to receive every ForwardEvent and VjpEvent inside the block.

    >>> import numpy as np, deltaprop as dp
    >>> from deltaprop.engine.tracer import trace
    >>> seen = []
    >>> with trace(lambda e: seen.append((type(e).__name__, e.op.name))):
    ...     w = dp.Tensor(np.array([2.0]), requires_grad=True)
    ...     (w * w).sum().backward()
    >>> seen
    [('ForwardEvent', 'mul'), ('ForwardEvent', 'sum'), ('VjpEvent', 'sum'), ('VjpEvent', 'mul')]
    """
    _tracers.append(callback)
    try:
        yield callback
    finally:
        _tracers.remove(callback)
