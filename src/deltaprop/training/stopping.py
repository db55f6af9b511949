"""Stopping rules: callbacks that end training when their condition holds.

They compose: pass several to ``fit(stop=[...])`` and training ends when the first one holds
(or at ``epochs``). ``History.stop_reason`` names the rule that ended it.
"""

from __future__ import annotations

import time

import numpy as np

from .._checks import check_choice, check_number
from ..errors import ParameterError
from .callbacks import Callback


class StoppingRule(Callback):
    """Base of the rules that watch one logged quantity (``monitor``) at each epoch's end."""

    def __init__(self, monitor: str = "loss"):
        if not isinstance(monitor, str):
            raise ParameterError(f"monitor must be a logged name such as 'loss'; got {monitor!r}")
        self.monitor = monitor

    def value(self, logs: dict) -> float:
        if self.monitor not in logs:
            hint = " (pass validation_data to fit)" if self.monitor.startswith("val_") else ""
            raise ParameterError(
                f"{type(self).__name__} monitors {self.monitor!r}, which training does not "
                f"record; recorded: {sorted(logs)}{hint}"
            )
        return logs[self.monitor]


class LossBelow(StoppingRule):
    """Stop once the monitored loss is below ``threshold`` (the error threshold criterion)."""

    def __init__(self, threshold: float, monitor: str = "loss"):
        super().__init__(monitor)
        self.threshold = check_number("threshold", threshold)

    def on_epoch_end(self, run, epoch, logs):
        if self.value(logs) < self.threshold:
            run.stop(f"{self.monitor} {self.value(logs):.6g} < {self.threshold:g}")


class AllClassified(StoppingRule):
    """Stop once every training example is classified correctly.

    For cross-entropy networks a class is the largest output; for binary cross-entropy an
    output above 0.5 (above 0 for logits). For squared error, "correct" means every output is
    within ``tolerance`` of its target: with 0/1 targets and the default 0.5, rounding each
    output gives its target.
    """

    def __init__(self, tolerance: float = 0.5):
        super().__init__("loss")
        self.tolerance = check_number("tolerance", tolerance, low=0.0, low_inclusive=False)

    def on_epoch_end(self, run, epoch, logs):
        if run.all_classified(self.tolerance):
            run.stop("every training example classified correctly")


class NoImprovement(StoppingRule):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    ``mode`` is "min", "max" or "auto" (max for accuracies and scores, min otherwise). With
    ``restore_best=True`` the network ends with the weights of its best epoch.
    """

    def __init__(
        self,
        patience: int = 10,
        min_delta: float = 0.0,
        monitor: str = "loss",
        mode: str = "auto",
        restore_best: bool = False,
    ):
        super().__init__(monitor)
        self.patience = check_number("patience", patience, low=1, integer=True)
        self.min_delta = check_number("min_delta", min_delta, low=0.0)
        self.mode = check_choice("mode", mode, ("auto", "min", "max"))
        self.restore_best = bool(restore_best)

    @property
    def _sign(self) -> float:
        mode = self.mode
        if mode == "auto":
            higher_better = any(k in self.monitor for k in ("accuracy", "r2", "score", "f1"))
            mode = "max" if higher_better else "min"
        return -1.0 if mode == "max" else 1.0

    def on_train_begin(self, run):
        self.best = np.inf
        self.best_epoch = 0
        self.best_state = None
        self.wait = 0

    def on_epoch_end(self, run, epoch, logs):
        value = self._sign * self.value(logs)
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = run.module.state_dict()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                run.stop(
                    f"{self.monitor} did not improve for {self.patience} epochs "
                    f"(best {self._sign * self.best:.6g} at epoch {self.best_epoch})"
                )

    def on_train_end(self, run):
        if self.restore_best and self.best_state is not None:
            run.module.load_state_dict(self.best_state)


class WallTime(StoppingRule):
    """Stop at the end of the first epoch that ends more than ``seconds`` after training began."""

    def __init__(self, seconds: float):
        super().__init__("loss")
        self.seconds = check_number("seconds", seconds, low=0.0, low_inclusive=False)

    def on_train_begin(self, run):
        self._start = time.perf_counter()

    def on_epoch_end(self, run, epoch, logs):
        if time.perf_counter() - self._start > self.seconds:
            run.stop(f"wall time of {self.seconds:g} s reached")
