"""Golden files of the worked example (every format), checked against plain-Python arithmetic.

Regenerate after an intended change, then review the diff like code:

    DELTAPROP_REGENERATE_GOLDEN=1 python -m pytest tests/explain/test_golden.py
"""

import json
import math
import os
from pathlib import Path

import pytest

import deltaprop as dp
from deltaprop.explanation import FORMATS

GOLDEN = Path(__file__).parent / "golden"
SUFFIX = {"text": "txt", "markdown": "md", "json": "json", "html": "html", "latex": "tex"}
pytestmark = pytest.mark.slow  # the published-figure comparison runs 2 x 10,001 updates


@pytest.fixture(scope="module")
def mazur():
    return dp.explain(example="mazur")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_mazur_golden(mazur, fmt):
    path = GOLDEN / f"mazur.{SUFFIX[fmt]}"
    text = mazur.render(fmt)
    if os.environ.get("DELTAPROP_REGENERATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def hand_computed():
    """SPEC.md §1-4 in plain Python (math.exp, no NumPy, no deltaprop)."""

    def f(x):
        return 1.0 / (1.0 + math.exp(-x))

    i1, i2, t1, t2, lr = 0.05, 0.10, 0.01, 0.99, 0.5
    w = [None, 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
    b1, b2 = 0.35, 0.60

    def forward(w):
        h1 = f(w[1] * i1 + w[2] * i2 + b1)
        h2 = f(w[3] * i1 + w[4] * i2 + b1)
        o1 = f(w[5] * h1 + w[6] * h2 + b2)
        o2 = f(w[7] * h1 + w[8] * h2 + b2)
        return h1, h2, o1, o2, 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2

    h1, h2, o1, o2, e = forward(w)
    d_o1 = -(t1 - o1) * o1 * (1 - o1)
    d_o2 = -(t2 - o2) * o2 * (1 - o2)
    d_h1 = (d_o1 * w[5] + d_o2 * w[7]) * h1 * (1 - h1)
    d_h2 = (d_o1 * w[6] + d_o2 * w[8]) * h2 * (1 - h2)
    grads = {
        "w1": d_h1 * i1,
        "w2": d_h1 * i2,
        "w3": d_h2 * i1,
        "w4": d_h2 * i2,
        "w5": d_o1 * h1,
        "w6": d_o1 * h2,
        "w7": d_o2 * h1,
        "w8": d_o2 * h2,
    }
    new = list(w)
    for k in range(1, 9):
        new[k] = w[k] - lr * grads[f"w{k}"]
    values = {
        "out_h1": h1,
        "out_h2": h2,
        "out_o1": o1,
        "out_o2": o2,
        "E_total": e,
        "delta_o1": d_o1,
        "delta_h2": d_h2,
        "E_after": forward(new)[4],
    }
    return values, grads, {f"w{k}": new[k] for k in range(1, 9)}


def test_golden_numbers_equal_plain_python():
    values, grads, new = hand_computed()
    data = json.loads((GOLDEN / "mazur.json").read_text(encoding="utf-8"))
    step = data["steps"][0]
    outs = {n["neuron"]: n["out"] for n in step["forward"][0]["neurons"]}
    for name in ("h1", "h2", "o1", "o2"):
        assert outs[name] == pytest.approx(values[f"out_{name}"], rel=1e-13)
    assert step["total_error"] == pytest.approx(values["E_total"], rel=1e-13)
    assert step["total_error_after"] == pytest.approx(values["E_after"], rel=1e-12)
    deltas = {n["neuron"]: n["examples"][0]["delta"] for n in step["backward"]["neurons"]}
    assert deltas["o1"] == pytest.approx(values["delta_o1"], rel=1e-12)
    assert deltas["h2"] == pytest.approx(values["delta_h2"], rel=1e-12)
    for w in step["backward"]["weights"]:
        assert w["gradient"] == pytest.approx(grads[w["name"]], rel=1e-11)
        assert w["factors"][0]["product"] == pytest.approx(grads[w["name"]], rel=1e-11)
        assert w["numeric"] == pytest.approx(grads[w["name"]], rel=1e-6)
    updated = {u["name"]: u["new"] for u in step["update"]}
    for name, value in new.items():
        assert updated[name] == pytest.approx(value, rel=1e-13)
    # The text golden shows them with 9 significant digits.
    text = (GOLDEN / "mazur.txt").read_text(encoding="utf-8")
    for value in [values["out_h1"], values["out_o2"], values["E_total"], *new.values()]:
        assert f"{value:.9g}" in text


def test_published_figures_verdicts(mazur):
    rows = {r["quantity"]: r for r in mazur["published"]}
    walkthrough = [r for r in mazur["published"] if "after" not in r["quantity"]]
    assert len(walkthrough) >= 20 and all(r["agrees"] for r in walkthrough)
    one = rows["E_total after 1 update"]
    assert not one["agrees"]
    assert [m["reading"] for m in one["matches"]] == [
        "hidden deltas computed with the already-updated output weights w5+..w8+, after 1 update"
    ]
    many = rows["E_total after 10,000 updates"]
    assert not many["agrees"] and "after 9,999 updates" in many["matches"][0]["reading"]
    assert many["matches"][0]["reading"].startswith("the stated method")
    for k in (1, 2):
        out = rows[f"out_o{k} after 10,000 updates"]
        assert "already-updated" in out["matches"][0]["reading"]
        assert "10,000 updates" in out["matches"][0]["reading"]
