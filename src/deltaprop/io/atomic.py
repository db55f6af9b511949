"""Atomic file writes: a temporary file in the target's directory, flushed, fsynced, then
renamed over the target. A crash at any moment leaves either the old file or the new one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..errors import ParameterError


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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
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
