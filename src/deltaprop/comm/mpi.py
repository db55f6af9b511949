"""MPICommunicator: the collectives over MPI (mpi4py's buffer API on NumPy arrays).

Internal to :mod:`deltaprop.comm`: importing this module imports mpi4py, which initialises
MPI, so nothing imports it unless ``distributed="mpi"`` is asked for.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import DeltapropError, ParameterError
from .base import Communicator

#: Set by ``deltaprop launch -n N``: the world size the job was started for.
WORLD_SIZE_ENV = "DELTAPROP_WORLD_SIZE"


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ParameterError(
            'distributed="mpi" needs mpi4py and an MPI library; got neither installed. '
            'Install them with: pip install "deltaprop[mpi]"'
        ) from exc
    return MPI


class MPICommunicator(Communicator):
    """The processes of an MPI job (``MPI.COMM_WORLD`` unless ``comm`` is given).

    Collectives use mpi4py's buffer interface (no pickling): ``allreduce_`` is
    ``Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)`` and ``broadcast_`` is
    ``Bcast(buffer, root)``. When the job was started by ``deltaprop launch -n N``, the world
    size MPI reports is checked against N: an ``mpiexec`` of a different MPI library than the
    one mpi4py uses starts N separate one-process jobs, which would otherwise all train alone.
    """

    def __init__(self, comm=None):
        MPI = _import_mpi()
        self._MPI = MPI
        self.comm = MPI.COMM_WORLD if comm is None else comm
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        check_world_size(self.size)

    def allreduce_(self, buffer: np.ndarray) -> np.ndarray:
        self.comm.Allreduce(self._MPI.IN_PLACE, _contiguous(buffer), op=self._MPI.SUM)
        return buffer

    def broadcast_(self, buffer: np.ndarray, root: int = 0) -> np.ndarray:
        self.comm.Bcast(_contiguous(buffer), root=root)
        return buffer

    def barrier(self) -> None:
        self.comm.Barrier()

    def abort(self, code: int = 1) -> None:
        self.comm.Abort(code)


def check_world_size(size: int) -> None:
    """Raise if ``deltaprop launch -n N`` started this process but MPI reports another size."""
    expected = os.environ.get(WORLD_SIZE_ENV)
    if expected is not None and expected.isdigit() and int(expected) != size:
        raise DeltapropError(
            f"the MPI world size must be {expected} (deltaprop launch -n {expected}); got "
            f"{size}. The mpiexec that started the job probably belongs to another MPI library "
            "than mpi4py's; use the one in the environment where deltaprop[mpi] is installed"
        )


def _contiguous(buffer: np.ndarray) -> np.ndarray:
    # MPI reads and writes raw memory: a strided view would be summed in the wrong places.
    if not isinstance(buffer, np.ndarray) or not buffer.flags.c_contiguous:
        raise ParameterError(
            f"buffer must be a C-contiguous NumPy array; got {type(buffer).__name__}"
        )
    return buffer
