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


def direction(monitor: str, mode: str = "auto") -> float:
    """+1 when lower values of ``monitor`` are better, -1 when higher ones are ("auto":
    accuracies, R^2, F1 and scores are maximised, everything else minimised)."""
    if mode == "auto":
        higher_better = any(k in monitor for k in ("accuracy", "r2", "score", "f1"))
        mode = "max" if higher_better else "min"
    return -1.0 if mode == "max" else 1.0


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
        return direction(self.monitor, self.mode)

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
                self.on_plateau(run)

    def on_plateau(self, run) -> None:
        """What to do once ``patience`` epochs passed without improvement: stop."""
        run.stop(
            f"{self.monitor} did not improve for {self.patience} epochs "
            f"(best {self._sign * self.best:.6g} at epoch {self.best_epoch})"
        )

    def on_train_end(self, run):
        if self.restore_best and self.best_state is not None:
            run.module.load_state_dict(self.best_state)

    def state_dict(self) -> dict:
        """What a resumed run needs to carry on counting (see fit's ``resume``)."""
        state = {"best": float(self.best), "best_epoch": self.best_epoch, "wait": self.wait}
        if self.best_state is not None:
            state["best_state"] = {k: v.copy() for k, v in self.best_state.items()}
        return state

    def load_state_dict(self, state: dict) -> None:
        self.best = float(state["best"])
        self.best_epoch = int(state["best_epoch"])
        self.wait = int(state["wait"])
        best = state.get("best_state")
        self.best_state = None if best is None else {k: np.array(v) for k, v in best.items()}


class EarlyStopping(NoImprovement):
    """Stop when the validation loss stops improving and go back to the best epoch's weights.

    Keras' ``EarlyStopping`` with ``restore_best_weights=True`` by default: training stops once
    ``monitor`` (default ``"val_loss"``, which needs ``validation_data`` or
    ``validation_split``) has not improved by more than ``min_delta`` for ``patience`` epochs
    in a row, and the network then gets back the weights it had at the end of the best epoch.
    ``mode`` "auto" maximises accuracies and scores and minimises everything else.

    >>> import numpy as np, deltaprop as dp
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1); y = 2 * X
    >>> net = dp.Sequential([dp.Dense(1)], seed=0)
    >>> stop = dp.EarlyStopping(patience=3)
    >>> h = net.fit(X, y, optimizer=dp.SGD(net.parameters(), lr=0.1), epochs=500,
    ...             validation_split=0.25, seed=0, stop=stop)
    >>> h.stop_reason.startswith("val_loss did not improve")
    True
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best: bool = True,
    ):
        super().__init__(patience, min_delta, monitor, mode, restore_best)


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
