"""The optimizers the command line (and any other interface) can name: one registry, filled by
:func:`register_optimizer` next to each optimizer class.

An optimizer's default learning rate is its constructor's default for ``lr``, so there is one
value for the API and the command line alike.
"""

from __future__ import annotations

import inspect

from .._registry import Registry
from ..errors import RegistryError

OPTIMIZERS = Registry("optimizer")


def register_optimizer(name: str):
    """Class decorator: make an :class:`~deltaprop.optim.Optimizer` subclass known as ``name``
    (``deltaprop train --optimizer NAME``). Its constructor takes ``(params, lr=<default>,
    ...)``; the default learning rate is read from there.

    >>> from deltaprop.optim import OPTIMIZERS, default_lr
    >>> OPTIMIZERS.get("sgd").__name__, default_lr("sgd")
    ('SGD', 0.01)
    """

    def decorate(cls: type) -> type:
        lr = inspect.signature(cls).parameters.get("lr")
        if lr is None or not isinstance(lr.default, (int, float)):
            raise RegistryError(
                f"optimizer {cls.__qualname__} must take lr with a default value "
                "(its default learning rate)"
            )
        return OPTIMIZERS.register(name)(cls)

    return decorate


def default_lr(name: str) -> float:
    """The default learning rate of the optimizer registered as ``name``."""
    return float(inspect.signature(OPTIMIZERS.get(name)).parameters["lr"].default)
