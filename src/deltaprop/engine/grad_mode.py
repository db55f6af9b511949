"""Whether operations record the tape: on by default, off inside ``no_grad()``."""

from __future__ import annotations

import contextlib
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backpropagation (per thread)."""
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def no_grad():
    """Context manager that turns off recording, for inference and in-place updates.

    Inside it, results of operations have ``requires_grad=False`` and keep no reference to
    their inputs, so no graph is built and nothing is kept alive for a backward pass.

    >>> import numpy as np, deltaprop as dp
    >>> w = dp.Tensor(np.ones(2), requires_grad=True)
    >>> with dp.no_grad():
    ...     y = w * 2.0
    >>> y.requires_grad
    False
    """
    previous = is_grad_enabled()
    _state.enabled = False
    try:
        yield
    finally:
        _state.enabled = previous
