"""Divergence: what happens when a batch's loss or the parameters stop being finite.

``on_divergence="raise"`` (the default) stops training with :class:`TrainingDiverged`;
``"rollback"`` goes back to the weights and optimizer state of the start of the epoch, halves
the learning rate and runs that epoch again, at most ``max_rollbacks`` times; ``"continue"``
carries on with the non-finite values, as scikit-learn's MLP does, leaving the caller to check
the result. With "raise" or "rollback" the
network is left with the last weights known to be good: those at the start of the epoch in
which the loss or a parameter became infinite or NaN (a snapshot per epoch costs one copy of
the parameters; a snapshot per batch would cost a copy every update).
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError, TrainingDiverged
from ..nn.flat import packed_buffers

POLICIES = ("raise", "rollback", "continue")


class Snapshot:
    """Copies of the parameters' values and of the optimizer's state arrays, to go back to.

    ``take`` copies into buffers kept from the previous call (a packed network is one array),
    so a snapshot per epoch costs no allocation.
    """

    def __init__(self, params: list, optimizer):
        self.params = params
        self.optimizer = optimizer
        flat = packed_buffers(params)
        self._values = [flat[0]] if flat is not None else [p.data for p in params]
        self._copies: list[np.ndarray] = []
        self._steps = 0
        self._had_state = False

    def _arrays(self) -> list[np.ndarray]:
        return self._values + self.optimizer.state_arrays()

    def take(self) -> None:
        arrays = self._arrays()
        if [a.shape for a in arrays] != [c.shape for c in self._copies]:
            self._copies = [a.copy() for a in arrays]
        else:
            for c, a in zip(self._copies, arrays):
                np.copyto(c, a)
        self._steps = self.optimizer.steps
        self._had_state = self.optimizer.state is not None

    def restore(self) -> None:
        if not self._had_state:
            self.optimizer.reset_state()  # created afresh (zeros) at the next step
        for a, c in zip(self._arrays(), self._copies):
            np.copyto(a, c)
        self.optimizer.steps = self._steps

    def values_finite(self) -> bool:
        """Whether every parameter value is finite (one pass over the parameters)."""
        return all(np.isfinite(v).all() for v in self._values)


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
        self.optimizer = optimizer
        self.snapshot = Snapshot(list(module.parameters()), optimizer)

    def epoch_begins(self) -> None:
        """Remember the weights the epoch starts from (known good)."""
        if self.watching:
            self.snapshot.take()

    @property
    def watching(self) -> bool:
        """Whether non-finite values stop the epoch ("continue" lets them through)."""
        return self.policy != "continue"

    def parameters_finite(self) -> bool:
        return self.snapshot.values_finite()

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
