"""Learning-rate schedules: the learning rate of each epoch as a formula of the epoch number.

``fit(..., schedule=...)`` sets ``optimizer.lr = schedule(epoch, base_lr, samples_seen)`` at
the start of every epoch (``epoch`` counts from 1, ``base_lr`` is the optimizer's learning
rate when training began, ``samples_seen`` the number of training examples used in earlier
epochs) and records it in ``History["lr"]``. Schedules hold no state of their own, so a
resumed run recomputes exactly the learning rate it would have had. Reducing the rate when a
monitored quantity stops improving depends on training's results, so it is a callback:
:class:`deltaprop.training.ReduceLROnPlateau`.

=======================  =====================================================================
``StepDecay``            lr = base_lr * gamma ^ floor((epoch - 1) / step_size)
``ExponentialDecay``     lr = base_lr * gamma ^ (epoch - 1)
``CosineAnnealing``      lr = min_lr + (base_lr - min_lr) (1 + cos(pi min(epoch - 1, T) / T)) / 2
``InverseScaling``       lr = base_lr / (t + 1) ^ power_t, t = samples (or epochs) seen before
=======================  =====================================================================
"""

from __future__ import annotations

import math

from .._checks import check_choice, check_number


class Schedule:
    """Base class: ``schedule(epoch, base_lr, samples_seen) -> lr`` for the epoch."""

    def __call__(self, epoch: int, base_lr: float, samples_seen: int = 0) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        return dict(vars(self))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class StepDecay(Schedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (PyTorch's StepLR).

    >>> s = StepDecay(step_size=2, gamma=0.5)
    >>> [s(epoch, 1.0) for epoch in range(1, 6)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, step_size: int, gamma: float = 0.1):
        self.step_size = check_number("step_size", step_size, low=1, integer=True)
        self.gamma = check_number("gamma", gamma, low=0.0, low_inclusive=False)

    def __call__(self, epoch, base_lr, samples_seen=0):
        return base_lr * self.gamma ** ((epoch - 1) // self.step_size)


class ExponentialDecay(Schedule):
    """Multiply the learning rate by ``gamma`` every epoch.

    >>> [ExponentialDecay(0.5)(epoch, 0.8) for epoch in (1, 2, 3)]
    [0.8, 0.4, 0.2]
    """

    def __init__(self, gamma: float):
        self.gamma = check_number("gamma", gamma, low=0.0, low_inclusive=False)

    def __call__(self, epoch, base_lr, samples_seen=0):
        return base_lr * self.gamma ** (epoch - 1)


class CosineAnnealing(Schedule):
    """Half a cosine from ``base_lr`` down to ``min_lr`` over ``epochs`` epochs, then flat.

    >>> s = CosineAnnealing(epochs=2, min_lr=0.0)
    >>> [round(s(epoch, 1.0), 6) for epoch in (1, 2, 3, 4)]
    [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, epochs: int, min_lr: float = 0.0):
        self.epochs = check_number("epochs", epochs, low=1, integer=True)
        self.min_lr = check_number("min_lr", min_lr, low=0.0)

    def __call__(self, epoch, base_lr, samples_seen=0):
        progress = min(epoch - 1, self.epochs) / self.epochs
        return self.min_lr + (base_lr - self.min_lr) * (1.0 + math.cos(math.pi * progress)) / 2


class InverseScaling(Schedule):
    """``lr = base_lr / (t + 1) ^ power_t``: scikit-learn's ``learning_rate="invscaling"``.

    ``t`` is the number of training examples seen before the epoch (``unit="sample"``, as
    scikit-learn counts) or the number of epochs before it (``unit="epoch"``).

    >>> s = InverseScaling(power_t=0.5)
    >>> s(1, 0.1, samples_seen=0), s(2, 0.1, samples_seen=99)
    (0.1, 0.01)
    """

    def __init__(self, power_t: float = 0.5, unit: str = "sample"):
        self.power_t = check_number("power_t", power_t, low=0.0)
        self.unit = check_choice("unit", unit, ("sample", "epoch"))

    def __call__(self, epoch, base_lr, samples_seen=0):
        t = samples_seen if self.unit == "sample" else epoch - 1
        return base_lr / (t + 1) ** self.power_t
