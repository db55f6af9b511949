"""Atomic file writes: a temporary file in the target's directory, flushed, fsynced, then
renamed over the target. A crash at any moment leaves either the old file or the new one.

A ``kill -9`` (or a power cut) between creating the temporary file and renaming it leaves
that temporary file behind: nothing can run in a process killed that way. Such leftovers are
named ``.<target name>.<process id>.<random>.tmp``, never match the target's name, and are
removed by the next write to the same target once their process is gone (POSIX).
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path

from ..errors import ParameterError

SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb"):
    """Yield a file object; on normal exit its contents replace ``path`` in one rename.

    On an exception the temporary file is removed and ``path`` is untouched.
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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def temporaries(path) -> list[Path]:
    """The temporary files of writes to ``path`` that have not finished (or were killed)."""
    path = Path(path)
    pattern = f".{glob.escape(path.name)}.*{SUFFIX}"
    return sorted(path.parent.glob(pattern))


def remove_stale_temporaries(path) -> None:
    """Delete temporary files left by killed writers of ``path``; a live writer's stay."""
    if os.name != "posix":
        return  # no cheap, reliable "is this process alive" test
    for tmp in temporaries(path):
        pid = tmp.name[len(Path(path).name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                tmp.unlink()


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
