"""Networks trained on tables export with their preprocessing: one input per original
column, text one-hot encoded and missing values imputed in the graph, regression targets in
their own units; onnxruntime's answers from the raw columns equal deltaprop's."""

import json
import warnings

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import ExportError
from deltaprop.export.onnx import to_onnx
from deltaprop.tabular import Preprocessor, UnknownCategoryWarning

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def _table(rng, n=240):
    size = rng.normal(10.0, 3.0, n)
    size[rng.random(n) < 0.15] = np.nan
    kind = np.array(["cat", "dog", "bird"], dtype=object)[rng.integers(0, 3, n)]
    kind[rng.random(n) < 0.15] = None
    year = rng.integers(2000, 2005, n).astype(float)
    year[rng.random(n) < 0.1] = np.nan
    return {"size": size, "kind": kind, "year": year}


def _feeds(table, names) -> dict:
    """The raw columns as onnxruntime inputs: (N, 1) doubles (NaN missing), text ("" missing)."""
    feeds = {}
    for name in names:
        values = table[name]
        if np.asarray(values).dtype == object:
            text = ["" if v is None else str(v) for v in values]
            feeds[name] = np.array(text, dtype=object).reshape(-1, 1)
        else:
            feeds[name] = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    return feeds


def _run(model, feeds) -> dict:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def _prices(table):
    size = np.nan_to_num(table["size"], nan=10.0)
    return (
        300.0 * size + 50.0 * (table["kind"] == "dog") + 20.0 * np.nan_to_num(table["year"] - 2000)
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_regression_from_raw_columns(rng, dtype):
    table = _table(rng)
    net = dp.Sequential([dp.Dense(8, "tanh"), dp.Dense(1)], seed=0, dtype=dtype)
    prep = Preprocessor(categorical=["year"], task="regression")
    net.fit(table, _prices(table), loss="squared_error", epochs=5, preprocessor=prep, seed=0)
    model = to_onnx(net)
    inputs = [(i.name, i.type.tensor_type.elem_type) for i in model.graph.input]
    assert inputs == [
        ("size", onnx.TensorProto.DOUBLE),
        ("kind", onnx.TensorProto.STRING),
        ("year", onnx.TensorProto.DOUBLE),  # numbers one-hot encoded: given as numbers
    ]
    assert {n.domain for n in model.graph.node} == {"", "ai.onnx.ml"}
    fresh = _table(rng, 100)
    for data in (table, fresh):
        got = _run(model, _feeds(data, ["size", "kind", "year"]))["predictions"]
        np.testing.assert_allclose(got, net.predict(data), **TOLERANCE)
    assert 1000 < float(np.mean(got)) < 5000  # in the target's units (scaled in training)
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["inputs"]) == ["size", "kind", "year"]
    assert json.loads(meta["feature_names"]) == ["size", "kind", "year"]


def test_deltaprop_imputes_nan_in_a_numeric_column_of_categories():
    # (the graph imputes it; deltaprop took NaN for a category never seen, encoded as zeros)
    prep = Preprocessor(categorical=["year"]).fit({"year": [2001.0, 2002.0, 2002.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownCategoryWarning)
        encoded = prep.transform({"year": [np.nan, 2001.0]})
    assert encoded.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_classifier_with_text_labels_and_unseen_categories(rng):
    table = _table(rng)
    label = np.where(np.nan_to_num(table["size"], nan=0) > 10, "big", "small")
    label[table["kind"] == "bird"] = "bird-sized"
    net = dp.Sequential([dp.Dense(8, "relu"), dp.Dense(3, "softmax")], seed=1)
    net.fit(table, label, loss="cross_entropy", epochs=5, seed=0)
    assert net.preprocessor is not None
    model = to_onnx(net)
    fresh = _table(rng, 80)
    fresh["kind"][:5] = "lizard"  # never seen in training: all zeros, in both
    with pytest.warns(UnknownCategoryWarning):
        expected_label, expected_proba = net.predict(fresh), net.predict_proba(fresh)
    outputs = _run(model, _feeds(fresh, ["size", "kind", "year"]))
    np.testing.assert_array_equal(outputs["label"], expected_label)
    np.testing.assert_allclose(outputs["probabilities"], expected_proba, **TOLERANCE)


def test_missing_value_tokens_are_imputed_as_the_csv_reader_does(rng):
    table = _table(rng)
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(1)], seed=2)
    net.fit(table, _prices(table), loss="squared_error", epochs=2, seed=0)
    model = to_onnx(net)
    feeds = _feeds(table, ["size", "kind", "year"])
    none = table["kind"] == None  # noqa: E711  (elementwise over the object array)
    baseline = _run(model, feeds)["predictions"]
    for token in ("NA", "null", "?"):
        feeds["kind"][none, 0] = token
        np.testing.assert_array_equal(_run(model, feeds)["predictions"], baseline)


def test_multi_target_regression(rng):
    table = _table(rng)
    targets = {"price": _prices(table), "weight": np.nan_to_num(table["size"], nan=9.0) * 0.5}
    data = {**table, **targets}
    prep = Preprocessor(target=["price", "weight"], task="regression")
    net = dp.Sequential([dp.Dense(6, "tanh"), dp.Dense(2)], seed=3)
    net.fit(data, None, loss="squared_error", epochs=3, preprocessor=prep, seed=0)
    got = _run(to_onnx(net), _feeds(table, ["size", "kind", "year"]))["predictions"]
    np.testing.assert_allclose(got, net.predict(table), **TOLERANCE)


def test_a_column_named_like_an_output_is_refused(rng):
    table = _table(rng)
    table["label"] = table.pop("size")
    y = np.where(rng.random(len(table["kind"])) > 0.5, "a", "b")
    net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2, "softmax")], seed=4)
    net.fit(table, y, loss="cross_entropy", epochs=1, seed=0)
    with pytest.raises(ExportError, match="column 'label' would be a graph input with an output"):
        to_onnx(net)


@pytest.mark.parametrize("opset", [13, 21])
def test_tabular_at_the_oldest_and_newest_opsets(rng, opset):
    table = _table(rng)
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(1)], seed=6)
    net.fit(table, _prices(table), loss="squared_error", epochs=2, seed=0)
    model = to_onnx(net, opset=opset)
    assert {(o.domain, o.version) for o in model.opset_import} == {("", opset), ("ai.onnx.ml", 3)}
    got = _run(model, _feeds(table, ["size", "kind", "year"]))["predictions"]
    np.testing.assert_allclose(got, net.predict(table), **TOLERANCE)


def test_large_numeric_codes_stay_apart(rng):
    # 16777216 and 16777217 are one float32; deltaprop compares their text: two categories
    codes = np.array([16777216.0, 16777217.0, 16777217.0, 3.0] * 30)
    table = {"code": codes, "size": rng.normal(size=len(codes))}
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(1)], seed=7)
    prep = Preprocessor(categorical=["code"], task="regression")
    net.fit(table, codes / 1e7 + table["size"], loss="squared_error", epochs=2, preprocessor=prep)
    assert prep.get_config()["columns"][0]["categories"] == ["16777216", "16777217", "3"]
    fresh = {"code": np.array([16777216.0, 16777217.0, 3.0, 5.0, np.nan]), "size": np.zeros(5)}
    with pytest.warns(UnknownCategoryWarning):  # 5.0 was never seen: zeros, in both
        expected = net.predict(fresh)
    got = _run(to_onnx(net), _feeds(fresh, ["code", "size"]))["predictions"]
    np.testing.assert_allclose(got, expected, **TOLERANCE)
    assert got[0, 0] != got[1, 0]


def test_saved_and_loaded_tabular_model(rng, tmp_path):
    table = _table(rng)
    net = dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(1)], seed=5)
    net.fit(table, _prices(table), loss="squared_error", epochs=2, seed=0)
    net.save(tmp_path / "m.dpm")
    loaded = dp.load(tmp_path / "m.dpm")
    got = _run(to_onnx(loaded), _feeds(table, ["size", "kind", "year"]))["predictions"]
    np.testing.assert_allclose(got, net.predict(table), **TOLERANCE)
