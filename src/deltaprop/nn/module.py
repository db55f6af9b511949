"""Module: the base of layers and networks; finds its parameters from its attributes."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..errors import ParameterError, ShapeError
from .parameter import Parameter


class Module:
    """Base class of layers and networks.

    A module's parameters are the :class:`Parameter` objects among its public attributes, and
    those of its sub-modules (attributes that are modules, or lists or tuples of modules),
    named by their path: ``layers.0.weight``. Names follow attribute order, so they are stable.
    A parameter reachable twice (shared) is listed once, under its first name.

    Subclasses write ``forward`` by composing ops; no module writes a backward pass.
    """

    training: bool = True
    #: Names of attributes holding non-trainable state (arrays such as a standardiser's mean):
    #: saved by ``state_dict`` beside the parameters, never seen by an optimizer.
    buffer_names: tuple[str, ...] = ()
    #: True when ``forward`` runs the same ops on every call, whatever the data (no random
    #: draws, no data-dependent branches): training may then record one step and replay it.
    replayable: bool = False

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def build(self, in_features: int, *, rng=None, dtype=None) -> int:
        """Create parameters for inputs of ``in_features`` features; return the output width.

        The default suits modules without parameters that keep the width.
        """
        return in_features

    # -- parameters -----------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted name, parameter)`` for every parameter, each once, in stable order."""
        seen: set[int] = set()
        for name, p in self._walk_parameters(prefix):
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def _walk_parameters(self, prefix: str):
        for name, value in vars(self).items():
            if not name.startswith("_") and isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child._walk_parameters(f"{prefix}{name}.")

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """Yield ``(dotted name, array)`` for every set buffer (see ``buffer_names``)."""
        for name in self.buffer_names:
            value = getattr(self, name, None)
            if value is not None:
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child.named_buffers(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        """Every parameter, each once (see :meth:`named_parameters`)."""
        return [p for _, p in self.named_parameters()]

    def modules(self) -> Iterator[Module]:
        """This module and every sub-module, depth first."""
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    @property
    def is_built(self) -> bool:
        return all(p.is_built for p in self.parameters())

    def count_parameters(self, trainable_only: bool = False) -> int:
        return sum(
            p.data.size
            for p in self.parameters()
            if p.is_built and (p.requires_grad or not trainable_only)
        )

    # -- modes and freezing ---------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active) on this module and its sub-modules."""
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        """Set inference mode (dropout off)."""
        return self.train(False)

    def freeze(self) -> Module:
        """Stop training every parameter: no gradient, no optimizer update."""
        for p in self.parameters():
            p.requires_grad = False
        return self

    def unfreeze(self) -> Module:
        for p in self.parameters():
            p.requires_grad = True
        return self

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    # -- state ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every built parameter's values and every buffer, by dotted name."""
        state = {name: p.data.copy() for name, p in self.named_parameters() if p.is_built}
        state.update((name, b.copy()) for name, b in self.named_buffers())
        return state

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy values in by name; shapes must match. ``strict``: no missing or extra names."""
        own = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        if strict:
            missing = sorted((set(own) | set(buffers)) - set(state))
            extra = sorted(set(state) - set(own) - set(buffers))
            if missing or extra:
                raise ParameterError(
                    f"state does not fit this network: missing {missing}, unexpected {extra}"
                )
        for name, values in state.items():
            if name in buffers:
                self._set_buffer(name, values, buffers[name])
                continue
            if name not in own:
                continue
            p = own[name]
            values = np.asarray(values)
            if p.is_built and p.data.shape != values.shape:
                raise ShapeError(
                    f"state for {name} has shape {values.shape}; the network expects {p.data.shape}"
                )
            p.data = values

    def _set_buffer(self, name: str, values, current: np.ndarray) -> None:
        values = np.asarray(values)
        if values.shape != current.shape:
            raise ShapeError(
                f"state for {name} has shape {values.shape}; the network expects {current.shape}"
            )
        owner = self
        *path, attr = name.split(".")
        for part in path:
            owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
        setattr(owner, attr, values.astype(current.dtype, copy=True))

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}()"
        inner = "\n".join(f"  ({n}): " + repr(m).replace("\n", "\n  ") for n, m in children)
        return f"{type(self).__name__}(\n{inner}\n)"
