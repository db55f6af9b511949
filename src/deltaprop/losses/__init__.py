"""Losses: functions of (output, target) returning a scalar Tensor, with explicit reductions.

================================  =========================================================
``squared_error``                 E = 1/2 sum (t - o)^2 (``"sum_half"``, the source material),
                                  sum (t - o)^2 (``"sum"``), its mean over every element
                                  (``"mean"``, the default, as Keras and PyTorch), or
                                  1/N sum_n 1/2 sum_k (t - o)^2 (``"mean_half"``, scikit-learn's)
``cross_entropy``                 E = -sum_k t_k ln p_k, p = softmax(z), averaged over examples
                                  (``"mean"``) or summed (``"sum"``); labels or one-hot targets
``binary_cross_entropy``          E = -[t ln p + (1 - t) ln(1 - p)], p = logistic(z), for
                                  binary and multi-label targets; mean over every element or sum
``poisson``                       E = e^z - t z + t ln t - t, counts t >= 0 against the mean
                                  e^z (log link: z is the network's identity output); mean
                                  over every element or sum
================================  =========================================================

The cross-entropies take the network's probabilities (a softmax or logistic output layer) and
fuse that last activation into one exact, overflow-free op on its input ``z``: backward starts
from ``dE/dz = p - t``. With ``from_logits=True`` they take ``z`` itself.

Every loss takes an optional ``weight`` of shape (N,): example ``n``'s error counts ``w_n``
times, and means become weighted means (divided by ``sum w`` instead of N), as scikit-learn's
``sample_weight``. The weighting happens inside the fused op (see
:mod:`deltaprop.engine.ops.losses`).

The classes (:class:`SquaredError`, :class:`CrossEntropy`, :class:`BinaryCrossEntropy`,
:class:`Poisson`) also
check targets before training and turn outputs into predictions; ``fit`` uses them.
"""

from __future__ import annotations

from ..engine import Tensor
from ..errors import ParameterTypeError
from . import inference, targets
from .base import LOSSES, TASKS, Loss, register_loss, task_of

# the order of registration is the order the names are listed in
# isort: off
from .squared_error import SquaredError
from .cross_entropy import CrossEntropy
from .binary_cross_entropy import BinaryCrossEntropy
from .poisson import Poisson

# isort: on
from .custom import Custom

__all__ = [
    "LOSSES", "NAMES", "TASKS", "BinaryCrossEntropy", "CrossEntropy", "Custom", "Loss", "Poisson",
    "SquaredError", "binary_cross_entropy", "cross_entropy", "get", "inference",
    "register_loss", "squared_error", "targets", "task_of",
]  # fmt: skip

NAMES = LOSSES.names()  # the built-in losses' names; LOSSES.names() includes later ones


def get(spec) -> Loss:
    """A Loss from a name, a config dict, a Loss, or any callable (wrapped as Custom).

    >>> get("squared_error")
    SquaredError(reduction='mean')
    >>> get({"name": "squared_error", "reduction": "sum_half"}).reduction
    'sum_half'
    """
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, dict):
        config = dict(spec)
        name = config.pop("name", None)
        return _from_name(name, config)
    if isinstance(spec, str):
        return _from_name(spec, {})
    if callable(spec):
        return Custom(spec)
    raise ParameterTypeError(
        f"loss must be a name ({', '.join(LOSSES)}), a Loss or a callable; got {spec!r}"
    )


def _from_name(name, kwargs) -> Loss:
    return LOSSES.get(name)(**kwargs)


def squared_error(out, target, reduction: str = "mean", weight=None) -> Tensor:
    """Squared error between outputs and targets, reduced as named.

    ``"sum_half"`` is the source material's E = sum 1/2 (t - o)^2, whose gradient is
    dE/do = o - t; ``"sum"`` is sum (t - o)^2; ``"mean"`` averages (t - o)^2 over every
    element; ``"mean_half"`` averages the examples' 1/2 sum_k (t - o)^2. ``weight`` (N,)
    weighs the examples.

    >>> import numpy as np
    >>> float(squared_error(np.array([0.75136507, 0.772928465]), np.array([0.01, 0.99]),
    ...                     reduction="sum_half").data)  # E_total of the worked example
    0.298371109...
    """
    return SquaredError(reduction)(out, target, weight)


def cross_entropy(
    out, target, reduction: str = "mean", from_logits: bool = False, weight=None
) -> Tensor:
    """Cross-entropy of softmax probabilities against integer labels or one-hot rows.

    >>> import numpy as np, deltaprop as dp
    >>> z = dp.Tensor(np.array([[2.0, 0.0, -1.0]]), requires_grad=True)
    >>> round(float(cross_entropy(z, np.array([0]), from_logits=True).data), 6)
    0.169846
    """
    return CrossEntropy(reduction, from_logits)(out, target, weight)


def binary_cross_entropy(
    out, target, reduction: str = "mean", from_logits: bool = False, weight=None
) -> Tensor:
    """Binary cross-entropy of logistic probabilities against 0/1 targets (multi-label too)."""
    return BinaryCrossEntropy(reduction, from_logits)(out, target, weight)
