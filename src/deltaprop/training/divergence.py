"""Divergence: what happens when a batch's loss or the parameters stop being finite.

``on_divergence="raise"`` (the default) stops training with :class:`TrainingDiverged`;
``"rollback"`` goes back to the weights and optimizer state of the start of the epoch, halves
the learning rate and runs that epoch again, at most ``max_rollbacks`` times. Either way the
network is left with the last weights known to be good: those at the start of the epoch in
which the loss or a parameter became infinite or NaN (a snapshot per epoch costs one copy of
the parameters; a snapshot per batch would cost a copy every update).
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError, TrainingDiverged

POLICIES = ("raise", "rollback")


class Snapshot:
    """A copy of every parameter's values and of the optimizer's state, to go back to."""

    def __init__(self, params: list, optimizer):
        self.params = params
        self.optimizer = optimizer
        self.values = [np.array(p.data, copy=True) for p in params]
        self.optimizer_state = optimizer.state_dict() if optimizer.state is not None else None

    def restore(self) -> None:
        for p, v in zip(self.params, self.values):
            np.copyto(p.data, v)
        if self.optimizer_state is not None:
            lr = self.optimizer.lr
            self.optimizer.load_state_dict(self.optimizer_state)
            self.optimizer.lr = lr  # the learning rate is the caller's to choose


def parameters_finite(params: list) -> bool:
    """Whether every parameter value is finite (one pass over the parameters)."""
    return all(np.isfinite(p.data).all() for p in params)


class DivergenceGuard:
    """Applies the ``on_divergence`` policy of a ``fit`` run (see the module docstring)."""

    def __init__(self, policy: str, max_rollbacks: int, module, optimizer):
        if policy not in POLICIES:
            raise ParameterError(f"on_divergence must be one of {POLICIES}; got {policy!r}")
        if not isinstance(max_rollbacks, (int, np.integer)) or max_rollbacks < 0:
            raise ParameterError(f"max_rollbacks must be an integer >= 0; got {max_rollbacks!r}")
        self.policy = policy
        self.max_rollbacks = int(max_rollbacks)
        self.rollbacks = 0
        self.params = list(module.parameters())
        self.optimizer = optimizer
        self.snapshot: Snapshot | None = None

    def epoch_begins(self) -> None:
        """Remember the weights the epoch starts from (known good)."""
        self.snapshot = Snapshot(self.params, self.optimizer)

    def diverged(self, what: str, epoch: int, batch: int, last_finite) -> bool:
        """Handle a divergence: restore the good weights; True to retry the epoch, else raise."""
        self.snapshot.restore()
        lr = getattr(self.optimizer, "lr", None)
        if self.policy == "rollback" and self.rollbacks < self.max_rollbacks and lr:
            self.rollbacks += 1
            self.optimizer.lr = lr / 2
            return True
        tried = (
            f" after {self.rollbacks} rollback(s) halving the learning rate"
            if self.rollbacks
            else ""
        )
        hint = (
            "Try a smaller learning rate, standardise the features, clip gradients "
            "(clip_norm=...) or on_divergence='rollback'."
            if self.policy == "raise"
            else "Try a much smaller learning rate or standardise the features."
        )
        raise TrainingDiverged(
            f"{what} at epoch {epoch}, batch {batch}{tried}; the last finite batch loss was "
            f"{last_finite} (lr={lr}). The network keeps the weights it had at the start of "
            f"epoch {epoch}. {hint}",
            epoch=epoch,
            batch=batch,
            last_finite_loss=last_finite,
        )
