"""Layer 2, the model: optimizers (one update rule each) and learning-rate schedules.

From simplest to most elaborate: SGD, RMSprop, Adam, AdamW.
"""

from . import schedules
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "schedules"]
