"""Layer 2, the model: modules, layers, activations and initialisers."""

from . import activations, init
from .activations import Activation
from .dense import Dense
from .module import Module
from .parameter import Parameter
from .sequential import Sequential
from .standardize import Standardize

__all__ = [
    "Activation",
    "Dense",
    "Module",
    "Parameter",
    "Sequential",
    "Standardize",
    "activations",
    "init",
]
