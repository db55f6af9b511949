"""Real-world CSV files through deltaprop train / predict / evaluate / info (table-driven)."""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.cli import main


def _penguins(tmp_path) -> Path:
    palmerpenguins = pytest.importorskip("palmerpenguins")
    source = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
    return Path(shutil.copy(source, tmp_path / "penguins.csv"))


def _mixed(n=120, seed=0, na="NA", sep=",", row_names=False, bom=False):
    """A mixed-type table: x (numbers, some missing), colour (text, some missing), label."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    label = np.where((x > 0) ^ (colour == "red"), "yes", "no")
    rows = [["x", "colour", "label"]]
    for i in range(n):
        cells = [na if i % 10 == 3 else f"{x[i]:.4f}", na if i % 13 == 5 else colour[i], label[i]]
        rows.append(cells)
    if row_names:
        rows = [[""] + rows[0]] + [[str(i)] + r for i, r in enumerate(rows[1:], 1)]
    text = "\n".join(sep.join(r) for r in rows) + "\n"
    return ("\ufeff" if bom else "") + text, label


def _train(path, out, *extra):
    return main(["train", str(path), "--target", "label", "--out", str(out), "--quiet", *extra])


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"na": ""},
        {"na": "N/A", "sep": ";"},
        {"na": "null", "sep": "\t"},
        {"row_names": True, "na": "?"},
        {"bom": True, "na": "NaN"},
    ],
)
def test_mixed_files_train_and_predict_with_no_options(variant, tmp_path, capsys):
    text, label = _mixed(**variant)
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    model = tmp_path / "m.dpm"
    assert _train(path, model, "--epochs", "60", "--lr", "0.02") == 0
    net = dp.load(model)
    assert net.feature_names == ["x", "colour"]  # row names and BOM left out
    assert main(["predict", str(model), str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    predicted = np.array(out[1:])
    assert len(predicted) == len(label) and np.mean(predicted == label) > 0.8


def test_notes_for_row_names_and_missing_targets(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text('"","x","label"\n"1",1,"a"\n"2",2,NA\n"3",3,"b"\n"4",4,"a"\n"5",5,"b"\n')
    assert (
        main(
            ["train", str(path), "--target", "label", "--epochs", "2", "--out", str(tmp_path / "m")]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "left out the unnamed first column" in err and "row names" in err
    assert "left out 1 of 5 rows whose target 'label' (column 3) is missing" in err
    assert dp.load(tmp_path / "m").classes_.tolist() == ["a", "b"]  # never a class "NA"


@pytest.mark.parametrize(
    "text, args, pieces",
    [
        ("a,b,c\n1,x,2\n", [], ["which column is the target", "['a', 'b', 'c']", "--target"]),
        (
            "a,y\n1,0.5\n2,1.5\n3,oops\n4,2\n",
            ["--target", "y"],
            ["line 4, column 2 ('y')", "'oops'"],
        ),
        (
            "a,b,y\n1,2,0\n3,abc,1\n5,6,0\n",
            ["--target", "y"],
            ["line 3, column 2 ('b')", "'abc'", "--na-values", "--categorical"],
        ),
        (
            "id,x,y\n" + "".join(f"p{i},{i},{i % 2}\n" for i in range(40)),
            ["--target", "y"],
            ["column 'id' has 40 distinct values", "--drop 'id'"],
        ),
        ("a,y\n1,0\n", ["--target", "y", "--features", "nope"], ["feature 'nope' is not in"]),
        ("a,y\n1,0\n", ["--target", "y", "--delimiter", "ab"], ["--delimiter", "one character"]),
        ("a,y\n1,x\n2,y\n", ["--target", "y", "--missing", "fill"], ["invalid choice"]),
        ("a,b\n1,2\n".encode("utf-16").decode("latin-1"), ["--target", "b"], ["UTF-16"]),
    ],
)
def test_messages_name_the_column_line_and_cell(text, args, pieces, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(text.encode("latin-1") if "UTF-16" in pieces else text.encode())
    assert main(["train", str(path), *args, "--out", str(tmp_path / "m.dpm")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for piece in pieces:
        assert piece in err
    assert not (tmp_path / "m.dpm").exists()


def test_roles_features_drop_categorical_and_several_targets(tmp_path, capsys):
    rng = np.random.default_rng(3)
    n = 200
    code = rng.integers(1, 4, size=n)
    x = rng.normal(size=n)
    rows = [["id", "code", "x", "noise", "t1", "t2"]]
    for i in range(n):
        rows.append(
            [
                f"r{i}",
                code[i],
                f"{x[i]:.5f}",
                f"{rng.normal():.3f}",
                f"{2 * x[i] + (code[i] == 2):.5f}",
                f"{-x[i] + 10:.5f}",
            ]
        )
    path = tmp_path / "t.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    model = tmp_path / "m.dpm"
    args = ["train", str(path), "--target", "t1,t2", "--drop", "id", "--categorical", "code"]
    assert (
        main(
            [
                *args,
                "--features",
                "code,x",
                "--epochs",
                "150",
                "--lr",
                "0.01",
                "--out",
                str(model),
                "--quiet",
            ]
        )
        == 0
    )
    net = dp.load(model)
    prep = net.preprocessor
    assert prep.input_names() == ["code", "x"] and prep.target_names == ["t1", "t2"]
    assert prep.columns_[0]["categories"] == ["1", "2", "3"]
    assert main(["evaluate", str(model), str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["r2"] > 0.9
    assert main(["predict", str(model), str(path)]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == "output_0,output_1"


def test_unseen_category_at_prediction_gives_a_warning_not_an_error(tmp_path, capsys):
    text, _ = _mixed()
    path = tmp_path / "d.csv"
    path.write_text(text)
    model = tmp_path / "m.dpm"
    assert _train(path, model, "--epochs", "5") == 0
    new = tmp_path / "new.csv"
    new.write_text("colour,x\npurple,0.5\nred,NA\n")
    with pytest.warns(dp.tabular.UnknownCategoryWarning, match="'purple'"):
        assert main(["predict", str(model), str(new)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["evaluate", str(model), str(new)]) == 2
    assert "no target column 'label'" in capsys.readouterr().err


def test_missing_drop_and_error(tmp_path, capsys):
    text, _ = _mixed(n=60)
    path = tmp_path / "d.csv"
    path.write_text(text)
    assert _train(path, tmp_path / "m", "--epochs", "2", "--missing", "drop") == 0
    assert (
        main(
            [
                "train",
                str(path),
                "--target",
                "label",
                "--epochs",
                "2",
                "--missing",
                "drop",
                "--out",
                str(tmp_path / "m"),
                "--json",
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    complete = [i for i in range(60) if i % 10 != 3 and i % 13 != 5]  # as _mixed writes them
    assert summary["n_train"] == len(complete)
    assert _train(path, tmp_path / "m", "--epochs", "2", "--missing", "error") == 2
    assert "line 5, column 1 ('x') is missing ('NA'; --missing error)" in capsys.readouterr().err


def test_info_shows_columns_target_classes_and_training(tmp_path, capsys):
    path = _penguins(tmp_path)
    model = tmp_path / "p.dpm"
    assert (
        main(
            [
                "train",
                str(path),
                "--target",
                "species",
                "--epochs",
                "3",
                "--out",
                str(model),
                "--quiet",
            ]
        )
        == 0
    )
    assert main(["info", str(model)]) == 0
    out = capsys.readouterr().out
    for piece in [
        "classes   Adelie, Chinstrap, Gentoo",
        "island: category of Biscoe, Dream",
        "sex: category of female, male",
        "bill_length_mm: number",
        "target species",
        "3 epochs",
        "penguins.csv",
    ]:
        assert piece in out
    assert main(["info", str(model), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["target"] == ["species"] and facts["training"]["epochs"] == 3
    assert [c["name"] for c in facts["columns"]][:2] == ["island", "bill_length_mm"]


def test_regression_worse_than_the_mean_is_warned_of(tmp_path, capsys):
    rng = np.random.default_rng(0)
    path = tmp_path / "noise.csv"
    rows = ["x,y"] + [f"{a:.4f},{b:.4f}" for a, b in rng.normal(size=(80, 2))]
    path.write_text("\n".join(rows) + "\n")
    args = ["train", str(path), "--target", "y", "--epochs", "300", "--lr", "0.05"]
    assert (
        main(
            [*args, "--hidden", "64,64", "--validation-split", "0.3", "--out", str(tmp_path / "m")]
        )
        == 0
    )
    assert "worse than the mean of the target" in capsys.readouterr().err


def test_an_r_export_with_text_row_names_and_na(tmp_path, capsys):
    """R's write.csv(mtcars-like): quoted names, row names first, NA for missing."""
    rng = np.random.default_rng(5)
    lines = ['"","mpg","cyl","wt","am"']
    for i in range(80):
        cyl = int(rng.choice([4, 6, 8]))
        wt = rng.uniform(1.5, 5.5)
        mpg = 40 - 4 * wt - 0.8 * cyl + rng.normal(0, 0.5)
        shown = "NA" if i % 9 == 4 else f"{wt:.3f}"
        lines.append(f'"Car {i}",{mpg:.1f},{cyl},{shown},{i % 2}')
    path = tmp_path / "cars.csv"
    path.write_text("\n".join(lines) + "\n")
    model = tmp_path / "m.dpm"
    assert main(["train", str(path), "--target", "mpg", "--categorical", "cyl", "--out",
                 str(model)]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "left out the unnamed first column" in err and "Car 0" in err
    prep = dp.load(model).preprocessor
    assert prep.input_names() == ["cyl", "wt", "am"]
    assert prep.columns_[0]["categories"] == ["4", "6", "8"]
    assert main(["evaluate", str(model), str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["r2"] > 0.8


def test_info_on_models_without_a_preprocessor(tmp_path, capsys):
    net = dp.Sequential([dp.Dense(2, "softmax")], seed=0)
    net.fit(np.ones((4, 2)), [0, 1, 0, 1], loss="cross_entropy",
            optimizer=dp.SGD(net.parameters(), lr=0.1))  # fmt: skip
    net.save(tmp_path / "api.dpm")
    assert main(["info", str(tmp_path / "api.dpm")]) == 0
    out = capsys.readouterr().out
    assert "features  2 numbers" in out and "no training record" in out
    np.savez(tmp_path / "d.npz", X=np.arange(40.0).reshape(20, 2), y=np.arange(20) % 2)
    assert main(["train", str(tmp_path / "d.npz"), "--epochs", "2", "--out",
                 str(tmp_path / "n.dpm"), "--quiet"]) == 0  # fmt: skip
    assert main(["info", str(tmp_path / "n.dpm")]) == 0
    out = capsys.readouterr().out
    assert "features  x0, x1 (numbers)" in out and "classes   0, 1" in out and "2 epochs" in out
    assert main(["info", str(tmp_path / "none.dpm")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_csv_engine_option_gives_the_same_model_with_either_engine(tmp_path, capsys):
    pytest.importorskip("pandas")
    text, _ = _mixed(row_names=True)
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    outputs = []
    for engine in ("python", "pandas"):
        model = tmp_path / f"{engine}.dpm"
        assert _train(path, model, "--epochs", "5", "--csv-engine", engine) == 0
        capsys.readouterr()
        assert main(["predict", str(model), str(path), "--csv-engine", engine]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == 121
    assert _train(path, tmp_path / "x.dpm", "--csv-engine", "fast") != 0
    assert "--csv-engine: invalid choice: 'fast'" in capsys.readouterr().err
