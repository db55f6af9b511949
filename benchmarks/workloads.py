"""The benchmark's workloads: their data, their sizes (full and --quick) and their FLOP counts.

Every contender of a workload trains the same network on the same data with the same batch
size, learning rate and number of updates; only the implementation differs.
"""

from __future__ import annotations

import numpy as np

# Mazur's worked example (2015: 2-2-2, logistic, biases fixed, lr 0.5).
WORKED = {
    "x": (0.05, 0.10),
    "t": (0.01, 0.99),
    "w_hidden": ((0.15, 0.25), (0.20, 0.30)),  # (in, out): rows i1, i2; columns h1, h2
    "w_out": ((0.40, 0.50), (0.45, 0.55)),  # rows h1, h2; columns o1, o2
    "b_hidden": 0.35,
    "b_out": 0.60,
    "lr": 0.5,
}

W1_SIZES = (784, 256, 128, 10)
W3_SIZES = (64, 64, 10)
W4_SIZES = (20, 100, 3)  # scikit-learn's MLPClassifier default: one hidden layer of 100
W4_ROWS, W4_TEST = 20_000, 5_000


def workloads(quick: bool) -> dict:
    """name -> description, contenders, cases (variant, rows, ...)."""
    w1_rows = 4_096 if quick else 60_000
    return {
        "W1": {
            "title": f"MNIST-shaped: {w1_rows:,} x 784 float32, 784-256-128-10 ReLU, "
            "softmax cross-entropy, batch 128, one epoch",
            "kind": "mlp",
            "data": "synthetic",
            "sizes": W1_SIZES,
            "rows": w1_rows,
            "epochs": 1,
            "batch_size": 128,
            "variants": {"sgd": 0.01, "adam": 0.001},
            "contenders": [
                "gemm",
                "deltaprop",
                "deltaprop-fast",
                "numpy",
                "sklearn-f32",
                "sklearn-f64",
                "torch",
                "jax",
                "keras",
            ],
        },
        "W2": {
            "title": "Mazur's worked example (2015) online: 2-2-2 logistic, float64, "
            f"{1_000 if quick else 10_000:,} single-example SGD updates, lr 0.5",
            "kind": "worked",
            "sizes": (2, 2, 2),
            "rows": 1_000 if quick else 10_000,
            "epochs": 1,
            "batch_size": 1,
            "variants": {"sgd": WORKED["lr"]},
            "contenders": ["gemm", "deltaprop", "numpy", "python", "micrograd", "torch"],
        },
        "W3": {
            "title": f"bundled digits (1,347 train / 450 test), 64-64-10 ReLU, "
            f"{5 if quick else 100} epochs, batch 32, Adam lr 0.001",
            "kind": "mlp",
            "data": "digits",
            "sizes": W3_SIZES,
            "rows": 1_347,
            "epochs": 5 if quick else 100,
            "batch_size": 32,
            "variants": {"adam": 0.001},
            "contenders": [
                "gemm",
                "deltaprop",
                "deltaprop-fast",
                "numpy",
                "sklearn-f32",
                "sklearn-f64",
                "torch",
                "jax",
                "jax-scan",
                "keras",
            ],
        },
        "W4": {
            "title": f"scikit-learn's default shape: {W4_ROWS:,} x 20 float32 tabular "
            f"(3 classes, {W4_TEST:,} test rows), 20-100-3 ReLU, "
            f"{2 if quick else 50} epochs, batch 200, Adam lr 0.001",
            "kind": "mlp",
            "data": "tabular",
            "sizes": W4_SIZES,
            "rows": W4_ROWS,
            "epochs": 2 if quick else 50,
            "batch_size": 200,
            "variants": {"adam": 0.001},
            "contenders": [
                "gemm",
                "deltaprop",
                "deltaprop-fast",
                "numpy",
                "sklearn-f32",
                "sklearn-f64",
                "torch",
                "jax",
                "jax-scan",
                "keras",
            ],
        },
        "scale": {
            "title": "one SGD epoch of the W1 network at three data sizes (in memory and "
            "memory-mapped .npy)",
            "kind": "mlp",
            "data": "synthetic",
            "sizes": W1_SIZES,
            "rows": (2_000, 4_000, 8_000) if quick else (15_000, 30_000, 60_000),
            "epochs": 1,
            "batch_size": 128,
            "variants": {"sgd": 0.01},
            "contenders": ["deltaprop", "deltaprop-memmap"],
        },
    }


def mlp_flops(sizes, rows: int, epochs: int) -> int:
    """Multiply-adds x 2 of the matrix products one training run needs.

    Per example and layer (a inputs, b outputs): forward 2ab, weight gradient 2ab, input
    gradient 2ab except for the first layer (nothing upstream needs it).
    """
    pairs = list(zip(sizes[:-1], sizes[1:]))
    per_row = sum(4 * a * b for a, b in pairs) + sum(2 * a * b for a, b in pairs[1:])
    return per_row * rows * epochs


def synthetic(rows: int, n_features: int, n_classes: int, seed: int = 0, out=None):
    """Standard normal float32 features, labels from a random linear teacher (learnable).

    Generated in chunks straight in float32, so making the data needs no more memory than
    the data itself (the peak memory measured stays about the training). ``out`` (e.g. a
    memory-mapped ``.npy`` opened for writing) receives X instead of a new array.
    """
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal((n_features, n_classes), dtype=np.float32)
    X = np.empty((rows, n_features), dtype=np.float32) if out is None else out
    y = np.empty(rows, dtype=np.int64)
    chunk = 5_000
    for start in range(0, rows, chunk):
        block = X[start : start + chunk]
        block[...] = rng.standard_normal(block.shape, dtype=np.float32)
        y[start : start + chunk] = np.argmax(block @ teacher, axis=1)
    return X, y


def digits_split(seed: int = 0):
    """The bundled digits scaled to [0, 1], split 1,347 / 450 by a seeded permutation."""
    from deltaprop.datasets import load_digits

    X, y = load_digits()
    X = X / np.float32(16.0)
    order = np.random.default_rng(seed).permutation(len(X))
    train, test = order[:1347], order[1347:]
    return X[train], y[train], X[test], y[test]


def tabular(seed: int = 1):
    """W4's data: 20 standard normal features, 3 classes from a random linear teacher;
    20,000 training rows, then 5,000 test rows from the same teacher."""
    X, y = synthetic(W4_ROWS + W4_TEST, W4_SIZES[0], W4_SIZES[-1], seed=seed)
    return X[:W4_ROWS], y[:W4_ROWS], X[W4_ROWS:], y[W4_ROWS:]


def load(spec: dict, rows: int):
    """(X_train, y_train, X_test, y_test) for an "mlp" workload (test arrays may be None)."""
    if spec["data"] == "digits":
        return digits_split()
    if spec["data"] == "tabular":
        return tabular()
    X, y = synthetic(rows, spec["sizes"][0], spec["sizes"][-1])
    return X, y, None, None
