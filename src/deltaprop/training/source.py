"""Training from a stream of batches: data that is produced, or read, one batch at a time.

``fit(module, source)`` (no ``y``) trains on a *batch source*: any iterable whose iterator
yields pairs ``(X_batch, y_batch)``. The contract:

- each epoch calls ``iter(source)`` once and consumes it; the batches it gives, in the order
  it gives them, are that epoch (``batch_size`` and ``shuffle`` of ``fit`` do not apply: the
  source decides both);
- ``X_batch`` is 2-D, (rows, n_features), numeric and finite, with the same ``n_features``
  in every batch; ``y_batch`` is what the loss takes, with as many rows;
- for more than one epoch the source must be re-iterable (a list of pairs, or an object
  whose ``__iter__`` starts again, like :class:`BatchSource`); a one-shot iterator or
  generator (``iter(g) is g``) trains a single epoch only.

Every batch is checked as it arrives (the checks of array input) and converted to the
network's dtype, so nothing but the current batch is held in memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import numpy as np

from ..errors import DataError, ParameterError, ParameterTypeError
from .data import check_features, check_lengths


class BatchSource:
    """A re-iterable source of ``(X_batch, y_batch)`` pairs made from a function.

    ``make_batches()`` is called at the start of every epoch and must return a fresh
    iterator (a generator function is the usual choice).

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> from deltaprop.training import BatchSource
    >>> rng = np.random.default_rng(0)
    >>> def batches():  # e.g. read a file chunk by chunk
    ...     for _ in range(4):
    ...         x = rng.normal(size=(16, 2))
    ...         yield x, (x[:, 0] > 0).astype(int)
    >>> net = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
    >>> history = net.fit(BatchSource(batches), loss="cross_entropy",
    ...                   optimizer=dp.SGD(net.parameters(), lr=0.5), epochs=3)
    >>> len(history.loss)
    3
    """

    def __init__(self, make_batches):
        if not callable(make_batches):
            raise ParameterTypeError(
                "make_batches must be a function returning an iterator of (X_batch, y_batch) "
                f"pairs; got {make_batches!r}"
            )
        self.make_batches = make_batches

    def __iter__(self) -> Iterator:
        return iter(self.make_batches())


def is_batch_source(X, y) -> bool:
    """Whether ``fit(X, y)`` means a stream of batches: ``y`` omitted and X no array.

    (A list with ``y`` omitted is a list of pairs: rows of features would need ``y``.)
    """
    if y is not None or isinstance(X, (np.ndarray, str, bytes)) or hasattr(X, "to_numpy"):
        return False
    return isinstance(X, Iterable)


class StreamBatches:
    """Yield ``(batch_number, (x_batch, y_batch))`` from a batch source, checked and converted.

    ``n`` is the number of rows of the last complete epoch (the first batch is read ahead
    by :meth:`first`, to build the network on its width).
    """

    def __init__(self, source, epochs: int, loss, dtype):
        if iter(source) is source and epochs > 1:
            raise ParameterError(
                f"epochs must be 1 for a one-shot iterator of batches; got {epochs} "
                "(wrap the function that makes the batches in BatchSource(make_batches) to "
                "train several epochs)"
            )
        self.source = source
        self.loss = loss
        self.dtype = dtype
        self.n_features: int | None = None
        self.n_outputs: int | None = None
        self.n = 0
        self._pending: Iterator | None = None

    def first(self) -> np.ndarray:
        """Read the first batch's features ahead (it is still yielded by the first epoch)."""
        it = iter(self.source)
        try:
            head = next(it)
        except StopIteration:
            raise DataError("the batch source must yield at least one batch; got none") from None
        self._pending = itertools.chain([head], it)
        return self._check_x(head, 1)

    def epoch(self) -> Iterator[tuple[int, tuple]]:
        it, self._pending = (self._pending or iter(self.source)), None
        rows = 0
        for b, pair in enumerate(it, start=1):
            xb = self._check_x(pair, b)
            yb = self.loss.prepare_target(pair[1], self.n_outputs, self.dtype)
            check_lengths(xb, yb, f"X of batch {b}", f"y of batch {b}")
            rows += len(xb)
            yield b, (xb, yb)
        if rows == 0:
            raise DataError(
                "the batch source yielded no batch this epoch; a generator is used up after "
                "one pass: use BatchSource(make_batches) to train several epochs"
            )
        self.n = rows

    def _check_x(self, pair, b: int) -> np.ndarray:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise DataError(
                f"batch {b} of the source must be a pair (X_batch, y_batch); got "
                f"{type(pair).__name__} (to train on arrays, pass y as well: fit(X, y))"
            )
        xb = check_features(pair[0], f"X of batch {b}", self.n_features)
        self.n_features = xb.shape[1]
        return np.asarray(xb, dtype=self.dtype)
