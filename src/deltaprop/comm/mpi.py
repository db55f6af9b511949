"""MPICommunicator: the collectives over MPI (mpi4py's buffer API on NumPy arrays).

Internal to :mod:`deltaprop.comm`: importing this module imports mpi4py, which initialises
MPI, so nothing imports it unless ``distributed="mpi"`` is asked for.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

import numpy as np

from ..errors import DeltapropError, ParameterError
from .base import Communicator

#: Set by ``deltaprop launch -n N``: the world size the job was started for.
WORLD_SIZE_ENV = "DELTAPROP_WORLD_SIZE"
#: Seconds a process may wait in one collective before it ends the job (a process that
#: stopped answering: stopped, hung, or on a lost machine). 0 waits forever.
TIMEOUT_ENV = "DELTAPROP_MPI_TIMEOUT"
DEFAULT_TIMEOUT = 600.0


def collective_timeout() -> float:
    """``DELTAPROP_MPI_TIMEOUT`` (seconds, 0 = no limit), default :data:`DEFAULT_TIMEOUT`."""
    text = os.environ.get(TIMEOUT_ENV)
    if text is None:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ParameterError(f"{TIMEOUT_ENV} must be a number of seconds >= 0; got {text!r}")
    return value


class Watchdog:
    """Ends the job when this process has waited longer than its communicator's timeout in
    one collective: every other process's wait means one of them stopped answering. It prints
    which collective and for how long, then calls ``MPI_Abort`` (every process of the job
    ends, the stopped one included). One thread per process, started on first use."""

    def __init__(self):
        self.waiting: tuple | None = None  # (communicator, what, since)
        self._thread: threading.Thread | None = None

    def enter(self, communicator, what: str) -> None:
        if communicator.timeout <= 0:
            return
        self.waiting = (communicator, what, time.monotonic())
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="deltaprop-mpi-watchdog")
            self._thread.daemon = True
            self._thread.start()

    def leave(self) -> None:
        self.waiting = None

    def _watch(self) -> None:
        while True:
            waiting = self.waiting
            timeout = waiting[0].timeout if waiting else 1.0
            time.sleep(min(1.0, timeout / 4))
            waiting = self.waiting
            if waiting is not None and time.monotonic() - waiting[2] > waiting[0].timeout:
                self._expire(*waiting)
                return

    def _expire(self, communicator, what: str, since: float) -> None:
        print(
            f"deltaprop: process {communicator.rank} waited {time.monotonic() - since:.0f} s in "
            f"{what} for the other processes (limit {TIMEOUT_ENV}={communicator.timeout:g} s): "
            "one of them stopped answering; ending the job",
            file=sys.stderr,
            flush=True,
        )
        if communicator.before_abort is not None:
            try:  # e.g. process 0 saving the model as it stood after the last step
                communicator.before_abort()
            except Exception as exc:  # noqa: BLE001 (the job ends either way)
                print(f"deltaprop: could not save before ending: {exc}", file=sys.stderr)
        try:
            communicator.comm.Abort(TIMEOUT_EXIT)
        finally:
            os._exit(TIMEOUT_EXIT)


WATCHDOG = Watchdog()

#: The job's exit status when a process stopped answering.
TIMEOUT_EXIT = 124


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

    def __init__(self, comm=None, timeout: float | None = None):
        MPI = _import_mpi()
        self._MPI = MPI
        self.comm = MPI.COMM_WORLD if comm is None else comm
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        check_world_size(self.size)
        self.timeout = collective_timeout() if timeout is None else float(timeout)
        #: Called (by the watchdog's thread) before a timeout ends the job, if set.
        self.before_abort = None

    def allreduce_(self, buffer: np.ndarray) -> np.ndarray:
        with self._waiting("a sum (Allreduce)"):
            self.comm.Allreduce(self._MPI.IN_PLACE, _contiguous(buffer), op=self._MPI.SUM)
        return buffer

    def broadcast_(self, buffer: np.ndarray, root: int = 0) -> np.ndarray:
        with self._waiting("a broadcast (Bcast)"):
            self.comm.Bcast(_contiguous(buffer), root=root)
        return buffer

    def barrier(self) -> None:
        with self._waiting("a barrier"):
            self.comm.Barrier()

    @contextlib.contextmanager
    def _waiting(self, what: str):
        if self.size == 1:
            yield
            return
        WATCHDOG.enter(self, what)
        try:
            yield
        finally:
            WATCHDOG.leave()

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
