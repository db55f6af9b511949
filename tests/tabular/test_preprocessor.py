"""deltaprop.tabular.Preprocessor: roles, categories, missing values, scaling, saved state."""

import json
import warnings

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import DataError, ModelFileError, ParameterError
from deltaprop.io.modelfile import read_model_file, write_model_file
from deltaprop.io.table import read_columns
from deltaprop.tabular import Preprocessor, UnknownCategoryWarning

NAN = float("nan")


def _data():
    return {
        "size": [1.0, 2.0, NAN, 5.0, 3.0],
        "colour": ["red", "blue", None, "red", "green"],
        "code": [3, 3, 7, 7, 3],
        "id": ["a", "b", "c", "d", "e"],
        "y": ["p", "q", "p", None, "q"],
    }


def test_roles_imputation_one_hot_and_scaling():
    prep = Preprocessor("y", drop=["id"], categorical=["code"])
    X, y = prep.fit_transform(_data())
    assert prep.notes == ["left out 1 of 5 rows whose target 'y' is missing"]
    assert y.tolist() == ["p", "q", "p", "q"]  # never a class for the missing target
    assert prep.feature_names_out() == [
        "size",
        "colour=blue",
        "colour=green",
        "colour=red",
        "code=3",
        "code=7",
    ]
    size, colour = prep.columns_[0], prep.columns_[1]
    kept = np.array([1.0, 2.0, 3.0])  # the rows with a target, less the missing size
    assert size["impute"] == np.median(kept)
    filled = np.array([1.0, 2.0, 2.0, 3.0])
    np.testing.assert_allclose(X[:, 0], (filled - filled.mean()) / filled.std(), rtol=1e-6)
    assert colour["impute"] == "red" or colour["categories"] == ["blue", "green", "red"]
    # the missing colour (row 2) gets the most frequent of blue, red, green among training rows
    counts = {c: ["red", "blue", "green"].count(c) for c in colour["categories"]}
    best = max(sorted(counts), key=counts.get)
    assert X[2, 1 + colour["categories"].index(best)] == 1 and X[2, 1:4].sum() == 1
    assert X[:, 4:].tolist() == [[1, 0], [1, 0], [0, 1], [1, 0]]


def test_unseen_categories_give_zeros_and_a_warning():
    prep = Preprocessor("y", drop=["id"]).fit(_data())
    new = {"size": [1.0], "colour": ["purple"], "code": [3]}
    with pytest.warns(UnknownCategoryWarning, match="'purple'"):
        X = prep.transform(new)
    assert X[0, 1:4].tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"target": "nope"}, "target .nope. is not in the data"),
        ({"target": "y", "features": ["size", "y"]}, "both features and targets"),
        ({"target": "y", "drop": ["id"], "missing": "error"}, "row 2, column .size. is missing"),
        ({"target": "size", "drop": ["id"], "task": "regression", "missing": "error"}, "missing"),
        ({"target": "colour", "drop": ["id"], "task": "regression"}, "numeric target"),
        ({"target": 9}, "index 9 is out of range"),
        ({"missing": "fill"}, "missing must be one of"),
    ],
)
def test_refusals_name_the_problem(options, message):
    with pytest.raises((DataError, ParameterError), match=message):
        Preprocessor(**options).fit(_data())


def test_identifiers_are_refused_unless_asked_and_missing_drop_drops_rows():
    data = {"id": [f"row{i}" for i in range(30)], "x": np.arange(30.0), "y": [0, 1] * 15}
    with pytest.raises(DataError, match="column 'id' has 30 distinct values.*--drop 'id'"):
        Preprocessor("y").fit(data)
    with pytest.raises(DataError, match="--max-categories 6"):
        Preprocessor("y", max_categories=5).fit({**data, "id": [f"c{i % 6}" for i in range(30)]})
    for limit in (None, 30):
        prep = Preprocessor("y", max_categories=limit).fit(data)
        assert len(prep.columns_[0]["categories"]) == 30
    X, y = Preprocessor("y", drop=["id"], missing="drop").fit_transform(_data())
    assert len(X) == 3 and y.tolist() == ["p", "q", "q"]  # rows 2 (missing) and 3 (no y) out


def test_regression_targets_are_standardised_and_mapped_back():
    data = {"x": np.arange(10.0), "t": 100.5 + 10 * np.arange(10.0)}  # not whole: regression
    prep = Preprocessor("t")
    X, y = prep.fit_transform(data)
    assert prep.targets_[0]["kind"] == "numeric"
    assert abs(y.mean()) < 1e-12 and y.std() == pytest.approx(1)
    np.testing.assert_allclose(prep.inverse_target(y), data["t"])


def test_several_targets():
    data = {"x": [1.0, 2, 3, 4], "a": [0.5, 1.5, 2.5, 3.5], "b": [10.0, 20, 30, 45]}
    X, y = Preprocessor(["a", "b"], task="regression").fit_transform(data)
    assert X.shape == (4, 1) and y.shape == (4, 2)


def test_config_round_trip_and_validation():
    prep = Preprocessor("y", drop=["id"]).fit(_data())
    config = json.loads(json.dumps(prep.get_config()))
    again = Preprocessor.from_config(config)
    np.testing.assert_array_equal(again.transform(_data()), prep.transform(_data()))
    broken = [
        ({**config, "type": "pickle"}, "type"),
        ({**config, "columns": []}, "columns must be a non-empty list"),
        ({**config, "columns": [{**config["columns"][0], "std": 0.0}]}, "std must be positive"),
        ({**config, "columns": [{**config["columns"][1], "categories": ["z", "a"]}]}, "sorted"),
        ({**config, "columns": [{**config["columns"][1], "impute": "mauve"}]}, "impute"),
        ({**config, "columns": [{**config["columns"][0], "mean": "1"}]}, "mean"),
        ({**config, "targets": [{"name": "y", "kind": "numeric", "mean": 0.0}]}, "std"),
    ]
    for bad, message in broken:
        with pytest.raises(DataError, match=message):
            Preprocessor.from_config(bad)


def test_a_csv_and_a_dataframe_give_the_same_encoding(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "d.csv"
    path.write_text("size,colour,code,y\n1,red,3,p\nNA,blue,3,q\n2.5,,7,p\n4,red,7,q\n")
    from_csv = Preprocessor("y", categorical=["code"])
    X1, y1 = from_csv.fit_transform(read_columns(path, text_columns=["code"]))
    frame = pd.read_csv(path)
    from_frame = Preprocessor("y", categorical=["code"])
    X2, y2 = from_frame.fit_transform(frame)
    np.testing.assert_array_equal(X1, X2)
    assert y1.tolist() == y2.tolist()
    assert from_csv.get_config() == from_frame.get_config()


def test_errors_from_a_csv_name_line_and_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,x,0\n2,y,0\nabc,z,1\n")
    with pytest.raises(DataError, match=r"line 4, column 1 \('a'\).*'abc'.*--na-values"):
        Preprocessor("y").fit(read_columns(path))
    Preprocessor("y", drop=["a"]).fit(read_columns(path))  # a dropped column may be odd
    path.write_text("a,y\n1,0.5\n2,1.5\n3,x\n")
    with pytest.raises(DataError, match=r"line 4, column 2 \('y'\).*'x'"):
        Preprocessor("y").fit(read_columns(path))


def test_sequential_fit_on_a_dataframe_keeps_and_saves_the_preprocessor(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n) * 50 + 100,
            "group": rng.choice(["a", "b", "c"], size=n),
        }
    )
    frame.loc[::17, "x"] = np.nan
    y = np.where(frame["group"] == "b", "yes", "no")
    net = dp.Sequential([dp.Dense(8, "relu"), dp.Dense(2, "softmax")], seed=0)
    net.fit(frame, y, loss="cross_entropy", optimizer=dp.Adam(net.parameters(), lr=0.05), epochs=30)
    assert isinstance(net.preprocessor, Preprocessor) and net.feature_names == ["x", "group"]
    assert np.mean(net.predict(frame) == y) > 0.95
    path = tmp_path / "m.dpm"
    net.save(path)
    loaded = dp.load(path)
    np.testing.assert_array_equal(loaded.predict(frame), net.predict(frame))
    columns = {"x": frame["x"].tolist(), "group": frame["group"].tolist()}
    np.testing.assert_array_equal(loaded.predict(columns), net.predict(frame))
    # a damaged preprocessing is refused on load, naming the field
    config, tensors = read_model_file(path)
    config["preprocessor"]["columns"][1]["categories"] = ["b", "a"]
    write_model_file(tmp_path / "bad.dpm", config, tensors)
    with pytest.raises(ModelFileError, match="categories must be a sorted list"):
        dp.load(tmp_path / "bad.dpm")
    config["preprocessor"]["columns"][1]["categories"] = ["a", "b"]  # one fewer than trained
    config["preprocessor"]["columns"][1]["impute"] = "a"
    write_model_file(tmp_path / "bad.dpm", config, tensors)
    with pytest.raises(ModelFileError, match="encodes 3 features but the network takes 4"):
        dp.load(tmp_path / "bad.dpm")


def test_regression_fit_on_a_dataframe_predicts_in_the_targets_units():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=300), "kind": rng.choice(["u", "v"], 300)})
    frame.loc[::11, "kind"] = None
    y = 1000 + 300 * frame["x"].to_numpy() + np.where(frame["kind"] == "u", 200, 0)
    net = dp.Sequential([dp.Dense(16, "relu"), dp.Dense(1)], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.fit(
            frame, y, loss="squared_error", optimizer=dp.Adam(net.parameters(), lr=0.01), epochs=60
        )
    assert net.preprocessor.targets_[0]["mean"] == pytest.approx(y.mean())
    pred = net.predict(frame).ravel()
    assert abs(pred.mean() - y.mean()) < 50  # in the targets' units, not standardised ones
    assert net.evaluate(frame, y)["r2"] > 0.9
