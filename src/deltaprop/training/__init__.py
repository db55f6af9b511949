"""Layer 3, training: the fit loop, batching, stopping rules, callbacks and history."""

from .callbacks import Callback, LambdaCallback
from .example_weights import balanced_class_weight
from .fit import TrainingRun, fit
from .history import History
from .loggers import CSVLogger, JSONLinesLogger
from .plateau import ReduceLROnPlateau
from .predict import evaluate_outputs, predict_outputs
from .progress import ProgressBar
from .source import BatchSource
from .stopping import (
    AllClassified,
    EarlyStopping,
    LossBelow,
    NoImprovement,
    StoppingRule,
    WallTime,
)

__all__ = [
    "AllClassified",
    "BatchSource",
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "JSONLinesLogger",
    "LambdaCallback",
    "LossBelow",
    "NoImprovement",
    "ProgressBar",
    "ReduceLROnPlateau",
    "StoppingRule",
    "TrainingRun",
    "WallTime",
    "balanced_class_weight",
    "evaluate_outputs",
    "fit",
    "predict_outputs",
]
