"""Data-parallel training: every process trains on its slice of each batch, as one process.

``fit(..., distributed="mpi")`` runs the same training loop in every process of a job (see
:mod:`deltaprop.comm`); this module is everything that differs from one process:

1. At the start, the processes check that they were given the same data size, network size,
   batch size, epochs and shuffling seed, and every process takes process 0's initial weights
   (and optimizer state, if it has any).
2. Each epoch every process draws the same permutation from the shared seed and takes its
   own contiguous slice of each global batch: with ``B`` rows in the batch and ``P``
   processes, process ``r`` takes rows ``floor(B r / P)`` to ``floor(B (r + 1) / P)``.
3. After each backward pass the gradient of the whole batch is formed by one in-place sum
   of the flat gradient buffer (all parameters, see :mod:`deltaprop.nn.flat`). For a mean
   loss each process first weights its slice's mean gradient by its share of the rows::

       g = sum_r (n_r / B) g_r,     g_r = (1 / n_r) sum_{i in slice r} dE_i/dw

   which is exactly the gradient of the mean over the global batch, however unevenly it was
   split (``n_r`` may even be 0); a summed loss needs no weights. With example weights,
   ``n_r`` and ``B`` are sums of weights instead of row counts. The L2 penalty is split so
   that it counts once (see ``penalty_share``). The batch loss is reduced the same way, so
   every process sees the same loss, takes the same optimizer step and makes the same
   stopping decision.
4. A SIGINT or SIGTERM received by any process rides along with the loss in the same sum,
   so every process stops after the same batch.

Only process 0 prints; callbacks see ``run.is_root`` and write files only when it is True.
"""

from __future__ import annotations

import copy
import signal

import numpy as np

from ..errors import ParameterError
from ..nn.flat import packed_buffers
from .batching import Batches


def shared_generator(comm, rng: np.random.Generator) -> np.random.Generator:
    """A generator seeded from process 0's draw, for a run without a seed: each process
    drew its own entropy, and their shuffling orders (and validation splits) must agree."""
    seed = np.array([rng.integers(2**52)], dtype=np.float64)
    return np.random.default_rng(int(comm.broadcast_(seed)[0]))


class DataParallel:
    """The per-process side of data-parallel training with communicator ``comm``."""

    def __init__(
        self, comm, module, optimizer, loss, rng, *, n_rows, n_features, batch_size, epochs
    ):
        self.comm = comm
        self.optimizer = optimizer
        self.sums = loss.sums
        self.rng = rng
        params = module.parameters()
        _agree(
            comm,
            {
                "the number of rows of X": n_rows,
                "the number of features": n_features,
                "the number of parameters": sum(p.data.size for p in params),
                "batch_size": batch_size,
                "epochs": epochs,
                "seed": copy.deepcopy(rng).integers(2**52),  # a fingerprint; rng is untouched
            },
        )
        for array in _values(params):
            comm.broadcast_(array)
        if optimizer.state is not None:  # a warm start: the state must be process 0's too
            for state in optimizer.state:
                for array in state.values():
                    comm.broadcast_(array)
            steps = comm.broadcast_(np.array([optimizer.steps], dtype=np.float64))
            optimizer.steps = int(steps[0])
        # (batch loss, rows, processes that received SIGINT, ... SIGTERM)
        self._reduced = np.zeros(4, dtype=np.float64)
        self.batches: ShardedBatches | None = None

    def shard(self, arrays, batch_size, shuffle, dtypes) -> ShardedBatches:
        """This process's slices of the global batches (see the module docstring)."""
        self.batches = ShardedBatches(
            arrays, batch_size, shuffle, self.rng, dtypes, self.comm.rank, self.comm.size
        )
        return self.batches

    def share(self, size: float) -> float:
        """This process's weight in the batch's gradient: n_r / B (1 for a summed loss), with
        ``size`` = n_r, its slice's rows or sum of example weights."""
        if self.sums:
            return 1.0
        total = self.batches.batch_total
        return size / total if total > 0 else 0.0

    def penalty_share(self, share: float) -> float:
        """This process's part of the L2 penalty: its gradient share for a mean loss, else
        1 / (number of processes with rows in the batch), so the penalty counts once."""
        if not self.sums:
            return share
        return 1.0 / min(self.comm.size, self.batches.batch_rows)

    def empty_step(self) -> float:
        """This process has no rows in the batch: it adds zero gradients (and zero loss)."""
        for p in self.optimizer.params:
            if p.requires_grad:
                if p.grad_buffer is not None:
                    p.grad_buffer.fill(0)
                    p.grad = p.grad_buffer
                else:
                    p.grad = np.zeros_like(p.data)
        return 0.0

    def reduce(self, value: float, rows: int, share: float, interrupt) -> float:
        """Sum the weighted gradients and losses of every process (``rows`` of the batch are
        this process's); return the batch's loss.

        A stop signal received by any process is set on every process's ``interrupt``."""
        grads = _gradients(self.optimizer.params)
        for g in grads:
            if share != 1.0:
                g *= g.dtype.type(share)
            self.comm.allreduce_(g)
        reduced = self._reduced
        reduced[0] = value * share if rows else 0.0
        reduced[1] = rows
        reduced[2] = interrupt.received == signal.SIGINT
        reduced[3] = interrupt.received == signal.SIGTERM
        self.comm.allreduce_(reduced)
        total = self.batches.batch_rows
        if reduced[1] != total:
            raise ParameterError(
                f"the processes must split each batch of {total} rows between them; got "
                f"{int(reduced[1])} rows in all: is every process given the same X?"
            )
        if interrupt.received is None and (reduced[2] or reduced[3]):
            interrupt.received = signal.SIGTERM if reduced[3] else signal.SIGINT
        return float(reduced[0])

    def agree_to_stop(self, run) -> None:
        """Stop every process when any one stops (a WallTime rule may differ by process)."""
        flag = np.array([0.0 if run.stop_reason is None else 1.0])
        if self.comm.allreduce_(flag)[0] > 0:
            run.stop("another process stopped training")


class ShardedBatches(Batches):
    """Batches of ``batch_size`` rows in the one-process order; yields only this rank's rows.

    The permutation is drawn exactly as :class:`Batches` draws it (one per epoch), so with the
    same seed the global batches are those of a one-process run. ``batch_rows`` and
    ``batch_total`` (rows, or the sum of example weights when the third array holds them)
    describe the current global batch.
    """

    def __init__(self, arrays, batch_size, shuffle, rng, dtypes, rank: int, size: int):
        super().__init__(arrays, batch_size, shuffle, rng, dtypes=dtypes)
        self.rank = rank
        self.size = size
        self.batch_rows = 0
        self.batch_total = 0.0

    def epoch(self):
        bs = self.batch_size
        order = self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        weights = self.arrays[2] if len(self.arrays) > 2 else None
        for b, start in enumerate(range(0, self.n, bs), start=1):
            stop = min(start + bs, self.n)
            rows = stop - start
            lo = start + rows * self.rank // self.size
            hi = start + rows * (self.rank + 1) // self.size
            self.batch_rows = rows
            self.batch_total = (
                float(rows) if weights is None else float(np.sum(weights[order[start:stop]]))
            )
            if not self.shuffle:
                yield b, tuple(self._slice(i, lo, hi) for i in range(len(self.arrays)))
            else:
                idx = order[lo:hi]
                yield b, tuple(self._take(i, idx) for i in range(len(self.arrays)))


def _values(params) -> list[np.ndarray]:
    """One flat array for a packed set of parameters, else one array per parameter."""
    flat = packed_buffers(params)
    return [flat[0]] if flat is not None else [p.data for p in params]


def _gradients(params) -> list[np.ndarray]:
    trainable = [p for p in params if p.requires_grad]
    flat = packed_buffers(params)
    if flat is not None and all(p.grad is p.grad_buffer for p in trainable):
        return [flat[1]]  # one buffer, one sum: frozen parameters' zeros ride along
    out = []
    for p in trainable:
        if p.grad is None:  # unused in this batch's graph: contributes zero
            p.grad = np.zeros_like(p.data)
        out.append(p.grad)
    return out


def _agree(comm, values: dict) -> None:
    """Raise on every process if any of ``values`` differs from process 0's."""
    mine = np.array(list(values.values()), dtype=np.float64)
    root = comm.broadcast_(mine.copy())
    differ = comm.allreduce_((mine != root).astype(np.float64))
    names = [name for name, d in zip(values, differ) if d]
    if names:
        raise ParameterError(
            "fit's data and arguments must be the same in every process; "
            f"got different {', '.join(names)} (this is process {comm.rank})"
        )
