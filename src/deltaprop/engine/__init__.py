"""Layer 1, the engine: Tensor, the tape of primitive ops, backpropagation, gradcheck, tracer.

Imports NumPy only (and deltaprop.errors). Everything above builds on this.
"""

from . import ops  # noqa: F401  (registers the primitive ops)
from .backprop import backward, topological_order
from .grad_mode import is_grad_enabled, no_grad
from .gradcheck import GradcheckResult, gradcheck
from .op import REGISTRY, Op, Sample, apply, register
from .tensor import Tensor, as_tensor
from .tracer import ForwardEvent, VjpEvent, trace

__all__ = [
    "REGISTRY",
    "ForwardEvent",
    "GradcheckResult",
    "Op",
    "Sample",
    "Tensor",
    "VjpEvent",
    "apply",
    "as_tensor",
    "backward",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "register",
    "topological_order",
    "trace",
]
