"""Mini-batches: each epoch visits every row once, in a seeded random order or in order.

Rows are gathered with ``np.take(..., out=, mode="clip")`` into buffers allocated once per
``fit``, so a batch costs no allocation; the buffers are reused because nothing from a batch
outlives its update step. Arrays may be memory-mapped: only the rows of a batch are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass
class Batch:
    """One batch as a training step takes it: features ``x``, targets ``t``, the examples'
    ``weight`` (None when unweighted) and the L2 penalty's scale ``penalty`` (``c``, an array
    holding alpha / B; None without a penalty)."""

    x: np.ndarray
    t: np.ndarray
    weight: np.ndarray | None = None
    penalty: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return len(self.x)

    def inputs(self) -> tuple:
        """The arrays as the objective takes them (and a replay replays them):
        ``(x, t[, weight][, penalty])``."""
        found = (self.x, self.t)
        if self.weight is not None:
            found += (self.weight,)
        return found if self.penalty is None else (*found, self.penalty)


class Batches:
    """Yield ``(batch_number, (a_batch, b_batch, ...))`` over rows of equally long arrays.

    ``dtypes`` gives the dtype each array's batches should have (None keeps its own); a
    batch is converted while it is gathered, so a float64 memory map trains a float32 network
    without a float64 copy of the data set.
    """

    def __init__(
        self, arrays, batch_size: int, shuffle: bool, rng: np.random.Generator, dtypes=None
    ):
        self.arrays = list(arrays)
        self.n = len(self.arrays[0])
        self.batch_size = min(batch_size, self.n)
        self.shuffle = shuffle
        self.rng = rng
        dtypes = dtypes or [None] * len(self.arrays)
        self._buffers = [
            np.empty((self.batch_size,) + a.shape[1:], dtype=dt or a.dtype)
            for a, dt in zip(self.arrays, dtypes)
        ]
        self._views = None
        self._direct = [
            (dt is None or np.dtype(dt) == a.dtype) and not isinstance(a, np.memmap)
            for a, dt in zip(self.arrays, dtypes)
        ]

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def epoch(self) -> Iterator[tuple[int, tuple]]:
        """One pass over the data; a new order each call when shuffling."""
        bs = self.batch_size
        if not self.shuffle:
            for b, start in enumerate(range(0, self.n, bs), start=1):
                yield (
                    b,
                    tuple(
                        self._slice(i, start, min(start + bs, self.n))
                        for i in range(len(self.arrays))
                    ),
                )
            return
        order = self.rng.permutation(self.n)
        for b, start in enumerate(range(0, self.n, bs), start=1):
            idx = order[start : start + bs]
            yield b, tuple([self._take(i, idx) for i in range(len(self.arrays))])

    def _slice(self, i: int, start: int, stop: int) -> np.ndarray:
        a = self.arrays[i]
        if self._direct[i]:
            return a[start:stop]  # a view: no copy at all
        out = self._buffers[i][: stop - start]
        np.copyto(out, a[start:stop], casting="same_kind")
        return out

    def _take(self, i: int, idx: np.ndarray) -> np.ndarray:
        a = self.arrays[i]
        out = self._buffers[i][: len(idx)]
        if out.dtype == a.dtype:
            # also for a memory map: only these rows are read, straight into the buffer (in
            # the shuffled order; sorting them gave no measurable gain on a cached file)
            # the method (no dispatch wrapper per batch); mode "clip" because "raise" with
            # out= gathers into a temporary first: the indices are a permutation's, in range
            a.take(idx, axis=0, out=out, mode="clip")
        else:
            np.copyto(out, a[idx], casting="same_kind")
        return out
