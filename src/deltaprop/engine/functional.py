"""Functions on tensors, one per registered op; each records one node on the tape.

Python numbers combined with a tensor take the tensor's dtype, so float32 stays float32.
"""

from __future__ import annotations

from .op import apply
from .ops import activations as act
from .ops import arithmetic as ar
from .ops import linear as lin
from .ops import losses as lo
from .ops import penalties as pen
from .ops import reductions as red
from .tensor import Tensor, as_tensor


def _binary(op, a, b) -> Tensor:
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    return apply(op, as_tensor(a, like), as_tensor(b, like))


def add(a, b) -> Tensor:
    """a + b (broadcasting)."""
    return _binary(ar.Add(), a, b)


def sub(a, b) -> Tensor:
    """a - b (broadcasting)."""
    return _binary(ar.Sub(), a, b)


def mul(a, b) -> Tensor:
    """a * b elementwise (broadcasting)."""
    return _binary(ar.Mul(), a, b)


def div(a, b) -> Tensor:
    """a / b elementwise (broadcasting)."""
    return _binary(ar.Div(), a, b)


def neg(x) -> Tensor:
    """-x."""
    return apply(ar.Neg(), x)


def power(x, exponent: float) -> Tensor:
    """x ** exponent for a constant exponent."""
    return apply(ar.Power(exponent=exponent), x)


def exp(x) -> Tensor:
    """e ** x."""
    return apply(ar.Exp(), x)


def log(x) -> Tensor:
    """Natural logarithm."""
    return apply(ar.Log(), x)


def matmul(a, b) -> Tensor:
    """a @ b (NumPy matmul semantics)."""
    return _binary(ar.Matmul(), a, b)


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - NumPy's name
    """Sum over ``axis`` (all axes by default)."""
    return apply(red.Sum(axis=axis, keepdims=keepdims), x)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (all axes by default)."""
    return apply(red.Mean(axis=axis, keepdims=keepdims), x)


def reshape(x, shape) -> Tensor:
    """The same elements in a new shape."""
    return apply(red.Reshape(shape=shape), x)


def transpose(x, axes=None) -> Tensor:
    """Axes permuted (reversed by default)."""
    return apply(red.Transpose(axes=axes), x)


def linear(x, w, b=None) -> Tensor:
    """net = x @ w + b (the affine map of a dense layer; ``b`` may be None)."""
    return apply(lin.Linear(), x, w) if b is None else apply(lin.Linear(), x, w, b)


def logistic(x) -> Tensor:
    """1 / (1 + e^-x)."""
    return apply(act.Logistic(), x)


def tanh(x) -> Tensor:
    """Hyperbolic tangent."""
    return apply(act.Tanh(), x)


def relu(x) -> Tensor:
    """max(x, 0)."""
    return apply(act.ReLU(), x)


def leaky_relu(x, slope: float = 0.01) -> Tensor:
    """x if x > 0 else slope * x."""
    return apply(act.LeakyReLU(slope=slope), x)


def identity(x) -> Tensor:
    """x, recorded as a node (so a trace shows the output layer's f)."""
    return apply(act.Identity(), x)


def softmax(x) -> Tensor:
    """e^x_k / sum_j e^x_j over the last axis."""
    return apply(act.Softmax(), x)


def _loss(op, out, target, weight) -> Tensor:
    return apply(op, out, target) if weight is None else apply(op, out, target, weight)


def softmax_cross_entropy(z, target, reduction: str = "mean", weight=None) -> Tensor:
    """Cross-entropy of softmax(z) against labels or probabilities (fused); ``weight``, of
    shape (N,), weighs the examples."""
    return _loss(lo.SoftmaxCrossEntropy(reduction=reduction), z, target, weight)


def sigmoid_binary_cross_entropy(z, target, reduction: str = "mean", weight=None) -> Tensor:
    """Binary cross-entropy of logistic(z) against 0/1 targets (fused), optionally weighted."""
    return _loss(lo.SigmoidBinaryCrossEntropy(reduction=reduction), z, target, weight)


def poisson_loss(z, target, reduction: str = "mean", weight=None) -> Tensor:
    """Poisson deviance (halved) of counts against the rate e^z (log link fused), optionally
    weighted per example."""
    return _loss(lo.PoissonLoss(reduction=reduction), z, target, weight)


def squared_error(out, target, reduction: str = "mean", weight=None) -> Tensor:
    """Squared error with the given reduction ("sum_half", "sum", "mean" or "mean_half"),
    optionally weighted per example."""
    return _loss(lo.SquaredError(reduction=reduction), out, target, weight)


def l2_penalty(c, *weights) -> Tensor:
    """c/2 * sum of the squares of every weight array (c a constant scalar array)."""
    return apply(pen.L2Penalty(), c, *weights)
