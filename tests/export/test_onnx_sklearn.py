"""The scikit-learn estimators export with the answers of predict and predict_proba."""

import numpy as np
import pytest

from deltaprop.export.onnx import to_onnx

pytest.importorskip("sklearn")
pytest.importorskip("onnx")
from deltaprop.sklearn import MLPClassifier, MLPRegressor  # noqa: E402


def _X(rng, n=120):
    return rng.normal(size=(n, 4)).astype(np.float32)


def _quiet(**params):
    return dict(max_iter=5, random_state=0, **params)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_multiclass_with_text_labels(rng, run, tolerance, activation, recwarn):
    X = _X(rng)
    y = np.array(["red", "green", "blue"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    est = MLPClassifier((6,), activation, **_quiet()).fit(X, y)
    outputs = run(to_onnx(est), X)
    np.testing.assert_array_equal(outputs["label"], est.predict(X))
    np.testing.assert_allclose(outputs["probabilities"], est.predict_proba(X), **tolerance)


def test_binary_with_integer_labels_and_multi_label(rng, run, tolerance, recwarn):
    X = _X(rng)
    binary = MLPClassifier((5,), **_quiet()).fit(X, np.where(X[:, 0] > 0, 7, 3))
    outputs = run(to_onnx(binary), X)
    assert outputs["label"].dtype == np.int64 and set(outputs["label"]) <= {3, 7}
    np.testing.assert_array_equal(outputs["label"], binary.predict(X))
    np.testing.assert_allclose(outputs["probabilities"], binary.predict_proba(X), **tolerance)
    Y = np.stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 1], axis=1).astype(int)
    multi = MLPClassifier((5,), **_quiet()).fit(X, Y)
    outputs = run(to_onnx(multi), X)
    np.testing.assert_array_equal(outputs["label"], multi.predict(X))
    np.testing.assert_allclose(outputs["probabilities"], multi.predict_proba(X), **tolerance)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_regressor(rng, run, tolerance, tmp_path, n_outputs, recwarn):
    X = _X(rng)
    y = 5.0 * X[:, :n_outputs] + 30.0
    est = MLPRegressor(hidden_layer_sizes=(8,), activation="tanh", **_quiet()).fit(
        X, y[:, 0] if n_outputs == 1 else y
    )
    est.export(tmp_path / "r.onnx")
    outputs = run(str(tmp_path / "r.onnx"), X)
    expected = est.predict(X).reshape(len(X), n_outputs)
    np.testing.assert_allclose(outputs["predictions"], expected, **tolerance)


def test_an_unfitted_estimator_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPRegressor().export(tmp_path / "r.onnx")
    assert list(tmp_path.iterdir()) == []


def test_skl2onnx_converts_estimators_alone_and_in_pipelines(rng, run, tolerance, recwarn):
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from deltaprop.export import register_skl2onnx

    register_skl2onnx()
    X = _X(rng)
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    est = MLPClassifier((5,), **_quiet()).fit(X, y)
    for sample in (X[:1], X[:1].astype(np.float64)):  # a float64 input is cast in the graph
        model = skl2onnx.to_onnx(est, sample)
        outputs = run(model, X.astype(sample.dtype))
        assert list(outputs) == ["label", "probabilities"]  # a plain tensor: no ZipMap
        np.testing.assert_array_equal(outputs["label"], est.predict(X))
        np.testing.assert_allclose(outputs["probabilities"], est.predict_proba(X), **tolerance)
    pipe = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(6,), **_quiet()))
    pipe.fit(X * 10 + 3, X[:, 0] * 4)
    outputs = run(skl2onnx.to_onnx(pipe, X[:1]), X * 10 + 3)
    assert list(outputs) == ["variable"]
    np.testing.assert_allclose(outputs["variable"][:, 0], pipe.predict(X * 10 + 3), **tolerance)


def test_a_float64_estimator(rng, run, recwarn):
    X = _X(rng).astype(np.float64)
    est = MLPClassifier((5,), dtype=np.float64, **_quiet()).fit(X, X[:, 0] > 0)
    outputs = run(to_onnx(est), X)
    assert outputs["probabilities"].dtype == np.float64
    np.testing.assert_allclose(outputs["probabilities"], est.predict_proba(X), rtol=1e-12)
    np.testing.assert_array_equal(outputs["label"], est.predict(X))
