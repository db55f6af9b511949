"""Sums, means and shape changes."""

from __future__ import annotations

import numpy as np

from ..op import Op, Sample, register


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axis)


def _expand(g, x, axis, keepdims):
    """Give ``g`` back the reduced axes, as length-1 dimensions, then broadcast to x."""
    if not keepdims:
        for a in sorted(_axes(axis, x.ndim)):
            g = np.expand_dims(g, a)
    return np.broadcast_to(g, x.shape)


@register
class Sum(Op):
    """out = sum of x over ``axis``; every summed element gets the incoming gradient."""

    name = "sum"

    def __init__(self, axis=None, keepdims=False):
        super().__init__(axis=axis, keepdims=keepdims)

    def forward(self, x):
        return np.asarray(np.sum(x, axis=self.axis, keepdims=self.keepdims), dtype=x.dtype)

    def vjp(self, g, out, x):
        return (_expand(g, x, self.axis, self.keepdims),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),))
        yield Sample((rng.normal(size=(3, 4)),), {"axis": 0})
        yield Sample((rng.normal(size=(2, 3, 4)),), {"axis": (0, 2), "keepdims": True})


@register
class Mean(Op):
    """out = mean of x over ``axis``; each element gets the incoming gradient / count."""

    name = "mean"

    def __init__(self, axis=None, keepdims=False):
        super().__init__(axis=axis, keepdims=keepdims)

    def forward(self, x):
        return np.asarray(np.mean(x, axis=self.axis, keepdims=self.keepdims), dtype=x.dtype)

    def vjp(self, g, out, x):
        count = int(np.prod([x.shape[a] for a in _axes(self.axis, x.ndim)]))
        return (_expand(g / count, x, self.axis, self.keepdims),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),))
        yield Sample((rng.normal(size=(3, 4)),), {"axis": 1})


@register
class Reshape(Op):
    """out = x with a new shape (same elements in the same order)."""

    name = "reshape"

    def __init__(self, shape):
        super().__init__(shape=tuple(shape))

    def forward(self, x):
        return x.reshape(self.shape)

    def vjp(self, g, out, x):
        return (g.reshape(x.shape),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),), {"shape": (2, 6)})


@register
class Transpose(Op):
    """out = x with its axes permuted (reversed by default); the gradient permutes back."""

    name = "transpose"

    def __init__(self, axes=None):
        super().__init__(axes=None if axes is None else tuple(axes))

    def forward(self, x):
        return np.transpose(x, self.axes)

    def vjp(self, g, out, x):
        inverse = None if self.axes is None else tuple(np.argsort(self.axes))
        return (np.transpose(g, inverse),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)),))
        yield Sample((rng.normal(size=(2, 3, 4)),), {"axes": (1, 2, 0)})
