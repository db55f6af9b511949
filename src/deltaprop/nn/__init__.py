"""Layer 2, the model: modules, layers, activations and initialisers.

``Stack`` is the plain container of layers; the network users train, predict with and save is
:class:`deltaprop.Sequential` (a Stack with ``fit``, ``predict`` and ``save``). A new layer is a
:class:`Module` subclass decorated with :func:`register_layer` (docs/architecture.md).
"""

import warnings

from . import activations, init
from .activations import Activation
from .dense import Dense
from .dropout import Dropout
from .module import Module
from .parameter import Parameter
from .registry import LAYERS, register_layer
from .stack import Stack
from .standardize import Standardize

__all__ = [
    "LAYERS",
    "Activation",
    "Dense",
    "Dropout",
    "Module",
    "Parameter",
    "Stack",
    "Standardize",
    "activations",
    "init",
    "register_layer",
]


def __getattr__(name: str):
    if name == "Sequential":
        warnings.warn(
            "deltaprop.nn.Sequential is deprecated: use deltaprop.nn.Stack for a plain stack "
            "of layers, or deltaprop.Sequential for a network that trains, predicts and saves",
            DeprecationWarning,
            stacklevel=2,
        )
        return Stack
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
