"""Internal: reading untrusted files within stated bounds.

Every loader (model files, checkpoints, data files, explain/gradcheck specs) goes through
these helpers, so that a hostile file costs time and memory bounded by the size of a
legitimate file of its kind (docs/reliability.md, "Bounds"):

- only regular files are opened: a named pipe, a device (``/dev/zero``, ``/dev/urandom``) or a
  link to one is refused without reading or blocking (``O_NONBLOCK``, then ``fstat``);
- JSON and TOML text is parsed with its nesting depth and the size of its integers bounded,
  every parser failure (``RecursionError`` and ``ValueError`` included) turned into the
  loader's own error;
- sizes declared by a file are compared with :data:`MAX_FILE_BYTES` before anything is
  allocated.
"""

from __future__ import annotations

import json
import os
import stat

#: Deepest nesting of arrays/objects accepted in a JSON or TOML document (legitimate model
#: configs, checkpoints and specs nest at most 8 deep).
MAX_DEPTH = 64
#: Most decimal digits in an integer of a JSON or TOML document (a random generator's
#: 128-bit state needs 39).
MAX_INT_DIGITS = 40
#: Most bytes a loader decompresses or allocates for one file (all its arrays together);
#: the environment variable ``DELTAPROP_MAX_FILE_BYTES`` changes it.
MAX_FILE_BYTES = int(os.environ.get("DELTAPROP_MAX_FILE_BYTES", 2 * 2**30))
#: Longest line read from a text data file (a CSV header of about a million columns).
MAX_LINE = 16 * 2**20


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def open_regular(path, what: str, error: type[Exception]):
    """Open ``path`` for binary reading if it is a regular file (links followed); raise
    ``error`` naming ``what`` and the path otherwise. Never blocks on a pipe or device."""
    where = f"{what} {str(path)!r}"
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise error(f"{where} does not exist") from exc
    except IsADirectoryError as exc:
        raise error(f"{where} is a directory") from exc
    except OSError as exc:
        raise error(f"{where} cannot be opened: {exc.strerror}") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{where} is {file_kind(mode)}; only regular files are read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_regular(path, what: str, error: type[Exception]) -> int:
    """Raise ``error`` unless ``path`` is an existing regular file (links followed); return
    its size. For readers that take a path (``np.loadtxt``): ``stat`` never blocks."""
    where = f"{what} {str(path)!r}"
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise error(f"{where} does not exist") from exc
    except OSError as exc:
        raise error(f"{where} cannot be read: {exc.strerror}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{where} is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{where} is {file_kind(st.st_mode)}; only regular files are read")
    return st.st_size


def read_regular(path, what: str, error: type[Exception], limit: int) -> bytes:
    """The bytes of the regular file ``path``, refused (before reading) above ``limit``."""
    with open_regular(path, what, error) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise error(f"{what} {str(path)!r} is {size} bytes; at most {limit} are read")
        return fh.read(limit + 1)[:limit]


def check_first_line(path, what: str, error: type[Exception]) -> None:
    """Refuse a text file whose first line is longer than :data:`MAX_LINE` bytes, reading at
    most that much of it."""
    with open_regular(path, what, error) as fh:
        if len(fh.readline(MAX_LINE + 1).rstrip(b"\r\n")) > MAX_LINE:
            raise error(
                f"{what} {str(path)!r} line 1 is longer than {MAX_LINE} characters (a header "
                "row is expected)"
            )


def check_size(what: str, n_bytes: int, error: type[Exception], limit: int | None = None):
    """Raise ``error`` naming ``what`` and its size when ``n_bytes`` exceeds ``limit``
    (default :data:`MAX_FILE_BYTES`); called before the allocation."""
    limit = MAX_FILE_BYTES if limit is None else limit
    if n_bytes > limit:
        raise error(
            f"{what} needs {_human(n_bytes)} ({n_bytes} bytes); at most {_human(limit)} are "
            "allowed (DELTAPROP_MAX_FILE_BYTES)"
        )


def _human(n: int) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _TooBig(f"an integer of {digits} digits (at most {MAX_INT_DIGITS} are accepted)")
    return int(text)


class _TooBig(ValueError):
    pass


def parse_json(text: str, where: str, error: type[Exception]):
    """``json.loads(text)`` with depth and integer size bounded; ``error`` naming ``where``
    and the reason otherwise."""
    try:
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise error(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise error(f"{where} is nested too deeply (at most {MAX_DEPTH} levels)") from exc
    except _TooBig as exc:
        raise error(f"{where} holds {exc}") from exc
    except ValueError as exc:
        raise error(f"{where} is not valid JSON: {exc}") from exc
    check_document(data, where, error)
    return data


def parse_toml(text: str, where: str, error: type[Exception]):
    """``tomllib.loads(text)`` with the same bounds as :func:`parse_json`."""
    import tomllib  # Python >= 3.11; callers say what to do without it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where} is not valid TOML: {exc}") from exc
    except RecursionError as exc:
        raise error(f"{where} is nested too deeply (at most {MAX_DEPTH} levels)") from exc
    except ValueError as exc:  # e.g. an integer beyond Python's 4300 digits
        raise error(f"{where} is not valid TOML: {exc}") from exc
    check_document(data, where, error)
    return data


def check_document(data, where: str, error: type[Exception]) -> None:
    """Refuse a parsed document nested deeper than :data:`MAX_DEPTH` or holding an integer
    of more than :data:`MAX_INT_DIGITS` digits (walked without recursion)."""
    limit = 10**MAX_INT_DIGITS
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= limit:
                raise error(
                    f"{where} holds an integer of more than {MAX_INT_DIGITS} digits"
                )
            continue
        if depth > MAX_DEPTH:
            raise error(f"{where} is nested too deeply (at most {MAX_DEPTH} levels)")
        stack.extend((child, depth + 1) for child in children)
