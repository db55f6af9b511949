"""The training loop of ``fit``: epochs of batches, each batch one step and one update.

Per batch: the step chooser computes the loss and the gradients (:mod:`.steps`), the
optimizer updates the parameters, the callbacks hear of it. Per epoch: the learning rate
from the schedule, the divergence check (a rollback runs the epoch again), the epoch's logs
(loss, training metrics, validation), the callbacks and stopping rules, which may end the run.
"""

from __future__ import annotations

import math

import numpy as np

from .batching import Batch
from .interrupt import InterruptGuard
from .predict import evaluate_outputs, predict_outputs


class Loop:
    """Everything the loop reads, set up by ``fit``; :meth:`run` is the loop itself."""

    def __init__(self, run, data, batches, chooser, objective, parallel, *, divergence,
                 schedule, record_batches, train_metrics, batch_callbacks):  # fmt: skip
        self.run_state, self.data, self.batches = run, data, batches
        self.chooser, self.objective, self.parallel = chooser, objective, parallel
        self.divergence, self.schedule = divergence, schedule
        self.record_batches, self.train_metrics = record_batches, train_metrics
        self.batch_callbacks = batch_callbacks  # the callbacks told of every batch
        self.interrupt = InterruptGuard()
        self.last_finite = None  # the last finite batch loss (for divergence reports)
        self.compiled = None  # the compiled training loop, when fit's step chooser built one

    def run(self, first_epoch: int, epochs: int) -> None:
        """Epochs ``first_epoch..epochs``, until a rule, a callback or a signal stops them."""
        run, optimizer = self.run_state, self.run_state.optimizer
        # Non-finite values are caught and reported by the divergence policy; NumPy's own
        # overflow warnings on the way there would only be noise.
        with self.interrupt, np.errstate(over="ignore", invalid="ignore"):
            epoch = first_epoch
            while epoch <= epochs:
                run.epoch = epoch
                if self.schedule is not None:
                    rate = self.schedule(epoch, run.base_lr, run.samples_seen)
                    optimizer.lr = rate * run.lr_scale
                lr = getattr(optimizer, "lr", None)
                seen = run.samples_seen
                for cb in run.callbacks:
                    cb.on_epoch_begin(run, epoch)
                self.divergence.epoch_begins()
                total, retry, b = self.epoch(epoch)
                if retry:
                    run.history.rollbacks = self.divergence.rollbacks
                    run.samples_seen = seen
                    if lr:  # keep the rollback's smaller rate under a schedule too
                        run.lr_scale *= optimizer.lr / lr
                    continue  # the same epoch again, from its first weights
                if self.interrupt.received is not None:
                    run.history.interrupted = self.interrupt.name
                    run.stop(
                        f"interrupted by {self.interrupt.name} in epoch {epoch} after batch {b}"
                    )
                    break
                logs = self.logs(total, lr)
                run.history.append(epoch, logs)
                for cb in run.callbacks:
                    cb.on_epoch_end(run, epoch, logs)
                if self.parallel is not None:
                    self.parallel.agree_to_stop(run)
                if run.stop_reason is not None:
                    break
                epoch += 1

    def epoch(self, epoch: int) -> tuple[float, bool, int]:
        """One pass over the batches: (the epoch's summed loss, whether to run it again after
        a divergence, the number of the last batch)."""
        if self.compiled is not None and self.chooser.loop_applies():
            return self.compiled_epoch(epoch)
        run, parallel, divergence = self.run_state, self.parallel, self.divergence
        total, b = 0.0, 0
        for b, arrays in self.batches.epoch():
            value, rows, size = self.step(Batch(*arrays))
            if not math.isfinite(value) and divergence.watching:
                return total, divergence.diverged(f"the loss became {value}", epoch, b,
                                                  self.last_finite), b  # fmt: skip
            run.optimizer.step()
            self.last_finite = value
            if run.loss.sums:
                total += value
            elif parallel is not None:
                total += value * parallel.batches.batch_total
            else:
                total += value * size
            run.samples_seen += rows if parallel is None else parallel.batches.batch_rows
            if self.record_batches:
                run.history.batch_loss.append(value)
            for cb in self.batch_callbacks:
                cb.on_batch_end(run, b, value)
            if self.interrupt.received is not None:
                return total, False, b
        retry = False
        if divergence.watching and not divergence.parameters_finite():
            retry = divergence.diverged("a parameter became infinite or NaN", epoch, b,
                                        self.last_finite)  # fmt: skip
        return total, retry, b

    def compiled_epoch(self, epoch: int) -> tuple[float, bool, int]:
        """:meth:`epoch` in a few calls of the compiled training loop (:mod:`.compiled`): the
        same steps, bookkeeping and divergence checks, the batches' losses told after each
        call."""
        run, divergence = self.run_state, self.divergence
        batch_loss = run.history.batch_loss if self.record_batches else None
        total, retry, b, self.last_finite = self.compiled.epoch(
            run, epoch, divergence, self.interrupt, self.objective, self.objective.alpha,
            self.batch_callbacks, batch_loss, self.last_finite,
        )  # fmt: skip
        if not retry and self.interrupt.received is None and not divergence.parameters_finite():
            retry = divergence.diverged("a parameter became infinite or NaN", epoch, b,
                                        self.last_finite)  # fmt: skip
        return total, retry, b

    def step(self, batch: Batch) -> tuple[float, int, float]:
        """The batch's loss (summed over the processes when distributed), its rows and its
        size B (its rows, or its sum of example weights); the gradients written."""
        parallel = self.parallel
        rows = batch.rows
        size = rows if batch.weight is None else float(np.sum(batch.weight))
        share = 1.0 if parallel is None else parallel.share(size)
        if self.objective.alpha:
            part = 1.0 if parallel is None else parallel.penalty_share(share)
            batch.penalty = self.objective.penalty_scale(size, part)
        self.run_state.optimizer.zero_grad()
        if parallel is not None and not rows:
            self.chooser.count("empty")
            value = parallel.empty_step()
        else:
            value = self.chooser.step(batch)
        if parallel is not None:
            value = parallel.reduce(value, rows, share, self.interrupt)
        return value, rows, size

    def logs(self, total: float, lr) -> dict:
        """The epoch's logs: its loss, training metrics, validation metrics, learning rate."""
        run, data, loss = self.run_state, self.data, self.run_state.loss
        scale = self.batches.n if data.weights is None else float(np.sum(data.weights))
        logs = {"loss": total if loss.sums else total / scale}
        if self.train_metrics:
            out = predict_outputs(run.module, data.X, dtype=data.dtype)
            found = evaluate_outputs(out, data.y, loss)
            logs.update({k: v for k, v in found.items() if k != "loss"})
        if data.validation is not None:
            Xv, yv = data.validation
            out = predict_outputs(run.module, Xv, dtype=data.dtype)
            logs.update({f"val_{k}": v for k, v in evaluate_outputs(out, yv, loss).items()})
        if lr is not None:
            logs["lr"] = lr
        return logs
