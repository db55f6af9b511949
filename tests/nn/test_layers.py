"""Layers and modules: shapes, names, freezing, init, gradient check through parameters."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import NotBuiltError, ParameterError, ShapeError
from deltaprop.nn import init


def test_dense_infers_input_size_and_names_parameters(rng):
    net = dp.Sequential([dp.Dense(4, "relu"), dp.Dense(3)], seed=0)
    assert [name for name, _ in net.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
    ]
    with pytest.raises(NotBuiltError, match="layers.0.weight|no values yet"):
        net.layers[0].weight.data  # noqa: B018
    out = net(rng.normal(size=(5, 7)))
    assert out.shape == (5, 3) and out.dtype == np.float32
    assert net.layers[0].weight.shape == (7, 4)
    with pytest.raises(ShapeError, match="8 features but the layer expects 7"):
        net(rng.normal(size=(2, 8)))


def test_shared_bias_and_no_bias():
    layer = dp.Dense(3, bias="shared", in_features=2, dtype="float64")
    assert layer.bias.shape == (1,)
    layer2 = dp.Dense(3, bias=False, in_features=2, dtype="float64")
    assert layer2.bias is None and len(layer2.parameters()) == 1


@pytest.mark.parametrize(
    "activation", ["logistic", "tanh", "relu", "leaky_relu", "identity", "softmax"]
)
@pytest.mark.parametrize("bias", [True, "shared"])
def test_gradients_through_parameters(activation, bias, rng):
    layer = dp.Dense(3, activation, bias=bias, in_features=4, dtype="float64", seed=1)
    x = rng.normal(size=(5, 4))
    g = rng.normal(size=(5, 3))

    def fn(w, b, xx):
        layer.weight.data = w.data
        layer.bias.data = b.data
        net = dp.engine.functional.linear(xx, w, b)
        return (layer.activation(net) * g).sum()

    dp.gradcheck(fn, layer.weight.data.copy(), layer.bias.data.copy(), x)


def test_seeded_initialisation_is_repeatable():
    def weights(seed):
        net = dp.Sequential([dp.Dense(5, "relu"), dp.Dense(2)], seed=seed)
        net.build(3)
        return [p.data.copy() for p in net.parameters()]

    a, b, c = weights(7), weights(7), weights(8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_adding_a_layer_keeps_earlier_initial_weights():
    one = dp.Sequential([dp.Dense(5)], seed=3)
    two = dp.Sequential([dp.Dense(5), dp.Dense(2)], seed=3)
    one.build(4)
    two.build(4)
    assert np.array_equal(one.layers[0].weight.data, two.layers[0].weight.data)


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal"])
def test_initialiser_scales(name, rng):
    w = init.get(name)((400, 300), rng, np.float64)
    fan_in, fan_out = 400, 300
    var = {
        "glorot_uniform": 2 / (fan_in + fan_out),
        "glorot_normal": 2 / (fan_in + fan_out),
        "he_uniform": 2 / fan_in,
        "he_normal": 2 / fan_in,
    }[name]
    assert w.var() == pytest.approx(var, rel=0.05)
    assert abs(w.mean()) < 0.01


def test_uniform_constant_and_explicit(rng):
    w = init.Uniform(-0.5, 0.5)((100, 10), rng, np.float32)
    assert w.dtype == np.float32 and w.min() >= -0.5 and w.max() <= 0.5
    assert init.get(0.35)((2,), rng, np.float64).tolist() == [0.35, 0.35]
    with pytest.raises(ShapeError, match=r"shape \(2, 2\).*\(3, 2\)"):
        dp.Dense(2, init=[[1.0, 2.0], [3.0, 4.0]], in_features=3, dtype="float64")


def test_freezing_stops_gradient_and_update(rng):
    net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(1)], seed=0)
    net.build(2)
    net.layers[0].freeze()
    before = net.layers[0].weight.data.copy()
    opt = dp.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=0.1)
    for _ in range(3):
        opt.zero_grad()
        dp.losses.squared_error(net(rng.normal(size=(4, 2))), rng.normal(size=(4, 1))).backward()
        assert net.layers[0].weight.grad is None
        opt.step()
    assert np.array_equal(net.layers[0].weight.data, before)


def test_shared_parameter_is_listed_once(rng):
    a = dp.Dense(3, in_features=3, dtype="float64")
    b = dp.Dense(3, in_features=3, dtype="float64")
    b.weight = a.weight
    net = dp.nn.Stack([a, b], dtype="float64")
    names = [n for n, _ in net.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.bias"]
    dp.losses.squared_error(net(rng.normal(size=(2, 3))), np.zeros((2, 3))).backward()
    assert a.weight.grad.shape == (3, 3)


def test_parameter_assignment_checks_shape_and_copies_in():
    p = dp.Parameter(np.zeros((2, 2), dtype=np.float32))
    storage = p.data
    p.data = np.ones((2, 2))
    assert p.data is storage and p.data.dtype == np.float32 and p.data.sum() == 4
    with pytest.raises(ShapeError, match=r"\(2, 2\).*\(3,\)"):
        p.data = np.ones(3)


def test_state_dict_round_trip(rng):
    net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2)], seed=0)
    net.build(4)
    state = net.state_dict()
    other = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2)], seed=1)
    other.build(4)
    other.load_state_dict(state)
    x = rng.normal(size=(3, 4)).astype(np.float32)
    assert np.array_equal(net(x).data, other(x).data)
    with pytest.raises(ParameterError, match="missing"):
        other.load_state_dict({"layers.0.weight": state["layers.0.weight"]})


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"units": 0}, ParameterError, "units must be >= 1; got 0"),
        ({"units": 2.5}, TypeError, "units must be an integer; got 2.5"),
        (
            {"units": 2, "activation": "swish"},
            ParameterError,
            "activation must be one of .*got 'swish'",
        ),
        (
            {"units": 2, "bias": "yes"},
            ParameterError,
            "bias must be one of True, False, 'shared'; got 'yes'",
        ),
        (
            {"units": 2, "init": "normalish"},
            ParameterError,
            "init must be one of .*got 'normalish'",
        ),
        (
            {"units": 2, "dtype": "int32"},
            ParameterError,
            "dtype must be 'float32' or 'float64'; got 'int32'",
        ),
        ({"units": 2, "in_features": -1}, ParameterError, "in_features must be >= 1; got -1"),
    ],
)
def test_bad_layer_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        dp.Dense(**kwargs)


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match=r"layers\[1\] must be a Module"):
        dp.Sequential([dp.Dense(2), "relu"])
