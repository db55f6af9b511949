"""Communicators: how the processes of a data-parallel training run talk to each other.

A communicator knows this process's ``rank``, the number of processes ``size``, and sums or
copies one NumPy buffer across all of them in place. :class:`SingleProcess` is the default
(one process: every collective is a no-op, so training is bit-identical to a run without
one); :class:`MPICommunicator` uses MPI through mpi4py, imported only when it is asked for.

>>> comm = get_communicator(None)
>>> comm.rank, comm.size, comm.is_root
(0, 1, True)
"""

from __future__ import annotations

from .base import Communicator, SingleProcess, get_communicator

__all__ = ["Communicator", "SingleProcess", "MPICommunicator", "get_communicator"]


def __getattr__(name):
    # MPICommunicator's module imports mpi4py, which initialises MPI: only on request.
    if name == "MPICommunicator":
        from .mpi import MPICommunicator

        return MPICommunicator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
