"""Gradient checking: backpropagation's answer against central differences, in float64."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import GradcheckError, ParameterTypeError
from .grad_mode import no_grad
from .tensor import Tensor


@dataclass
class InputCheck:
    """The comparison for one input: analytic and numeric values of the same quantities.

    ``analytic[k]`` and ``numeric[k]`` are the k-th compared numbers: entries of the Jacobian
    (small inputs and outputs), of ``u^T J`` for random ``u``, or of ``u^T J v`` for random
    ``v`` (large inputs).
    """

    index: int
    name: str
    analytic: np.ndarray
    numeric: np.ndarray
    max_abs_error: float
    max_rel_error: float
    passed: bool
    mode: str


@dataclass
class GradcheckResult:
    """Per-input comparisons; truthy when every input passed."""

    inputs: list[InputCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.inputs)

    def __bool__(self) -> bool:
        return self.passed

    def report(self) -> str:
        """One line per checked input, with the worst analytic and numeric pair."""
        lines = []
        for c in self.inputs:
            if c.analytic.size:
                k = int(np.argmax(np.abs(c.analytic - c.numeric)))
                worst = (
                    f"; worst: analytic {c.analytic.flat[k]:.9g} vs numeric {c.numeric.flat[k]:.9g}"
                )
            else:
                worst = ""
            status = "ok" if c.passed else "MISMATCH"
            lines.append(
                f"input {c.index} ({c.name}): {status}, max abs error {c.max_abs_error:.3g}, "
                f"max rel error {c.max_rel_error:.3g} [{c.mode}]{worst}"
            )
        return "\n".join(lines)


def gradcheck(
    fn,
    *inputs,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    max_jacobian: int = 16,
    max_elements: int = 256,
    seed: int = 0,
    raise_on_failure: bool = True,
) -> GradcheckResult:
    """Compare the gradients backpropagation gives with central differences.

    For an input x and a fixed projection u of the output, the numeric derivative is
    ``(s(x + eps e_i) - s(x - eps e_i)) / (2 eps)`` with ``s(x) = sum(u * fn(x))``, and the
    analytic one is ``(u^T J)_i`` from ``backward(u)``. When the output has at most
    ``max_jacobian`` elements every u = e_k is used (the full Jacobian); otherwise three random
    u. Inputs with more than ``max_elements`` elements are probed along three random
    directions v instead of every e_i. Everything runs in float64. A pair passes when
    ``|analytic - numeric| <= atol + rtol |numeric|``.

    Parameters
    ----------
    fn : callable
        Maps Tensors (one per input) to a Tensor.
    *inputs : Tensor, ndarray or number
        Floating ndarrays and Tensors with ``requires_grad=True`` are checked; Tensors without
        it, integer arrays and numbers are passed as constants (labels, targets).
    raise_on_failure : bool, default True
        Raise :class:`~deltaprop.errors.GradcheckError` with the report on a mismatch.

    Returns
    -------
    GradcheckResult
        Truthy when every checked input passed; ``report()`` describes each.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> x = np.array([[0.5, -1.0], [2.0, 0.1]])
    >>> bool(dp.gradcheck(lambda t: (t * t).sum(), x))
    True
    """
    rng = np.random.default_rng(seed)
    tensors, checked = _prepare(inputs)
    if not checked:
        raise ParameterTypeError("gradcheck needs at least one floating-point input to check")

    def s(u):
        with no_grad():
            out = fn(*tensors)
        return float(np.sum(u * out.data))

    out = fn(*tensors)
    if not isinstance(out, Tensor):
        raise ParameterTypeError(f"fn must return a Tensor; got {type(out).__name__}")
    if out.size <= max_jacobian:
        projections = [np.eye(out.size)[k].reshape(out.shape) for k in range(out.size)]
        mode_u = "full Jacobian"
    else:
        projections = [rng.normal(size=out.shape) for _ in range(3)]
        mode_u = "random output projections"

    analytic = {i: [] for i in checked}
    numeric = {i: [] for i in checked}
    directions = {
        i: [rng.normal(size=tensors[i].shape) for _ in range(3)]
        for i in checked
        if tensors[i].size > max_elements
    }
    for u in projections:
        for i in checked:
            tensors[i].grad = None
        out = fn(*tensors)
        if out.requires_grad:
            out.backward(u)
        for i in checked:
            t = tensors[i]
            grad = np.zeros_like(t.data) if t.grad is None else t.grad.copy()
            if i in directions:
                for v in directions[i]:
                    analytic[i].append(np.sum(grad * v))
                    numeric[i].append(_central(s, u, t, v, eps))
            else:
                analytic[i].append(grad.ravel())
                numeric[i].append(
                    np.array([_central(s, u, t, k, eps) for k in range(t.size)], dtype=float)
                )

    result = GradcheckResult()
    for i in checked:
        a = np.hstack(analytic[i]).astype(float)
        n = np.hstack(numeric[i]).astype(float)
        err = np.abs(a - n)
        ok = bool(np.all(err <= atol + rtol * np.abs(n)))
        rel = err / np.maximum(np.abs(n), np.finfo(float).tiny)
        mode = mode_u + (", random input directions" if i in directions else "")
        result.inputs.append(
            InputCheck(
                index=i,
                name=tensors[i].name or f"x{i}",
                analytic=a,
                numeric=n,
                max_abs_error=float(err.max(initial=0.0)),
                max_rel_error=float(rel.max(initial=0.0)),
                passed=ok,
                mode=mode,
            )
        )
    if raise_on_failure and not result.passed:
        raise GradcheckError(
            "gradients do not match finite differences:\n" + result.report(), result
        )
    return result


def _prepare(inputs):
    tensors, checked = [], []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            if x.requires_grad:
                tensors.append(Tensor(x.data.astype(np.float64), requires_grad=True, name=x.name))
                checked.append(i)
            else:
                tensors.append(x)
            continue
        array = np.asarray(x)
        if array.dtype.kind == "f" and not np.isscalar(x):
            tensors.append(Tensor(array.astype(np.float64), requires_grad=True))
            checked.append(i)
        else:
            tensors.append(Tensor(array))
    return tensors, checked


def _central(s, u, t: Tensor, k, eps: float) -> float:
    """(s(x + eps d) - s(x - eps d)) / (2 eps) for d = e_k (k an index) or d = k (an array)."""
    x = t.data
    if isinstance(k, np.ndarray):
        saved = x.copy()
        x += eps * k
        plus = s(u)
        x[...] = saved - eps * k
        minus = s(u)
        x[...] = saved
    else:
        flat = x.reshape(-1)  # a view: the copy made in _prepare is contiguous
        old = flat[k]
        flat[k] = old + eps
        plus = s(u)
        flat[k] = old - eps
        minus = s(u)
        flat[k] = old
    return (plus - minus) / (2 * eps)
