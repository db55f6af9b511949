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

import numpy as np

from ._checks import check_choice
from ._registry import Registry
from .engine import Tensor
from .engine import functional as F
from .errors import (
    DataError,
    InputError,
    ParameterError,
    ParameterTypeError,
    RegistryError,
    ShapeError,
)


class Loss:
    """Base of the named losses: ``loss(out, target) -> scalar Tensor``.

    ``kind`` is ``"regression"``, ``"multiclass"`` or ``"binary"`` (which also covers
    multi-label); ``sums`` is True when the reduction adds over examples, so the loss of a
    data set is the sum of its batches' losses rather than their weighted mean.
    """

    name = ""
    kind = "regression"
    reductions: tuple = ("mean", "sum")

    def __init__(self, reduction: str = "mean"):
        self.reduction = check_choice("reduction", reduction, self.reductions)

    @property
    def sums(self) -> bool:
        return self.reduction in ("sum", "sum_half")

    def __call__(self, out, target, weight=None) -> Tensor:
        raise NotImplementedError

    def prepare_target(self, y, n_outputs: int, dtype) -> np.ndarray:
        """Check targets ``y`` against an output layer of ``n_outputs`` units; return them in
        the form the loss op takes. Raises DataError or ShapeError naming the problem."""
        raise NotImplementedError

    def predict(self, out: np.ndarray) -> np.ndarray:
        """Predictions from outputs: class indices for classifiers, the outputs otherwise."""
        return out

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


LOSSES = Registry("loss")
#: The task each ``Loss.kind`` serves: what ``deltaprop train --task`` a loss fits.
TASKS = {"regression": "regression", "multiclass": "classification", "binary": "classification"}


def register_loss(cls: type | None = None, *, aliases: tuple[str, ...] = ()):
    """Class decorator: make a :class:`Loss` subclass known by its ``name`` (and ``aliases``)
    to ``get``, model files and ``deltaprop train --loss``. Its ``kind`` ("regression",
    "multiclass" or "binary") says which task it serves (``TASKS``)."""

    def decorate(loss_class: type) -> type:
        if loss_class.kind not in TASKS:
            raise RegistryError(
                f"loss {loss_class.__qualname__} must have a kind in {', '.join(TASKS)} "
                f"(the task it serves); got {loss_class.kind!r}"
            )
        return LOSSES.register(loss_class.name, aliases=aliases)(loss_class)

    return decorate if cls is None else decorate(cls)


def task_of(name: str) -> str:
    """ "classification" or "regression": the task of the loss registered as ``name``.

    >>> task_of("cross_entropy"), task_of("mse")
    ('classification', 'regression')
    """
    return TASKS[LOSSES.get(name).kind]


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _numeric(y, what="targets") -> np.ndarray:
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise DataError(f"{what} must be numbers; got y of dtype {y.dtype}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        bad = np.argwhere(~np.isfinite(y))[0]
        raise DataError(
            f"{what} must be finite; got {y[tuple(bad)]} at index {tuple(bad.tolist())} of y"
        )
    return y


@register_loss(aliases=("mse",))
class SquaredError(Loss):
    """E = 1/2 sum (t - o)^2 ("sum_half"), sum (t - o)^2 ("sum"), mean (t - o)^2 ("mean"),
    1/N sum_n 1/2 sum_k (t - o)^2 ("mean_half")."""

    name = "squared_error"
    kind = "regression"
    reductions = ("mean", "sum", "sum_half", "mean_half")

    def __call__(self, out, target, weight=None) -> Tensor:
        return F.squared_error(_as_tensor(out), _as_tensor(target), self.reduction, weight)

    def prepare_target(self, y, n_outputs, dtype):
        y = _numeric(y)
        if y.ndim == 1 and n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ShapeError(
                f"squared_error targets must have shape (n_samples, {n_outputs}) to match the "
                f"output layer's {n_outputs} units; got shape {y.shape}"
            )
        return y.astype(dtype, copy=False)


@register_loss(aliases=("categorical_crossentropy",))
class CrossEntropy(Loss):
    """E = -sum_k t_k ln p_k with p = softmax(z): multi-class classification.

    Targets are integer class labels 0..K-1 (shape (N,)) or class probabilities / one-hot rows
    (shape (N, K)). ``from_logits=False`` (default) takes the output of a softmax layer and
    fuses that softmax in; ``from_logits=True`` takes the scores z directly.
    """

    name = "cross_entropy"
    kind = "multiclass"

    def __init__(self, reduction: str = "mean", from_logits: bool = False):
        super().__init__(reduction)
        self.from_logits = bool(from_logits)

    def __call__(self, out, target, weight=None) -> Tensor:
        out = _as_tensor(out)
        target = _as_tensor(target)
        z = _logits(out, "softmax", self)
        if z is not None:
            return F.softmax_cross_entropy(z, target, self.reduction, weight)
        # No graph to fuse through (inference under no_grad): use the probabilities directly.
        p = np.clip(out.data, np.finfo(out.dtype).tiny, 1.0)
        t = target.data
        if t.ndim == p.ndim - 1:
            picked = np.take_along_axis(p, t[..., None].astype(np.intp), axis=-1)[..., 0]
            per_example = -np.log(picked)
        else:
            per_example = -np.sum(t * np.log(p), axis=-1)
        return _reduce(per_example, weight, self.reduction, out.dtype)

    def prepare_target(self, y, n_outputs, dtype):
        if n_outputs < 2:
            raise ShapeError(
                "cross_entropy needs an output layer with one unit per class (at least 2); "
                f"got {n_outputs} (for two classes and one unit use binary_cross_entropy)"
            )
        y = _numeric(y, "class labels")
        if y.ndim == 1:
            if y.dtype.kind == "f" and not np.all(y == np.round(y)):
                bad = y[y != np.round(y)][0].item()
                raise DataError(f"class labels must be integers 0..{n_outputs - 1}; got {bad!r}")
            bad = (y < 0) | (y >= n_outputs)
            if np.any(bad):
                raise DataError(
                    f"class labels must be in 0..{n_outputs - 1} for an output layer of "
                    f"{n_outputs} units; got {y[bad][0].item()!r}"
                )
            return y.astype(np.int64)
        if y.ndim == 2 and y.shape[1] == n_outputs:
            if np.any(y < 0):
                raise DataError("one-hot / probability targets must be >= 0; got a negative value")
            return y.astype(dtype, copy=False)
        raise ShapeError(
            f"cross_entropy targets must be labels of shape (n_samples,) or rows of shape "
            f"(n_samples, {n_outputs}); got shape {y.shape}"
        )

    def probabilities(self, out: np.ndarray) -> np.ndarray:
        if not self.from_logits:
            return out
        e = np.exp(out - out.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def predict(self, out):
        return np.argmax(out, axis=-1)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, "from_logits": self.from_logits}


@register_loss(aliases=("binary_crossentropy",))
class BinaryCrossEntropy(Loss):
    """E = -[t ln p + (1 - t) ln(1 - p)] with p = logistic(z): binary and multi-label.

    Targets are 0/1 (or in [0, 1]) with one column per output unit. ``from_logits=False``
    (default) takes the output of a logistic layer and fuses the logistic in.
    """

    name = "binary_cross_entropy"
    kind = "binary"

    def __init__(self, reduction: str = "mean", from_logits: bool = False):
        super().__init__(reduction)
        self.from_logits = bool(from_logits)

    def __call__(self, out, target, weight=None) -> Tensor:
        out = _as_tensor(out)
        target = _as_tensor(target)
        z = _logits(out, "logistic", self)
        if z is not None:
            return F.sigmoid_binary_cross_entropy(z, target, self.reduction, weight)
        tiny = np.finfo(out.dtype).eps
        p = np.clip(out.data, tiny, 1 - tiny)
        t = target.data.astype(out.dtype, copy=False)
        per_example = -np.mean(t * np.log(p) + (1 - t) * np.log1p(-p), axis=-1)
        if self.reduction == "sum":
            per_example = per_example * p.shape[-1]
        return _reduce(per_example, weight, self.reduction, out.dtype)

    def prepare_target(self, y, n_outputs, dtype):
        y = _numeric(y)
        if y.ndim == 1 and n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ShapeError(
                f"binary_cross_entropy targets must have shape (n_samples, {n_outputs}), one "
                f"column per output unit; got shape {y.shape}"
            )
        if np.any((y < 0) | (y > 1)):
            bad = y[(y < 0) | (y > 1)][0].item()
            raise DataError(f"binary_cross_entropy targets must be in [0, 1]; got {bad!r}")
        return y.astype(dtype, copy=False)

    def probabilities(self, out: np.ndarray) -> np.ndarray:
        if not self.from_logits:
            return out
        e = np.exp(-np.abs(out))
        return np.where(out >= 0, 1 / (1 + e), e / (1 + e))

    def predict(self, out):
        threshold = 0.0 if self.from_logits else 0.5
        return (out > threshold).astype(np.int64)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, "from_logits": self.from_logits}


@register_loss
class Poisson(Loss):
    """E = e^z - t z + t ln t - t per element (the Poisson deviance halved) with the log link:
    the network's output z is the log of the predicted mean, ``mu = e^z``, for counts t >= 0.

    End the network with an identity layer; ``predict`` turns z into the mean ``e^z``. The
    ``t ln t - t`` term does not depend on z (it makes E = 0 for a perfect fit, as
    scikit-learn's Poisson loss).
    """

    name = "poisson"
    kind = "regression"

    def __call__(self, out, target, weight=None) -> Tensor:
        return F.poisson_loss(_as_tensor(out), _as_tensor(target), self.reduction, weight)

    def prepare_target(self, y, n_outputs, dtype):
        y = _numeric(y)
        if y.ndim == 1 and n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ShapeError(
                f"poisson targets must have shape (n_samples, {n_outputs}) to match the output "
                f"layer's {n_outputs} units; got shape {y.shape}"
            )
        if np.any(y < 0):
            raise DataError(f"poisson targets must be counts >= 0; got {y[y < 0][0].item()!r}")
        return y.astype(dtype, copy=False)

    def predict(self, out):
        return np.exp(out)


def _reduce(per_example: np.ndarray, weight, reduction: str, dtype) -> Tensor:
    """Sum or (weighted) mean of per-example losses, for the unfused inference path."""
    per_example = per_example.reshape(-1)
    if weight is None:
        total, count = np.sum(per_example), per_example.size
    else:
        w = np.asarray(weight, dtype=dtype).reshape(-1)
        total, count = np.sum(per_example * w), float(np.sum(w)) or 1.0
    return Tensor(np.asarray(total / count if reduction == "mean" else total, dtype))


def _logits(out: Tensor, activation: str, loss) -> Tensor | None:
    """The scores z the fused op needs: ``out`` itself, or the input of its softmax/logistic."""
    if loss.from_logits:
        return out
    if out.op is not None and out.op.name == activation:
        return out.parents[0]
    if out.requires_grad:
        raise InputError(
            f"{loss.name} expects the probabilities of a {activation} output layer (or "
            f"from_logits=True for raw scores); got the output of op "
            f"{out.op.name if out.op else 'none'!r}. End the network with "
            f"activation={activation!r}."
        )
    return None


class Custom(Loss):
    """Wraps any ``fn(out, target) -> scalar Tensor``; its epoch loss is the batches' mean."""

    name = "custom"
    kind = None

    def __init__(self, fn):
        self.fn = fn
        self.reduction = "mean"

    def __call__(self, out, target, weight=None):
        if weight is not None:
            raise ParameterError("sample weights need a named loss; a custom loss takes none")
        return self.fn(out, target)

    def prepare_target(self, y, n_outputs, dtype):
        y = np.asarray(y)
        return y.astype(dtype, copy=False) if y.dtype.kind == "f" else y


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
