"""``deltaprop gradcheck``: backpropagation's gradients against central differences."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..explanation import explain
from ._common import non_negative_int

RTOL = 1e-5  # central differences in float64 agree to ~1e-8 relative; 1e-5 flags real errors
ATOL = 1e-9  # gradients this close to 0 are compared absolutely (their ratio is all rounding)


def _mismatch(row: dict) -> bool:
    return row["rel_diff"] > RTOL and abs(row["gradient"] - row["numeric"]) > ATOL


def add_parser(sub) -> None:
    p = sub.add_parser(
        "gradcheck",
        help="compare backpropagation's gradients with central differences",
        description=(
            "Build the network of the spec file (or a random 3-4-3-2 network) in float64 and "
            "compare every gradient with a central difference; exit 1 on a mismatch."
        ),
    )
    p.add_argument("spec", nargs="?", help="a network spec (.json or .toml)")
    p.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed of the random network (default 0)"
    )
    p.set_defaults(handler=run)


def random_spec(seed: int) -> dict:
    """A random 3-4-3-2 network with logistic, tanh and identity layers and two examples."""
    if seed < 0:
        raise ParameterError(f"--seed must be >= 0; got {seed}")
    rng = np.random.default_rng(seed)
    return {
        "title": f"random network (seed {seed})",
        "inputs": rng.normal(size=(2, 3)).tolist(),
        "targets": rng.normal(size=(2, 2)).tolist(),
        "layers": [
            {"units": 4, "activation": "logistic"},
            {"units": 3, "activation": "tanh"},
            {"units": 2, "activation": "identity"},
        ],
        "seed": seed,
    }


def run(args) -> int:
    result = explain(args.spec if args.spec else random_spec(args.seed), steps=1)
    back = result["steps"][0]["backward"]
    names = result["network"]["layers"]
    worst_all = 0.0
    print(f"gradcheck: {result['title']} (float64, central differences)")
    for k, layer in enumerate(names[1:]):
        params = {n for row in layer["weights"] for n in row} | set(layer["biases"])
        rows = [r for r in back["weights"] + back["biases"] if r["name"] in params]
        worst = max((r["rel_diff"] for r in rows), default=0.0)
        worst_all = max(worst_all, worst)
        print(f"layer {k + 1} ({layer['activation']}): max relative difference {worst:.2e}")
        for r in rows:
            flag = "  MISMATCH" if _mismatch(r) else ""
            print(
                f"  {r['name']:<14} backprop {r['gradient']: .9e}  numeric {r['numeric']: .9e}"
                f"  rel {r['rel_diff']:.2e}{flag}"
            )
    mismatch = any(_mismatch(r) for r in back["weights"] + back["biases"])
    print(
        "MISMATCH"
        if mismatch
        else f"ok: every gradient agrees (max relative difference {worst_all:.2e} <= {RTOL:g})"
    )
    return 1 if mismatch else 0
