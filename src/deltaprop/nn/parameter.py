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
    network's parameters, stay valid. A layer that knows its size but not yet where its
    initial values come from defers them (:meth:`defer`): they are drawn on first use.

    >>> import numpy as np
    >>> p = Parameter(np.zeros((2, 3)))
    >>> p.data = np.ones((2, 3))
    >>> float(p.data.sum()), p.requires_grad
    (6.0, True)
    """

    def __init__(self, data=None, requires_grad: bool = True, *, name: str | None = None):
        self._data: np.ndarray | None = None
        self._draw = None  # deferred initial values: a function that sets them (see defer)
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
        """True once the parameter has values, or knows how to draw them (deferred)."""
        return self._data is not None or self._draw is not None

    @property
    def is_deferred(self) -> bool:
        """True while the initial values are still to be drawn (see :meth:`defer`)."""
        return self._data is None and self._draw is not None

    def defer(self, draw) -> None:
        """Draw the initial values on first use: ``draw()`` is called (once) when ``data`` is
        first read or assigned and must set ``data``. Its owner may call ``defer`` again to
        change how they are drawn (a network giving its layer its own seed and dtype), or
        ``defer(None)`` to cancel."""
        self._data = None
        self._draw = draw

    def _materialize(self) -> None:
        draw, self._draw = self._draw, None
        draw()

    @property
    def data(self) -> np.ndarray:
        if self._data is None:
            if self._draw is not None:
                self._materialize()
                return self._data
            raise NotBuiltError(
                f"parameter {self.name or '(unnamed)'} has no values yet: its layer learns its "
                "input size on its first call; call the network on data first, call "
                "net.build(n_features), or give the first layer in_features"
            )
        return self._data

    @data.setter
    def data(self, values) -> None:
        values = values.data if isinstance(values, Tensor) else values
        if self._data is None and self._draw is not None:
            self._materialize()  # the values then replace the drawn ones, in their dtype
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

    def convert(self, dtype) -> None:
        """Convert the values to ``dtype`` (a new array: views of the old one are left behind,
        so a layer does this before its network packs it)."""
        if self._data is not None and self._data.dtype != np.dtype(dtype):
            self._data = self._data.astype(dtype)

    def rebind(self, storage: np.ndarray) -> None:
        """Move the values into ``storage`` (a view of the same shape) and keep using it."""
        if self._data is not None:
            np.copyto(storage, self._data)
        self._data = storage

    def __repr__(self) -> str:
        if self._data is None:
            state = "deferred" if self._draw is not None else "unbuilt"
            return f"Parameter({state}, name={self.name!r})"
        frozen = "" if self.requires_grad else ", frozen"
        return f"Parameter(shape={self._data.shape}, dtype={self._data.dtype}{frozen})"
