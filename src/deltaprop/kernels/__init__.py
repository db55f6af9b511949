"""Compiled kernels (with numba): one loop where NumPy makes many whole-array passes.

Three jobs, one module each:

- :mod:`~deltaprop.kernels.loading`: the JIT loading policy (``DELTAPROP_KERNELS``,
  :func:`use`, :func:`prepare`, when a kernel applies: :func:`find`, :func:`for_network`) and
  :func:`compiled`, which compiles any plain-Python loop once per process;
- :mod:`~deltaprop.kernels.optimizers`: each built-in optimizer rule as one loop over the flat
  buffers, run by the :class:`~deltaprop.optim.Optimizer` base class;
- the fused training step's passes are not here: each activation and loss keeps its compiled
  form next to its other forms (``compiled_forms`` of
  :class:`~deltaprop.engine.ops.activations.ActivationOp` and of the losses in
  :mod:`deltaprop.losses`), and :func:`compiled` compiles them when the fused step asks.

Every kernel makes the float operations of the NumPy form it replaces, in the same order, so
both give the same bits (``tests/optim/test_kernels.py``); the one exception is softmax
cross-entropy, whose exponential and logarithm are LLVM's rather than NumPy's: it is checked
against the engine to rounding.
"""

from __future__ import annotations

import numpy as np

from . import loading, optimizers
from .loading import (
    MIN_SIZE,
    WORK_MIN,
    available,
    compiled,
    find,
    for_network,
    loaded,
    mode,
    prepare,
    use,
)

__all__ = [
    "MIN_SIZE",
    "WORK_MIN",
    "available",
    "compiled",
    "find",
    "flat",
    "for_network",
    "loaded",
    "loading",
    "mode",
    "optimizers",
    "prepare",
    "use",
]


def flat(a: np.ndarray) -> np.ndarray:
    """``a`` as a 1-D view (``a`` is contiguous)."""
    return a.reshape(-1)
