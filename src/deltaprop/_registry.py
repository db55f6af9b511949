"""Internal: a table of names -> classes, one per kind of extension (layers, optimizers, losses).

Each kind keeps one :class:`Registry`, filled by a class decorator next to the class it names,
so that adding a layer, an optimizer or a loss touches one place: the model files, the command
line and ``get``-style lookups all read the same table.
"""

from __future__ import annotations

from collections.abc import Iterator

from .errors import ParameterError, RegistryError


class Registry:
    """Names of one kind of extension, each mapped to its class (plus optional aliases).

    (Any object can be registered; classes are the usual case.)

    >>> shapes = Registry("shape")
    >>> @shapes.register("square", aliases=("box",))
    ... class Square:
    ...     pass
    >>> shapes.get("box") is Square, shapes.name_of(Square), shapes.names()
    (True, 'square', ('square',))
    >>> shapes.get("circle")
    Traceback (most recent call last):
    ...
    deltaprop.errors.ParameterError: shape must be one of square; got 'circle'
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._classes: dict[str, type] = {}  # primary names, in registration order
        self._aliases: dict[str, str] = {}  # alias -> primary name

    def register(self, name: str, *, aliases: tuple[str, ...] = ()):
        """Class decorator: make the class known as ``name`` (and ``aliases``); returns it.

        A name already taken by another class is a :class:`~deltaprop.errors.RegistryError`;
        registering the same class again (or a class of the same module and qualified name,
        as a reloaded module defines it) replaces the entry.
        """
        if not isinstance(name, str) or not name:
            raise RegistryError(f"a {self.kind} needs a non-empty name; got {name!r}")

        def decorate(cls: type) -> type:
            for key in (name, *aliases):
                taken = self._lookup(key)
                if taken is not None and not _same_class(taken, cls):
                    raise RegistryError(
                        f"the {self.kind} name {key!r} is already taken by {_label(taken)}; "
                        f"choose another name for {_label(cls)}"
                    )
            self._classes[name] = cls
            self._aliases.update((alias, name) for alias in aliases)
            return cls

        return decorate

    def unregister(self, name: str) -> None:
        """Forget ``name`` and its aliases (a test's own extensions, say); unknown names are
        ignored."""
        self._classes.pop(name, None)
        self._aliases = {a: n for a, n in self._aliases.items() if n != name}

    def _lookup(self, key: str) -> type | None:
        return self._classes.get(self._aliases.get(key, key))

    def get(self, name) -> type:
        """The class registered as ``name`` (or an alias); ParameterError naming the choices."""
        cls = self._lookup(name) if isinstance(name, str) else None
        if cls is None:
            raise ParameterError(f"{self.kind} must be one of {', '.join(self)}; got {name!r}")
        return cls

    def name_of(self, cls: type) -> str | None:
        """The primary name ``cls`` is registered under, or None."""
        for name, registered in self._classes.items():
            if registered is cls:
                return name
        return None

    def names(self) -> tuple[str, ...]:
        """The primary names, in registration order (aliases left out)."""
        return tuple(self._classes)

    def all_names(self) -> tuple[str, ...]:
        """The primary names and the aliases, in registration order."""
        return (*self._classes, *self._aliases)

    def items(self):
        return self._classes.items()

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and self._lookup(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self)})"


def _same_class(a, b) -> bool:
    if a is b:
        return True
    key = (getattr(a, "__module__", None), getattr(a, "__qualname__", None))
    return key[1] is not None and key == (b.__module__, getattr(b, "__qualname__", None))


def _label(obj) -> str:
    qualname = getattr(obj, "__qualname__", None)
    return f"{obj.__module__}.{qualname}" if qualname else repr(obj)
