"""Stack: layers applied one after another, out = f_L(... f_2(f_1(x)))."""

from __future__ import annotations

import numpy as np

from .._checks import as_generator, check_float_dtype
from ..engine import Tensor
from ..errors import ParameterError, ParameterTypeError, ShapeError
from .flat import pack
from .module import Module
from .registry import layer_config, layer_from_config

ARCHITECTURE = "Sequential"  # the "type" of a stack's architecture in model files


class Stack(Module):
    """A stack of modules, each fed the previous one's output (the model layer's container;
    :class:`deltaprop.Sequential` adds training, prediction and files on top).

    A stack whose first layer declares its input size (``Dense(..., in_features=n)``) is built
    at construction; otherwise on :meth:`build` or its first call.

    Parameters
    ----------
    layers : list of Module
    seed : int, numpy.random.Generator or None
        Source of the initial weights: layer ``i`` draws from the ``i``-th stream spawned from
        it, so adding a layer at the end does not change the others' weights. None draws fresh
        entropy (not reproducible). A layer given its own seed uses that instead.
    dtype : "float32" (default) or "float64"
        The dtype of every parameter. Array inputs are converted to it on entry.

    Examples
    --------
    >>> import deltaprop as dp
    >>> stack = dp.nn.Stack([dp.Dense(3, "tanh", in_features=2), dp.Dense(1)], seed=0)
    >>> stack.is_built, stack.layers[0].weight.data.shape, stack.layers[1].weight.data.dtype
    (True, (2, 3), dtype('float32'))
    """

    def __init__(self, layers, *, seed=None, dtype="float32"):
        layers = list(layers)
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise ParameterTypeError(
                    f"layers[{i}] must be a Module (such as Dense); got {layer!r}"
                )
        self.layers = layers
        self.dtype = check_float_dtype("dtype", dtype)
        self._built = False
        self.seed = None if isinstance(seed, np.random.Generator) else seed
        self._rngs = as_generator(seed).spawn(len(layers))
        if self.in_features is not None:
            self.build(self.in_features)

    def build(self, in_features: int, *, rng=None, dtype=None) -> int:
        """Build every layer for inputs of ``in_features`` features; return the output width."""
        n = in_features
        for layer, rng in zip(self.layers, self._rngs):
            n = layer.build(n, rng=rng, dtype=self.dtype)
        # One buffer for all values and one for all gradients: the optimizer updates every
        # parameter in one pass and backward writes gradients without allocating.
        pack(self.parameters())
        self._built = True
        return n

    @property
    def replayable(self) -> bool:
        return all(layer.replayable for layer in self.layers)

    @property
    def in_features(self) -> int | None:
        first = self.layers[0] if self.layers else None
        return getattr(first, "in_features", None)

    @property
    def out_features(self) -> int | None:
        for layer in reversed(self.layers):
            if getattr(layer, "units", None) is not None:
                return layer.units
        return None

    def forward(self, x) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x, dtype=self.dtype))
        if x.ndim == 0:
            raise ShapeError("network inputs need a feature axis; got a scalar")
        if not self._built:
            if not self.is_built:
                self.build(x.shape[-1])
            self._built = True
        for layer in self.layers:
            x = layer(x)
        return x

    # -- configuration ----------------------------------------------------------------------
    def architecture(self) -> dict:
        """The layers as model files describe them: ``{"type", "dtype", "layers"}``, each layer
        ``{"type": <registered name>, **layer.get_config()}`` (see :mod:`.registry`)."""
        layers = [layer_config(layer, f"layers[{i}]") for i, layer in enumerate(self.layers)]
        return {"type": ARCHITECTURE, "dtype": self.dtype.name, "layers": layers}

    @classmethod
    def from_architecture(cls, architecture: dict, **kwargs):
        """A new, built stack of the layers an :meth:`architecture` dict describes.

        ``kwargs`` go to the constructor. Raises ParameterError for an unknown layer type or
        architecture, or no layers; KeyError, TypeError or ValueError for a malformed dict.
        """
        if architecture.get("type") != ARCHITECTURE:
            raise ParameterError(
                f"architecture type must be {ARCHITECTURE!r}; got {architecture.get('type')!r}"
            )
        layers = [layer_from_config(config) for config in architecture["layers"]]
        if not layers:
            raise ParameterError("an architecture needs at least one layer; got none")
        stack = cls(layers, dtype=architecture["dtype"], **kwargs)
        if not stack.is_built:
            stack.build(layers[0].in_features)
        return stack

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]
