"""What explain shows (issue 13): each chain-rule factor as a formula with the numbers put in,
the formula of dout/dnet taken from the activation op, the first of many steps in full, and
the example named in every row of a batch."""

import pytest

import deltaprop as dp
from deltaprop.engine.ops.activations import Logistic
from deltaprop.explanation import FORMATS

XOR = {
    "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
    "targets": [[0], [1], [1], [0]],
    "seed": 1,
    "layers": [{"units": 2, "activation": "tanh"}, {"units": 1, "activation": "logistic"}],
}

DE_DOUT = "dE/dout_o1 = -(target_o1 - out_o1) = -(0.01 - 0.75136507) = 0.74136507"
DOUT_DNET = "dout_o1/dnet_o1 = out_o1 (1 - out_o1) = 0.75136507 (1 - 0.75136507) = 0.186815602"


@pytest.fixture(scope="module")
def mazur():
    return dp.explain(example="mazur", steps=5)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "json"])
def test_each_factor_is_a_formula_with_its_numbers_in_every_format(mazur, fmt):
    text = mazur.render(fmt)
    assert DE_DOUT in text and DOUT_DNET in text
    hidden = "dout_h1/dnet_h1 = out_h1 (1 - out_h1) = 0.593269992 (1 - 0.593269992) = 0.241300709"
    assert hidden in text


def test_the_json_holds_the_formulas_and_the_values_they_take(mazur):
    assert mazur["settings"]["error_derivative"] == "-({target} - {out})"
    assert mazur["network"]["layers"][2]["derivative"] == "{out} (1 - {out})"
    row = mazur["steps"][0]["backward"]["neurons"][0]["examples"][0]
    assert (row["target"], round(row["out"], 8)) == (0.01, 0.75136507)


def test_more_steps_than_detail_lay_out_the_first_and_summarise_the_rest(mazur):
    assert [s["step"] for s in mazur["steps"]] == [1] and mazur["settings"]["steps_shown"] == 1
    updates = [r["update"] for r in mazur["summary"]["error_by_update"]]
    assert updates == [1, 2, 3, 4, 5]
    errors = [r["error"] for r in mazur["summary"]["error_by_update"]]
    assert errors == sorted(errors, reverse=True) and errors[-1] == mazur["summary"]["error_after"]
    assert errors[0] == mazur["steps"][0]["total_error_after"]
    text = str(mazur)
    assert "Step 1\n" in text and "Step 2\n" not in text and DE_DOUT in text
    assert "After 5 updates" in text and "Updates 2 to 5 ran without being laid out" in text
    # the published comparison needs the first step: it is there with 5 steps too
    assert "The published figures" in text
    assert [s["step"] for s in dp.explain(example="mazur", steps=3)["steps"]] == [1, 2, 3]
    assert dp.explain(example="mazur", steps=5, detail=0)["steps"] == []


def test_dout_dnet_is_written_by_the_activation_op(monkeypatch):
    monkeypatch.setattr(Logistic, "derivative_formula", "{out} - {out}^2")
    text = str(dp.explain(example="mazur"))
    assert "dout_o1/dnet_o1 = out_o1 - out_o1^2 = 0.75136507 - 0.75136507^2 = 0.186815602" in text


@pytest.mark.parametrize(
    "activation, formula",
    [("tanh", "1 - out_h1^2 = "), ("relu", "1 if net_h1 > 0 else 0 = 1 if "), ("identity", "= 1")],
)
def test_other_activations_write_their_derivative(activation, formula):
    spec = {**XOR, "layers": [{"units": 2, "activation": activation}, XOR["layers"][1]]}
    lines = [s for s in str(dp.explain(spec)).splitlines() if s.lstrip().startswith("dout_h1/")]
    assert lines and all(formula in line for line in lines), lines


def test_a_batch_names_the_example_in_weight_and_bias_rows():
    text = str(dp.explain(XOR))
    bias_row = next(line for line in text.splitlines() if line.strip().startswith("b2[o1]"))
    terms = [f"delta_o1 (example {n})" for n in (1, 2, 3, 4)]
    assert " + ".join(terms) in bias_row
    assert "o1<-h1 (example 1)" in text and "(example 4)" in text
