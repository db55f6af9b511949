"""Layer 2, the model: optimizers (one update rule each) and learning-rate schedules.

From simplest to most elaborate: SGD, RMSprop, Adam, AdamW; and LBFGS, which trains on the
full batch (SciPy's L-BFGS-B over the flat parameter vector). Each is registered by name
(:func:`register_optimizer`) in ``OPTIMIZERS``, which the command line reads.
"""

from . import schedules
from .adam import Adam
from .adamw import AdamW
from .lbfgs import LBFGS, LBFGSResult
from .optimizer import Optimizer
from .registry import OPTIMIZERS, default_lr, register_optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "AdamW",
    "LBFGS",
    "LBFGSResult",
    "Optimizer",
    "RMSprop",
    "default_lr",
    "register_optimizer",
    "schedules",
]
