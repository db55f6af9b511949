"""``deltaprop demo``: train on the bundled handwritten digits and report test accuracy, then
show one weight's update in a tiny network, every number written out."""

from __future__ import annotations

import time

import numpy as np

from .. import datasets
from .._text import plural
from .._version import __version__
from ..explanation import explain
from ..explanation.presets import mazur_spec
from ..network import Sequential
from ..nn import Dense
from ..optim import SGD
from ._common import non_negative_int, positive_int


def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo", help="train on the bundled handwritten digits and report test accuracy"
    )
    p.add_argument("--epochs", type=positive_int, default=20, help="number of epochs (default 20)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
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
        f"{len(test)} test images\nnetwork 64-64-10 (ReLU, softmax), SGD with momentum"
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
        f"trained {plural(len(history), 'epoch')} in {seconds:.2f} s; "
        f"test accuracy {result['accuracy']:.4f}, test loss {result['loss']:.4f}"
    )
    print()
    print(_one_weight_of_the_worked_example())
    return 0


def _one_weight_of_the_worked_example() -> str:
    """One update of weight w5 of Mazur's worked example (2015), every number from
    the engine's traced step (``deltaprop.explain``), with the chain rule written out."""
    # the example's network as a plain spec: one traced step, without the comparisons with
    # the published figures that explain(example="mazur") runs (20,002 updates, seconds)
    step = explain(mazur_spec())["steps"][0]
    o1 = next(n for n in step["forward"][0]["neurons"] if n["neuron"] == "o1")
    w5 = next(w for w in step["backward"]["weights"] if w["name"] == "w5")
    f = w5["factors"][0]
    up = next(u for u in step["update"] if u["name"] == "w5")
    terms = " + ".join(f"{t['weight']}*{t['input']}" for t in o1["terms"])
    values = " + ".join(f"{t['w']:.9g}*{t['x']:.9g}" for t in o1["terms"])
    return "\n".join(
        [
            "One step of a tiny network, every number shown: weight w5 of the worked example",
            f"  forward   net_o1 = {terms} + b2 = {values} + {o1['bias']['value']:.9g}"
            f" = {o1['net']:.9g}",
            f"            out_o1 = logistic(net_o1) = {o1['out']:.9g};"
            f"  E_total = {step['total_error']:.9g}",
            "  backward  dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5",
            f"                   = {f['dE_dout']:.9g} * {f['dout_dnet']:.9g} * {f['dnet_dw']:.9g}"
            f" = {w5['gradient']:.9g}",
            f"                   (central difference {w5['numeric']:.9g})",
            f"  update    w5 = {up['old']:.9g} - {up['lr']:.9g} * {up['gradient']:.9g}"
            f" = {up['new']:.9g}",
            "Every number of that step: deltaprop explain --example mazur",
        ]
    )
