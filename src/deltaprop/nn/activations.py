"""Activation functions by name or object, for ``Dense(activation=...)``.

Names: ``"logistic"`` (alias ``"sigmoid"``), ``"tanh"``, ``"relu"``, ``"leaky_relu"``,
``"softmax"``, ``"identity"`` (aliases ``"linear"``, None).
"""

from __future__ import annotations

from ..engine import functional as F
from ..errors import ParameterError, ParameterTypeError


class Activation:
    """out = f(net), applied as one op. ``name`` identifies it in configs and traces."""

    name = ""
    formula = ""

    def __call__(self, x):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name}

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Logistic(Activation):
    name, formula = "logistic", "1 / (1 + e^-net)"

    def __call__(self, x):
        return F.logistic(x)


class Tanh(Activation):
    name, formula = "tanh", "tanh(net)"

    def __call__(self, x):
        return F.tanh(x)


class ReLU(Activation):
    name, formula = "relu", "max(net, 0)"

    def __call__(self, x):
        return F.relu(x)


class LeakyReLU(Activation):
    name = "leaky_relu"

    def __init__(self, slope: float = 0.01):
        from .._checks import check_number

        self.slope = check_number("slope", slope, low=0.0, high=1.0, high_inclusive=False)
        self.formula = f"net if net > 0 else {self.slope:g} net"

    def __call__(self, x):
        return F.leaky_relu(x, self.slope)

    def get_config(self) -> dict:
        return {"name": self.name, "slope": self.slope}

    def __repr__(self) -> str:
        return f"LeakyReLU(slope={self.slope})"


class Softmax(Activation):
    name, formula = "softmax", "e^net_k / sum_j e^net_j"

    def __call__(self, x):
        return F.softmax(x)


class Identity(Activation):
    name, formula = "identity", "net"

    def __call__(self, x):
        # No op is recorded: out is net itself, one node fewer on the hot path.
        return x


_BY_NAME = {
    "logistic": Logistic,
    "sigmoid": Logistic,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "softmax": Softmax,
    "identity": Identity,
    "linear": Identity,
}

NAMES = tuple(sorted(_BY_NAME))


def get(spec) -> Activation:
    """An Activation from a name, a config dict (``{"name": ..., ...}``), an Activation or None.

    >>> get("sigmoid").name
    'logistic'
    >>> get({"name": "leaky_relu", "slope": 0.2}).slope
    0.2
    """
    if spec is None:
        return Identity()
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, dict):
        config = dict(spec)
        name = config.pop("name", None)
        return _from_name(name, config)
    if isinstance(spec, str):
        return _from_name(spec, {})
    raise ParameterTypeError(
        f"activation must be a name ({', '.join(NAMES)}), an Activation or None; got {spec!r}"
    )


def _from_name(name, kwargs) -> Activation:
    key = name.lower() if isinstance(name, str) else name
    if key not in _BY_NAME:
        raise ParameterError(f"activation must be one of {', '.join(NAMES)}; got {name!r}")
    try:
        return _BY_NAME[key](**kwargs)
    except TypeError as exc:
        raise ParameterError(f"activation {name!r} does not take options {kwargs}") from exc
