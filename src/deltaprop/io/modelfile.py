"""The model file: a ZIP of ``.npy`` tensors plus a JSON config, never pickle.

Layout (``.npz``-compatible, readable by ``numpy.load(path, allow_pickle=False)``)::

    config.npy        uint8 bytes of a UTF-8 JSON object: format, format_version,
                      library_version, and whatever the writer adds (architecture, loss...)
    tensors/<name>.npy one array per tensor, by dotted name

Reading checks everything before trusting it: the ZIP structure, member count and sizes,
each array header (dtype must be a plain number type; the declared size must match the bytes
present), the JSON, the format name and version, and names listed in the config.
"""

from __future__ import annotations

import io
import json
import math
import tokenize
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .._checks import check_path
from .._files import parse_json
from .._version import __version__
from ..errors import ModelFileError
from .archive import ZIP_ERRORS, open_archive
from .atomic import atomic_write

FORMAT = "deltaprop-model"
FORMAT_VERSION = 1
MAX_CONFIG_BYTES = 16 * 2**20
MAX_NDIM = 64  # NumPy's own limit on dimensions
_ALLOWED_KINDS = "biuf"
# What a damaged or hostile ZIP / .npy can make the standard readers raise: the ZIP errors,
# and NumPy parses a .npy header with ast.literal_eval (a mangled header is a syntax error).
_PARSE_ERRORS = ZIP_ERRORS + (SyntaxError, tokenize.TokenError)


def write_model_file(
    path, config: dict, tensors: dict, kind: str = FORMAT, *, quick: bool = False
) -> None:
    """Write ``config`` (JSON-able) and ``tensors`` (name -> array) to ``path`` atomically.

    ``quick`` (checkpoints, written every epoch): members stored uncompressed and the
    directory not synced (see :func:`~deltaprop.io.atomic.atomic_write`)."""
    check_path("path", path)
    header = {"format": kind, "format_version": FORMAT_VERSION, "library_version": __version__}
    payload = json.dumps({**header, **config}, sort_keys=True).encode("utf-8")
    compression = zipfile.ZIP_STORED if quick else zipfile.ZIP_DEFLATED
    with atomic_write(path, sync_directory=not quick) as fh:
        with zipfile.ZipFile(fh, "w", compression=compression) as zf:
            _write_array(zf, "config.npy", np.frombuffer(payload, dtype=np.uint8))
            for name, array in tensors.items():
                _write_array(zf, f"tensors/{name}.npy", np.ascontiguousarray(array))


def _write_array(zf: zipfile.ZipFile, member: str, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    zf.writestr(member, buffer.getvalue())


def read_model_file(path, kind: str | tuple = FORMAT) -> tuple[dict, dict]:
    """Return ``(config, tensors)`` from ``path``, or raise ModelFileError saying what is wrong.

    ``kind`` is the format the file must have (or a tuple of accepted formats)."""
    path = Path(check_path("path", path))
    zf, members = open_archive(
        path, "model file", ModelFileError, _allowed_name, "a deltaprop model file"
    )
    with zf, zf.fp:
        if "config.npy" not in members:
            raise ModelFileError(f"{str(path)!r} is not a deltaprop model file (no config entry)")
        raw = _read_array(zf, members["config.npy"], path, MAX_CONFIG_BYTES)
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ModelFileError(f"{str(path)!r}: the config entry is not a byte string")
        try:
            text = raw.tobytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ModelFileError(f"{str(path)!r}: the config is not UTF-8 ({exc})") from exc
        config = parse_json(text, f"{str(path)!r}: the config", ModelFileError)
        if not isinstance(config, dict):
            raise ModelFileError(f"{str(path)!r}: the config must be a JSON object")
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if config.get("format") not in kinds:
            raise ModelFileError(
                f"{str(path)!r} is not a {' or '.join(kinds)} file "
                f"(format {config.get('format')!r})"
            )
        version = config.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
            raise ModelFileError(
                f"{str(path)!r} has format_version {version!r}; this deltaprop "
                f"({__version__}) reads versions 1 to {FORMAT_VERSION} (upgrade deltaprop)"
            )
        tensors = {}
        for name, info in members.items():
            if name == "config.npy":
                continue
            tensors[name[len("tensors/") : -len(".npy")]] = _read_array(zf, info, path)
    return config, tensors


def _allowed_name(name: str) -> bool:
    return name == "config.npy" or (
        name.startswith("tensors/") and name.endswith(".npy") and len(name) > 12
    )


def read_npy_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    path: Path,
    limit: int | None = None,
    *,
    kinds: str = _ALLOWED_KINDS,
    error: type[Exception] = ModelFileError,
):
    """Read one .npy member after checking its header against the bytes actually present.

    ``kinds`` are the dtype kinds accepted (numbers by default; "U" adds text, never
    objects); ``error`` is the exception class raised for anything wrong.
    """
    try:
        return _read_array(zf, info, path, limit, kinds)
    except ModelFileError as exc:
        if error is ModelFileError:
            raise
        raise error(str(exc)) from exc


def _read_array(zf, info, path: Path, limit: int | None = None, kinds: str = _ALLOWED_KINDS):
    where = f"{str(path)!r} entry {info.filename!r}"
    if limit is not None and info.file_size > limit:
        raise ModelFileError(f"{where} is {info.file_size} bytes; at most {limit} allowed")
    try:
        fh = zf.open(info)
    except _PARSE_ERRORS as exc:
        raise ModelFileError(f"{where} is corrupted ({type(exc).__name__}: {exc})") from exc
    with fh:
        return _read_stream(fh, info.file_size, where, kinds)


def read_npy_header(fh, size: int, where: str, kinds: str = _ALLOWED_KINDS) -> tuple:
    """Check the header of the .npy array in ``fh`` (``size`` bytes in all) against the bytes
    present, before anything is allocated: ``(shape, fortran_order, dtype, count)``, ``fh``
    left at the data. Raises ModelFileError naming ``where`` (never unpickles: no objects)."""
    try:
        version = np.lib.format.read_magic(fh)
        # NumPy repairs headers it takes for Python 2's with a warning; no file deltaprop or
        # NumPy 1.x+ writes needs that, so such a header is refused as corrupted instead.
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ModelFileError(f"{where} has an unsupported .npy version {version}")
        header_end = fh.tell()
    except ModelFileError:
        raise
    except _PARSE_ERRORS + (UserWarning,) as exc:
        raise ModelFileError(f"{where} is corrupted ({type(exc).__name__}: {exc})") from exc
    if dtype.kind not in kinds or dtype.hasobject:
        allowed = "real numbers and text" if "U" in kinds else "real numbers"
        why = (
            " (object arrays are never loaded: they would need unpickling, which deltaprop "
            "never does: allow_pickle=False)"
            if dtype.hasobject
            else ""
        )
        raise ModelFileError(f"{where} has dtype {dtype}; only {allowed} are allowed{why}")
    if len(shape) > MAX_NDIM or not all(type(n) is int and n >= 0 for n in shape):
        raise ModelFileError(
            f"{where} declares shape {shape}; a shape is at most {MAX_NDIM} sizes >= 0"
        )
    count = math.prod(shape)  # exact: np.prod would wrap around for hostile shapes
    expected = count * dtype.itemsize
    if size - header_end != expected:
        raise ModelFileError(
            f"{where} declares shape {shape} ({expected} bytes) but holds "
            f"{size - header_end} bytes (truncated or corrupted)"
        )
    return shape, fortran, dtype, count


def _read_stream(fh, size: int, where: str, kinds: str) -> np.ndarray:
    """One .npy array from ``fh``, which holds ``size`` bytes in all."""
    shape, fortran, dtype, count = read_npy_header(fh, size, where, kinds)
    expected = count * dtype.itemsize
    try:
        data = fh.read(expected)
    except _PARSE_ERRORS as exc:
        raise ModelFileError(f"{where} is corrupted ({type(exc).__name__}: {exc})") from exc
    if len(data) != expected:
        raise ModelFileError(f"{where} is truncated")
    array = np.frombuffer(data, dtype=dtype, count=count)
    order = "F" if fortran else "C"
    return array.reshape(shape, order=order).copy()
