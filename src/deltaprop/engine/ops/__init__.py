"""The registered primitive ops. Importing this package registers them all."""

from . import activations, arithmetic, linear, losses, penalties, reductions  # noqa: F401
