"""gradcheck itself: it passes correct gradients and catches a deliberately wrong vjp."""

import numpy as np
import pytest

from deltaprop.engine import Op, Tensor, apply, gradcheck
from deltaprop.errors import GradcheckError


class WrongSquare(Op):
    """out = x^2 with a deliberately wrong derivative (x instead of 2x). Not registered."""

    name = "wrong_square"

    def forward(self, x):
        return x * x

    def vjp(self, g, out, x):
        return (g * x,)


def test_wrong_vjp_fails_with_both_values():
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: apply(WrongSquare(), t), x)
    message = str(info.value)
    assert "MISMATCH" in message and "analytic" in message and "numeric" in message
    check = info.value.result.inputs[0]
    # full Jacobian: diagonal analytic x vs numeric 2x
    assert np.allclose(check.analytic.reshape(3, 3).diagonal(), x)
    assert np.allclose(check.numeric.reshape(3, 3).diagonal(), 2 * x, atol=1e-6)


def test_wrong_vjp_detected_without_raising_on_large_inputs(rng):
    x = rng.normal(size=(30, 20))  # larger than max_elements: random directions
    result = gradcheck(lambda t: apply(WrongSquare(), t), x, raise_on_failure=False)
    assert not result.passed
    assert "random input directions" in result.inputs[0].mode


def test_correct_function_of_two_inputs_passes(rng):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    result = gradcheck(lambda x, y: (x @ y).sum(), a, b)
    assert result.passed and len(result.inputs) == 2
    assert "ok" in result.report()


def test_constants_are_not_checked(rng):
    labels = np.array([0, 2])
    result = gradcheck(
        lambda z, t: __import__("deltaprop").losses.cross_entropy(z, t, from_logits=True),
        rng.normal(size=(2, 3)),
        labels,
    )
    assert [c.index for c in result.inputs] == [0]


def test_frozen_tensor_is_a_constant(rng):
    w = Tensor(rng.normal(size=3), requires_grad=False)
    x = Tensor(rng.normal(size=3), requires_grad=True)
    result = gradcheck(lambda a, b: (a * b).sum(), w, x)
    assert [c.index for c in result.inputs] == [1]
