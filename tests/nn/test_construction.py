"""A network whose first layer declares its input size has weights at once; values given to a
parameter take the network's dtype."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import NotBuiltError, ShapeError


def test_a_network_whose_first_layer_declares_in_features_is_built_at_construction():
    net = dp.Sequential([dp.Dense(2, "logistic", in_features=2), dp.Dense(2, "logistic")], seed=0)
    assert net.is_built and net.in_features == 2
    assert net.layers[1].weight.data.shape == (2, 2)
    # the same weights as a network built later from the same seed: the seed still applies
    later = dp.Sequential([dp.Dense(2, "logistic"), dp.Dense(2, "logistic")], seed=0)
    later.build(2)
    for a, b in zip(net.parameters(), later.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_a_dense_with_in_features_alone_is_built_and_takes_its_networks_dtype():
    layer = dp.Dense(3, in_features=2)
    assert layer.is_built and layer.weight.data.shape == (2, 3)
    assert layer.weight.data.dtype == np.float32
    inside = dp.Dense(3, in_features=2)
    net = dp.Sequential([inside, dp.Dense(1)], seed=1, dtype="float64")
    assert {p.data.dtype for p in net.parameters()} == {np.dtype(np.float64)}
    # a layer's own seed wins, and its values are drawn in the network's dtype
    seeded = dp.Sequential([dp.Dense(3, in_features=2, seed=5)], dtype="float64").layers[0]
    later = dp.Dense(3, seed=5)
    later.build(2, dtype="float64")
    np.testing.assert_array_equal(seeded.weight.data, later.weight.data)


def test_values_used_before_a_network_takes_the_layer_are_kept():
    layer = dp.Dense(2, in_features=2, bias=False)
    layer.weight.data = [[1.0, 2.0], [3.0, 4.0]]
    net = dp.Sequential([layer], seed=0, dtype="float64")
    assert net.layers[0].weight.data.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert net.layers[0].weight.data.dtype == np.float64


def test_values_assigned_before_build_take_the_networks_dtype():
    net = dp.Sequential([dp.Dense(2, "logistic"), dp.Dense(1)], seed=0)  # float32
    net.layers[0].weight.data = np.array([[0.15, 0.25], [0.20, 0.30]])  # float64 values
    net.build(2)
    assert net.layers[0].weight.data.dtype == np.float32
    assert net.layers[0].in_features == 2
    np.testing.assert_allclose(net.layers[0].weight.data, [[0.15, 0.25], [0.20, 0.30]])
    assert net(np.ones((1, 2))).data.dtype == np.float32
    # and assigned after build they are copied in, converted
    net.layers[1].weight.data = np.array([[1.0], [2.0]])
    assert net.layers[1].weight.data.dtype == np.float32


def test_values_of_the_wrong_shape_are_refused_at_build():
    net = dp.Sequential([dp.Dense(2), dp.Dense(1)], seed=0)
    net.layers[0].weight.data = np.ones((3, 2))
    with pytest.raises(ShapeError, match=r"given values of shape \(3, 2\).*need \(2, 2\)"):
        net.build(2)


def test_an_unbuilt_parameter_says_how_to_build_it():
    net = dp.Sequential([dp.Dense(2), dp.Dense(1)], seed=0)
    with pytest.raises(NotBuiltError, match=r"net.build\(n_features\).*in_features"):
        net.layers[0].weight.data  # noqa: B018
