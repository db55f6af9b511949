"""Dense: a fully connected layer, out = f(x @ W + b)."""

from __future__ import annotations

import numpy as np

from .._checks import as_generator, check_choice, check_float_dtype, check_memory, check_number
from .._text import plural
from ..engine import Tensor
from ..engine import functional as F
from ..errors import ParameterError, ShapeError
from . import activations
from . import init as initializers
from .module import Module
from .parameter import Parameter
from .registry import register_layer


@register_layer
class Dense(Module):
    """A fully connected layer: ``net_j = sum_i x_i W_ij + b_j``, ``out_j = f(net_j)``.

    Two tape nodes: the fused ``linear`` op and the activation (none for identity).

    Parameters
    ----------
    units : int
        Number of neurons (outputs).
    activation : str, Activation or None, default None
        ``f``; a name from :mod:`deltaprop.nn.activations` (None is the identity).
    bias : True, False or "shared", default True
        One bias per neuron, none, or a single bias shared by the whole layer (as in the
        worked example's b1 and b2). ``weight`` has shape (in_features, units); ``bias`` has
        shape (units,), or (1,) when shared.
    init : str, Initializer, number or array, default "glorot_uniform"
        How to set the weights when the layer is built; an array gives them one by one.
    bias_init : same kinds as ``init``, default "zeros"
    in_features : int, optional
        Input width. With it the layer is built at construction (its initial values drawn on
        first use, so that a network taking it in gives them its seed and dtype); without it,
        on its first call or when its network is built.
    dtype : "float32" or "float64", optional
        The parameters' dtype; by default the container's, else the first input's, else float32.
    seed : int or numpy.random.Generator, optional
        Randomness of ``init``; by default the container's stream (see Sequential's ``seed``).

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> layer = dp.Dense(2, activation="logistic", init=[[0.15, 0.25], [0.20, 0.30]],
    ...                  bias="shared", bias_init=0.35, dtype="float64")
    >>> layer(np.array([[0.05, 0.10]])).data.round(9).tolist()
    [[0.593269992, 0.596884378]]
    """

    replayable = True

    def __init__(
        self,
        units: int,
        activation=None,
        *,
        bias=True,
        init="glorot_uniform",
        bias_init="zeros",
        in_features: int | None = None,
        dtype=None,
        seed=None,
    ):
        self.units = check_number("units", units, low=1, integer=True)
        self.activation = activations.get(activation)
        if bias is not True and bias is not False and bias != "shared":
            check_choice("bias", bias, (True, False, "shared"))
        self.bias_mode = bias
        self.init = initializers.get(init)
        self.bias_init = initializers.get(bias_init)
        self.in_features = (
            None
            if in_features is None
            else check_number("in_features", in_features, low=1, integer=True)
        )
        self.dtype = None if dtype is None else check_float_dtype("dtype", dtype)
        self._seed = seed
        if seed is not None:
            as_generator(seed)  # validate now, where the argument enters
        self._fixed_dtype = self.dtype is not None  # given here: a network does not change it
        self.weight = Parameter()
        self.bias = None if bias is False else Parameter()
        if self.in_features is not None:
            # Built now (as torch.nn.Linear is), with values drawn on first use: a network
            # that takes the layer in first gives them its own seed stream and dtype.
            self._build(self.in_features, None, None, defer=True)

    def build(self, in_features: int, *, rng=None, dtype=None) -> int:
        """Create W (in_features x units) and b from the initialisers; return ``units``.

        ``rng`` and ``dtype`` are the network's (unless the layer has its own ``seed`` or
        ``dtype``). Values already there (assigned, or drawn and used) are kept, converted to
        the layer's dtype.
        """
        return self._build(in_features, rng, dtype, defer=False)

    def _build(self, in_features, rng, dtype, defer: bool) -> int:
        in_features = check_number("in_features", in_features, low=1, integer=True)
        if self.in_features is not None and in_features != self.in_features:
            raise ShapeError(
                f"Dense({self.units}) was declared with in_features={self.in_features}; "
                f"got inputs with {plural(in_features, 'feature')}"
            )
        self.in_features = in_features
        if not self._fixed_dtype and dtype is not None:
            self.dtype = check_float_dtype("dtype", dtype)
        self.dtype = np.dtype(self.dtype or np.float32)
        check_memory(
            f"Dense({self.units}) with {plural(in_features, 'input')}",
            in_features * self.units + self.units,
            self.dtype.itemsize,
        )
        rng = as_generator(self._seed) if self._seed is not None or rng is None else rng
        if self.weight.is_built and not self.weight.is_deferred:
            self._adopt_values(rng)
        elif defer:
            self._check_explicit_values()
            for p in self._own_parameters():
                p.defer(lambda: self._draw(rng))
        else:
            self._draw(rng)
        return self.units

    def _shapes(self) -> dict:
        shapes = {"weight": (self.in_features, self.units)}
        if self.bias is not None:
            shapes["bias"] = (1,) if self.bias_mode == "shared" else (self.units,)
        return shapes

    def _own_parameters(self) -> list[Parameter]:
        return [getattr(self, name) for name in self._shapes()]

    def _draw(self, rng) -> None:
        """Set the initial W and b (both at once: the same draws whichever is used first)."""
        for p in self._own_parameters():
            p.defer(None)
        for name, shape in self._shapes().items():
            initializer = self.init if name == "weight" else self.bias_init
            getattr(self, name).data = initializer(shape, rng, self.dtype)

    def _check_explicit_values(self) -> None:
        """Explicit initial values of the wrong shape are refused now, not on first use."""
        for name, shape in self._shapes().items():
            initializer = self.init if name == "weight" else self.bias_init
            if isinstance(initializer, initializers.Explicit):
                initializer(shape, None, self.dtype)

    def _adopt_values(self, rng) -> None:
        """Values assigned before the layer was built: check their shapes, take its dtype."""
        for name, shape in self._shapes().items():
            p = getattr(self, name)
            if not p.is_built:
                initializer = self.init if name == "weight" else self.bias_init
                p.data = initializer(shape, rng, self.dtype)
            elif p.data.shape != shape:
                raise ShapeError(
                    f"Dense({self.units}).{name} was given values of shape {p.data.shape}; "
                    f"inputs of {self.in_features} features need {shape}"
                )
            p.convert(self.dtype)

    def forward(self, x) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x, dtype=self.dtype) if self.dtype else np.asarray(x))
        if x.ndim == 0:
            raise ShapeError(f"Dense({self.units}) needs inputs with a feature axis; got a scalar")
        if not self.weight.is_built:
            kind = x.dtype if x.dtype.kind == "f" else None
            self.build(x.shape[-1], dtype=kind)
        if x.shape[-1] != self.in_features:
            raise ShapeError(
                f"Dense({self.units}): inputs have {plural(x.shape[-1], 'feature')} but the layer "
                f"expects {self.in_features} (input of shape {x.shape})"
            )
        if x.dtype != self.dtype:
            raise ParameterError(
                f"Dense({self.units}) computes in {self.dtype}; got a {x.dtype} input tensor "
                "(convert the data, or build the network with the matching dtype)"
            )
        net = F.linear(x, self.weight, self.bias)
        return self.activation(net)

    def get_config(self) -> dict:
        return {
            "units": self.units,
            "activation": self.activation.get_config(),
            "bias": self.bias_mode,
            "in_features": self.in_features,
        }

    def __repr__(self) -> str:
        return (
            f"Dense({self.units}, activation={self.activation.name!r}, bias={self.bias_mode!r}, "
            f"in_features={self.in_features})"
        )
