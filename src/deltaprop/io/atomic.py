"""Atomic file writes: a temporary file in the target's directory, flushed, fsynced, then
renamed over the target. A crash at any moment leaves either the old file or the new one.

The file gets the permissions an ordinary ``open(path, "w")`` would give it: a new file
``0o666 & ~umask``, a file it replaces keeps its mode (the temporary file would otherwise
keep ``mkstemp``'s private 0600).

A ``kill -9`` (or a power cut) between creating the temporary file and renaming it leaves
that temporary file behind: nothing can run in a process killed that way. Such leftovers are
named ``.<target name>.<process id>.<random>.tmp``, never match the target's name, and are
removed by the next write to the same target once their process is gone (POSIX).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import stat
import tempfile
from pathlib import Path

from ..errors import ParameterError

SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", *, sync_directory: bool = True):
    """Yield a file object; on normal exit its contents replace ``path`` in one rename.

    On an exception the temporary file is removed and ``path`` is untouched. The file's data
    always reach the disk before the rename (fsync), so ``path`` is the old or the new
    complete file whatever happens; ``sync_directory`` also makes the rename itself durable
    at once (a checkpoint rewritten every epoch skips it: after a power cut it may be the
    previous epoch's, still complete).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    # Checked here, where every writer passes, so a bad path is a one-line input error and
    # not an OSError from deep inside mkstemp or rename.
    if path.is_dir():
        raise ParameterError(f"path must be a file path, not a directory; got {str(path)!r}")
    if not directory.is_dir():
        raise ParameterError(
            f"path must be in an existing directory; got {str(path)!r} "
            f"({str(directory)!r} does not exist)"
        )
    remove_stale_temporaries(path)
    permissions = _permissions(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=SUFFIX, dir=directory)
    try:
        if permissions is not None:
            os.fchmod(fd, permissions)
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if sync_directory:
        _fsync_directory(directory)


def _permissions(path: Path) -> int | None:
    """The mode ``open()`` would leave: the existing file's, else 0o666 less the umask (None
    where modes do not apply)."""
    if not hasattr(os, "fchmod"):
        return None
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        pass
    umask = os.umask(0o077)  # the only portable way to read it is to set it
    os.umask(umask)
    return 0o666 & ~umask


def temporaries(path) -> list[Path]:
    """The temporary files of writes to ``path`` that have not finished (or were killed)."""
    return sorted(tmp for tmp, _ in _temporaries(Path(path)))


def remove_stale_temporaries(path) -> None:
    """Delete temporary files left by killed writers of ``path``; a live writer's stay."""
    if os.name != "posix":
        return  # no cheap, reliable "is this process alive" test
    for tmp, pid in _temporaries(Path(path)):
        if pid != os.getpid() and not _alive(pid):
            with contextlib.suppress(OSError):
                tmp.unlink()


def _temporaries(path: Path):
    # Exactly mkstemp's names for this target (8 random characters), so that the temporaries
    # of another target whose name extends this one ("net.dpm.5") are never taken for ours.
    exact = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[a-z0-9_]{{8}}{re.escape(SUFFIX)}")
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*{SUFFIX}"):
        match = exact.fullmatch(tmp.name)
        if match:
            yield tmp, int(match.group(1))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: alive
        return True
    return True


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_writable(path, n_bytes: int = 0, what: str = "path") -> None:
    """Raise ParameterError now, before work that ends in writing ``path``, when it could not
    be written: a missing directory, a directory as the target, a directory (or file system)
    that refuses a new file, or less free space than ``n_bytes``. Creates and removes one
    empty temporary file in the target's directory."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ParameterError(f"{what} must be a file path, not a directory; got {str(path)!r}")
    if not directory.is_dir():
        raise ParameterError(
            f"{what} must be in an existing directory; got {str(path)!r} "
            f"({str(directory)!r} does not exist)"
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=SUFFIX,
                                   dir=directory)
    except OSError as exc:
        raise ParameterError(
            f"{what} {str(path)!r} cannot be written: {exc.strerror} (in {str(directory)!r})"
        ) from exc
    os.close(fd)
    os.unlink(tmp)
    if n_bytes and hasattr(os, "statvfs"):
        try:
            st = os.statvfs(directory)
        except OSError:
            return
        free = st.f_bavail * st.f_frsize
        if free < n_bytes:
            raise ParameterError(
                f"{what} {str(path)!r} needs about {n_bytes} bytes; its file system has "
                f"{free} free"
            )
