"""The layers a model file can name: one registry, filled by :func:`register_layer`.

A layer class is registered once, next to its definition; saving writes each layer as
``{"type": <registered name>, **layer.get_config()}`` and loading looks the type up here and
calls ``cls.from_config(config)`` (by default ``cls(**config)``). ``get_config`` returns the
constructor's keyword arguments that rebuild the layer; its weights and buffers travel as
tensors beside the config.
"""

from __future__ import annotations

from .._registry import Registry
from ..errors import RegistryError

LAYERS = Registry("layer")


def register_layer(cls: type | None = None, *, name: str | None = None):
    """Class decorator: make a layer class savable and loadable under ``name`` (default: the
    class name). Use it bare (``@register_layer``) or with a name (``@register_layer(name=...)``).

    The class needs ``get_config()`` (its constructor's keyword arguments, JSON-able); a
    classmethod ``from_config(config)`` overrides the default ``cls(**config)``.

    >>> from deltaprop.nn import Module, register_layer
    >>> @register_layer
    ... class Doubler(Module):
    ...     replayable = True
    ...     def forward(self, x):
    ...         return x * 2.0
    ...     def get_config(self):
    ...         return {}
    >>> LAYERS.get("Doubler") is Doubler
    True
    >>> LAYERS.unregister("Doubler")  # (doctests leave the registry as they found it)
    """

    def decorate(layer_class: type) -> type:
        if not callable(getattr(layer_class, "get_config", None)):
            raise RegistryError(
                f"layer class {layer_class.__qualname__} needs a get_config() method (its "
                "constructor's keyword arguments) to be saved and loaded"
            )
        return LAYERS.register(name or layer_class.__name__)(layer_class)

    return decorate if cls is None else decorate(cls)


def layer_config(layer, where: str = "layer") -> dict:
    """``{"type": name, **layer.get_config()}``; RegistryError if the class is unregistered
    (saving it would write a file that loading refuses)."""
    name = LAYERS.name_of(type(layer))
    if name is None:
        raise RegistryError(
            f"{where} ({type(layer).__name__}) cannot be saved: its class is not a registered "
            "layer; decorate it with @deltaprop.nn.register_layer (see docs/architecture.md)"
        )
    return {"type": name, **layer.get_config()}


def layer_from_config(config: dict):
    """The layer a ``layer_config`` dict describes (ParameterError for an unknown type)."""
    config = dict(config)
    cls = LAYERS.get(config.pop("type", None))
    from_config = getattr(cls, "from_config", None)
    return from_config(config) if callable(from_config) else cls(**config)
