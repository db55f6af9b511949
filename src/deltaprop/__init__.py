"""deltaprop: neural networks trained by backpropagation, fast on a CPU, every number explainable.

The public API is listed in ``__all__``; every other name is internal.
"""

from . import datasets, errors, losses, metrics, nn, optim, tabular
from ._version import __version__
from .engine import Tensor, gradcheck, no_grad
from .explanation import explain
from .io.checkpoint import ModelCheckpoint, read_checkpoint
from .io.load import load
from .network import Sequential
from .nn import Dense, Dropout, Module, Parameter
from .optim import LBFGS, SGD, Adam, AdamW, RMSprop
from .training import (
    AllClassified,
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    JSONLinesLogger,
    LossBelow,
    NoImprovement,
    ProgressBar,
    ReduceLROnPlateau,
    WallTime,
    fit,
)

__all__ = [
    "Adam",
    "AdamW",
    "AllClassified",
    "CSVLogger",
    "Callback",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "History",
    "JSONLinesLogger",
    "LBFGS",
    "LossBelow",
    "ModelCheckpoint",
    "Module",
    "NoImprovement",
    "Parameter",
    "ProgressBar",
    "RMSprop",
    "ReduceLROnPlateau",
    "SGD",
    "Sequential",
    "Tensor",
    "WallTime",
    "__version__",
    "datasets",
    "errors",
    "explain",
    "fit",
    "gradcheck",
    "load",
    "losses",
    "metrics",
    "nn",
    "no_grad",
    "optim",
    "read_checkpoint",
    "tabular",
]
