"""History: what training recorded, epoch by epoch."""

from __future__ import annotations


class History:
    """Per-epoch records of a ``fit`` run.

    ``history`` maps a name (``"loss"``, ``"val_loss"``, ``"val_accuracy"``, ``"lr"``...) to a
    list with one value per epoch; ``epochs`` numbers them from 1; ``batch_loss`` holds every
    batch's loss when ``fit(record_batches=True)``; ``stop_reason`` says why training ended;
    ``step_paths`` counts the steps each step path took.

    >>> h = History()
    >>> h.append(1, {"loss": 0.5}); h.append(2, {"loss": 0.25})
    >>> h.loss, h["loss"][-1], h.epochs
    ([0.5, 0.25], 0.25, [1, 2])
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epochs: list[int] = []
        self.batch_loss: list[float] = []
        self.stop_reason: str | None = None
        self.interrupted: str | None = None  # "SIGINT" or "SIGTERM" when a signal stopped it
        self.rollbacks = 0  # times on_divergence="rollback" went back and halved the lr
        #: step path -> number of steps it trained ("tape", "replay", "fused", "scalar",
        #: "compiled"; "empty" for a process without rows in a distributed batch); see
        #: deltaprop.training.steps
        self.step_paths: dict[str, int] = {}

    def append(self, epoch: int, logs: dict) -> None:
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    @property
    def loss(self) -> list[float]:
        return self.history.get("loss", [])

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epochs)

    def __repr__(self) -> str:
        last = {k: round(v[-1], 6) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epochs)}, last={last}, stop_reason={self.stop_reason!r})"
