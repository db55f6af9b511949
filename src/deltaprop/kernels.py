"""Compiled kernels: an optimizer's rule as one loop over the flat buffers, and the fused
training step's element-wise passes (relu with its bias, relu's derivative, softmax with
cross-entropy) as one loop each.

NumPy runs an update rule as a sequence of whole-array passes (Adam: 13 of them), each reading
and writing every parameter: for the 235,146 parameters of a 784-256-128-10 network that is
most of a step's time outside the matrix products. A compiled loop makes one pass. The kernels
here make exactly the float operations of the NumPy rules in :mod:`deltaprop.optim`, in the
same order (no fused multiply-add, no reassociation, scalars rounded to the array's dtype first
as NumPy does), so both paths give the same bits; ``tests/optim/test_kernels.py`` checks it for
every rule and option. The one exception is softmax cross-entropy, whose exponential and
logarithm are LLVM's rather than NumPy's: it is checked against the engine to rounding.

They need numba (``pip install "deltaprop[fast]"``). Without it, or when an array is not a
contiguous float32/float64 array, the NumPy rule runs. The environment variable
``DELTAPROP_KERNELS`` chooses: ``auto`` (default), ``numba`` (always, an error if numba is
missing) or ``numpy`` (never); :func:`use` sets it from code. In ``auto`` mode a buffer needs
:data:`MIN_SIZE` elements (below that a NumPy pass costs little), and numba must be loaded:
importing it and loading the kernels costs about a second and 120 MB, so ``fit`` loads them
(:func:`prepare`) only when it plans at least :data:`WORK_MIN` parameter updates (parameters
x steps: about 9 epochs of an MNIST-sized 235,146-parameter network), or when something in the
process already did (``available()``, ``use("numba")``).
"""

from __future__ import annotations

import os

import numpy as np

from .errors import ParameterError

MIN_SIZE = 32768  # elements: below this, ``auto`` keeps the NumPy rule
WORK_MIN = 10**9  # parameters x steps a fit must plan before ``auto`` loads numba
_MODES = ("auto", "numba", "numpy")
_mode: str | None = None  # read from the environment at first use
_kernels: dict | None = None  # name -> compiled function, once numba is imported


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
    """True once the kernels were compiled or loaded in this process (numba imported)."""
    return _kernels is not None


def prepare(parameters: int, steps: int) -> None:
    """Before a fit of ``steps`` updates of ``parameters`` parameters: in ``auto`` mode, load
    the kernels if numba is installed and the planned work repays loading it."""
    if (
        (_mode or mode()) == "auto"
        and _kernels is None
        and parameters >= MIN_SIZE
        and parameters * steps >= WORK_MIN
    ):
        available()


def find(name: str, *arrays: np.ndarray):
    """The compiled kernel ``name`` for these arrays, or None when the NumPy rule should run.

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
    if current == "auto" and _kernels is None:
        return None  # numba not loaded: see prepare
    return _load()[name]


def for_network(size: int, dtype) -> dict | None:
    """All kernels (name -> function) for a network of ``size`` parameters of ``dtype``, or
    None when the NumPy code should run: the same rule as :func:`find`, decided once."""
    current = mode()
    if current == "numpy" or np.dtype(dtype) not in (np.float32, np.float64):
        return None
    if current == "auto" and (size < MIN_SIZE or _kernels is None):
        return None
    return _load()


def flat(a: np.ndarray) -> np.ndarray:
    """``a`` as a 1-D view (``a`` is contiguous)."""
    return a.reshape(-1)


def _load() -> dict:
    global _kernels
    if _kernels is None:
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
        _kernels = _compile(numba)
    return _kernels


def _compile(numba) -> dict:
    """The kernels, compiled lazily per dtype and cached on disk by numba.

    One thread each: the loops are memory-bound and vectorise (``error_model="numpy"`` drops
    the division-by-zero check that would stop it); threads of their own would compete with
    the BLAS's threads, which spin between the matrix products.
    """

    def jit(function):
        try:  # compiled once, then loaded from numba's cache next to this file or per user
            return numba.njit(cache=True, nogil=True, error_model="numpy")(function)
        except RuntimeError:  # no writable cache location: compile in every process
            return numba.njit(cache=False, nogil=True, error_model="numpy")(function)

    @jit
    def sgd(w, g, lr, wd):  # pragma: no cover - compiled
        # d = w wd + g (when wd); w = w - d lr
        for i in range(w.size):
            gi = g[i]
            if wd:
                gi = w[i] * wd + gi
            w[i] = w[i] - gi * lr

    @jit
    def sgd_momentum(w, g, v, lr, wd, mu, nesterov):  # pragma: no cover - compiled
        # v = v mu + g; step = v (or g + v mu, Nesterov); w = w - step lr
        for i in range(w.size):
            gi = g[i]
            if wd:
                gi = w[i] * wd + gi
            vi = v[i] * mu + gi
            v[i] = vi
            step = vi * mu + gi if nesterov else vi
            w[i] = w[i] - step * lr

    @jit
    def adam(w, g, m, v, wd, decay, b1, c1, b2, c2, k, eps, s):  # pragma: no cover - compiled
        # [AdamW: w = w decay]; [Adam: g = w wd + g]; m = m b1 + g c1; v = v b2 + g g c2;
        # w = w - m / (sqrt(v) k + eps) s, with k and s the bias corrections (and lr)
        for i in range(w.size):
            gi = g[i]
            wi = w[i]
            if decay != 1:
                wi = wi * decay
            if wd:
                gi = wi * wd + gi
            mi = m[i] * b1 + gi * c1
            vi = v[i] * b2 + gi * gi * c2
            m[i] = mi
            v[i] = vi
            w[i] = wi - mi / (np.sqrt(vi) * k + eps) * s

    @jit
    def rmsprop(w, g, v, a, b, lr, wd, rho, c, eps, mu, centered):  # pragma: no cover
        # v = v rho + g g c; [centered: a = a rho + g c; denom = sqrt(v - a a)] else sqrt(v);
        # q = g / (denom + eps); [momentum: b = b mu + q; q = b]; w = w - q lr
        for i in range(w.size):
            gi = g[i]
            if wd:
                gi = w[i] * wd + gi
            vi = v[i] * rho + gi * gi * c
            v[i] = vi
            if centered:
                ai = a[i] * rho + gi * c
                a[i] = ai
                denom = np.sqrt(vi - ai * ai)
            else:
                denom = np.sqrt(vi)
            q = gi / (denom + eps)
            if mu:
                bi = b[i] * mu + q
                b[i] = bi
                q = bi
            w[i] = w[i] - q * lr

    @jit
    def bias_relu(z, b, zero):  # pragma: no cover - compiled
        # z = max(z + b, 0), row by row (b None: no bias); NaN stays NaN as in np.maximum;
        # zero is 0 in z's dtype (a literal 0.0 would be float64)
        rows, units = z.shape
        for r in range(rows):
            for j in range(units):
                v = z[r, j] if b is None else z[r, j] + b[j]
                z[r, j] = zero if v < 0 else v

    @jit
    def times_relu_derivative(d, h, zero, one):  # pragma: no cover - compiled
        # d = d * 1[h > 0], written in the layer's output h (as d * mask in NumPy)
        rows, units = d.shape
        for r in range(rows):
            for j in range(units):
                d[r, j] = d[r, j] * (one if h[r, j] > 0 else zero)

    @jit
    def times_relu_derivative_and_sum(d, h, sums, zero, one):  # pragma: no cover - compiled
        # d = d * 1[h > 0], and sums_j = sum over the rows of the new d, added row after row
        # (the order of NumPy's d.sum(axis=0) on a C-ordered d)
        rows, units = d.shape
        for r in range(rows):
            for j in range(units):
                v = d[r, j] * (one if h[r, j] > 0 else zero)
                d[r, j] = v
                sums[j] = v if r == 0 else sums[j] + v

    @jit
    def softmax_cross_entropy(z, labels, weights, scale):  # pragma: no cover - compiled
        # Per row: s = z - max(z); E_r = log(sum exp(s)) - s[label]; z becomes
        # (softmax(z) - onehot(label)) * w_r * scale. Returns sum_r E_r (* w_r), in float64.
        # Not bit-identical to NumPy: the exponential and logarithm are LLVM's, not NumPy's.
        rows, units = z.shape
        total = 0.0
        for r in range(rows):
            top = z[r, 0]
            for j in range(1, units):
                v = z[r, j]
                if v > top or v != v:
                    top = v
            label = labels[r]
            if label < 0 or label >= units:  # fit checks labels first; never read outside z
                raise IndexError("a class label is outside the output layer")
            picked = z[r, label] - top
            norm = z[r, 0] - z[r, 0]  # zero in z's dtype
            for j in range(units):
                e = np.exp(z[r, j] - top)
                z[r, j] = e
                norm += e
            loss = np.log(norm) - picked
            for j in range(units):
                p = z[r, j] / norm
                if j == label:
                    p -= 1
                if weights is not None:
                    p = p * weights[r]
                z[r, j] = p * scale
            total += loss if weights is None else loss * weights[r]
        return total

    return {
        "softmax_cross_entropy": softmax_cross_entropy,
        "sgd": sgd,
        "sgd_momentum": sgd_momentum,
        "adam": adam,
        "rmsprop": rmsprop,
        "bias_relu": bias_relu,
        "times_relu_derivative": times_relu_derivative,
        "times_relu_derivative_and_sum": times_relu_derivative_and_sum,
    }
