"""Layer 3, training: the fit loop, batching, stopping rules, callbacks and history."""

from .callbacks import Callback, LambdaCallback
from .fit import TrainingRun, fit
from .history import History
from .predict import evaluate_outputs, predict_outputs
from .progress import ProgressBar
from .stopping import AllClassified, LossBelow, NoImprovement, StoppingRule, WallTime

__all__ = [
    "AllClassified",
    "Callback",
    "History",
    "LambdaCallback",
    "LossBelow",
    "NoImprovement",
    "ProgressBar",
    "StoppingRule",
    "TrainingRun",
    "WallTime",
    "evaluate_outputs",
    "fit",
    "predict_outputs",
]
