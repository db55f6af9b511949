"""The exceptions and warnings deltaprop raises.

Every exception derives from :class:`DeltapropError`. Those caused by bad input (arguments,
data, shapes, spec files, model files) also derive from :class:`ValueError`, so existing
``except ValueError`` code keeps working; a wrong *type* of argument also derives from
:class:`TypeError`.

Hierarchy::

    DeltapropError
    +-- InputError (ValueError)           bad input in general
    |   +-- ParameterError                a hyper-parameter out of range or unknown
    |   |   +-- ParameterTypeError (TypeError)
    |   +-- DataError                     features or targets that cannot be used
    |   +-- ShapeError                    arrays whose shapes do not fit together
    |   +-- SpecError                     an explain / network spec file
    |   +-- ModelFileError                a model or checkpoint file
    |   +-- UsageError                    a command line the parser refuses
    |   +-- RegistryError                 an extension (op, layer, optimizer, loss) whose
    |                                     name is missing, taken, or not registered
    |   +-- ExportError                   a model part with no counterpart in the export format
    +-- NotBuiltError (RuntimeError)      a layer used before its size is known
    +-- BackwardError (RuntimeError)      backward() of a tensor that needs no gradient
    +-- TrainingDiverged (RuntimeError)   the loss or a parameter became inf or NaN
    +-- GradcheckError (AssertionError)   analytic and numeric gradients disagree
"""

from __future__ import annotations


class DeltapropError(Exception):
    """Base class of every exception deltaprop raises on purpose."""


class InputError(DeltapropError, ValueError):
    """Bad input: the message names the argument, the rule and the value received."""


class ParameterError(InputError):
    """A hyper-parameter or option with a value outside its allowed range or set."""


class ParameterTypeError(ParameterError, TypeError):
    """A hyper-parameter or option of the wrong type."""


class DataError(InputError):
    """Features or targets that cannot be trained on: NaN, empty, wrong labels, ..."""


class ShapeError(InputError):
    """Arrays whose shapes do not fit together."""


class SpecError(InputError):
    """An invalid network or explain spec; the message names the field."""


class ModelFileError(InputError):
    """A model or checkpoint file that is missing, truncated, corrupted or incompatible."""


class UsageError(InputError):
    """A command line that the ``deltaprop`` parser refuses (unknown option, bad value)."""


class RegistryError(InputError):
    """An extension class registered without a name or under a name another class holds, or
    saved without being registered (see :mod:`deltaprop.nn.registry`)."""


class ExportError(InputError):
    """A model that cannot be exported to the format asked for; the message names the part
    (layer, activation, column) that has no counterpart there."""


class NotBuiltError(DeltapropError, RuntimeError):
    """A layer was asked for its parameters' values before its input size was known."""


class BackwardError(DeltapropError, RuntimeError):
    """``backward()`` was asked of a tensor that needs no gradient: no input requires one, or
    it was computed inside ``no_grad()``."""


class TrainingDiverged(DeltapropError, RuntimeError):
    """The loss or a parameter became infinite or NaN during training.

    Attributes ``epoch`` and ``batch`` (1-based) locate the step; ``last_finite_loss`` is the
    last finite batch loss seen, or None.
    """

    def __init__(self, message: str, *, epoch: int, batch: int, last_finite_loss: float | None):
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.last_finite_loss = last_finite_loss


class GradcheckError(DeltapropError, AssertionError):
    """Analytic gradients disagree with central differences; ``result`` has the details."""

    def __init__(self, message: str, result=None):
        super().__init__(message)
        self.result = result


class ConvergenceWarning(UserWarning):
    """Training stopped at the epoch limit while the loss was still improving."""
