"""Layer 2, the model: modules, layers, activations and initialisers."""

from . import activations, init
from .activations import Activation
from .dense import Dense
from .dropout import Dropout
from .module import Module
from .parameter import Parameter
from .sequential import Sequential
from .standardize import Standardize

__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "Module",
    "Parameter",
    "Sequential",
    "Standardize",
    "activations",
    "init",
]
