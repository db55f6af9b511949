"""Weight initialisers: ``init(shape, rng, dtype) -> array``; fan_in, fan_out = shape[0], shape[1].

By name: ``"glorot_uniform"``, ``"glorot_normal"``, ``"he_uniform"``, ``"he_normal"``,
``"zeros"``, ``"ones"``; objects: :class:`Uniform`, :class:`Constant`; or explicit values
(an array of the right shape, or a number for every entry).
"""

from __future__ import annotations

import numpy as np

from .._checks import check_number
from ..errors import ParameterError, ParameterTypeError, ShapeError


def _fans(shape) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]


class Initializer:
    """Base class: ``__call__(shape, rng, dtype)`` returns a new array."""

    name = ""

    def __call__(self, shape, rng: np.random.Generator, dtype) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class GlorotUniform(Initializer):
    """U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010)."""

    name = "glorot_uniform"

    def __call__(self, shape, rng, dtype):
        fan_in, fan_out = _fans(shape)
        a = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-a, a, size=shape).astype(dtype)


class GlorotNormal(Initializer):
    """N(0, s^2) with s = sqrt(2 / (fan_in + fan_out)) (not truncated)."""

    name = "glorot_normal"

    def __call__(self, shape, rng, dtype):
        fan_in, fan_out = _fans(shape)
        return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape).astype(dtype)


class HeUniform(Initializer):
    """U(-a, a) with a = sqrt(6 / fan_in) (He et al., 2015), for ReLU layers."""

    name = "he_uniform"

    def __call__(self, shape, rng, dtype):
        a = np.sqrt(6.0 / _fans(shape)[0])
        return rng.uniform(-a, a, size=shape).astype(dtype)


class HeNormal(Initializer):
    """N(0, s^2) with s = sqrt(2 / fan_in) (not truncated), for ReLU layers."""

    name = "he_normal"

    def __call__(self, shape, rng, dtype):
        return rng.normal(0.0, np.sqrt(2.0 / _fans(shape)[0]), size=shape).astype(dtype)


class Uniform(Initializer):
    """U(low, high)."""

    name = "uniform"

    def __init__(self, low: float = -0.05, high: float = 0.05):
        self.low = check_number("low", low)
        self.high = check_number("high", high)
        if self.high <= self.low:
            raise ParameterError(f"high must be > low; got low={low!r}, high={high!r}")

    def __call__(self, shape, rng, dtype):
        return rng.uniform(self.low, self.high, size=shape).astype(dtype)

    def __repr__(self) -> str:
        return f"Uniform(low={self.low}, high={self.high})"


class Constant(Initializer):
    """Every entry equal to ``value``."""

    name = "constant"

    def __init__(self, value: float = 0.0):
        self.value = check_number("value", value)

    def __call__(self, shape, rng, dtype):
        return np.full(shape, self.value, dtype=dtype)

    def __repr__(self) -> str:
        return f"Constant({self.value})"


class Explicit(Initializer):
    """Given values, one by one (to reproduce a worked example)."""

    name = "explicit"

    def __init__(self, values):
        array = np.asarray(values)
        if array.dtype.kind not in "iuf" or not np.all(np.isfinite(array)):
            raise ParameterError(f"explicit initial values must be finite numbers; got {values!r}")
        self.values = array

    def __call__(self, shape, rng, dtype):
        if self.values.shape != tuple(shape):
            raise ShapeError(
                f"explicit initial values have shape {self.values.shape}; "
                f"the parameter has shape {tuple(shape)}"
            )
        return self.values.astype(dtype)


_BY_NAME = {
    "glorot_uniform": GlorotUniform,
    "xavier_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "xavier_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "zeros": lambda: Constant(0.0),
    "ones": lambda: Constant(1.0),
    "uniform": Uniform,
}

NAMES = tuple(sorted(_BY_NAME))


def get(spec) -> Initializer:
    """An Initializer from a name, an Initializer, a number (every entry) or an array.

    >>> get(0.35)((2,), None, "float64").tolist()
    [0.35, 0.35]
    """
    if isinstance(spec, Initializer):
        return spec
    if isinstance(spec, str):
        if spec.lower() not in _BY_NAME:
            raise ParameterError(f"init must be one of {', '.join(NAMES)}; got {spec!r}")
        return _BY_NAME[spec.lower()]()
    if isinstance(spec, bool):
        raise ParameterTypeError(f"init must be a name, a number or an array; got {spec!r}")
    if isinstance(spec, (int, float, np.number)):
        return Constant(float(spec))
    if isinstance(spec, (list, tuple, np.ndarray)):
        return Explicit(spec)
    raise ParameterTypeError(
        f"init must be a name ({', '.join(NAMES)}), an Initializer, a number or an array; "
        f"got {spec!r}"
    )
