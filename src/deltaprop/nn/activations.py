"""Activation functions by name or object, for ``Dense(activation=...)``.

Names: ``"logistic"`` (alias ``"sigmoid"``), ``"tanh"``, ``"relu"``, ``"leaky_relu"``,
``"softmax"``, ``"identity"`` (aliases ``"linear"``, None), and whatever else was registered
with :func:`register_activation`.

An :class:`Activation` is a named handle on an engine op
(:class:`~deltaprop.engine.ops.activations.ActivationOp`), which is the activation's one home:
its forward and derivative, the fused and scalar steps' forms, the compiled form and the
formulas explain prints. :data:`ACTIVATIONS` is the registry the command line, the explain
spec parser and :func:`get` read.
"""

from __future__ import annotations

from .._registry import Registry
from ..engine.op import apply
from ..engine.ops import activations as ops
from ..errors import ParameterError, ParameterTypeError, RegistryError

ACTIVATIONS = Registry("activation")


def register_activation(cls: type | None = None, *, aliases: tuple[str, ...] = ()):
    """Class decorator: make an :class:`Activation` subclass known by its ``name`` (and
    ``aliases``) to :func:`get`, model files, ``deltaprop train --activation`` and explain.
    Its ``op`` must be an :class:`~deltaprop.engine.ops.activations.ActivationOp` subclass."""

    def decorate(activation_class: type) -> type:
        op = getattr(activation_class, "op", None)
        if not (isinstance(op, type) and issubclass(op, ops.ActivationOp)):
            raise RegistryError(
                f"activation {activation_class.__qualname__} needs an op: an ActivationOp "
                f"subclass holding its forms; got {op!r}"
            )
        return ACTIVATIONS.register(activation_class.name, aliases=aliases)(activation_class)

    return decorate if cls is None else decorate(cls)


class Activation:
    """out = f(net), applied as one op. ``name`` identifies it in configs and traces; ``op``
    is the engine op class holding every form of it; options (such as a slope) are the
    ``get_config`` entries besides the name, passed to the op."""

    name = ""
    op: type[ops.ActivationOp] | None = None

    def __call__(self, x):
        return apply(self.make_op(), x)

    def options(self) -> dict:
        """The op's attributes (``get_config`` without the name)."""
        return {k: v for k, v in self.get_config().items() if k != "name"}

    def make_op(self) -> ops.ActivationOp:
        """A new instance of the engine op with this activation's options."""
        return self.op(**self.options())

    @property
    def formula(self) -> str:
        """f(net) as explain writes it, the options filled in."""
        return self.op.formula.format(**{k: f"{v:g}" for k, v in self.options().items()})

    def get_config(self) -> dict:
        return {"name": self.name}

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@register_activation(aliases=("sigmoid",))
class Logistic(Activation):
    name, op = "logistic", ops.Logistic


@register_activation
class Tanh(Activation):
    name, op = "tanh", ops.Tanh


@register_activation
class ReLU(Activation):
    name, op = "relu", ops.ReLU


@register_activation
class LeakyReLU(Activation):
    name, op = "leaky_relu", ops.LeakyReLU

    def __init__(self, slope: float = 0.01):
        from .._checks import check_number

        self.slope = check_number("slope", slope, low=0.0, high=1.0, high_inclusive=False)

    def get_config(self) -> dict:
        return {"name": self.name, "slope": self.slope}

    def __repr__(self) -> str:
        return f"LeakyReLU(slope={self.slope})"


@register_activation
class Softmax(Activation):
    name, op = "softmax", ops.Softmax


@register_activation(aliases=("linear",))
class Identity(Activation):
    name, op = "identity", ops.Identity

    def __call__(self, x):
        # No op is recorded: out is net itself, one node fewer on the hot path.
        return x


def names(elementwise_only: bool = False) -> tuple[str, ...]:
    """Every registered activation name and alias, sorted (``elementwise_only``: leave out
    activations whose outputs depend on a whole row, such as softmax)."""
    found = []
    for name in ACTIVATIONS.all_names():
        if not elementwise_only or ACTIVATIONS.get(name).op.elementwise:
            found.append(name)
    return tuple(sorted(found))


NAMES = names()  # the built-in names; names() also lists those registered later


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
        f"activation must be a name ({', '.join(names())}), an Activation or None; got {spec!r}"
    )


def _from_name(name, kwargs) -> Activation:
    key = name.lower() if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        raise ParameterError(f"activation must be one of {', '.join(names())}; got {name!r}")
    try:
        return ACTIVATIONS.get(key)(**kwargs)
    except TypeError as exc:
        raise ParameterError(f"activation {name!r} does not take options {kwargs}") from exc
