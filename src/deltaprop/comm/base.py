"""The communicator interface, its one-process default, and ``get_communicator``."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError, ParameterTypeError


class Communicator:
    """The collectives data-parallel training needs, on one contiguous NumPy buffer each.

    A subclass sets ``rank`` (this process, 0..size-1) and ``size`` (the number of processes)
    and writes the four collectives. Every process must call the same collectives in the same
    order with buffers of the same shape and dtype.

    - ``allreduce_(buffer)``: ``buffer <- sum over processes p of buffer_p``, in place;
    - ``broadcast_(buffer, root=0)``: ``buffer <- buffer_root``, in place;
    - ``barrier()``: return only when every process has called it;
    - ``abort(code)``: end every process of the job with exit code ``code``.
    """

    rank: int = 0
    size: int = 1

    @property
    def is_root(self) -> bool:
        """Whether this is process 0, the one that prints, logs and writes files."""
        return self.rank == 0

    def allreduce_(self, buffer: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def broadcast_(self, buffer: np.ndarray, root: int = 0) -> np.ndarray:
        raise NotImplementedError

    def barrier(self) -> None:
        raise NotImplementedError

    def abort(self, code: int = 1) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rank={self.rank}, size={self.size})"


class SingleProcess(Communicator):
    """One process: the sum over processes of a buffer is the buffer itself.

    >>> import numpy as np
    >>> buf = np.array([1.0, 2.0])
    >>> SingleProcess().allreduce_(buf)
    array([1., 2.])
    """

    def allreduce_(self, buffer: np.ndarray) -> np.ndarray:
        return buffer

    def broadcast_(self, buffer: np.ndarray, root: int = 0) -> np.ndarray:
        if root != 0:
            raise ParameterError(f"root must be 0 in a one-process run; got {root!r}")
        return buffer

    def barrier(self) -> None:
        return None

    def abort(self, code: int = 1) -> None:
        raise SystemExit(code)


def get_communicator(distributed=None) -> Communicator:
    """The communicator for ``distributed``: None (one process), "mpi", or a Communicator.

    >>> get_communicator(None)
    SingleProcess(rank=0, size=1)
    >>> get_communicator("nccl")
    Traceback (most recent call last):
    ...
    deltaprop.errors.ParameterError: distributed must be None, "mpi" or a Communicator; got 'nccl'
    """
    if distributed is None:
        return SingleProcess()
    if isinstance(distributed, Communicator):
        return distributed
    if isinstance(distributed, str) and distributed == "mpi":
        from .mpi import MPICommunicator

        return MPICommunicator()
    error = ParameterError if isinstance(distributed, str) else ParameterTypeError
    raise error(f'distributed must be None, "mpi" or a Communicator; got {distributed!r}')
