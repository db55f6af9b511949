"""Tensor: a NumPy array that remembers the op that produced it, for backpropagation."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterTypeError


class Tensor:
    """A NumPy array plus what backpropagation needs: ``grad`` and the producing op.

    ``data`` is the array itself (no copy is made of an array passed in). A tensor made by
    an op while recording is on (see :func:`no_grad`) keeps that op and its ordered parents;
    ``backward()`` then sends gradients back through them by the chain rule and accumulates
    ``dE/dleaf`` into each leaf's ``grad`` (a NumPy array of the leaf's shape).

    Parameters
    ----------
    data : array_like
        The values; kept as given when already an ndarray of the requested dtype.
    requires_grad : bool, default False
        Whether ``backward()`` should compute a gradient for this tensor. Needs a float dtype.
    dtype : dtype, optional
        Convert ``data`` to this dtype.
    name : str, optional
        A label shown by explain and in error messages.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> w = dp.Tensor(np.array([3.0]), requires_grad=True)
    >>> x = np.array([1.0, 2.0])
    >>> error = ((w * x - 2.0 * x) ** 2).sum()
    >>> error.backward()
    >>> w.grad           # dE/dW = sum 2 (W x - 2 x) x = 2 (1 + 4) = 10
    array([10.])
    """

    __array_priority__ = 1000  # so ndarray <op> Tensor defers to Tensor's reflected methods
    #: where backward writes a leaf's first gradient instead of a new array, or None (the
    #: parameters of a packed network have one: views of its flat gradient, nn/flat.py)
    grad_buffer: np.ndarray | None = None

    def __init__(self, data, requires_grad: bool = False, *, dtype=None, name: str | None = None):
        if isinstance(data, Tensor):
            data = data.data
        array = np.asarray(data, dtype=dtype)
        if requires_grad and array.dtype.kind != "f":
            raise ParameterTypeError(
                f"requires_grad needs a floating-point tensor; got dtype {array.dtype}"
            )
        self.data = array
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._node = None  # (op, parents) when produced by a recorded op

    # -- array-like attributes ------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True when no recorded op produced this tensor (inputs and parameters)."""
        return self._node is None

    @property
    def op(self):
        """The op that produced this tensor, or None for a leaf."""
        return None if self._node is None else self._node[0]

    @property
    def parents(self) -> tuple:
        """The tensors this one was computed from, in the op's argument order."""
        return () if self._node is None else self._node[1]

    def numpy(self) -> np.ndarray:
        """The underlying array (not a copy)."""
        return self.data

    def item(self) -> float:
        return self.data.item()

    def detach(self) -> Tensor:
        """A new leaf tensor sharing this one's data, with no history."""
        return Tensor(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __repr__(self) -> str:
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self._node is not None:
            extra += f", op={self._node[0].name}"
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        return f"Tensor({body}{extra})"

    # -- backpropagation ------------------------------------------------------------------
    def backward(self, g=None) -> None:
        """Backpropagate from this tensor; see :func:`deltaprop.engine.backprop.backward`."""
        from .backprop import backward

        backward(self, g)

    # -- operators (each is one recorded op) --------------------------------------------
    def __add__(self, other):
        from . import functional as F

        return F.add(self, other)

    def __radd__(self, other):
        from . import functional as F

        return F.add(other, self)

    def __sub__(self, other):
        from . import functional as F

        return F.sub(self, other)

    def __rsub__(self, other):
        from . import functional as F

        return F.sub(other, self)

    def __mul__(self, other):
        from . import functional as F

        return F.mul(self, other)

    def __rmul__(self, other):
        from . import functional as F

        return F.mul(other, self)

    def __truediv__(self, other):
        from . import functional as F

        return F.div(self, other)

    def __rtruediv__(self, other):
        from . import functional as F

        return F.div(other, self)

    def __neg__(self):
        from . import functional as F

        return F.neg(self)

    def __pow__(self, exponent):
        from . import functional as F

        return F.power(self, exponent)

    def __matmul__(self, other):
        from . import functional as F

        return F.matmul(self, other)

    def __rmatmul__(self, other):
        from . import functional as F

        return F.matmul(other, self)

    def sum(self, axis=None, keepdims: bool = False):
        from . import functional as F

        return F.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        from . import functional as F

        return F.mean(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        from . import functional as F

        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return F.reshape(self, shape)

    @property
    def T(self):
        from . import functional as F

        return F.transpose(self)


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """``value`` as a Tensor without copying; a Python number takes the dtype of ``like``.

    Taking ``like``'s dtype keeps ``float32_tensor * 0.5`` in float32 (no silent upcast).
    """
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Tensor(np.asarray(value, dtype=like.dtype))
    return Tensor(value)
