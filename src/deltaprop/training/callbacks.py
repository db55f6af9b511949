"""Callbacks: objects that observe training at its begin and end, and at each epoch and batch.

Each hook receives the :class:`~deltaprop.training.fit.TrainingRun` (the module, optimizer,
loss, history, current epoch), and may call ``run.stop(reason)`` to end training after the
current epoch. Stopping rules are callbacks too (see :mod:`deltaprop.training.stopping`).
"""

from __future__ import annotations


class Callback:
    """Base class with no-op hooks; override the ones you need."""

    def on_train_begin(self, run) -> None:
        pass

    def on_epoch_begin(self, run, epoch: int) -> None:
        pass

    def on_batch_end(self, run, batch: int, loss: float) -> None:
        pass

    def on_epoch_end(self, run, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, run) -> None:
        pass


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. ``LambdaCallback(on_epoch_end=print_loss)``."""

    def __init__(
        self,
        on_train_begin=None,
        on_epoch_begin=None,
        on_batch_end=None,
        on_epoch_end=None,
        on_train_end=None,
    ):
        for name, fn in {
            "on_train_begin": on_train_begin,
            "on_epoch_begin": on_epoch_begin,
            "on_batch_end": on_batch_end,
            "on_epoch_end": on_epoch_end,
            "on_train_end": on_train_end,
        }.items():
            if fn is not None:
                setattr(self, name, fn)
