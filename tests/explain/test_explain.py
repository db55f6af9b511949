"""explain on users' specs and the one-weight example; spec validation; the JSON schema."""

import json
import math

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import ParameterError, SpecError
from deltaprop.explanation import parse_spec

XOR = {
    "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
    "targets": [[0], [1], [1], [0]],
    "layers": [
        {
            "units": 2,
            "activation": "logistic",
            "weights": [[0.5, -0.4], [0.3, 0.8]],
            "biases": [0.1, -0.2],
        },
        {"units": 1, "activation": "logistic", "weights": [[0.7, -0.6]], "biases": [0.05]},
    ],
    "lr": 0.5,
}


def test_schema_is_stable():
    e = dp.explain(XOR)
    assert e["schema_version"] == 1
    assert list(e) == [
        "schema_version",
        "title",
        "description",
        "network",
        "settings",
        "inputs",
        "targets",
        "steps",
        "summary",
        "notes",
    ]
    step = e["steps"][0]
    assert list(step) == [
        "step",
        "forward",
        "errors",
        "total_error",
        "backward",
        "update",
        "total_error_after",
    ]
    assert list(step["backward"]) == ["neurons", "weights", "biases"]
    assert set(step["backward"]["weights"][0]) == {
        "name",
        "from",
        "to",
        "factors",
        "gradient",
        "numeric",
        "rel_diff",
    }
    assert set(step["backward"]["weights"][0]["factors"][0]) == {
        "example",
        "dE_dout",
        "dout_dnet",
        "dnet_dw",
        "product",
    }
    assert set(step["update"][0]) == {"name", "old", "gradient", "lr", "new", "updated"}
    assert json.loads(e.render("json")) == json.loads(json.dumps(e))


def test_multi_example_gradient_is_sum_of_factor_products():
    e = dp.explain(XOR)
    for w in e["steps"][0]["backward"]["weights"]:
        assert len(w["factors"]) == 4
        assert sum(f["product"] for f in w["factors"]) == pytest.approx(w["gradient"], rel=1e-12)
        assert w["rel_diff"] < 1e-6


def test_biases_updated_or_fixed():
    updated = dp.explain(XOR)["steps"][0]["update"]
    fixed = dp.explain(XOR, update_biases=False)["steps"][0]["update"]
    b = [u for u in updated if u["name"].startswith("b")]
    assert b and all(u["updated"] and u["new"] == u["old"] - 0.5 * u["gradient"] for u in b)
    b = [u for u in fixed if u["name"].startswith("b")]
    assert b and all(not u["updated"] and u["new"] == u["old"] for u in b)


def test_mazur_conventions_switch():
    e = dp.explain(example="mazur", bias="per_neuron", update_biases=True, reduction="mean")
    names = [b["name"] for b in e["steps"][0]["backward"]["biases"]]
    assert names == ["b2[o1]", "b2[o2]", "b1[h1]", "b1[h2]"]
    assert "published" not in e
    # mean over 2 outputs: half of sum of squares, i.e. the sum_half value
    assert e["steps"][0]["total_error"] == pytest.approx(0.298371109, rel=1e-9)


def test_steps_summary_fast_path():
    e = dp.explain(XOR, steps=200, detail=3)
    # more steps than detail: the first laid out in full (issue 13; it was none), the rest run
    # untraced and summarised
    assert [s["step"] for s in e["steps"]] == [1] and e["summary"]["updates"] == 200
    assert e["summary"]["error_after"] < e["summary"]["error_before"]
    text = str(e)
    assert "After 200 updates" in text


def test_deep_net_gets_layer_indexed_names():
    spec = {
        "inputs": [[1.0, 2.0]],
        "targets": [[0.5]],
        "seed": 3,
        "layers": [
            {"units": 2, "activation": "tanh"},
            {"units": 2, "activation": "relu"},
            {"units": 1, "activation": "identity"},
        ],
    }
    e = dp.explain(spec)
    names = [w["name"] for w in e["steps"][0]["backward"]["weights"]]
    assert "w1[2,1]" in names and "w3[1,2]" in names
    assert e["network"]["layers"][1]["neurons"] == ["h1.1", "h1.2"]


def test_one_weight_walks_to_two():
    e = dp.explain(example="one-weight")
    descent = e["descent"]
    assert descent[0]["W"] == 3.0 and descent[0]["error"] == 2.5 and descent[0]["gradient"] == 5.0
    for d in descent:  # dE/dW = 5 (W - 2), lr 0.1: the distance to 2 halves each step
        assert d["new"] - 2 == pytest.approx((d["W"] - 2) / 2, rel=1e-12)
    curve = {p["W"]: p["error"] for p in e["error_curve"]["points"]}
    assert curve[2.0] == 0 and curve[4.0] > curve[3.0] > curve[2.5]
    assert min(curve, key=curve.get) == 2.0


BAD = [
    ({"targets": [[1]]}, "spec must have the field 'inputs'"),
    (
        {
            "inputs": [[1, 2]],
            "targets": [[1]],
            "layers": [{"units": 1, "weights": [[1, 2, 3]], "biases": [0]}],
        },
        "layers[0].weights must have shape (1, 2); got (1, 3)",
    ),
    (
        {
            "inputs": [[1, 2]],
            "targets": [[1]],
            "layers": [
                {"units": 2, "weights": [[1, 2], [3, 4]], "biases": [0, 0]},
                {"units": 1, "weights": [[1, 2, 3], [3, 2, 1]], "biases": [0]},
            ],
        },
        "layers[1].weights must have shape (1, 2); got (2, 3)",
    ),
    (
        {
            "inputs": [[1]],
            "targets": [[1]],
            "layers": [{"units": 1, "activation": "swish", "seed": 1}],
        },
        "layers[0] has unknown field 'seed'",
    ),
    (
        {
            "inputs": [[1]],
            "targets": [[1]],
            "seed": 1,
            "layers": [{"units": 1, "activation": "swish"}],
        },
        "layers[0].activation must be one of",
    ),
    ({"inputs": [[1]], "layers": [{"units": 1}], "seed": 0}, "spec must have the field 'targets'"),
    (
        {"inputs": [[1]], "targets": [[1, 2]], "layers": [{"units": 1}], "seed": 0},
        "targets must have 1 columns",
    ),
    ({"inputs": [[1]], "targets": [[1]], "layers": [{"units": 1}]}, "layers[0].weights is missing"),
    (
        {"inputs": [[1]], "targets": [[1]], "layers": [{"units": 0}], "seed": 0},
        "layers[0].units must be an integer >= 1; got 0",
    ),
    (
        {"inputs": [[1]], "targets": [[1]], "layers": [{"units": 1}], "seed": 0, "lr": -1},
        "lr must be a number > 0; got -1",
    ),
    (
        {
            "inputs": [[1]],
            "targets": [[1]],
            "layers": [{"units": 1}],
            "seed": 0,
            "loss": "cross_entropy",
        },
        "loss must be one of sum_half, mean, sum",
    ),
    (
        {"inputs": [["a"]], "targets": [[1]], "layers": [{"units": 1}], "seed": 0},
        "inputs must be a non-empty list of rows",
    ),
    (
        {
            "inputs": [[1]],
            "targets": [[1]],
            "layers": [{"units": 1, "bias": "shared", "biases": [1, 2]}],
            "seed": 0,
        },
        "layers[0].biases must have shape (1, 1); got (1, 2)",
    ),
    ({"inputs": [[1]], "targets": [[1]], "layers": [], "seed": 0}, "layers must be a non-empty"),
]


@pytest.mark.parametrize("spec, message", BAD)
def test_invalid_specs_name_the_field(spec, message):
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    assert message in str(info.value)


def test_spec_files(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(XOR))
    assert dp.explain(path)["steps"][0]["total_error"] > 0
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SpecError, match="is not valid JSON"):
        dp.explain(bad)
    with pytest.raises(SpecError, match="cannot be read"):
        dp.explain(tmp_path / "missing.json")
    toml = tmp_path / "net.toml"
    toml.write_text(
        "inputs = [[1.0]]\ntargets = [[2.0]]\nseed = 1\n[[layers]]\nunits = 1\n"
        'activation = "identity"\n'
    )
    pytest.importorskip("tomllib")
    assert math.isfinite(dp.explain(toml)["steps"][0]["total_error"])


def test_bad_arguments():
    with pytest.raises(ParameterError, match="exactly one of spec or example"):
        dp.explain()
    with pytest.raises(ParameterError, match="example must be one of"):
        dp.explain(example="nope")
    with pytest.raises(ParameterError, match="format must be one of"):
        dp.explain(XOR).render("pdf")


def test_every_number_has_nine_significant_digits():
    text = str(dp.explain(XOR))
    assert "0.524979187" in text  # logistic(0.1)
    assert f"{1 / (1 + np.exp(-0.1)):.9g}" == "0.524979187"
