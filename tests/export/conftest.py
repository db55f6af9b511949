"""Running exported graphs in onnxruntime and comparing them with deltaprop's answers."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

# float32: onnxruntime's kernels (Gemm, Sigmoid, Tanh) round differently from NumPy's.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def run_onnx(model, X) -> dict:
    """``{output name: array}`` of an ONNX model (a ModelProto or a file path) on ``X``."""
    source = model if isinstance(model, str) else model.SerializeToString()
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, {"X": X})))


@pytest.fixture(scope="session")
def run():
    return run_onnx


@pytest.fixture(scope="session")
def tolerance():
    return TOLERANCE


def assert_same_answers(net, X, outputs):
    """onnxruntime's outputs equal the network's predict / predict_proba / outputs."""
    classifier = net.loss is not None and net.loss.kind in ("multiclass", "binary")
    if classifier:
        assert set(outputs) == {"label", "probabilities"}
        np.testing.assert_array_equal(outputs["label"], net.predict(X))
        np.testing.assert_allclose(outputs["probabilities"], net.predict_proba(X), **TOLERANCE)
        assert outputs["probabilities"].dtype == net.dtype
    else:
        assert set(outputs) == {"predictions"}
        np.testing.assert_allclose(outputs["predictions"], net.forward_outputs(X), **TOLERANCE)
        assert outputs["predictions"].dtype == net.dtype


@pytest.fixture(scope="session")
def same_answers():
    return assert_same_answers
