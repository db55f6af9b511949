"""Elementwise arithmetic, matmul, exp and log: the general ops that let any composition of
tensors be differentiated. Broadcast inputs get gradients of the broadcast shape; the engine
sums them back (engine/broadcast.py)."""

from __future__ import annotations

import numpy as np

from ..op import Op, Sample, register


def _pair(rng):
    yield Sample((rng.normal(size=(3, 4)), rng.normal(size=(3, 4))))
    yield Sample((rng.normal(size=(3, 4)), rng.normal(size=(4,))))  # broadcast row
    yield Sample((rng.normal(size=(3, 1)), rng.normal(size=())))  # broadcast column, scalar


@register
class Add(Op):
    """out = a + b."""

    name = "add"

    def forward(self, a, b):
        return a + b

    def vjp(self, g, out, a, b):
        return g, g

    sample_inputs = staticmethod(_pair)


@register
class Sub(Op):
    """out = a - b."""

    name = "sub"

    def forward(self, a, b):
        return a - b

    def vjp(self, g, out, a, b):
        return g, (-g if self.needs_input_grad[1] else None)

    sample_inputs = staticmethod(_pair)


@register
class Mul(Op):
    """out = a * b (elementwise); d out/da = b, d out/db = a."""

    name = "mul"

    def forward(self, a, b):
        return a * b

    def vjp(self, g, out, a, b):
        need_a, need_b = self.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)

    sample_inputs = staticmethod(_pair)


@register
class Div(Op):
    """out = a / b; d out/da = 1/b, d out/db = -a/b^2."""

    name = "div"

    def forward(self, a, b):
        return a / b

    def vjp(self, g, out, a, b):
        need_a, need_b = self.needs_input_grad
        return (g / b if need_a else None), (-g * out / b if need_b else None)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=(3, 4))))
        yield Sample((rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=(4,))))


@register
class Neg(Op):
    """out = -x."""

    name = "neg"

    def forward(self, x):
        return -x

    def vjp(self, g, out, x):
        return (-g,)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(2, 3)),))


@register
class Power(Op):
    """out = x ** exponent for a constant exponent; d out/dx = exponent * x ** (exponent - 1)."""

    name = "power"

    def forward(self, x):
        return x**self.exponent

    def vjp(self, g, out, x):
        return (g * (self.exponent * x ** (self.exponent - 1)),)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(2, 3)),), {"exponent": 2})
        yield Sample((rng.uniform(0.5, 2.0, size=(2, 3)),), {"exponent": -1.5})


@register
class Exp(Op):
    """out = e^x; d out/dx = out."""

    name = "exp"

    def forward(self, x):
        return np.exp(x)

    def vjp(self, g, out, x):
        return (g * out,)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(2, 3)),))


@register
class Log(Op):
    """out = ln x; d out/dx = 1/x."""

    name = "log"

    def forward(self, x):
        return np.log(x)

    def vjp(self, g, out, x):
        return (g / x,)

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.uniform(0.5, 2.0, size=(2, 3)),))


@register
class Matmul(Op):
    """out = a @ b (NumPy's matmul, batch dimensions broadcast); for 2-D operands
    dE/da = g @ b^T and dE/db = a^T @ g."""

    name = "matmul"

    def forward(self, a, b):
        return np.matmul(a, b)

    def vjp(self, g, out, a, b):
        need_a, need_b = self.needs_input_grad
        # 1-D operands are promoted as NumPy does (a row for a, a column for b), then undone.
        a2 = a[np.newaxis, :] if a.ndim == 1 else a
        b2 = b[:, np.newaxis] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if need_a:
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            ga = ga.reshape(ga.shape[:-2] + (ga.shape[-1],)) if a.ndim == 1 else ga
        if need_b:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            gb = gb.reshape(gb.shape[:-1]) if b.ndim == 1 else gb
        return ga, gb

    @staticmethod
    def sample_inputs(rng):
        yield Sample((rng.normal(size=(3, 4)), rng.normal(size=(4, 2))))
        yield Sample((rng.normal(size=(4,)), rng.normal(size=(4, 2))))
        yield Sample((rng.normal(size=(3, 4)), rng.normal(size=(4,))))
        yield Sample((rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 2))))
