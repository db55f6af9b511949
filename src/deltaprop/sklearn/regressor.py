"""MLPRegressor: scikit-learn's multilayer perceptron regressor, trained by deltaprop."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import column_or_1d, validate_data

from ..errors import DataError
from . import _params
from ._base import _BaseMLP, _data_checks, _store_params, partial_fit_available


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multilayer perceptron regressor trained by backpropagation (scikit-learn API).

    Hidden layers ``out = f(x @ W + b)`` with ``activation`` and a linear output layer. With
    ``loss="squared_error"`` the output is the prediction and the objective
    ``E = 1/n sum 1/2 ||t - o||^2 + alpha / (2 n) sum ||W||^2`` per batch of ``n`` examples;
    with ``loss="poisson"`` (counts ``t >= 0``) the prediction is ``mu = e^o``
    (``out_activation_ == "exp"``) and ``E = 1/n sum (mu - t ln mu + t ln t - t) + ...``.
    Parameters and fitted attributes are those of :class:`MLPClassifier` (without
    ``class_weight`` and ``classes_``); with ``early_stopping`` the validation score is R^2.

    Examples
    --------
    >>> import numpy as np
    >>> from deltaprop.sklearn import MLPRegressor
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), activation="tanh", learning_rate_init=0.01,
    ...                    max_iter=500, random_state=0).fit(X, 3 * X[:, 0] + 1)
    >>> round(float(reg.score(X, 3 * X[:, 0] + 1)), 2)
    1.0
    """

    _is_classifier = False
    _parameter_constraints: dict = _params.REGRESSOR_CONSTRAINTS

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype=None,
        partial_fit_early_stopping=False,
        distributed=None,
    ):
        _store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Train on (X, y); returns self.

        ``sample_weight`` (n_samples,) makes each batch's loss the weighted mean.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @partial_fit_available
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y); returns self."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        with _data_checks():
            X, y = validate_data(
                self,
                X,
                y,
                reset=reset,
                multi_output=True,
                accept_sparse=["csr", "csc"],
                y_numeric=True,
                dtype=(np.float64, np.float32),
            )
            if y.ndim == 2 and y.shape[1] == 1:
                y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise DataError(
                "Some value(s) of y are negative which is not allowed for Poisson regression; "
                f"got {y[y < 0].ravel()[0]!r}"
            )
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return X, Y.astype(X.dtype, copy=False), None

    def _out_activation(self, n_outputs):
        return "exp" if self.loss == "poisson" else "identity"

    def _score_outputs(self, out, Yv, wv) -> float:
        return float(r2_score(Yv, out, sample_weight=wv))

    def predict(self, X):
        """Predicted targets, shape (n_samples,) for one output, else (n_samples, n_outputs)."""
        out = self._forward(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
