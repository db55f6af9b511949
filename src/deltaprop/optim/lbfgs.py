"""L-BFGS: full-batch quasi-Newton training over the flat vector of every parameter.

L-BFGS keeps the last ``history`` pairs of steps ``s = theta_{k+1} - theta_k`` and gradient
changes ``y = g_{k+1} - g_k`` and uses them as an approximation of the inverse Hessian, so
each step ``theta_{k+1} = theta_k - a_k H_k g_k`` follows the curvature of the error surface;
the step length ``a_k`` comes from a line search. It needs the exact error and gradient of the
whole training set at each evaluation, so it suits small data sets (scikit-learn's default
advice for its MLP), not streams of mini-batches.

The minimisation itself is SciPy's L-BFGS-B (``scipy.optimize.minimize(method="L-BFGS-B")``,
``pip install "deltaprop[lbfgs]"``); this class turns a network's parameters into the flat
float64 vector it works on and back. Unlike the other optimizers it is not a per-batch update
rule: ``minimize(closure)`` runs the whole optimisation, calling ``closure()`` each time SciPy
asks for ``E(theta)`` and ``dE/dtheta``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_number, warn
from ..engine import Tensor
from ..errors import ConvergenceWarning, ParameterError, ParameterTypeError


@dataclass
class LBFGSResult:
    """What one ``LBFGS.minimize`` run did.

    ``loss`` is the final ``E``; ``n_iter`` the L-BFGS iterations, ``n_fun`` the closure
    calls; ``converged`` is False when ``max_iter`` or ``max_fun`` ended the run (or the line
    search failed), with SciPy's ``message`` and ``status`` saying which.
    """

    loss: float
    n_iter: int
    n_fun: int
    converged: bool
    status: int
    message: str


class LBFGS:
    """Full-batch L-BFGS-B over ``params`` (an iterable of parameters, e.g. net.parameters()).

    ``minimize(closure)`` writes each trial vector ``theta`` into the parameters, clears their
    gradients, calls ``closure()`` -- which must compute the error ``E`` of the whole training
    set, call ``E.backward()`` and return ``E`` (a scalar Tensor or a float) -- and hands
    ``(E, dE/dtheta)`` to SciPy. It stops after ``max_iter`` iterations, ``max_fun`` closure
    calls, or once the largest gradient component is at most ``tol`` (SciPy's ``gtol``) or the
    relative decrease of ``E`` is tiny; the parameters then hold the best point found.

    Examples
    --------
    >>> import numpy as np
    >>> import deltaprop as dp
    >>> net = dp.Sequential([dp.Dense(1, "identity", in_features=1)])
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = 2 * X + 1
    >>> mse = dp.losses.get("squared_error")
    >>> def closure():
    ...     E = mse(net(X), y)
    ...     E.backward()
    ...     return E
    >>> result = dp.LBFGS(net.parameters(), tol=1e-10).minimize(closure)
    >>> result.converged, np.round(net.layers[0].weight.data.ravel(), 4).tolist()
    (True, [2.0])
    """

    def __init__(
        self,
        params,
        *,
        max_iter: int = 200,
        max_fun: int = 15000,
        tol: float = 1e-5,
        history: int = 10,
        warn_limit: bool = True,
    ):
        if isinstance(params, Tensor):
            raise ParameterTypeError(
                "params must be an iterable of parameters, e.g. net.parameters(); got a Tensor"
            )
        try:
            self.params = [p for p in params if p.requires_grad]
        except (TypeError, AttributeError) as exc:
            raise ParameterTypeError(
                f"params must be an iterable of parameters, e.g. net.parameters(); got {params!r}"
            ) from exc
        if not self.params:
            raise ParameterError("params has no trainable parameter: LBFGS has nothing to train")
        self.max_iter = check_number("max_iter", max_iter, low=1, integer=True)
        self.max_fun = check_number("max_fun", max_fun, low=1, integer=True)
        self.tol = check_number("tol", tol, low=0.0)
        self.history = check_number("history", history, low=1, integer=True)
        self.warn_limit = bool(warn_limit)

    # -- the flat vector --------------------------------------------------------------------------
    def vector(self) -> np.ndarray:
        """The parameters' current values as one float64 vector (in ``params`` order)."""
        return np.concatenate([p.data.ravel() for p in self.params]).astype(np.float64)

    def assign(self, theta: np.ndarray) -> None:
        """Write the vector ``theta`` into the parameters, in place and in their own dtype."""
        offset = 0
        for p in self.params:
            n = p.data.size
            np.copyto(p.data, theta[offset : offset + n].reshape(p.data.shape), casting="unsafe")
            offset += n

    def gradient(self) -> np.ndarray:
        """Every parameter's gradient as one float64 vector (zeros where it has none)."""
        parts = []
        for p in self.params:
            g = p.grad
            parts.append(np.zeros(p.data.size) if g is None else np.asarray(g).ravel())
        return np.concatenate(parts).astype(np.float64)

    # -- the run ----------------------------------------------------------------------------------
    def evaluate(self, theta: np.ndarray, closure) -> tuple[float, np.ndarray]:
        """``(E(theta), dE/dtheta)``: assign ``theta``, clear the gradients, call ``closure``."""
        self.assign(theta)
        for p in self.params:
            p.grad = None
        value = closure()
        value = float(value.data if isinstance(value, Tensor) else value)
        return value, self.gradient()

    def minimize(self, closure) -> LBFGSResult:
        """Run L-BFGS-B from the parameters' current values; they end at its result.

        Warns :class:`~deltaprop.errors.ConvergenceWarning` when ``max_iter`` or ``max_fun``
        stopped it (unless ``warn_limit=False``).
        """
        try:
            from scipy.optimize import minimize
        except ImportError as exc:  # pragma: no cover - exercised only without scipy
            raise ImportError(
                'deltaprop.LBFGS needs scipy: pip install "deltaprop[lbfgs]"'
            ) from exc
        if not callable(closure):
            raise ParameterTypeError(f"closure must be callable; got {closure!r}")
        with np.errstate(over="ignore", invalid="ignore"):
            found = minimize(
                self.evaluate,
                self.vector(),
                args=(closure,),
                method="L-BFGS-B",
                jac=True,
                options={
                    "maxiter": self.max_iter,
                    "maxfun": self.max_fun,
                    "gtol": self.tol,
                    "maxcor": self.history,
                },
            )
        self.assign(found.x)
        message = found.message.decode() if isinstance(found.message, bytes) else found.message
        result = LBFGSResult(
            loss=float(found.fun),
            n_iter=min(int(found.nit), self.max_iter),
            n_fun=int(found.nfev),
            converged=found.status == 0,
            status=int(found.status),
            message=str(message),
        )
        if not result.converged and self.warn_limit:
            warn(
                f"L-BFGS stopped after {result.n_iter} iteration(s) and {result.n_fun} "
                f"evaluation(s) without converging ({result.message}); raise max_iter "
                f"(= {self.max_iter}) or max_fun (= {self.max_fun}), or scale the data",
                ConvergenceWarning,
            )
        return result
