"""Opening a ZIP archive (model file, checkpoint, ``.npz`` data) whose every member is checked
before one byte of it is decompressed.

The central directory is read first (its size is bounded by the file's), then, for every
member: the name (allowed by the caller, at most :data:`MAX_NAME` characters, no
duplicates), the compression (stored or deflate only, what deltaprop and ``numpy.savez``
write: bzip2 and LZMA decompress without an output bound), and the declared uncompressed
size (a stored member's equals its compressed size; deflate cannot expand more than
:data:`MAX_DEFLATE_RATIO` times). The declared sizes together must stay within
``_files.MAX_FILE_BYTES``. The readers then read each member through ``zipfile``, which never
returns more than the declared size: memory and time are bounded by the declared sizes,
themselves bounded by the file's size.

(``MAX_FILE_BYTES``: see :mod:`deltaprop._files`.)
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib

from .._files import check_size, open_regular

MAX_MEMBERS = 10_000
MAX_NAME = 1024
#: Deflate's largest possible expansion is about 1032:1; a member claiming more is lying.
MAX_DEFLATE_RATIO = 1100
_COMPRESSIONS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
# What a damaged ZIP can make zipfile raise while the directory is read.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    UnicodeDecodeError,
    OverflowError,
    RuntimeError,
    KeyError,
)


def open_archive(path, what: str, error: type[Exception], allowed, kind: str) -> tuple:
    """``(zipfile.ZipFile, {name: ZipInfo})`` for the archive at ``path``, every member
    checked (see the module docstring); ``allowed(name)`` says which names may appear.
    ``what`` names the file ("model file"), ``kind`` what a non-ZIP is not ("a deltaprop
    model file").

    Raises ``error`` naming ``what``, the path and the first problem found."""
    fh = open_regular(path, what, error)
    try:
        zf = zipfile.ZipFile(fh)
    except ZIP_ERRORS as exc:
        fh.close()
        raise error(
            f"{str(path)!r} is not {kind} (not a valid ZIP archive: {exc})"
        ) from exc
    try:
        members = check_members(zf, str(path), os.fstat(fh.fileno()).st_size, error, allowed)
    except BaseException:
        zf.close()
        fh.close()
        raise
    return zf, members


def check_members(zf, where: str, file_size: int, error, allowed) -> dict:
    """The members of ``zf`` by name, after the checks of the module docstring."""
    where = repr(where)
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise error(f"{where} has {len(infos)} entries; at most {MAX_MEMBERS} are allowed")
    members: dict = {}
    unexpected = []
    total = 0
    for info in infos:
        name = info.filename
        shown = name if len(name) <= 80 else f"{name[:60]}...({len(name)} characters)"
        if len(name) > MAX_NAME or not allowed(name):
            unexpected.append(repr(shown))
            continue
        if name in members:
            raise error(f"{where} has the entry {shown!r} twice (a file is written once)")
        if info.compress_type not in _COMPRESSIONS:
            raise error(
                f"{where} entry {shown!r} uses compression method {info.compress_type}; only "
                "stored and deflate entries are read"
            )
        if info.compress_size > file_size:
            raise error(
                f"{where} entry {shown!r} declares {info.compress_size} compressed bytes; the "
                f"file has {file_size}"
            )
        ratio_limit = 1 if info.compress_type == zipfile.ZIP_STORED else MAX_DEFLATE_RATIO
        if info.file_size > ratio_limit * info.compress_size + 1024:
            raise error(
                f"{where} entry {shown!r} declares {info.file_size} bytes from "
                f"{info.compress_size} compressed bytes, more than "
                f"{_COMPRESSIONS[info.compress_type]} can produce (corrupted or hostile)"
            )
        total += info.file_size
        members[name] = info
    if unexpected:
        more = f" and {len(unexpected) - 3} more" if len(unexpected) > 3 else ""
        raise error(f"{where} has unexpected entries {', '.join(unexpected[:3])}{more}")
    check_size(f"{where} (its entries uncompressed)", total, error)
    return members
