"""``deltaprop demo``: train on the bundled handwritten digits and report test accuracy."""

from __future__ import annotations

import time

import numpy as np

from .. import datasets
from .._version import __version__
from ..network import Sequential
from ..nn import Dense
from ..optim import SGD
from ._common import seed


def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo", help="train on the bundled handwritten digits and report test accuracy"
    )
    p.add_argument("--epochs", type=int, default=20, help="number of epochs (default 20)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    p.set_defaults(handler=run)


def run(args) -> int:
    data = datasets.load_digits()
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(data.X))
    test = order[: len(order) // 4]
    train = order[len(order) // 4 :]
    X = data.X / 16.0
    net = Sequential([Dense(64, "relu", init="he_uniform"), Dense(10, "softmax")], seed=args.seed)
    print(
        f"deltaprop {__version__} demo: 8x8 handwritten digits, {len(train)} training and "
        f"{len(test)} test images, network 64-64-10 (ReLU, softmax), SGD with momentum"
    )
    start = time.perf_counter()
    history = net.fit(
        X[train],
        data.y[train],
        loss="cross_entropy",
        optimizer=SGD(net.parameters(), lr=0.1, momentum=0.9),
        epochs=args.epochs,
        batch_size=32,
        seed=args.seed,
        verbose=1,
    )
    seconds = time.perf_counter() - start
    result = net.evaluate(X[test], data.y[test])
    print(
        f"trained {len(history)} epochs in {seconds:.2f} s; "
        f"test accuracy {result['accuracy']:.4f}, test loss {result['loss']:.4f}"
    )
    print(
        "See every number of a training step of a tiny network: deltaprop explain --example mazur"
    )
    return 0
