"""Bad input at every entry point: one row per case, each naming the exception type it must
raise and the words its message must hold (the argument or field, and the value received).

Every exception must come from deltaprop.errors; bad input is also a ValueError (a wrong type
also a TypeError). The CLI rows check the exit code and a one-line message on stderr.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import deltaprop as dp
from deltaprop import errors, losses, metrics
from deltaprop.cli import main as cli_main
from deltaprop.errors import (
    DataError,
    DeltapropError,
    ModelFileError,
    ParameterError,
    ParameterTypeError,
    ShapeError,
    SpecError,
)
from deltaprop.explanation.spec import parse_spec
from deltaprop.io.checkpoint import read_checkpoint
from deltaprop.io.data import read_data

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 2, dtype=np.float32)
Y_REG = X.sum(axis=1, keepdims=True)
Y_CLS = np.array([0, 1, 1, 0] * 2)


def _net(out=1, activation=None):
    activation = activation or ("softmax" if out > 1 else None)
    return dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(out, activation)], seed=0)


def _fitted():
    net = _net(2)
    net.fit(X, np.array(["a", "b", "b", "a"] * 2), loss="cross_entropy", epochs=1, seed=0)
    return net


def _fit(**kwargs):
    args = {"X": X, "y": Y_REG, "epochs": 1, "seed": 0}
    args.update(kwargs)
    net = args.pop("net", None) or _net()
    return net.fit(args.pop("X"), args.pop("y"), **args)


def _with_nan(value=np.nan):
    bad = X.copy()
    bad[2, 1] = value
    return bad


@dataclass
class Case:
    id: str
    call: object  # a function of tmp_path
    error: type
    needles: tuple  # words the message must contain


def case(id, call, error, *needles):
    return pytest.param(Case(id, call, error, needles), id=id)


def _write(tmp_path, name, text):
    path = Path(tmp_path) / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


SPEC = {
    "inputs": [[1.0, 0.0]],
    "targets": [[1.0]],
    "layers": [{"units": 1, "activation": "logistic", "weights": [[0.5, -0.5]], "bias": "none"}],
}


def _spec(**changes):
    spec = json.loads(json.dumps(SPEC))
    for key, value in changes.items():
        if key.startswith("layer_"):
            spec["layers"][0][key[len("layer_") :]] = value
        else:
            spec[key] = value
    return spec


API = [
    # -- layers and networks --------------------------------------------------------------------
    case("dense-units-zero", lambda t: dp.Dense(0), ParameterError, "units", "0"),
    case("dense-units-float", lambda t: dp.Dense(2.5), ParameterTypeError, "units", "2.5"),
    case("dense-units-str", lambda t: dp.Dense("3"), ParameterTypeError, "units", "'3'"),
    case("dense-units-bool", lambda t: dp.Dense(True), ParameterTypeError, "units", "True"),
    case("dense-activation", lambda t: dp.Dense(2, "swish"), ParameterError, "activation", "swish"),
    case("dense-bias", lambda t: dp.Dense(2, bias="maybe"), ParameterError, "bias", "'maybe'"),
    case("dense-init", lambda t: dp.Dense(2, init="nope"), ParameterError, "init", "nope"),
    case("dense-dtype-int", lambda t: dp.Dense(2, dtype="int8"), ParameterError, "dtype", "int8"),
    case(
        "dense-dtype-complex",
        lambda t: dp.Dense(2, dtype=np.complex64),
        ParameterError,
        "dtype",
        "complex64",
    ),
    case("dense-seed", lambda t: dp.Dense(2, seed=-1), ParameterTypeError, "seed", "-1"),
    case(
        "dense-in-features",
        lambda t: dp.Dense(2, in_features=0),
        ParameterError,
        "in_features",
        "0",
    ),
    case(
        "sequential-dtype",
        lambda t: dp.Sequential([dp.Dense(1)], dtype="float16"),
        ParameterError,
        "dtype",
        "float16",
    ),
    case(
        "sequential-seed",
        lambda t: dp.Sequential([dp.Dense(1)], seed="abc"),
        ParameterTypeError,
        "seed",
        "'abc'",
    ),
    case(
        "sequential-layers",
        lambda t: dp.Sequential([dp.Dense(1), "relu"]),
        ParameterTypeError,
        "layers",
        "'relu'",
    ),
    # -- optimizers -----------------------------------------------------------------------------
    case("sgd-lr-negative", lambda t: dp.SGD(_net().parameters(), lr=-0.1), ParameterError, "lr"),
    case("sgd-lr-nan", lambda t: dp.SGD(_net().parameters(), lr=np.nan), ParameterError, "lr"),
    case("sgd-lr-str", lambda t: dp.SGD(_net().parameters(), lr="0.1"), ParameterTypeError, "lr"),
    case(
        "sgd-momentum",
        lambda t: dp.SGD(_net().parameters(), momentum=1.5),
        ParameterError,
        "momentum",
        "1.5",
    ),
    case(
        "adam-beta",
        lambda t: dp.Adam(_net().parameters(), beta_1=1.0),
        ParameterError,
        "beta_1",
        "1.0",
    ),
    case(
        "rmsprop-eps",
        lambda t: dp.RMSprop(_net().parameters(), eps=0),
        ParameterError,
        "eps",
        "0",
    ),
    case(
        "optimizer-clip-norm",
        lambda t: dp.SGD(_net().parameters(), clip_norm=-1.0),
        ParameterError,
        "clip_norm",
        "-1.0",
    ),
    case("optimizer-params-none", lambda t: dp.SGD(None), ParameterTypeError, "params", "None"),
    case("optimizer-params-empty", lambda t: dp.SGD([]), ParameterError, "params"),
    # -- fit: features ----------------------------------------------------------------------------
    case("fit-X-1d", lambda t: _fit(X=X[:, 0]), ShapeError, "X", "(8,)"),
    case("fit-X-3d", lambda t: _fit(X=X[None]), ShapeError, "X", "(1, 8, 2)"),
    case("fit-X-empty", lambda t: _fit(X=X[:0], y=Y_REG[:0]), DataError, "X", "(0, 2)"),
    case("fit-X-no-features", lambda t: _fit(X=X[:, :0]), DataError, "X", "(8, 0)"),
    case("fit-X-nan", lambda t: _fit(X=_with_nan()), DataError, "X", "nan", "row 2"),
    case("fit-X-inf", lambda t: _fit(X=_with_nan(np.inf)), DataError, "X", "inf", "row 2"),
    case("fit-X-complex", lambda t: _fit(X=X + 1j), DataError, "X", "complex64"),
    case("fit-X-object", lambda t: _fit(X=X.astype(object)), DataError, "X", "object"),
    case("fit-X-str", lambda t: _fit(X=X.astype(str)), DataError, "X", "<U"),
    case("fit-X-ragged", lambda t: _fit(X=[[1.0, 2.0], [3.0]]), ShapeError, "X", "rectangular"),
    case("fit-y-length", lambda t: _fit(y=Y_REG[:5]), ShapeError, "X", "y", "8", "5"),
    case("fit-y-nan", lambda t: _fit(y=np.full((8, 1), np.nan)), DataError, "of y", "nan"),
    case(
        "fit-y-str-regression",
        lambda t: _fit(y=Y_REG.astype(str)),
        DataError,
        "y of dtype",
        "<U",
    ),
    case("fit-y-complex", lambda t: _fit(y=Y_REG + 1j), DataError, "y of dtype", "complex"),
    case(
        "fit-y-width",
        lambda t: _fit(y=np.zeros((8, 3))),
        ShapeError,
        "y",
        "3",
    ),
    # -- fit: labels ----------------------------------------------------------------------------
    case(
        "fit-label-out-of-range",
        lambda t: _fit(net=_net(2), y=Y_CLS * 5, loss="cross_entropy"),
        DataError,
        "5",
        "0..1",
    ),
    case(
        "fit-label-negative",
        lambda t: _fit(net=_net(2), y=Y_CLS - 1, loss="cross_entropy"),
        DataError,
        "-1",
    ),
    case(
        "fit-label-fractional",
        lambda t: _fit(net=_net(2), y=Y_CLS + 0.5, loss="cross_entropy"),
        DataError,
        "0.5",
    ),
    case(
        "fit-label-single-class",
        lambda t: _fit(net=_net(2), y=np.array(["a"] * 8), loss="cross_entropy"),
        DataError,
        "class",
        "'a'",
    ),
    case(
        "fit-binary-three-labels",
        lambda t: _fit(y=np.array(list("abcabcab")), loss="binary_cross_entropy"),
        DataError,
        "binary_cross_entropy",
        "3",
    ),
    case(
        "fit-binary-label-two",
        lambda t: _fit(y=Y_CLS * 2, loss="binary_cross_entropy"),
        DataError,
        "2",
    ),
    case(
        "fit-class-weight-unknown",
        lambda t: _fit(
            net=_net(2),
            y=np.array(["a", "b"] * 4),
            loss="cross_entropy",
            class_weight={"c": 2.0},
        ),
        DataError,
        "class_weight",
        "'c'",
    ),
    # -- fit: hyper-parameters ------------------------------------------------------------------
    case("fit-epochs-zero", lambda t: _fit(epochs=0), ParameterError, "epochs", "0"),
    case("fit-epochs-float", lambda t: _fit(epochs=1.5), ParameterTypeError, "epochs", "1.5"),
    case("fit-batch-size-zero", lambda t: _fit(batch_size=0), ParameterError, "batch_size", "0"),
    case(
        "fit-batch-size-str",
        lambda t: _fit(batch_size="32"),
        ParameterTypeError,
        "batch_size",
        "'32'",
    ),
    case("fit-loss-unknown", lambda t: _fit(loss="hinge"), ParameterError, "loss", "hinge"),
    case(
        "fit-optimizer-str",
        lambda t: _fit(optimizer="adam"),
        ParameterTypeError,
        "optimizer",
        "'adam'",
    ),
    case(
        "fit-on-divergence",
        lambda t: _fit(on_divergence="ignore"),
        ParameterError,
        "on_divergence",
        "'ignore'",
    ),
    case(
        "fit-max-rollbacks",
        lambda t: _fit(max_rollbacks=-1),
        ParameterError,
        "max_rollbacks",
        "-1",
    ),
    case(
        "fit-validation-split",
        lambda t: _fit(validation_split=1.5),
        ParameterError,
        "validation_split",
        "1.5",
    ),
    case(
        "fit-validation-data",
        lambda t: _fit(validation_data=X),
        ParameterError,
        "validation_data",
        "ndarray",
    ),
    case("fit-alpha", lambda t: _fit(alpha=-1.0), ParameterError, "alpha", "-1.0"),
    case("fit-seed", lambda t: _fit(seed="abc"), ParameterTypeError, "seed", "'abc'"),
    case(
        "fit-sample-weight-length",
        lambda t: _fit(sample_weight=np.ones(3)),
        ShapeError,
        "sample_weight",
        "3",
    ),
    case(
        "fit-sample-weight-negative",
        lambda t: _fit(sample_weight=-np.ones(8)),
        DataError,
        "sample_weight",
        "-1",
    ),
    case(
        "fit-sample-weight-nan",
        lambda t: _fit(sample_weight=np.full(8, np.nan)),
        DataError,
        "sample_weight",
        "nan",
    ),
    case("fit-stop", lambda t: _fit(stop="never"), ParameterTypeError, "stop", "'never'"),
    case(
        "fit-callbacks",
        lambda t: _fit(callbacks=["print"]),
        ParameterTypeError,
        "callbacks",
        "'print'",
    ),
    case("fit-resume-type", lambda t: _fit(resume=123), ParameterTypeError, "resume", "123"),
    case(
        "fit-resume-missing",
        lambda t: _fit(resume=str(Path(t) / "none.ckpt")),
        ModelFileError,
        "none.ckpt",
        "does not exist",
    ),
    # -- predict / evaluate / save / load ---------------------------------------------------------
    case("predict-unfitted", lambda t: _net().predict(X), ParameterError, "fit"),
    case(
        "predict-features",
        lambda t: _fitted().predict(np.ones((2, 3))),
        ShapeError,
        "X",
        "3",
        "2",
    ),
    case("predict-nan", lambda t: _fitted().predict(_with_nan()), DataError, "X", "nan"),
    case(
        "predict-batch-size",
        lambda t: _fitted().predict(X, batch_size=0),
        ParameterError,
        "batch_size",
        "0",
    ),
    case(
        "evaluate-unseen-label",
        lambda t: _fitted().evaluate(X, np.array(["a", "z"] * 4)),
        DataError,
        "labels",
        "'z'",
    ),
    case(
        "predict-proba-regression",
        lambda t: (lambda n: (n.fit(X, Y_REG), n.predict_proba(X)))(_net()),
        ParameterError,
        "predict_proba",
    ),
    case(
        "save-into-missing-dir",
        lambda t: _fitted().save(Path(t) / "no" / "such" / "net.dpm"),
        ParameterError,
        "path",
        "no",
    ),
    case("save-onto-dir", lambda t: _fitted().save(t), ParameterError, "path", str),
    case("load-missing", lambda t: dp.load(Path(t) / "x.dpm"), ModelFileError, "x.dpm"),
    case(
        "load-not-zip",
        lambda t: dp.load(_write(t, "x.dpm", b"hello")),
        ModelFileError,
        "x.dpm",
        "ZIP",
    ),
    case(
        "fit-labels-fewer-than-units",
        lambda t: _net(3).fit(X, np.array(["a", "b"] * 4), loss="cross_entropy", epochs=1),
        DataError,
        "2 classes",
        "3 units",
    ),
    case(
        "load-checkpoint-without-network",
        lambda t: dp.load(_bare_checkpoint(t)),
        ModelFileError,
        "no network config",
    ),
    case(
        "read-checkpoint-model-file",
        lambda t: read_checkpoint(_model_file(t)),
        ModelFileError,
        "deltaprop-model",
    ),
    # -- losses and metrics ---------------------------------------------------------------------
    case("loss-get", lambda t: losses.get("hinge"), ParameterError, "hinge"),
    case(
        "loss-reduction",
        lambda t: losses.SquaredError(reduction="avg"),
        ParameterError,
        "reduction",
        "'avg'",
    ),
    case("loss-get-type", lambda t: losses.get(3), ParameterTypeError, "loss", "3"),
    case(
        "metric-lengths",
        lambda t: metrics.mean_squared_error([1, 2], [1, 2, 3]),
        ShapeError,
        "y_true",
        "2",
        "3",
    ),
    case(
        "accuracy-lengths",
        lambda t: metrics.accuracy([1, 2], [1, 2, 3]),
        ShapeError,
        "y_true",
        "2",
        "3",
    ),
    case("metric-empty", lambda t: metrics.r2_score([], []), DataError, "y_true"),
    case(
        "metric-average",
        lambda t: metrics.f1_score([0, 1], [0, 1], average="mean"),
        ParameterError,
        "average",
        "'mean'",
    ),
    case(
        "log-loss-probabilities",
        lambda t: metrics.log_loss([0, 1], [[0.5, 0.5], [2.0, -1.0]]),
        DataError,
        "y_prob",
    ),
    case("accuracy-empty", lambda t: metrics.accuracy([], []), DataError, "y_true"),
    # -- scikit-learn estimators ----------------------------------------------------------------
    case(
        "mlp-hidden-sizes",
        lambda t: _mlp(hidden_layer_sizes=(0,)),
        ParameterError,
        "hidden_layer_sizes",
        "(0,)",
    ),
    case(
        "mlp-learning-rate-init",
        lambda t: _mlp(learning_rate_init=-1),
        ParameterError,
        "learning_rate_init",
        "-1",
    ),
    case("mlp-solver", lambda t: _mlp(solver="newton"), ParameterError, "solver", "'newton'"),
    case(
        "mlp-batch-size",
        lambda t: _mlp(batch_size="big"),
        ParameterTypeError,
        "batch_size",
        "'big'",
    ),
    case("mlp-dtype", lambda t: _mlp(dtype="int32"), ParameterError, "dtype", "int32"),
    case("mlp-X-nan", lambda t: _mlp(X=_with_nan()), DataError, "X", "NaN"),
    case("mlp-X-complex", lambda t: _mlp(X=X + 1j), DataError, "Complex"),
    case("mlp-y-length", lambda t: _mlp(y=Y_CLS[:3]), DataError, "[8, 3]"),
    case(
        "mlp-y-continuous",
        lambda t: _mlp(y=Y_REG[:, 0] + 0.5),
        DataError,
        "continuous",
    ),
    case(
        "mlp-predict-features",
        lambda t: _mlp().predict(np.ones((2, 3))),
        DataError,
        "3 features",
        "2",
    ),
    # -- explain specs --------------------------------------------------------------------------
    case("spec-not-object", lambda t: parse_spec([1, 2]), SpecError, "spec", "list"),
    case("spec-missing-field", lambda t: parse_spec({"inputs": [[1]]}), SpecError, "'targets'"),
    case("spec-unknown-field", lambda t: parse_spec(_spec(lrate=0.1)), SpecError, "lrate"),
    case("spec-lr", lambda t: parse_spec(_spec(lr=-1)), SpecError, "lr", "-1"),
    case("spec-lr-str", lambda t: parse_spec(_spec(lr="fast")), SpecError, "lr", "'fast'"),
    case(
        "spec-inputs-ragged",
        lambda t: parse_spec(_spec(inputs=[[1.0, 0.0], [1.0]])),
        SpecError,
        "inputs",
    ),
    case(
        "spec-inputs-nan",
        lambda t: parse_spec(_spec(inputs=[[1.0, float("nan")]])),
        SpecError,
        "inputs",
        "nan",
    ),
    case(
        "spec-targets-rows",
        lambda t: parse_spec(_spec(targets=[[1.0], [0.0]])),
        SpecError,
        "targets",
        "2",
    ),
    case("spec-units", lambda t: parse_spec(_spec(layer_units=0)), SpecError, "units", "0"),
    case(
        "spec-activation",
        lambda t: parse_spec(_spec(layer_activation="softmax")),
        SpecError,
        "activation",
        "softmax",
    ),
    case(
        "spec-weights-shape",
        lambda t: parse_spec(_spec(layer_weights=[[0.5]])),
        SpecError,
        "weights",
        "(1, 1)",
    ),
    case(
        "spec-bias-mode",
        lambda t: parse_spec(_spec(layer_bias="always")),
        SpecError,
        "bias",
        "'always'",
    ),
    case(
        "spec-file-json",
        lambda t: dp.explain(_write(t, "s.json", "{not json")),
        SpecError,
        "s.json",
        "JSON",
    ),
    case(
        "spec-file-toml",
        lambda t: dp.explain(_write(t, "s.toml", "inputs = [[1, 2]\n")),
        SpecError,
        "s.toml",
        "TOML",
    ),
    case("spec-file-missing", lambda t: dp.explain(Path(t) / "no.json"), SpecError, "no.json"),
    case("explain-steps", lambda t: dp.explain(SPEC, steps=-1), ParameterError, "steps", "-1"),
    case(
        "explain-example",
        lambda t: dp.explain(example="nope"),
        ParameterError,
        "example",
        "'nope'",
    ),
    # -- data files -----------------------------------------------------------------------------
    case(
        "csv-non-numeric",
        lambda t: read_data(_write(t, "d.csv", "a,b,y\n1,x,0\n"), "y"),
        DataError,
        "line 2",
        "'b'",
        "'x'",
    ),
    case(
        "csv-empty-cell",
        lambda t: read_data(_write(t, "d.csv", "a,b,y\n1,,0\n"), "y"),
        DataError,
        "line 2",
        "empty cell",
    ),
    case(
        "csv-nan-cell",
        lambda t: read_data(_write(t, "d.csv", "a,b,y\n1,nan,0\n"), "y"),
        DataError,
        "line 2",
        "'nan'",
    ),
    case(
        "csv-overflow-cell",
        lambda t: read_data(_write(t, "d.csv", "a,b,y\n1,1e39,0\n"), "y"),
        DataError,
        "line 2",
        "1e39",
    ),
    case(
        "csv-ragged",
        lambda t: read_data(_write(t, "d.csv", "a,b,y\n1,2,0\n1,2\n"), "y"),
        DataError,
        "line 3",
        "ragged",
        "2 fields",
    ),
    case(
        "csv-missing-target",
        lambda t: read_data(_write(t, "d.csv", "a,b,y\n1,2,0\n"), "label"),
        DataError,
        "'label'",
        "columns",
    ),
    case(
        "csv-duplicate-column",
        lambda t: read_data(_write(t, "d.csv", "a,a,y\n1,2,0\n"), "y"),
        DataError,
        "unique",
        "'a'",
    ),
    case(
        "csv-missing-target-cell",
        lambda t: read_data(_write(t, "d.csv", "a,b,y\n1,2,\n"), "y"),
        DataError,
        "line 2",
        "'y'",
        "empty",
    ),
    case(
        "csv-header-only",
        lambda t: read_data(_write(t, "d.csv", "a,b,y\n"), "y"),
        DataError,
        "d.csv",
        "no data rows",
    ),
    case("csv-empty-file", lambda t: read_data(_write(t, "d.csv", "")), DataError, "empty"),
    case(
        "csv-not-utf8",
        lambda t: read_data(_write(t, "d.csv", b"a,b\n\xff\xfe,1\n")),
        DataError,
        "UTF-8",
    ),
    case(
        "csv-only-target",
        lambda t: read_data(_write(t, "d.csv", "y\n1\n"), "y"),
        DataError,
        "no feature columns",
    ),
    case("data-missing", lambda t: read_data(Path(t) / "no.csv"), DataError, "no.csv"),
    case(
        "npy-object",
        lambda t: read_data(_npy(t, np.array([[1, "a"]], dtype=object))),
        DataError,
        "d.npy",
    ),
    case(
        "npy-1d",
        lambda t: read_data(_npy(t, np.arange(3.0))),
        DataError,
        "2-D",
        "(3,)",
    ),
    case(
        "npy-nan",
        lambda t: read_data(_npy(t, np.array([[1.0, np.nan]]))),
        DataError,
        "[0, 1]",
        "nan",
    ),
    case(
        "npy-complex",
        lambda t: read_data(_npy(t, np.ones((2, 2), np.complex64))),
        DataError,
        "complex64",
    ),
    case(
        "npy-target-name",
        lambda t: read_data(_npy(t, np.ones((2, 2))), "label"),
        DataError,
        "column index",
        "'label'",
    ),
    case(
        "npz-without-X",
        lambda t: read_data(_npz(t, A=np.ones((2, 2)))),
        DataError,
        "X",
        "['A']",
    ),
    case(
        "npz-y-length",
        lambda t: read_data(_npz(t, X=np.ones((2, 2)), y=np.ones(3))),
        DataError,
        "y",
        "(3,)",
    ),
]


def _mlp(X=X, y=Y_CLS, **params):
    sklearn = pytest.importorskip("deltaprop.sklearn")
    params = {"hidden_layer_sizes": (3,), "max_iter": 2, "random_state": 0, **params}
    return sklearn.MLPClassifier(**params).fit(X, y)


def _npy(tmp_path, array):
    path = Path(tmp_path) / "d.npy"
    np.save(path, array, allow_pickle=True)
    return path


def _npz(tmp_path, **arrays):
    path = Path(tmp_path) / "d.npz"
    np.savez(path, **arrays)
    return path


def _model_file(tmp_path):
    path = Path(tmp_path) / "model.dpm"
    _fitted().save(path)
    return path


def _bare_checkpoint(tmp_path):
    """A checkpoint of a run on a plain module (no get_config): dp.load cannot rebuild it."""
    from deltaprop.io.checkpoint import ModelCheckpoint

    path = Path(tmp_path) / "bare.ckpt"
    module = dp.nn.Stack([dp.Dense(1)], seed=0)
    dp.fit(module, X, Y_REG, epochs=1, seed=0, callbacks=[ModelCheckpoint(path, monitor="loss")])
    return path


def _checkpoint(tmp_path):
    path = Path(tmp_path) / "run.ckpt"
    _fit(checkpoint=path)
    return path


@pytest.mark.filterwarnings("ignore::deltaprop.errors.ConvergenceWarning")
@pytest.mark.parametrize("row", API)
def test_bad_input(row, tmp_path):
    with pytest.raises(DeltapropError) as info:
        row.call(tmp_path)
    exc = info.value
    assert isinstance(exc, row.error), f"{type(exc).__name__}: {exc}"
    assert isinstance(exc, ValueError)
    if isinstance(exc, ParameterTypeError):
        assert isinstance(exc, TypeError)
    message = str(exc)
    for needle in row.needles:
        if needle is str:
            needle = str(tmp_path)  # the value is the path itself
        assert needle in message, f"{needle!r} not in {message!r}"


def test_every_exception_class_is_documented():
    documented = errors.__doc__
    for name in dir(errors):
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, DeltapropError):
            assert name in documented
            if obj is not DeltapropError:
                assert issubclass(obj, DeltapropError)


# -- the command line: exit code 2 and one line on stderr naming the option or file and value --
CSV = "a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"


def _files(t):
    t = Path(t)
    _write(t, "d.csv", CSV)
    _write(t, "text.csv", "a,b,y\n0,zero,0\n1,1,1\n")
    _write(t, "ragged.csv", "a,b,y\n0,0,0\n1,1\n")
    _write(t, "one.csv", "a,b,y\n0,0,k\n1,1,k\n")
    _write(t, "bad.dpm", b"PK\x03\x04 not really a zip")
    _write(t, "bad.json", '{"inputs": [[1]], "targets": [[1]], "layers": [{"units": -1}]}')
    return t


CLI = [
    ("train-missing-file", ["train", "{t}/no.csv", "--target", "y", "--out", "{t}/m"], "no.csv"),
    ("train-text-cell", ["train", "{t}/text.csv", "--target", "y", "--out", "{t}/m"], "'zero'"),
    ("train-ragged", ["train", "{t}/ragged.csv", "--target", "y", "--out", "{t}/m"], "ragged"),
    ("train-no-target", ["train", "{t}/d.csv", "--target", "z", "--out", "{t}/m"], "'z'"),
    ("train-one-class", ["train", "{t}/one.csv", "--target", "y", "--out", "{t}/m"], "['k']"),
    ("train-epochs", ["train", "{t}/d.csv", "--target", "y", "--epochs", "0", "--out", "m"], "'0'"),
    ("train-lr", ["train", "{t}/d.csv", "--target", "y", "--lr", "-1", "--out", "m"], "'-1'"),
    ("train-lr-nan", ["train", "{t}/d.csv", "--target", "y", "--lr", "nan", "--out", "m"], "nan"),
    ("train-hidden", ["train", "{t}/d.csv", "--target", "y", "--hidden", "4,x", "--out", "m"], "x"),
    (
        "train-split",
        ["train", "{t}/d.csv", "--target", "y", "--validation-split", "1", "--out", "m"],
        "'1'",
    ),
    (
        "train-optimizer",
        ["train", "{t}/d.csv", "--target", "y", "--optimizer", "lbfgs", "--out", "m"],
        "lbfgs",
    ),
    (
        "train-out-dir",
        [
            "train",
            "{t}/d.csv",
            "--target",
            "y",
            "--epochs",
            "1",
            "--quiet",
            "--out",
            "{t}/no/m.dpm",
        ],
        "no",
    ),
    ("train-seed", ["train", "{t}/d.csv", "--target", "y", "--seed", "-3", "--out", "{t}/m"], "-3"),
    ("predict-bad-model", ["predict", "{t}/bad.dpm", "{t}/d.csv"], "bad.dpm"),
    ("evaluate-missing-model", ["evaluate", "{t}/none.dpm", "{t}/d.csv"], "none.dpm"),
    ("explain-bad-spec", ["explain", "{t}/bad.json"], "bad.json': layers[0].units"),
    ("explain-steps", ["explain", "--example", "mazur", "--steps", "-1"], "-1"),
    ("gradcheck-bad-spec", ["gradcheck", "{t}/bad.json"], "units"),
    ("datasets-unknown", ["datasets", "export", "cifar", "{t}/c.csv"], "cifar"),
    ("unknown-command", ["fly"], "fly"),
]


@pytest.mark.parametrize("name, argv, needle", CLI, ids=[row[0] for row in CLI])
def test_cli_bad_input(name, argv, needle, tmp_path, capsys):
    t = _files(tmp_path)
    code = cli_main([arg.replace("{t}", str(t)) for arg in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert needle in err, f"{needle!r} not in {err!r}"


def test_docs_list_every_case():
    """docs/reliability.md has a row for every case here (regenerate it when adding one)."""
    text = (Path(__file__).parents[2] / "docs" / "reliability.md").read_text()
    ids = [row.values[0].id for row in API] + [row[0] for row in CLI]
    missing = [i for i in ids if f"| `{i}` |" not in text]
    assert not missing, missing
