"""Every kind of network and every activation exports to ONNX with deltaprop's answers."""

import json

import numpy as np
import pytest

import deltaprop as dp
import deltaprop.cli
from deltaprop.export.onnx import OPSET, to_onnx
from deltaprop.nn import Standardize, activations

onnx = pytest.importorskip("onnx")

HIDDEN = [name for name in activations.NAMES if name not in ("sigmoid", "linear")]


def _data(rng, n=120, features=4):
    return rng.normal(scale=2.0, size=(n, features)).astype(np.float32)


def _fit(net, X, y, loss, epochs=3):
    net.fit(X, y, loss=loss, optimizer=dp.Adam(net.parameters(), lr=0.02), epochs=epochs, seed=0)
    return net


@pytest.mark.parametrize("activation", HIDDEN + [{"name": "leaky_relu", "slope": 0.3}])
def test_every_hidden_activation_in_a_string_label_classifier(rng, run, same_answers, activation):
    X = _data(rng)
    y = np.where(X[:, 0] * X[:, 1] > 0, "same sign", "opposite")
    net = dp.Sequential([dp.Dense(6, activation), dp.Dense(2, "softmax")], seed=1)
    _fit(net, X, y, "cross_entropy")
    fresh = _data(rng, 300)
    for inputs in (X, fresh):
        outputs = run(to_onnx(net), inputs)
        same_answers(net, inputs, outputs)
    assert outputs["label"].dtype == object and set(outputs["label"]) <= {"same sign", "opposite"}


@pytest.mark.parametrize("output", ["identity", "tanh", "logistic", "relu", "leaky_relu"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_regression_single_and_multi_output(rng, run, same_answers, output, n_outputs):
    X = _data(rng)
    y = np.tanh(X[:, :n_outputs] * 0.5) * 0.4 + 0.5
    net = dp.Sequential([dp.Dense(5, "relu"), dp.Dense(n_outputs, output)], seed=2)
    _fit(net, X, y, "squared_error")
    fresh = _data(rng, 50)
    outputs = run(to_onnx(net), fresh)
    assert outputs["predictions"].shape == (50, n_outputs)
    same_answers(net, fresh, outputs)


def test_regression_outputs_in_target_units(rng, run, same_answers):
    X = _data(rng)
    y = 1000.0 + 250.0 * X[:, 0]  # far from the unit scale
    net = dp.Sequential([Standardize(), dp.Dense(8, "tanh"), dp.Dense(1)], seed=3)
    net.layers[0].fit(X)
    _fit(net, X, y, "squared_error")
    net.layers[-1].bias.data[:] = 1000.0  # outputs of the target's size, not the unit scale
    outputs = run(to_onnx(net), X)
    same_answers(net, X, outputs)
    assert np.all(np.abs(outputs["predictions"] - 1000.0) < 100.0)


@pytest.mark.parametrize("labels", ["int", "str", "bool"])
def test_binary_logistic_classifier(rng, run, same_answers, labels):
    X = _data(rng)
    positive = X[:, 0] - X[:, 2] > 0
    y = {"int": positive.astype(int), "str": np.where(positive, "spam", "ham"), "bool": positive}
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(1, "logistic")], seed=4)
    _fit(net, X, y[labels], "binary_cross_entropy")
    outputs = run(to_onnx(net), X)
    same_answers(net, X, outputs)
    assert outputs["probabilities"].shape == (len(X), 2)
    expected_type = {"int": np.int64, "str": object, "bool": np.bool_}[labels]
    assert outputs["label"].dtype == expected_type


def test_scores_turned_into_probabilities_by_the_head(rng, run, same_answers):
    X = _data(rng)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    multi = dp.Sequential([dp.Dense(5, "relu"), dp.Dense(3)], seed=5)
    _fit(multi, X, y, dp.losses.CrossEntropy(from_logits=True))
    same_answers(multi, X, run(to_onnx(multi), X))
    binary = dp.Sequential([dp.Dense(5, "relu"), dp.Dense(1)], seed=6)
    _fit(binary, X, (X[:, 0] > 0).astype(int), dp.losses.BinaryCrossEntropy(from_logits=True))
    same_answers(binary, X, run(to_onnx(binary), X))


def test_multi_label(rng, run, same_answers):
    X = _data(rng)
    Y = np.stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 1], axis=1).astype(np.float32)
    net = dp.Sequential([dp.Dense(8, "relu"), dp.Dense(3, "logistic")], seed=7)
    _fit(net, X, Y, "binary_cross_entropy")
    outputs = run(to_onnx(net), X)
    same_answers(net, X, outputs)
    assert outputs["label"].shape == (len(X), 3) and outputs["label"].dtype == np.int64


@pytest.mark.parametrize("bias", [False, "shared"])
def test_layers_without_bias_or_with_a_shared_one(rng, run, same_answers, bias):
    X = _data(rng)
    net = dp.Sequential([dp.Dense(5, "tanh", bias=bias), dp.Dense(2, bias=bias)], seed=17)
    _fit(net, X, X[:, :2] * 2, "squared_error")
    same_answers(net, X, run(to_onnx(net), X))


def test_the_worked_example_network(run):
    data = dp.datasets.worked_example()
    w = data.initial_weights
    net = dp.Sequential(
        [
            dp.Dense(2, "logistic", bias="shared", init=w[f"layers.{i}.weight"],
                     bias_init=w[f"layers.{i}.bias"], in_features=2)
            for i in range(2)
        ],
        dtype="float64",
    )  # fmt: skip
    X = np.asarray(data.X, dtype=np.float64)
    out = run(to_onnx(net), X)["predictions"]
    np.testing.assert_allclose(out, net.forward_outputs(X), rtol=1e-12)
    np.testing.assert_allclose(out, [[0.75136507, 0.772928465]], rtol=1e-8)


def test_dropout_is_removed_and_standardize_kept(rng, run, same_answers):
    X = _data(rng) * 10 + 5
    y = (X[:, 0] > 5).astype(int) + (X[:, 3] > 5)
    net = dp.Sequential(
        [Standardize(), dp.Dense(16, "relu"), dp.Dropout(0.5), dp.Dense(3, "softmax")], seed=8
    )
    net.layers[0].fit(X)
    _fit(net, X, y, "cross_entropy")
    model = to_onnx(net)
    assert [n.op_type for n in model.graph.node if n.op_type in ("Sub", "Div", "Dropout")] == [
        "Sub",
        "Div",
    ]
    same_answers(net, X, run(model, X))


def test_float64_network(rng, run, same_answers):
    X = _data(rng).astype(np.float64)
    net = dp.Sequential(
        [dp.Dense(5, "leaky_relu"), dp.Dense(5, "logistic"), dp.Dense(3, "softmax")],
        seed=9,
        dtype="float64",
    )
    _fit(net, X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0), "cross_entropy")
    outputs = run(to_onnx(net), X)
    np.testing.assert_allclose(outputs["probabilities"], net.predict_proba(X), rtol=1e-12)
    np.testing.assert_array_equal(outputs["label"], net.predict(X))


def test_real_data_iris_and_digits(run, same_answers):
    iris = dp.datasets.load_iris()
    names = np.array(iris.target_names)[iris.y]
    net = dp.Sequential([Standardize(), dp.Dense(10, "tanh"), dp.Dense(3, "softmax")], seed=10)
    net.layers[0].fit(iris.X)
    _fit(net, iris.X, names, "cross_entropy", epochs=20)
    same_answers(net, iris.X, run(to_onnx(net), iris.X))
    digits = dp.datasets.load_digits()
    X = digits.X.astype(np.float32)
    net = dp.Sequential([dp.Dense(32, "relu"), dp.Dense(10, "softmax")], seed=11)
    _fit(net, X, digits.y, "cross_entropy", epochs=2)
    same_answers(net, X, run(to_onnx(net), X))


def test_a_saved_and_loaded_model_exports_the_same(rng, run, tmp_path):
    X = _data(rng)
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(2, "softmax")], seed=12)
    _fit(net, X, np.where(X[:, 0] > 0, "b", "a"), "cross_entropy")
    net.save(tmp_path / "m.dpm")
    net.export(tmp_path / "direct.onnx")
    dp.load(tmp_path / "m.dpm").export(tmp_path / "loaded.onnx")
    direct = run(str(tmp_path / "direct.onnx"), X)
    loaded = run(str(tmp_path / "loaded.onnx"), X)
    np.testing.assert_array_equal(direct["label"], loaded["label"])
    np.testing.assert_array_equal(direct["probabilities"], loaded["probabilities"])


def test_a_plain_stack_exports_as_regression(rng, run):
    stack = dp.nn.Stack([dp.Dense(3, "tanh", in_features=4), dp.Dense(2)], seed=13)
    X = _data(rng, 10)
    with dp.no_grad():
        expected = stack.eval()(X).data
    np.testing.assert_allclose(
        run(to_onnx(stack), X)["predictions"], expected, rtol=1e-5, atol=1e-6
    )


def test_checker_versions_and_metadata(rng, tmp_path):
    X = _data(rng)
    net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2, "softmax")], seed=14)
    net.feature_names = ["a", "b", "c", "d"]
    net.target_name = "kind"
    _fit(net, X, np.where(X[:, 0] > 0, "up", "down"), "cross_entropy")
    net.export(tmp_path / "m.onnx")
    model = onnx.load(str(tmp_path / "m.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)]
    assert model.ir_version == 8  # the IR of opset 17: onnxruntime >= 1.13 reads it
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["deltaprop_version"] == dp.__version__
    assert json.loads(meta["feature_names"]) == ["a", "b", "c", "d"]
    assert json.loads(meta["classes"]) == ["down", "up"]
    assert json.loads(meta["target_name"]) == "kind"
    assert meta["task"] == "classification"
    assert model.producer_name == "deltaprop"
    assert [i.name for i in model.graph.input] == ["X"]
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]


@pytest.mark.parametrize("labels", ["text", "index"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_zipmap_gives_one_map_per_row(rng, run, labels, dtype):
    X = _data(rng).astype(dtype)
    index = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    y = np.array(["a", "b", "c"])[index] if labels == "text" else index
    net = dp.Sequential([dp.Dense(5, "tanh"), dp.Dense(3, "softmax")], seed=18, dtype=dtype)
    _fit(net, X, y, "cross_entropy")
    outputs = run(to_onnx(net, zipmap=True), X)
    maps, proba = outputs["probabilities"], net.predict_proba(X)
    keys = ["a", "b", "c"] if labels == "text" else [0, 1, 2]
    assert len(maps) == len(X) and all(sorted(m) == keys for m in maps)
    got = np.array([[m[k] for k in keys] for m in maps])
    np.testing.assert_allclose(got, proba, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(outputs["label"], net.predict(X))


@pytest.mark.parametrize("opset", [13, 15, 19, 21])
def test_other_opsets(rng, run, same_answers, opset):
    X = _data(rng)
    net = dp.Sequential([dp.Dense(3, "leaky_relu"), dp.Dense(1, "logistic")], seed=15)
    _fit(net, X, X[:, 0] > 0, "binary_cross_entropy")
    model = to_onnx(net, opset=opset)
    assert model.opset_import[0].version == opset
    assert model.ir_version == onnx.helper.find_min_ir_version_for(list(model.opset_import))
    same_answers(net, X, run(model, X))


def test_the_file_is_written_atomically(rng, tmp_path):
    net = dp.Sequential([dp.Dense(2, in_features=4)], seed=16)
    path = tmp_path / "m.onnx"
    net.export(path)
    before = path.read_bytes()
    net.layers[0].weight.data[0, 0] = np.nan
    with pytest.raises(dp.errors.ExportError, match="NaN or infinite"):
        net.export(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_a_training_checkpoint_exports_its_network(rng, run, same_answers, tmp_path):
    X = _data(rng)
    net = dp.Sequential([dp.Dense(4, "relu"), dp.Dense(2, "softmax")], seed=19)
    checkpoint = tmp_path / "run.ckpt"
    net.fit(X, (X[:, 0] > 0).astype(int), loss="cross_entropy", epochs=2, checkpoint=checkpoint)
    assert dp.cli.main(["export", str(checkpoint), str(tmp_path / "c.onnx"), "-q"]) == 0
    same_answers(net, X, run(str(tmp_path / "c.onnx"), X))
