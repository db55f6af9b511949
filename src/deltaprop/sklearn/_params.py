"""The estimators' parameters: scikit-learn's constraints and exception types, deltaprop's extras.

scikit-learn's own parameters are checked by scikit-learn's validator against the same
constraints its MLP declares (types, ranges, ``np.inf`` for ``n_iter_no_change``), so a bad
value raises the same message; the exception is :class:`InvalidParameterError`, which is both
scikit-learn's ``InvalidParameterError`` and deltaprop's ``ParameterTypeError`` (hence a
``ValueError`` and a ``TypeError``). deltaprop's extra parameters (``dtype``, ``class_weight``,
``distributed``, ``partial_fit_early_stopping``) are checked by deltaprop.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning as _SklearnConvergenceWarning
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils._param_validation import InvalidParameterError as _SklearnInvalid

from .. import errors
from ..errors import ParameterError, ParameterTypeError

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
SOLVERS = ("lbfgs", "sgd", "adam")
LEARNING_RATES = ("constant", "invscaling", "adaptive")


class InvalidParameterError(ParameterTypeError, _SklearnInvalid):
    """A parameter outside scikit-learn's constraints (scikit-learn's exception and
    deltaprop's at once)."""


class ConvergenceWarning(errors.ConvergenceWarning, _SklearnConvergenceWarning):
    """Training stopped at ``max_iter`` (or ``max_fun``) before converging.

    Both scikit-learn's ``sklearn.exceptions.ConvergenceWarning`` and deltaprop's, so a
    warnings filter on either class catches it.
    """


def _positive_int():
    return Interval(Integral, 1, None, closed="left")


def _non_negative():
    return Interval(Real, 0, None, closed="left")


def _fraction(closed):
    return Interval(Real, 0, 1, closed=closed)


#: scikit-learn's MLP parameters and what each may be (scikit-learn's validator reads this).
CONSTRAINTS: dict = {
    "hidden_layer_sizes": ["array-like", _positive_int()],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "solver": [StrOptions(set(SOLVERS))],
    "alpha": [_non_negative()],
    "batch_size": [StrOptions({"auto"}), _positive_int()],
    "learning_rate": [StrOptions(set(LEARNING_RATES))],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [_non_negative()],
    "max_iter": [_positive_int()],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [_non_negative()],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "momentum": [_fraction("both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [_fraction("left")],
    "beta_1": [_fraction("left")],
    "beta_2": [_fraction("left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [_positive_int(), Options(Real, {np.inf})],
    "max_fun": [_positive_int()],
}

REGRESSOR_CONSTRAINTS: dict = {**CONSTRAINTS, "loss": [StrOptions({"squared_error", "poisson"})]}


def validate(estimator) -> list[int]:
    """Check every parameter of ``estimator``; return its hidden layer sizes as a list."""
    try:
        estimator._validate_params()  # scikit-learn's validator, on _parameter_constraints
    except _SklearnInvalid as exc:
        raise InvalidParameterError(str(exc)) from exc
    given = estimator.hidden_layer_sizes
    sizes = list(given) if hasattr(given, "__iter__") else [given]
    for size in sizes:
        if isinstance(size, (bool, np.bool_)) or not isinstance(size, (Integral, np.integer)):
            raise ParameterTypeError(
                f"hidden_layer_sizes must hold positive integers; got {given!r}"
            )
    if any(size <= 0 for size in sizes):
        raise ParameterError(f"hidden_layer_sizes must be > 0, got {given!r}.")
    dtype = estimator.dtype
    if dtype is not None:
        try:
            ok = np.dtype(dtype) in (np.float32, np.float64)
        except TypeError:
            ok = False
        if not ok:
            raise ParameterError(
                f"dtype must be None (the input's), numpy.float32 or numpy.float64; got {dtype!r}"
            )
    if not isinstance(estimator.partial_fit_early_stopping, (bool, np.bool_)):
        raise ParameterTypeError(
            "partial_fit_early_stopping must be True or False; got "
            f"{estimator.partial_fit_early_stopping!r}"
        )
    return [int(s) for s in sizes]
