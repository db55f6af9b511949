"""scikit-learn estimators: :class:`MLPClassifier` and :class:`MLPRegressor`.

Drop-in counterparts of ``sklearn.neural_network.MLPClassifier`` / ``MLPRegressor``: the same
parameters (names, defaults, constraints and error types), solvers ("adam", "sgd", "lbfgs"),
losses, fitted attributes and warnings, trained by deltaprop's engine and ``fit`` loop. They
work in pipelines, ``GridSearchCV``, ``clone`` and pickle, and pass scikit-learn's own
estimator checks and its MLP test suite. Importing this package needs scikit-learn and SciPy
(``pip install "deltaprop[sklearn]"``); the rest of deltaprop never imports them.

Modules: :mod:`._params` (parameter constraints, :class:`InvalidParameterError`,
:class:`ConvergenceWarning`), :mod:`._base` (training, the live weights, inference),
:mod:`.classifier`, :mod:`.regressor`.
"""

from __future__ import annotations

try:
    import scipy  # noqa: F401 - solver="lbfgs"; checked here so the error names the extra
    import sklearn  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError(
        'deltaprop.sklearn needs scikit-learn >= 1.6 and scipy: pip install "deltaprop[sklearn]"'
    ) from exc

from ._params import ConvergenceWarning, InvalidParameterError
from .classifier import MLPClassifier
from .regressor import MLPRegressor

__all__ = ["ConvergenceWarning", "InvalidParameterError", "MLPClassifier", "MLPRegressor"]
