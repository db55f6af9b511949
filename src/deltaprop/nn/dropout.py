"""Dropout: randomly silence inputs while training (inverted dropout)."""

from __future__ import annotations

import numpy as np

from .._checks import as_generator, check_number
from ..engine import Tensor
from ..engine import functional as F
from .module import Module
from .registry import register_layer


@register_layer
class Dropout(Module):
    """Inverted dropout: ``out = x * m / (1 - p)`` with ``m_i ~ Bernoulli(1 - p)`` while training,
    ``out = x`` in inference mode (``predict``, ``evaluate``, ``module.eval()``).

    Dividing by ``1 - p`` during training keeps every unit's expected output unchanged, so
    nothing needs rescaling at inference. The mask is a constant of the step: backward is the
    ``mul`` op's, ``dE/dx = dE/dout * m / (1 - p)``. A new mask is drawn for every batch from
    the layer's own ``numpy.random.Generator``, so a seeded network drops the same units in
    every run, and a checkpoint saves the generator's state (see ``generator``).

    Parameters
    ----------
    p : float
        Probability of dropping each input, in [0, 1).
    seed : int or numpy.random.Generator, optional
        By default the container's stream for this layer (see Sequential's ``seed``).
    in_features : int, optional
        Input width (learnt from the first input otherwise; the layer keeps it).

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> layer = dp.Dropout(0.5, seed=0)
    >>> out = layer(np.ones((2, 4))).data        # training mode: zeros and 2s
    >>> sorted(set(out.ravel().tolist()))
    [0.0, 2.0]
    >>> layer.eval()(np.ones((1, 3))).data.tolist()
    [[1.0, 1.0, 1.0]]
    """

    def __init__(self, p: float, *, seed=None, in_features: int | None = None):
        self.p = check_number("p", p, low=0.0, high=1.0, high_inclusive=False)
        self._seed = seed
        self.generator = None if seed is None else as_generator(seed)
        self.in_features = (
            None
            if in_features is None
            else check_number("in_features", in_features, low=1, integer=True)
        )

    def build(self, in_features: int, *, rng=None, dtype=None) -> int:
        self.in_features = in_features
        if self.generator is None:
            self.generator = rng if rng is not None else as_generator(None)
        return in_features

    def forward(self, x) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x))
        if not self.training or self.p == 0.0:
            return x
        if self.generator is None:
            self.build(x.shape[-1])
        dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
        u = self.generator.random(x.shape, dtype=dtype)
        mask = (u >= self.p).astype(dtype)
        mask *= 1.0 / (1.0 - self.p)
        return F.mul(x, mask)

    def get_config(self) -> dict:
        config = {"p": self.p, "in_features": self.in_features}
        if isinstance(self._seed, int):
            config["seed"] = self._seed
        return config

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
