"""One training step on one batch, along one of the step paths, and the one place choosing it.

A step computes the batch's loss and writes every trainable parameter's gradient. Five paths
compute it, from the most general to the fastest:

==============  ===================================================================
``tape``        the engine's general path: the graph built by the forward pass and walked
                backward (:mod:`deltaprop.engine.backprop`); any module, any loss
``replay``      a static network's first step recorded, later steps replayed op by op
                (:mod:`deltaprop.engine.replay`): the same op instances, no graph building
``fused``       a stack of Dense layers and a named loss on buffers allocated once, the
                activations' and loss's in-place NumPy forms (:mod:`.fused`)
``scalar``      the fused step as generated straight-line Python, for tiny float64 batches
                (:mod:`.scalar`)
``compiled``    the fused step with the ops' compiled forms (numba, :mod:`deltaprop.kernels`)
``loop``        whole epochs of compiled steps in a few calls of one generated, compiled loop
                (:mod:`.compiled`): chosen per fit, not per batch (:meth:`StepChooser.epoch_loop`)
==============  ===================================================================

:class:`StepChooser` decides which path each batch takes, and counts its choices in
``History.step_paths``. ``fit(step_path=...)`` may ask for one path (the equality of the paths
is tested that way: ``tests/training/test_new_activation.py``, ``tests/training/test_fused.py``
and ``benchmarks/weights_digest.py``); "auto" takes the fastest that applies. A traced step
(explain) always takes the tape, so what a learner sees is the engine's own ops.
"""

from __future__ import annotations

import numpy as np

from .. import kernels, losses
from .._checks import check_choice
from ..engine import functional as F
from ..engine import tracer
from ..engine.replay import Replay
from ..errors import ParameterError
from .batching import Batch
from .fused import FusedStep

PATHS = ("tape", "replay", "fused", "scalar", "compiled", "loop")
__all__ = ["PATHS", "Batch", "Objective", "StepChooser"]


class Objective:
    """The scalar a training step minimises: the loss, weighted if asked, plus the L2 penalty.

    Called as ``objective(x, t[, w][, c])`` (:meth:`Batch.inputs`) with every per-batch array
    as an input, so a recorded step can be replayed on the next batch (weights and penalty
    scale included).
    """

    def __init__(self, module, loss, weighted: bool, alpha: float, dtype):
        self.module, self.loss, self.weighted, self.alpha = module, loss, weighted, alpha
        self.dtype = dtype

    def penalty_scale(self, size: float, share: float = 1.0) -> np.ndarray:
        """The penalty's ``c`` for a batch of size ``size`` (B: its rows or, when weighted,
        its sum of example weights, scikit-learn's rule): alpha / B; alpha itself for summed
        losses.

        ``share`` is this process's part of the penalty in a data-parallel batch (see
        :mod:`deltaprop.training.distributed`), so that summed over the processes it counts
        once: B_r / B for a mean loss (c = alpha / B), 1 / (processes with rows) for a sum."""
        if self.loss.sums:
            return np.asarray(self.alpha * share, self.dtype)
        return np.asarray(self.alpha * share / size if size > 0 else 0.0, self.dtype)

    def __call__(self, x, t, *extra):
        w = extra[0] if self.weighted else None
        error = self.loss(self.module(x), t, w) if self.weighted else self.loss(self.module(x), t)
        if self.alpha:
            penalised = [
                p
                for name, p in self.module.named_parameters()
                if name.rsplit(".", 1)[-1] == "weight" and p.requires_grad
            ]
            if penalised:
                error = F.add(error, F.l2_penalty(extra[-1], *penalised))
        return error


class StepChooser:
    """The one place deciding which step path trains each batch (see the module).

    ``step(batch)`` runs the batch along the chosen path and returns its loss; ``counts``
    (``History.step_paths``) maps each path taken to its number of steps.
    """

    def __init__(self, module, loss, objective: Objective, *, path: str = "auto", counts=None):
        self.path = check_choice("step_path", path, ("auto", *PATHS))
        self.objective = objective
        self.counts = {} if counts is None else counts
        # A static network's step is recorded once and replayed (same ops, no graph
        # rebuilding); a custom loss may decide things in Python, so it is taped.
        self.replayable = getattr(module, "replayable", False) and not isinstance(
            loss, losses.Custom
        )
        self.replay = None
        self.fused = None
        self.loop = None
        if self.replayable and path not in ("tape", "replay"):
            # A plain stack of Dense layers takes the fused step: the same formulas on buffers
            # allocated once, no graph (see training/fused.py).
            compiled = {"auto": None, "compiled": True, "loop": True}.get(path, False)
            self.fused = FusedStep.build(
                module, loss, objective.weighted, objective.alpha, compiled=compiled
            )
        self._module, self._loss = module, loss
        self._check_forced()

    def _check_forced(self) -> None:
        """A path asked for must apply: say why it does not."""
        path = self.path
        if path == "replay" and not self.replayable:
            raise ParameterError(
                "step_path='replay' needs a network whose graph never changes (no dropout) "
                "and a named loss; use 'tape' or 'auto'"
            )
        if path in ("fused", "scalar", "compiled", "loop") and self.fused is None:
            raise ParameterError(
                f"step_path={path!r} needs a stack of Dense layers whose activations have "
                "fused forms and a named loss that fits the output layer; use 'auto'"
            )
        if path == "scalar" and self.fused.scalar is None:
            raise ParameterError("step_path='scalar' needs a float64 network; use 'auto'")
        if path in ("compiled", "loop") and not kernels.available():
            raise ParameterError(f"step_path={path!r} needs numba: pip install 'deltaprop[fast]'")

    def epoch_loop(self, optimizer, batches, weighted: bool, callbacks, planned: int):
        """The compiled training loop (:mod:`.compiled`) for this fit, or None: in "auto" mode
        when it applies and the ``planned`` steps repay loading or compiling it; "loop"
        forces it (ParameterError saying why when it does not apply)."""
        if self.path not in ("auto", "loop") or self.fused is None:
            return None
        from .compiled import CompiledLoop

        forced = self.path == "loop"
        loop, why = CompiledLoop.build(
            self.fused, self._loss, optimizer, batches, weighted, callbacks, planned, forced
        )
        if forced and loop is None:
            raise ParameterError(f"step_path='loop' does not apply: {why}; use 'auto'")
        if loop is not None:
            loop.counts = self.counts
        self.loop = loop
        return loop

    def loop_applies(self) -> bool:
        """Whether the next epoch runs in the compiled loop (see :meth:`epoch_loop`)."""
        return self.loop is not None and self.loop.is_valid() and not tracer.active()

    def choose(self, batch: Batch) -> str:
        """The path ``batch`` takes."""
        if tracer.active():
            return "tape"  # what a traced step shows is always the engine's own ops
        path = self.path
        if path == "auto":
            fused = self.fused
            if fused is not None and fused.is_valid():
                return fused.form_for(batch.rows)
            return "replay" if self.replayable else "tape"
        if path == "loop":  # an epoch the loop could not take (a parameter was frozen)
            path = "compiled"
        if path in ("fused", "scalar", "compiled") and not self.fused.is_valid():
            # a parameter was frozen or replaced: build the step again for the new network
            self.fused = FusedStep.build(
                self._module, self._loss, self.objective.weighted, self.objective.alpha,
                compiled=path == "compiled",
            )  # fmt: skip
        return path

    def count(self, path: str) -> None:
        """Count one step of ``path``."""
        self.counts[path] = self.counts.get(path, 0) + 1

    def step(self, batch: Batch) -> float:
        """The batch's loss; every trainable parameter's gradient written."""
        path = self.choose(batch)
        self.count(path)
        if path == "scalar":
            return self.fused.scalar.run(batch)
        if path in ("fused", "compiled"):
            return self.fused.run(batch)
        inputs = batch.inputs()
        if path == "replay":
            if self.replay is not None and self.replay.is_valid():
                return float(self.replay.step(*inputs))
            self.replay, error = Replay.record(self.objective, *inputs)
            return float(error.data)
        error = self.objective(*inputs)
        error.backward()
        return float(error.data)
