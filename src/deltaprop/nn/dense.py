"""Dense: a fully connected layer, out = f(x @ W + b)."""

from __future__ import annotations

import numpy as np

from .._checks import as_generator, check_choice, check_float_dtype, check_number
from ..engine import Tensor
from ..engine import functional as F
from ..errors import ParameterError, ShapeError
from . import activations
from . import init as initializers
from .module import Module
from .parameter import Parameter


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
        Input width. Without it the layer is built on its first call.
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
        self.weight = Parameter()
        self.bias = None if bias is False else Parameter()
        if self.in_features is not None and self.dtype is not None:
            self.build(self.in_features)

    def build(self, in_features: int, *, rng=None, dtype=None) -> int:
        """Create W (in_features x units) and b from the initialisers; return ``units``."""
        in_features = check_number("in_features", in_features, low=1, integer=True)
        if self.in_features is not None and in_features != self.in_features:
            raise ShapeError(
                f"Dense({self.units}) was declared with in_features={self.in_features}; "
                f"got inputs with {in_features} features"
            )
        if self.weight.is_built:
            return self.units
        self.in_features = in_features
        dtype = self.dtype or (
            check_float_dtype("dtype", dtype) if dtype is not None else np.float32
        )
        self.dtype = np.dtype(dtype)
        rng = as_generator(self._seed) if self._seed is not None or rng is None else rng
        self.weight.data = self.init((in_features, self.units), rng, self.dtype)
        if self.bias is not None:
            shape = (1,) if self.bias_mode == "shared" else (self.units,)
            self.bias.data = self.bias_init(shape, rng, self.dtype)
        return self.units

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
                f"Dense({self.units}): inputs have {x.shape[-1]} features but the layer "
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
            "type": "Dense",
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
