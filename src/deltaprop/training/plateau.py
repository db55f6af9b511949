"""Reduce the learning rate when a monitored quantity stops improving."""

from __future__ import annotations

from .._checks import check_number
from .stopping import NoImprovement


class ReduceLROnPlateau(NoImprovement):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement.

    ``lr <- max(lr * factor, min_lr)``; the count of epochs without improvement then starts
    again. The reduction is kept by fit as a scale on the learning rate (``run.lr_scale``), so
    it composes with a ``schedule``: the epoch's rate is ``schedule(epoch) * lr_scale``.
    Improvement means ``monitor`` moving by more than ``min_delta`` in the direction of
    ``mode`` (as :class:`~deltaprop.training.stopping.NoImprovement`).

    >>> import numpy as np, deltaprop as dp
    >>> X = np.zeros((4, 1)); y = np.ones((4, 1))
    >>> net = dp.Sequential([dp.Dense(1, bias=False)], seed=0)
    >>> h = net.fit(X, y, optimizer=dp.SGD(net.parameters(), lr=0.1), epochs=4,
    ...             callbacks=[dp.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)])
    >>> [round(lr, 6) for lr in h["lr"]]
    [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 0.0,
        mode: str = "auto",
        min_lr: float = 0.0,
    ):
        super().__init__(patience, min_delta, monitor, mode, restore_best=False)
        self.factor = check_number(
            "factor", factor, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
        )
        self.min_lr = check_number("min_lr", min_lr, low=0.0)

    def on_plateau(self, run) -> None:
        lr = run.optimizer.lr
        new_lr = max(lr * self.factor, self.min_lr)
        if new_lr < lr:
            run.lr_scale *= new_lr / lr
            run.optimizer.lr = new_lr
        self.wait = 0
