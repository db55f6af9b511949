"""Exports that cannot be made are refused with a message naming the reason, and write
nothing; a layer defined outside deltaprop exports once it registers a converter."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import ExportError, ParameterError, ParameterTypeError
from deltaprop.export import export, register_onnx_converter
from deltaprop.export.onnx import to_onnx
from deltaprop.export.onnx_layers import CONVERTERS
from deltaprop.nn import activations

pytest.importorskip("onnx")


class Doubler(dp.Module):
    """out = 2 x (a layer deltaprop does not know)."""

    replayable = True

    def forward(self, x):
        return x * 2.0


class Cube(activations.Activation):
    name, formula = "cube", "net^3"

    def __call__(self, x):
        return x * x * x


def _built(*layers):
    return dp.Sequential([dp.Dense(3, "tanh", in_features=2), *layers], seed=0)


def test_an_unfitted_network(tmp_path):
    net = dp.Sequential([dp.Dense(3), dp.Dense(1)])
    with pytest.raises(ExportError, match="no weights yet"):
        net.export(tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_layer_without_converter_then_with_one(run):
    net = _built(Doubler(), dp.Dense(1))
    with pytest.raises(ExportError, match=r"layers\[1\] \(Doubler\) has no ONNX converter"):
        to_onnx(net)

    @register_onnx_converter(Doubler)
    def _convert(g, layer, x, dtype):
        return g.node("Mul", [x, g.const("two", np.asarray(2.0, dtype))])

    try:
        X = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
        np.testing.assert_allclose(
            run(to_onnx(net), X)["predictions"], net.forward_outputs(X), rtol=1e-5, atol=1e-6
        )
    finally:
        del CONVERTERS[Doubler]


def test_an_activation_without_onnx_form():
    net = dp.Sequential([dp.Dense(3, Cube(), in_features=2), dp.Dense(1)], seed=0)
    with pytest.raises(ExportError, match="activation 'cube' has no ONNX form; exportable"):
        to_onnx(net)


def test_infinite_weights():
    net = _built(dp.Dense(1))
    net.layers[1].bias.data[0] = np.inf
    with pytest.raises(ExportError, match=r"bias holds NaN or infinite values"):
        to_onnx(net)


def test_bad_options(tmp_path):
    net = _built(dp.Dense(1))
    with pytest.raises(ParameterError, match="format must be one of 'onnx'; got 'tflite'"):
        net.export(tmp_path / "m.tflite", format="tflite")
    with pytest.raises(ParameterError, match="opset must be <= 21; got 28"):
        net.export(tmp_path / "m.onnx", opset=28)
    with pytest.raises(ParameterError, match="opset must be >= 13; got 11"):
        net.export(tmp_path / "m.onnx", opset=11)
    with pytest.raises(ParameterError, match="existing directory"):
        net.export(tmp_path / "missing" / "m.onnx")
    with pytest.raises(ParameterError, match="not a directory"):
        net.export(tmp_path)
    with pytest.raises(ParameterTypeError, match=r"options opset and zipmap; got \['opsett'\]"):
        net.export(tmp_path / "m.onnx", opsett=17)
    with pytest.raises(ParameterTypeError, match="opset must be an integer; got True"):
        net.export(tmp_path / "m.onnx", opset=True)
    with pytest.raises(ParameterTypeError, match="got dict"):
        to_onnx({"layers": []})
    assert list(tmp_path.iterdir()) == []


def test_weights_beyond_one_protobuf(monkeypatch, tmp_path):
    import deltaprop.export.onnx as exporter

    net = _built(dp.Dense(1))
    monkeypatch.setattr(exporter, "MAX_BYTES", 20)  # 2 GiB in real life: too much to allocate
    with pytest.raises(ExportError, match=r"weights take 0\.00 GiB; an ONNX file written in one"):
        net.export(tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_zipmap_needs_a_single_label_classifier():
    regressor = _built(dp.Dense(1))
    with pytest.raises(ExportError, match="zipmap needs a single-label classifier; this model"):
        to_onnx(regressor, zipmap=True)
    with pytest.raises(ParameterTypeError, match="zipmap must be True or False; got 'yes'"):
        to_onnx(regressor, zipmap="yes")
    X = np.random.default_rng(0).normal(size=(20, 2))
    flags = dp.Sequential([dp.Dense(1, "logistic", in_features=2)], seed=0)
    flags.fit(X, X[:, 0] > 0, loss="binary_cross_entropy", epochs=1)
    with pytest.raises(ExportError, match="zipmap needs text or integer labels; this classifier"):
        to_onnx(flags, zipmap=True)


def test_the_table_of_refusals_in_the_docs_shows_the_real_messages(monkeypatch):
    """docs/onnx.md quotes each refusal: the messages are the ones raised."""
    import re
    from pathlib import Path

    import deltaprop.export.onnx as exporter

    docs = (Path(__file__).resolve().parents[2] / "docs" / "onnx.md").read_text()
    section = docs.split("## Refused exports", 1)[1].split("\n## ", 1)[0]
    quoted = set(re.findall(r"^\| .*? \| `(.*)` \|$", section, re.M))
    X = np.random.default_rng(0).normal(size=(20, 2))
    flags = dp.Sequential([dp.Dense(1, "logistic", in_features=2)], seed=0)
    flags.fit(X, X[:, 0] > 0, loss="binary_cross_entropy", epochs=1)
    nan = dp.Sequential([dp.Dense(3, in_features=2)], seed=0)
    nan.layers[0].weight.data[0, 0] = np.nan
    big = dp.Sequential([dp.Dense(3, in_features=2)], seed=0)
    labelled = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
    table = {"label": [1.0, np.nan, 3.0, 4.0], "colour": ["red", "blue", None, "red"]}
    labelled.fit(table, ["a", "b", "a", "b"], loss="cross_entropy", epochs=1)
    nameless = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
    nameless.fit({"": table["label"], "colour": table["colour"]}, ["a", "b", "a", "b"],
                 loss="cross_entropy", epochs=1)  # fmt: skip
    cases = [
        lambda: to_onnx(dp.Sequential([dp.Dense(3), dp.Dense(1)])),
        lambda: to_onnx(_built(Doubler(), dp.Dense(1))),
        lambda: to_onnx(dp.Sequential([dp.Dense(3, Cube(), in_features=2)], seed=0)),
        lambda: to_onnx(nan),
        lambda: to_onnx(_built(dp.Dense(1)), zipmap=True),
        lambda: to_onnx(flags, zipmap=True),
        lambda: to_onnx(big, opset=28),
        lambda: export(big, "m.tflite", format="tflite"),
        lambda: to_onnx(labelled),
        lambda: to_onnx(nameless),
    ]
    for case in cases:
        with pytest.raises((ExportError, ParameterError)) as info:
            case()
        assert str(info.value) in quoted, str(info.value)
    monkeypatch.setattr(exporter, "MAX_BYTES", int(1.98 * 2**30))
    monkeypatch.setattr(exporter, "_initializer_bytes", lambda g: int(2.10 * 2**30))
    with pytest.raises(ExportError) as info:
        to_onnx(big)
    assert str(info.value) in quoted
