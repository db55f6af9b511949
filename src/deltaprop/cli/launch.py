"""``deltaprop launch``: run a deltaprop command (or a Python script) as an N-process MPI job.

``deltaprop launch -n 2 -- deltaprop train data.csv --distributed mpi --out m.dpm`` runs::

    <mpiexec> -n 2 [-hostfile HOSTFILE] <python> -m mpi4py -m deltaprop train data.csv ...

with ``DELTAPROP_WORLD_SIZE=2`` in the environment. The ``mpiexec`` is the active
environment's (``sys.prefix``'s ``bin``, where ``pip install "deltaprop[mpi]"`` puts MPICH's)
before any on ``PATH``: an ``mpiexec`` of another MPI library than the one mpi4py was built
for would start N separate one-process jobs, which the world-size check then refuses.
Workers run under ``python -m mpi4py`` so that an uncaught exception (or a non-zero exit) in
one process aborts the whole job instead of leaving the others waiting in a collective.
The exit code is the job's.

Signals: mpiexec runs in a session of its own, and SIGINT, SIGTERM and SIGHUP sent to the
launcher are forwarded to it (SIGHUP as SIGTERM), which forwards them to every worker; the
workers agree to stop after the same batch, process 0 saves, and the others wait for its
file before the job ends. If the launcher dies (even by SIGKILL), mpiexec gets SIGTERM (Linux),
so the workers never outlive it. A worker that stops answering ends the job after
``DELTAPROP_MPI_TIMEOUT`` seconds (see :mod:`deltaprop.comm.mpi`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from ..comm.mpi import WORLD_SIZE_ENV
from ..errors import ParameterError
from ._common import positive_int


def add_parser(sub) -> None:
    p = sub.add_parser(
        "launch",
        help="run a deltaprop command on N processes with MPI (data-parallel training)",
        description=(
            "Run COMMAND as an N-process MPI job: deltaprop launch -n 2 -- deltaprop train "
            "data.csv --distributed mpi --out model.dpm. COMMAND is a deltaprop command or a "
            "Python script (with its arguments)."
        ),
    )
    p.add_argument("-n", "--np", dest="n", type=positive_int, required=True, help="processes")
    p.add_argument("--hostfile", help="MPI hostfile: the machines to run on (one per line)")
    p.add_argument(
        "--mpiexec", metavar="PATH", help="the mpiexec to use (default: this environment's)"
    )
    p.add_argument(
        "command", nargs=argparse.REMAINDER, help="after --: deltaprop ... or script.py ..."
    )
    p.set_defaults(handler=run)


def find_mpiexec(explicit=None) -> str | None:
    """The mpiexec to run: ``explicit`` if given, else the active environment's, else PATH's.

    >>> find_mpiexec("/no/such/mpiexec")
    Traceback (most recent call last):
    ...
    deltaprop.errors.ParameterError: --mpiexec must be an executable file; got '/no/such/mpiexec'
    """
    if explicit is not None:
        path = shutil.which(explicit)
        if path is None:
            raise ParameterError(f"--mpiexec must be an executable file; got {explicit!r}")
        return path
    folder = Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin")
    return shutil.which("mpiexec", path=str(folder)) or shutil.which("mpiexec")


def worker_command(command: list[str]) -> list[str]:
    """What each process runs: ``python -m mpi4py`` then the module or script of ``command``.

    >>> worker_command(["deltaprop", "train", "d.csv"])[1:]
    ['-m', 'mpi4py', '-m', 'deltaprop', 'train', 'd.csv']
    >>> worker_command(["python", "fit.py", "--epochs", "3"])[1:]
    ['-m', 'mpi4py', 'fit.py', '--epochs', '3']
    """
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise ParameterError(
            "launch needs a command after --; got none (e.g. deltaprop launch -n 2 -- "
            "deltaprop train data.csv --distributed mpi --out model.dpm)"
        )
    program, *rest = command
    name = Path(program).name
    if name.startswith("python") and rest:
        program, *rest = rest
        name = Path(program).name
    if name in ("deltaprop", "deltaprop.exe"):
        return [sys.executable, "-m", "mpi4py", "-m", "deltaprop", *rest]
    if name.endswith(".py"):
        return [sys.executable, "-m", "mpi4py", program, *rest]
    raise ParameterError(
        f"the command after -- must be 'deltaprop ...' or a Python script 'script.py ...'; "
        f"got {' '.join(command)!r}"
    )


def run(args) -> int:
    workers = worker_command(args.command)
    if importlib.util.find_spec("mpi4py") is None:
        raise ParameterError(
            "launch needs mpi4py and an MPI library; got neither installed. Install them with: "
            'pip install "deltaprop[mpi]"'
        )
    mpiexec = find_mpiexec(args.mpiexec)
    if mpiexec is None:
        raise ParameterError(
            "launch needs an mpiexec; got none in this environment or on PATH. Install MPICH "
            'with: pip install "deltaprop[mpi]" (or give --mpiexec PATH)'
        )
    command = [mpiexec, "-n", str(args.n)]
    if args.hostfile is not None:
        if not Path(args.hostfile).is_file():
            raise ParameterError(f"--hostfile must be an existing file; got {args.hostfile!r}")
        command += ["-hostfile", args.hostfile]  # MPICH and Open MPI both read it
    env = dict(os.environ, **{WORLD_SIZE_ENV: str(args.n)})
    # mpiexec runs in a session of its own: a Ctrl-C (or a signal to this process group)
    # reaches it once, forwarded from here, not also straight from the terminal (MPICH's
    # mpiexec takes a second Ctrl-C as "abort now"). It forwards SIGINT and SIGTERM to every
    # worker, which stops after its batch and saves; it is ended when this process dies.
    process = subprocess.Popen(
        [*command, *workers], env=env, start_new_session=True, preexec_fn=_end_with_parent
    )
    with _forwarding(process):
        code = process.wait()
    return 128 + signal.Signals(-code).value if code < 0 else code


FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _forwarding(process):
    """While the job runs, SIGINT, SIGTERM and SIGHUP sent to this process go to mpiexec."""

    def forward(signum, frame):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {s: signal.signal(s, forward) for s in FORWARDED}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _end_with_parent() -> None:
    """In the child, before mpiexec starts (Linux): SIGTERM when the launcher dies, even by
    SIGKILL, so that the job never outlives it (mpiexec forwards SIGTERM to the workers)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
