"""The tape: accumulation, order, no_grad, broadcasting, dtype, tracer, deep graphs."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.engine import Tensor, topological_order, trace
from deltaprop.engine import functional as F
from deltaprop.errors import ShapeError


def test_gradients_accumulate_over_uses_and_calls():
    x = Tensor(np.array([2.0]), requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1 = 5
    y.backward()
    assert x.grad.tolist() == [5.0]
    (x * 3.0).backward()
    assert x.grad.tolist() == [8.0]


def test_same_tensor_twice_in_one_op():
    x = Tensor(np.array([3.0]), requires_grad=True)
    (x * x).backward()
    assert x.grad.tolist() == [6.0]


def test_leaf_gradient_is_not_aliased():
    a = Tensor(np.array([1.0]), requires_grad=True)
    b = Tensor(np.array([1.0]), requires_grad=True)
    (a + b).backward()
    a.grad += 1
    assert b.grad.tolist() == [1.0]


def test_broadcast_inputs_get_gradients_of_their_own_shape(rng):
    x = Tensor(rng.normal(size=(5, 3)), requires_grad=True)
    b = Tensor(rng.normal(size=(3,)), requires_grad=True)
    s = Tensor(np.array(2.0), requires_grad=True)
    ((x + b) * s).sum().backward()
    assert b.grad.shape == (3,) and np.allclose(b.grad, 5 * 2.0)
    assert s.grad.shape == () and np.isclose(s.grad, (x.data + b.data).sum())


def test_no_grad_records_nothing():
    w = Tensor(np.ones(2), requires_grad=True)
    with dp.no_grad():
        y = w * 2.0
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="requires a gradient"):
        y.sum().backward()


def test_backward_needs_scalar_or_gradient():
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ShapeError, match="scalar"):
        (w * 2.0).backward()
    with pytest.raises(ShapeError, match="shape"):
        (w * 2.0).backward(np.ones(2))


def test_deep_graph_has_no_recursion_limit():
    x = Tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    assert np.isclose(x.grad[0], 1.0001**5000)


def test_topological_order_is_deterministic_and_valid():
    a = Tensor(np.array([1.0]), requires_grad=True, name="a")
    b = Tensor(np.array([2.0]), requires_grad=True, name="b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {id(t): i for i, t in enumerate(order)}
    for t in order:
        for p in t.parents:
            if p.requires_grad:
                assert position[id(t)] < position[id(p)]
    assert [t.name for t in order if t.is_leaf] == [
        t.name for t in topological_order(e) if t.is_leaf
    ]


def test_python_scalars_keep_float32():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = (x * 0.5 + 1 - 2.0 / (x + 1)) ** 2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_tracer_sees_forward_and_vjp_with_values():
    events = []
    x = Tensor(np.array([[1.0, -2.0]]))
    w = Tensor(np.array([[0.5], [0.25]]), requires_grad=True)
    with trace(events.append):
        out = F.relu(F.linear(x, w))
        out.sum().backward()
    names = [(type(e).__name__, e.op.name) for e in events]
    assert names == [
        ("ForwardEvent", "linear"),
        ("ForwardEvent", "relu"),
        ("ForwardEvent", "sum"),
        ("VjpEvent", "sum"),
        ("VjpEvent", "relu"),
        ("VjpEvent", "linear"),
    ]
    linear_vjp = events[-1]
    assert linear_vjp.grads_in[0] is None  # the data needs no gradient
    assert np.array_equal(linear_vjp.grads_in[1], w.grad)


def test_grad_buffer_receives_gradient_in_place(rng):
    w = dp.Parameter(rng.normal(size=(3, 2)))
    buf = np.zeros((3, 2))
    w.grad_buffer = buf
    x = rng.normal(size=(4, 3))
    F.linear(x, w).sum().backward()
    assert w.grad is buf
    assert np.allclose(buf, x.T @ np.ones((4, 2)))


def test_requires_grad_needs_float():
    with pytest.raises(TypeError, match="floating"):
        Tensor(np.array([1, 2]), requires_grad=True)


def test_backward_is_linear_in_incoming_gradient(rng):
    x = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    w = Tensor(rng.normal(size=(3, 2)), requires_grad=True)

    def grads(g):
        x.grad = w.grad = None
        F.tanh(F.linear(x, w)).backward(g)
        return x.grad.copy(), w.grad.copy()

    g1, g2 = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    a = grads(2.0 * g1 + 3.0 * g2)
    b1, b2 = grads(g1), grads(g2)
    for combined, first, second in zip(a, b1, b2):
        assert np.allclose(combined, 2.0 * first + 3.0 * second)
