"""Layer 2, the model: modules, layers, activations and initialisers."""

from . import activations, init
from .activations import Activation
from .dense import Dense
from .module import Module
from .parameter import Parameter
from .sequential import Sequential

__all__ = ["Activation", "Dense", "Module", "Parameter", "Sequential", "activations", "init"]
