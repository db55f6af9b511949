"""deltaprop: neural networks trained by backpropagation, fast on a CPU, every number explainable.

The public API is listed in ``__all__``; every other name is internal.
"""

from . import datasets, errors, losses, metrics, nn, optim
from ._version import __version__
from .engine import Tensor, gradcheck, no_grad
from .network import Sequential, load
from .nn import Dense, Module, Parameter
from .optim import SGD, Adam, AdamW, RMSprop
from .training import (
    AllClassified,
    Callback,
    History,
    LossBelow,
    NoImprovement,
    ProgressBar,
    WallTime,
    fit,
)

__all__ = [
    "Adam",
    "AdamW",
    "AllClassified",
    "Callback",
    "Dense",
    "History",
    "LossBelow",
    "Module",
    "NoImprovement",
    "Parameter",
    "ProgressBar",
    "RMSprop",
    "SGD",
    "Sequential",
    "Tensor",
    "WallTime",
    "__version__",
    "datasets",
    "errors",
    "fit",
    "gradcheck",
    "load",
    "losses",
    "metrics",
    "nn",
    "no_grad",
    "optim",
]
