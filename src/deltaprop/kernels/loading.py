"""When compiled kernels run, and compiling them: the JIT loading policy.

They need numba (``pip install "deltaprop[fast]"``). Without it, or when an array is not a
contiguous float32/float64 array, the NumPy form runs. The environment variable
``DELTAPROP_KERNELS`` chooses: ``auto`` (default), ``numba`` (always, an error if numba is
missing) or ``numpy`` (never); :func:`use` sets it from code. In ``auto`` mode a buffer needs
:data:`MIN_SIZE` elements (below that a NumPy pass costs little), and numba must be loaded:
importing it and loading the kernels costs about a second and 120 MB, so ``fit`` loads them
(:func:`prepare`) only when it plans at least :data:`WORK_MIN` parameter updates (parameters
x steps: about 9 epochs of an MNIST-sized 235,146-parameter network), or when something in the
process already did (``available()``, ``use("numba")``).

:func:`compiled` turns any plain-Python loop (an optimizer's kernel in
:mod:`deltaprop.kernels.optimizers`, an activation's or a loss's ``compiled_forms``) into its
numba version, once per process (and cached on disk by numba).
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import ParameterError

MIN_SIZE = 32768  # elements: below this, ``auto`` keeps the NumPy rule
WORK_MIN = 10**9  # parameters x steps a fit must plan before ``auto`` loads numba
_MODES = ("auto", "numba", "numpy")
_mode: str | None = None  # read from the environment at first use
_numba = None  # the numba module, once imported
_compiled: dict = {}  # plain function -> its compiled version


def use(mode: str) -> None:
    """Choose when kernels run: ``"auto"``, ``"numba"`` or ``"numpy"`` (see the module)."""
    global _mode
    if mode not in _MODES:
        raise ParameterError(f"kernel mode must be one of {', '.join(_MODES)}; got {mode!r}")
    if mode == "numba":
        _load()
    _mode = mode


def mode() -> str:
    """The current mode; the first call reads ``DELTAPROP_KERNELS``."""
    if _mode is None:
        value = os.environ.get("DELTAPROP_KERNELS", "auto").strip().lower() or "auto"
        if value not in _MODES:
            raise ParameterError(
                f"DELTAPROP_KERNELS must be one of {', '.join(_MODES)}; got {value!r}"
            )
        use(value)
    return _mode


def available() -> bool:
    """True when numba can be imported."""
    try:
        _load()
    except ParameterError:
        return False
    return True


def loaded() -> bool:
    """True once numba was imported in this process (kernels can be compiled or loaded)."""
    return _numba is not None


def prepare(parameters: int, steps: int) -> None:
    """Before a fit of ``steps`` updates of ``parameters`` parameters: in ``auto`` mode, load
    numba if it is installed and the planned work repays loading it."""
    if (
        (_mode or mode()) == "auto"
        and _numba is None
        and parameters >= MIN_SIZE
        and parameters * steps >= WORK_MIN
    ):
        available()


def find(name: str, *arrays: np.ndarray):
    """The compiled optimizer kernel ``name`` (:data:`~deltaprop.kernels.optimizers.KERNELS`)
    for these arrays, or None when the NumPy rule should run.

    Every array must be C-contiguous with the first one's shape and float dtype."""
    current = _mode or mode()
    first = arrays[0]
    if current == "numpy" or (current == "auto" and first.size < MIN_SIZE):
        return None
    if first.dtype not in (np.float32, np.float64):
        return None
    for a in arrays:
        if a.dtype != first.dtype or a.shape != first.shape or not a.flags.c_contiguous:
            return None
    if current == "auto" and _numba is None:
        return None  # numba not loaded: see prepare
    from .optimizers import KERNELS

    return compiled(KERNELS[name])


def for_network(size: int, dtype) -> bool:
    """Whether a network of ``size`` parameters of ``dtype`` runs the compiled forms of its
    fused step: the same rule as :func:`find`, decided once."""
    current = mode()
    if current == "numpy" or np.dtype(dtype) not in (np.float32, np.float64):
        return False
    return not (current == "auto" and (size < MIN_SIZE or _numba is None))


def compiled(function):
    """``function`` (a plain-Python loop over arrays) compiled by numba, once per process."""
    found = _compiled.get(function)
    if found is None:
        found = _compiled[function] = jit(_load(), function)
    return found


def jit(numba, function):
    """One thread each: the loops are memory-bound and vectorise (``error_model="numpy"``
    drops the division-by-zero check that would stop it); threads of their own would compete
    with the BLAS's threads, which spin between the matrix products."""
    try:  # compiled once, then loaded from numba's cache next to the source or per user
        return numba.njit(cache=True, nogil=True, error_model="numpy")(function)
    except RuntimeError:  # no writable cache location: compile in every process
        return numba.njit(cache=False, nogil=True, error_model="numpy")(function)


def _load():
    global _numba
    if _numba is None:
        try:
            import numba
        except ImportError as exc:
            raise ParameterError(
                "compiled kernels need numba: pip install 'deltaprop[fast]' "
                "(or set DELTAPROP_KERNELS=auto or numpy)"
            ) from exc
        except Exception as exc:  # installed but broken: training goes on without it
            raise ParameterError(
                f"numba is installed but cannot be imported ({type(exc).__name__}: {exc}); "
                "set DELTAPROP_KERNELS=numpy or reinstall it"
            ) from exc
        _numba = numba
    return _numba
