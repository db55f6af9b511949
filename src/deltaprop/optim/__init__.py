"""Layer 2, the model: optimizers, one update rule each."""

from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Optimizer"]
