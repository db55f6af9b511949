"""Every exception a user can meet comes from deltaprop.errors (issue 13 brought in the last
four: the command line's usage error, backward() without a gradient, a taken op name, a
gradient that cannot be reduced to its input's shape)."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop import errors
from deltaprop.cli import build_parser
from deltaprop.engine.broadcast import unbroadcast
from deltaprop.engine.op import REGISTRY, Op, register


def test_a_bad_command_line_is_a_usage_error():
    with pytest.raises(errors.UsageError, match="invalid choice: 'fly'") as info:
        build_parser().parse_args(["fly"])
    assert isinstance(info.value, errors.DeltapropError)


def test_backward_without_a_gradient():
    with pytest.raises(errors.BackwardError, match="requires a gradient") as info:
        dp.Tensor(np.ones(2)).sum().backward()
    assert isinstance(info.value, RuntimeError)


def test_an_op_name_is_taken_once():
    class AnotherLogistic(Op):
        name = "logistic"

    with pytest.raises(errors.RegistryError, match="'logistic' is already registered"):
        register(AnotherLogistic)

    class Nameless(Op):
        pass

    with pytest.raises(errors.RegistryError, match="has no name"):
        register(Nameless)
    assert REGISTRY["logistic"] is not AnotherLogistic


def test_a_gradient_that_cannot_be_reduced():
    with pytest.raises(errors.ShapeError, match=r"shape \(3,\) to shape \(2, 3\)"):
        unbroadcast(np.ones(3), (2, 3))
