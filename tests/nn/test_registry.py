"""The layer registry: a layer class defined here, registered once, saves and loads; one class
per name (the stack is nn.Stack, the network dp.Sequential)."""

import warnings

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.engine import functional as F
from deltaprop.errors import ModelFileError, RegistryError
from deltaprop.io import read_model_file, write_model_file
from deltaprop.nn import LAYERS, Module, Parameter, register_layer


class Scale(Module):
    """out_i = x_i * s_i: one learnable factor per feature (the recipe of docs/architecture.md)."""

    replayable = True

    def __init__(self, *, in_features=None, start=1.0):
        self.in_features = in_features
        self.start = float(start)
        self.scale = Parameter()
        if in_features is not None:
            self.build(in_features)

    def build(self, in_features, *, rng=None, dtype=None):
        if not self.scale.is_built:
            self.in_features = in_features
            self.scale.data = np.full(in_features, self.start, dtype=dtype or np.float32)
        return in_features

    def forward(self, x):
        return F.mul(x, self.scale)

    def get_config(self):
        return {"in_features": self.in_features, "start": self.start}


def test_a_new_layer_saves_and_loads(tmp_path, rng):
    X = rng.normal(size=(32, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    net = dp.Sequential([Scale(start=0.5), dp.Dense(1)], seed=0)
    net.fit(X, y, optimizer=dp.SGD(net.parameters(), lr=0.05), epochs=5, seed=0)
    assert not np.allclose(net.layers[0].scale.data, 0.5)  # trained
    net.save(tmp_path / "scale.dpm")
    loaded = dp.load(tmp_path / "scale.dpm")
    assert type(loaded.layers[0]) is Scale and loaded.layers[0].start == 0.5
    np.testing.assert_array_equal(loaded.layers[0].scale.data, net.layers[0].scale.data)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    assert loaded.get_config()["architecture"]["layers"][0] == {
        "type": "Scale",
        "in_features": 3,
        "start": 0.5,
    }


def test_an_unregistered_layer_is_refused_at_save_not_at_load(tmp_path):
    class Unregistered(Scale):
        pass

    net = dp.Sequential([Unregistered(in_features=2), dp.Dense(1)], seed=0)
    with pytest.raises(RegistryError, match=r"layers\[0\] \(Unregistered\).*register_layer"):
        net.save(tmp_path / "m.dpm")
    assert not (tmp_path / "m.dpm").exists()


def test_a_name_belongs_to_one_class():
    with pytest.raises(RegistryError, match="'Dense' is already taken"):

        @register_layer(name="Dense")
        class Other(Scale):
            pass

    with pytest.raises(RegistryError, match="get_config"):

        @register_layer
        class NoConfig(Module):
            pass

    assert LAYERS.get("Dense") is dp.Dense and "NoConfig" not in LAYERS


def test_a_model_file_naming_an_unknown_layer_lists_the_registered_ones(tmp_path):
    net = dp.Sequential([dp.Dense(1, in_features=2)], seed=0)
    net.save(tmp_path / "m.dpm")
    config, tensors = read_model_file(tmp_path / "m.dpm")
    config["architecture"]["layers"][0]["type"] = "Conv2D"
    write_model_file(tmp_path / "bad.dpm", config, tensors)
    with pytest.raises(ModelFileError, match=r"unknown type 'Conv2D' \(registered layers: .*Dense"):
        dp.load(tmp_path / "bad.dpm")


def test_one_class_per_name():
    assert issubclass(dp.Sequential, dp.nn.Stack) and dp.Sequential is not dp.nn.Stack
    assert dp.Sequential.__name__ == "Sequential" and dp.nn.Stack.__name__ == "Stack"
    with pytest.warns(DeprecationWarning, match="deltaprop.nn.Stack"):
        alias = dp.nn.Sequential
    assert alias is dp.nn.Stack
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "Sequential" not in dp.nn.__all__


@pytest.fixture(autouse=True, scope="module")
def _registered_for_this_file():
    """Register this file's layer for its tests only (the registry is global): the recipe's
    ``@register_layer`` above the class, applied here."""
    register_layer(Scale)
    yield
    LAYERS.unregister("Scale")
