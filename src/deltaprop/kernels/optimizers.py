"""Optimizer kernels: each built-in rule as one compiled loop over the flat buffers.

NumPy runs an update rule as a sequence of whole-array passes (Adam: 13 of them), each reading
and writing every parameter: for the 235,146 parameters of a 784-256-128-10 network that is
most of a step's time outside the matrix products. A compiled loop makes one pass. The loops
here make exactly the float operations of the NumPy rules in :mod:`deltaprop.optim`, in the
same order (no fused multiply-add, no reassociation, scalars rounded to the array's dtype first
as NumPy does), so both paths give the same bits; ``tests/optim/test_kernels.py`` checks it for
every rule and option.

They are plain Python until :func:`deltaprop.kernels.compiled` compiles them. The
:class:`~deltaprop.optim.Optimizer` base class runs them: an optimizer's ``compiled_update``
names its kernel and arguments, its ``update`` is the NumPy rule alone.
"""

from __future__ import annotations

import numpy as np


def sgd(w, g, lr, wd):  # pragma: no cover - compiled
    # d = w wd + g (when wd); w = w - d lr
    for i in range(w.size):
        gi = g[i]
        if wd:
            gi = w[i] * wd + gi
        w[i] = w[i] - gi * lr


def sgd_momentum(w, g, v, lr, wd, mu, nesterov):  # pragma: no cover - compiled
    # v = v mu + g; step = v (or g + v mu, Nesterov); w = w - step lr
    for i in range(w.size):
        gi = g[i]
        if wd:
            gi = w[i] * wd + gi
        vi = v[i] * mu + gi
        v[i] = vi
        step = vi * mu + gi if nesterov else vi
        w[i] = w[i] - step * lr


def adam(w, g, m, v, wd, decay, b1, c1, b2, c2, k, eps, s):  # pragma: no cover - compiled
    # [AdamW: w = w decay]; [Adam: g = w wd + g]; m = m b1 + g c1; v = v b2 + g g c2;
    # w = w - m / (sqrt(v) k + eps) s, with k and s the bias corrections (and lr)
    for i in range(w.size):
        gi = g[i]
        wi = w[i]
        if decay != 1:
            wi = wi * decay
        if wd:
            gi = wi * wd + gi
        mi = m[i] * b1 + gi * c1
        vi = v[i] * b2 + gi * gi * c2
        m[i] = mi
        v[i] = vi
        w[i] = wi - mi / (np.sqrt(vi) * k + eps) * s


def rmsprop(w, g, v, a, b, lr, wd, rho, c, eps, mu, centered):  # pragma: no cover
    # v = v rho + g g c; [centered: a = a rho + g c; denom = sqrt(v - a a)] else sqrt(v);
    # q = g / (denom + eps); [momentum: b = b mu + q; q = b]; w = w - q lr
    for i in range(w.size):
        gi = g[i]
        if wd:
            gi = w[i] * wd + gi
        vi = v[i] * rho + gi * gi * c
        v[i] = vi
        if centered:
            ai = a[i] * rho + gi * c
            a[i] = ai
            denom = np.sqrt(vi - ai * ai)
        else:
            denom = np.sqrt(vi)
        q = gi / (denom + eps)
        if mu:
            bi = b[i] * mu + q
            b[i] = bi
            q = bi
        w[i] = w[i] - q * lr


#: name -> plain-Python kernel (compiled on first use)
KERNELS = {"sgd": sgd, "sgd_momentum": sgd_momentum, "adam": adam, "rmsprop": rmsprop}
