"""Parameter: a trainable leaf tensor whose values may be set before or after it is built."""

from __future__ import annotations

import numpy as np

from ..engine import Tensor
from ..errors import NotBuiltError, ParameterTypeError, ShapeError


class Parameter(Tensor):
    """A leaf Tensor that an optimizer updates (unless ``requires_grad`` is False: frozen).

    A parameter may start without values (``Parameter()``), for layers whose input size is
    only known at their first call; it is built when values are first assigned. After that,
    assigning ``p.data = values`` copies the values into the existing array (same shape
    required, converted to its dtype), so views of it, such as a flat buffer of all of a
    network's parameters, stay valid.

    >>> import numpy as np
    >>> p = Parameter(np.zeros((2, 3)))
    >>> p.data = np.ones((2, 3))
    >>> float(p.data.sum()), p.requires_grad
    (6.0, True)
    """

    def __init__(self, data=None, requires_grad: bool = True, *, name: str | None = None):
        self._data: np.ndarray | None = None
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._node = None
        self.grad_buffer: np.ndarray | None = None  # optional preallocated gradient storage
        self.flat = None  # (values, grads, offset) once packed into flat buffers (nn.flat)
        if data is not None:
            self.data = data

    @property
    def is_built(self) -> bool:
        return self._data is not None

    @property
    def data(self) -> np.ndarray:
        if self._data is None:
            raise NotBuiltError(
                f"parameter {self.name or '(unnamed)'} has no values yet: its layer learns its "
                "input size on its first call; call the network on data first or give "
                "in_features"
            )
        return self._data

    @data.setter
    def data(self, values) -> None:
        values = values.data if isinstance(values, Tensor) else values
        if self._data is None:
            array = np.array(values, copy=True)
            if array.dtype.kind != "f":
                array = array.astype(np.float32 if array.dtype.kind in "iub" else array.dtype)
            if array.dtype.kind != "f":
                raise ParameterTypeError(
                    f"parameter values must be floating-point numbers; got dtype {array.dtype}"
                )
            self._data = array
            return
        array = np.asarray(values)
        if array.shape != self._data.shape:
            raise ShapeError(
                f"parameter {self.name or '(unnamed)'} has shape {self._data.shape}; "
                f"got values of shape {array.shape}"
            )
        np.copyto(self._data, array, casting="same_kind")

    def rebind(self, storage: np.ndarray) -> None:
        """Move the values into ``storage`` (a view of the same shape) and keep using it."""
        if self._data is not None:
            np.copyto(storage, self._data)
        self._data = storage

    def __repr__(self) -> str:
        if self._data is None:
            return f"Parameter(unbuilt, name={self.name!r})"
        frozen = "" if self.requires_grad else ", frozen"
        return f"Parameter(shape={self._data.shape}, dtype={self._data.dtype}{frozen})"
