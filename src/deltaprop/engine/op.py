"""Primitive ops: the one place where derivatives live.

An op is a class with a ``name``, a ``forward(*arrays)`` and a ``vjp(g, out, *arrays)``
(vector-Jacobian product: given ``g = dE/d out`` it returns ``dE/d input`` for each input, or
None where no gradient is needed). One instance is made per call, holding the op's attributes
(such as a slope or a reduction) and anything forward saves for vjp. The chain rule itself lives
in :mod:`deltaprop.engine.backprop`; broadcasting is undone there too, so a vjp may return a
gradient in the broadcast shape.

Registering an op with :func:`register` adds it to :data:`REGISTRY`, and the test suite
gradient-checks every registered op on the inputs its ``sample_inputs`` yields.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..errors import RegistryError
from . import tracer
from .grad_mode import is_grad_enabled
from .tensor import Tensor, as_tensor

REGISTRY: dict[str, type[Op]] = {}


@dataclass
class Sample:
    """Inputs to gradient-check an op on: arrays, op attributes, which inputs to check."""

    inputs: tuple
    attrs: dict = field(default_factory=dict)
    differentiable: tuple | None = None  # default: every floating-point input


class Op:
    """Base class of primitive ops. Subclasses set ``name`` and write forward and vjp.

    Attributes set by the engine on each instance:

    ``needs_input_grad``
        one bool per input: whether backward needs that input's gradient, so a vjp can skip
        work (the first layer never computes the gradient of the data).
    ``grad_buffers``
        one array or None per input, set just before ``vjp``: where the engine will store
        that input's gradient. A vjp may write its result there (``out=``) and return it, to
        save an allocation and a copy.
    """

    name: ClassVar[str] = ""

    def __init__(self, **attrs):
        self.__dict__.update(attrs)
        self.needs_input_grad: tuple = ()
        self.grad_buffers: tuple = ()

    @property
    def attrs(self) -> dict:
        """The op's attributes as given to the constructor (for explain and repr)."""
        skip = {"needs_input_grad", "grad_buffers"}
        return {k: v for k, v in self.__dict__.items() if k not in skip and not k.startswith("_")}

    def forward(self, *x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def vjp(self, g: np.ndarray, out: np.ndarray, *x: np.ndarray) -> tuple:
        raise NotImplementedError

    @classmethod
    def sample_inputs(cls, rng: np.random.Generator) -> Iterator[Sample]:
        """Yield float64 inputs on which the test suite checks vjp against finite differences."""
        return iter(())

    def buffer(self, i: int) -> np.ndarray | None:
        """The engine's destination for input ``i``'s gradient, or None."""
        return self.grad_buffers[i] if self.grad_buffers else None

    def __repr__(self) -> str:
        attrs = ", ".join(f"{k}={v!r}" for k, v in self.attrs.items())
        return f"{type(self).__name__}({attrs})"


def register(cls: type[Op]) -> type[Op]:
    """Class decorator: add ``cls`` to the registry (and so to the gradient-check suite)."""
    if not cls.name:
        raise RegistryError(f"op class {cls.__name__} has no name")
    if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
        raise RegistryError(f"an op named {cls.name!r} is already registered")
    REGISTRY[cls.name] = cls
    return cls


def apply(op: Op, *inputs) -> Tensor:
    """Run ``op`` forward on ``inputs`` and, if recording, put the result on the tape.

    Inputs may be Tensors or arrays (constants). The result requires a gradient when any
    input does and recording is on; it then keeps ``(op, inputs)`` for backward.
    """
    tensors = tuple(x if isinstance(x, Tensor) else as_tensor(x) for x in inputs)
    out_data = op.forward(*[t.data for t in tensors])
    out = Tensor(out_data)
    if is_grad_enabled():
        needs = tuple(t.requires_grad for t in tensors)
        if True in needs:
            op.needs_input_grad = needs
            out.requires_grad = True
            out._node = (op, tensors)
    if tracer._tracers:
        tracer.emit(tracer.ForwardEvent(op, tensors, out))
    return out
