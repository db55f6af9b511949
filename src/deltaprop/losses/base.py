"""The base of the named losses, their registry, and the reduction written once."""

from __future__ import annotations

import numpy as np

from .._checks import check_choice
from .._registry import Registry
from ..engine import Tensor
from ..errors import RegistryError


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

    #: True when the loss applies the output layer's activation itself in its fused and
    #: scalar forms (dE/dz = dE/do * f'(o)); False when it fuses it in (cross-entropies)
    applies_output_activation = False
    #: name -> plain-Python loop deltaprop.kernels compiles for the fused step
    compiled_forms: dict = {}

    @property
    def sums(self) -> bool:
        return self.reduction in ("sum", "sum_half")

    # -- the reduction, once for every path ----------------------------------------------------
    def gradient_factor(self) -> float:
        """dE/do of one element is ``gradient_factor * (o - t)`` before a mean's division."""
        return 1.0

    def value_factor(self) -> float:
        """The factor of the summed element losses (1/2 for the "_half" reductions)."""
        return 1.0

    def mean_divisor(self, examples: float, outputs: int) -> float | None:
        """What a mean divides by (examples, or examples x outputs), None for a sum."""
        return None

    def reduce_total(self, total: float, examples: float, outputs: int) -> float:
        """E from the sum of the (weighted) element losses ``total``."""
        value = total if self.value_factor() == 1.0 else self.value_factor() * total
        divisor = self.mean_divisor(examples, outputs)
        return value if divisor is None else value / divisor

    def delta_scale(self, examples: float, outputs: int) -> float:
        """The factor the reduction brings into dE/dz."""
        divisor = self.mean_divisor(examples, outputs)
        return self.gradient_factor() if divisor is None else self.gradient_factor() / divisor

    def scales_delta(self) -> bool:
        """Whether ``delta_scale`` is more than a factor 1 (a mean, or a factor 2)."""
        return self.reduction in ("mean", "mean_half") or self.gradient_factor() != 1.0

    # -- the fused and scalar forms (training/fused.py, training/scalar.py) -------------------
    def has_fused_forms(self) -> bool:
        """Whether this loss's fused and scalar forms describe it: written by its own class
        or one below the class defining ``__call__`` (a subclass that changes the graph form
        alone, such as a scaled loss, takes the general path)."""
        return _forms_cover(type(self), "__call__", ("fused_loss_and_delta", "scalar_lines"))

    def fused_output(self, op) -> bool:
        """Whether the fused step covers this loss after an output activation ``op`` (an
        ActivationOp class); a loss without fused forms answers False."""
        return False

    def takes_labels(self, t: np.ndarray) -> bool:
        """Whether targets ``t`` are class labels (one integer per example)."""
        return False

    def fused_loss_and_delta(self, step, z, t, wcol, weight_sum):
        """In place: (E, dE/dz) of the output layer's net ``z``, in NumPy (``z``'s buffer may
        become the delta). ``step`` is the fused step (its buffers, the output activation's
        forms: ``step.activate``, ``step.times_derivative``, ``step.compiled_form``),
        ``wcol`` the example weights as a column or None, ``weight_sum`` their sum."""
        raise NotImplementedError

    def scalar_lines(self, z: list, d: list, labels: bool, weighted: bool) -> list[str]:
        """The scalar step's statements for one row: add the row's loss to ``total`` and set
        each ``d[j]`` to dE/do_j without the reduction's scale (``scale``) and the weight
        (``wr``), which the step multiplies in. ``z`` holds the output layer's net names (the
        outputs, once ``applies_output_activation`` applied them)."""
        raise NotImplementedError

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


def _forms_cover(cls: type, defining: str, forms: tuple) -> bool:
    """Whether every one of ``forms`` is defined (not inherited from the base) in ``cls`` or
    a class derived from the one defining ``defining``."""
    owner = next(c for c in cls.__mro__ if defining in c.__dict__)
    for name in forms:
        found = next((c for c in cls.__mro__ if name in c.__dict__), None)
        if found is None or found is Loss or not issubclass(found, owner):
            return False
    return True


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
