"""Inference over a data set in batches, and evaluation of a trained module."""

from __future__ import annotations

import numpy as np

from .. import metrics
from ..engine import no_grad


def predict_outputs(module, X: np.ndarray, batch_size: int = 4096, dtype=None) -> np.ndarray:
    """The module's outputs for every row of X, in inference mode, without recording a tape."""
    was_training = module.training
    module.eval()
    try:
        with no_grad():
            chunks = []
            for start in range(0, len(X), batch_size):
                xb = X[start : start + batch_size]
                if dtype is not None:
                    xb = np.asarray(xb, dtype=dtype)
                chunks.append(module(xb).data)
    finally:
        module.train(was_training)
    return np.concatenate(chunks, axis=0)


def evaluate_outputs(out: np.ndarray, target: np.ndarray, loss) -> dict:
    """Loss, plus accuracy for classifiers or MSE and R^2 for regression, from outputs."""
    results = {"loss": float(loss(out, target).data)}
    if loss.kind == "multiclass":
        labels = target if target.ndim == 1 else np.argmax(target, axis=1)
        results["accuracy"] = metrics.accuracy(labels, loss.predict(out))
    elif loss.kind == "binary":
        results["accuracy"] = metrics.accuracy(np.round(target), loss.predict(out))
    elif loss.kind == "regression":
        results["mse"] = metrics.mean_squared_error(target, out)
        results["r2"] = metrics.r2_score(target, out)
    return results
