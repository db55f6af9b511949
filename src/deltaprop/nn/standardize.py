"""Standardize: a layer that centres and scales each feature with statistics fitted on data."""

from __future__ import annotations

import numpy as np

from .._checks import check_float_dtype, check_number
from .._text import plural
from ..engine import Tensor
from ..engine import functional as F
from ..errors import DataError, NotBuiltError, ParameterError, ShapeError
from .module import Module
from .registry import register_layer


@register_layer
class Standardize(Module):
    """Feature standardisation, ``out_i = (x_i - mean_i) / std_i``, as the first layer.

    ``mean`` and ``std`` are fitted once with :meth:`fit` (on the training split only, so no
    information leaks from validation or test data) and are non-trainable state: saved by
    ``state_dict`` and in model files, never changed by an optimizer. A network that starts
    with this layer therefore takes raw features at ``predict`` time. A constant feature
    (``std = 0``) gets ``std = 1`` so it maps to zero instead of dividing by zero.

    Parameters
    ----------
    in_features : int, optional
        Input width; otherwise learnt from :meth:`fit` or the first call (as the identity,
        mean 0 and std 1, until fitted).
    dtype : "float32" or "float64", optional
        Dtype of the statistics (float32 by default); a Sequential sets its own.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Standardize().fit(np.array([[1.0, 10.0], [3.0, 10.0]]))
    >>> layer.mean.tolist(), layer.std.tolist()
    ([2.0, 10.0], [1.0, 1.0])
    >>> layer(np.array([[3.0, 12.0]], dtype=np.float32)).data.tolist()
    [[1.0, 2.0]]
    """

    replayable = True
    buffer_names = ("mean", "std")

    def __init__(self, *, in_features: int | None = None, dtype=None):
        self.in_features = (
            None
            if in_features is None
            else check_number("in_features", in_features, low=1, integer=True)
        )
        self.dtype = None if dtype is None else check_float_dtype("dtype", dtype)
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self._fitted = False
        if self.in_features is not None:
            self.build(self.in_features, dtype=self.dtype)

    @property
    def is_built(self) -> bool:
        return self.mean is not None

    @property
    def is_fitted(self) -> bool:
        """Whether the statistics come from data (``fit``, or a saved layer's), not the
        identity ``build`` sets; ``fit`` fits an unfitted first Standardize on its rows."""
        if self._fitted:
            return True
        return self.mean is not None and bool(np.any(self.mean != 0) or np.any(self.std != 1))

    def build(self, in_features: int, *, rng=None, dtype=None) -> int:
        """Set the identity statistics for ``in_features`` features unless already set."""
        in_features = check_number("in_features", in_features, low=1, integer=True)
        if self.in_features is not None and in_features != self.in_features:
            raise ShapeError(
                f"Standardize was built for {plural(self.in_features, 'feature')}; got "
                f"{in_features}"
            )
        self.in_features = in_features
        if dtype is not None:
            self.dtype = check_float_dtype("dtype", dtype)
        self.dtype = np.dtype(self.dtype or np.float32)
        if self.mean is None:
            self.mean = np.zeros(in_features, dtype=self.dtype)
            self.std = np.ones(in_features, dtype=self.dtype)
        # The statistics follow the computing dtype (no float64 constant in a float32 net).
        self.mean = self.mean.astype(self.dtype, copy=False)
        self.std = self.std.astype(self.dtype, copy=False)
        return in_features

    def fit(self, X) -> Standardize:
        """Set ``mean`` and ``std`` (population, ddof=0) per column of ``X``; return self.

        The sums run in float64 so a float32 data set of many rows keeps its precision; the
        results are stored in the layer's dtype.
        """
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[0] == 0 or X.dtype.kind not in "biuf":
            raise DataError(
                f"Standardize.fit needs a non-empty 2-D array of numbers; got shape {X.shape}, "
                f"dtype {X.dtype}"
            )
        self.mean = None
        self.build(X.shape[1])
        mean = X.mean(axis=0, dtype=np.float64)
        std = X.std(axis=0, dtype=np.float64)
        if not (np.isfinite(mean).all() and np.isfinite(std).all()):
            raise DataError("Standardize.fit needs finite values; X holds NaN or inf")
        std[std == 0] = 1.0
        self.mean = mean.astype(self.dtype)
        self.std = std.astype(self.dtype)
        self._fitted = True
        return self

    def forward(self, x) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x, dtype=self.dtype) if self.dtype else np.asarray(x))
        if self.mean is None:
            if x.ndim == 0:
                raise ShapeError("Standardize needs inputs with a feature axis; got a scalar")
            self.build(x.shape[-1], dtype=x.dtype if x.dtype.kind == "f" else None)
        if x.dtype != self.dtype:
            raise ParameterError(
                f"Standardize computes in {self.dtype}; got a {x.dtype} input tensor"
            )
        if x.shape[-1] != self.in_features:
            raise ShapeError(
                f"Standardize: inputs have {plural(x.shape[-1], 'feature')} but the layer expects "
                f"{self.in_features} (input of shape {x.shape})"
            )
        # Two elementwise ops on the input; constants need no gradient, so backward only
        # passes g / std on (and not even that for the network's input, a non-grad leaf).
        return F.div(F.sub(x, self.mean), self.std)

    def get_config(self) -> dict:
        if self.in_features is None:
            raise NotBuiltError("Standardize has no statistics yet: fit it or call it first")
        return {"in_features": self.in_features}

    def __repr__(self) -> str:
        return f"Standardize(in_features={self.in_features})"
