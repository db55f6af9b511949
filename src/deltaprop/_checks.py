"""Internal: argument checks shared by every entry point, each raising one message template.

The template is "<name> must be <rule>; got <value>" (see errors.py).
"""

from __future__ import annotations

import numbers
import os
import sys
import warnings

import numpy as np

from .errors import ParameterError, ParameterTypeError


def check_number(
    name: str,
    value,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
):
    """Return ``value`` if it is a real (or integral) number in the given range, else raise."""
    kind = "an integer" if integer else "a number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, numbers.Integral if integer else numbers.Real
    ):
        raise ParameterTypeError(f"{name} must be {kind}; got {value!r}")
    if not integer and not np.isfinite(value):
        raise ParameterError(f"{name} must be finite; got {value!r}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ParameterError(f"{name} must be {op} {low}; got {value!r}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ParameterError(f"{name} must be {op} {high}; got {value!r}")
    return int(value) if integer else float(value)


def check_flags(**flags) -> None:
    """``shuffle=True`` and the like must be booleans (``"no"`` is true in Python); an
    argument named ``verbose`` may also be an integer >= 0 (a level)."""
    for name, value in flags.items():
        if isinstance(value, (bool, np.bool_)):
            continue
        if name == "verbose":
            if isinstance(value, numbers.Integral) and value >= 0:
                continue
            raise ParameterTypeError(f"{name} must be True, False or a level >= 0; got {value!r}")
        raise ParameterTypeError(f"{name} must be True or False; got {value!r}")


def check_path(name: str, value):
    """Return ``value`` if it is a file path (str or os.PathLike), else raise naming it."""
    if isinstance(value, (str, os.PathLike)) and str(value):
        return value
    raise ParameterTypeError(f"{name} must be a file path (str or os.PathLike); got {value!r}")


def check_choice(name: str, value, choices):
    """Return ``value`` if it is one of ``choices``, else raise naming them all."""
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok:
        listed = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"{name} must be one of {listed}; got {value!r}")
    return value


def check_float_dtype(name: str, dtype) -> np.dtype:
    """Return ``dtype`` as float32 or float64, the two dtypes networks compute in."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ParameterTypeError(f"{name} must be 'float32' or 'float64'; got {dtype!r}") from exc
    if dt not in (np.float32, np.float64):
        raise ParameterError(f"{name} must be 'float32' or 'float64'; got {dtype!r}")
    return dt


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` from None, an int seed, or a Generator (used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ParameterTypeError(
            f"{name} must be None, a non-negative int or a numpy.random.Generator; got {seed!r}"
        )
    return np.random.default_rng(int(seed))


def available_memory() -> int | None:
    """Bytes of memory this process can still get: the smaller of the system's available
    memory (Linux ``MemAvailable``, else free physical pages) and the address-space limit
    (``ulimit -v``); None where neither is known."""
    limits = []
    try:
        with open("/proc/meminfo", "rb") as fh:
            for line in fh:
                if line.startswith(b"MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError):
        pass
    if not limits and hasattr(os, "sysconf"):
        try:
            limits.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError):
            pass
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            limits.append(soft)
    except (ImportError, OSError, ValueError):
        pass
    return min(limits) if limits else None


def check_memory(what: str, n_values: int, itemsize: int, copies: int = 3) -> None:
    """Raise ParameterError, before allocating, when ``copies`` arrays of ``n_values``
    values (values, packed copy, gradient) cannot fit in :func:`available_memory`."""
    needed = n_values * itemsize * copies
    available = available_memory()
    if available is not None and needed > available:
        raise ParameterError(
            f"{what} needs {n_values:,} values ({_gib(needed)} with its gradient); only "
            f"{_gib(available)} of memory is available: use fewer units"
        )


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB"


def warn(message: str, category: type[Warning]) -> None:
    """Warn, attributing the warning to the first caller outside deltaprop (the user's line),
    however deep inside the package it was raised (``Sequential.fit`` -> ``fit``, estimators).
    """
    frame = sys._getframe(1)
    level = 2  # 1 is this function, 2 its caller
    while frame is not None and frame.f_globals.get("__name__", "").startswith("deltaprop."):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
