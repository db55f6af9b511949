"""The scikit-learn estimators: scikit-learn's own checks, parity with its MLP, and behaviour."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from deltaprop.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

# small enough to be quick, large enough for the checks' accuracy thresholds (> 0.83, R^2 > 0.5)
SMALL = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=100, random_state=0)


def expected_failures(estimator):
    # check_methods_subset_invariance compares predictions on a subset with the same rows of a
    # full-batch prediction to atol=1e-7. In float32 (on request) BLAS may sum a matrix
    # product in a different order for a different number of rows, which moves the result in
    # the last bit (about 1e-7); the same estimators in float64 pass it (checked below).
    # check_sample_weight_equivalence_on_dense_data compares a weighted fit with a fit on
    # repeated rows to rtol=1e-7, also below float32's resolution (they differ by ~1e-7
    # relative after 100 epochs of float32 sums in a different order); float64 (the default,
    # for float64 data, as scikit-learn) passes every check.
    if estimator.dtype is not None and np.dtype(estimator.dtype) == np.float32:
        return {
            "check_methods_subset_invariance": "float32 GEMM rounding depends on batch rows",
            "check_sample_weight_equivalence_on_dense_data": "float32 rounding, rtol=1e-7",
            "check_sample_weight_equivalence_on_sparse_data": "float32 rounding, rtol=1e-7",
        }
    return {}


@parametrize_with_checks(
    [
        MLPClassifier(),  # default parameters: no expected failures
        MLPRegressor(),
        MLPClassifier(**SMALL),
        MLPRegressor(**SMALL),
        MLPClassifier(**SMALL, dtype=np.float32),
        MLPRegressor(**SMALL, dtype=np.float32),
        MLPClassifier(**SMALL, solver="lbfgs"),
        MLPRegressor(**SMALL, solver="lbfgs"),
    ],
    expected_failed_checks=expected_failures,
)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


# -- the same numbers as scikit-learn -----------------------------------------------------------
from sklearn import neural_network as sknn  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402


@pytest.fixture(scope="module")
def blobs():
    return make_classification(
        n_samples=90, n_features=5, n_classes=3, n_informative=3, random_state=0
    )


SCHEDULES = [
    dict(solver="sgd", batch_size=90),  # full batch, Nesterov momentum
    dict(
        solver="sgd", batch_size=32, alpha=0.1, learning_rate="invscaling", learning_rate_init=0.1
    ),
    dict(solver="sgd", batch_size=20, learning_rate="adaptive", tol=0.5, n_iter_no_change=1),
    dict(solver="sgd", batch_size=25, alpha=1.0, momentum=0.5, nesterovs_momentum=False),
]


@pytest.mark.parametrize("params", SCHEDULES)
def test_sgd_training_equals_sklearn_step_for_step(blobs, params):
    # same seed -> same initial weights; no shuffling -> same batches; float64 -> same sums
    X, y = blobs
    common = dict(
        hidden_layer_sizes=(7, 4),
        activation="tanh",
        max_iter=15,
        shuffle=False,
        random_state=3,
        **params,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = MLPClassifier(dtype=np.float64, **common).fit(X, y)
        theirs = sknn.MLPClassifier(**common).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12, atol=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_adam_regression_and_multilabel_equal_sklearn(blobs):
    X, y = blobs
    Xr, yr = make_regression(n_samples=50, n_features=4, n_targets=2, random_state=0)
    cases = [
        (MLPClassifier, sknn.MLPClassifier, X, y, dict(solver="adam", alpha=0.01), 1e-5),
        (MLPRegressor, sknn.MLPRegressor, Xr, yr[:, 0] / 100, dict(solver="sgd", alpha=0.5), 1e-12),
        (
            MLPClassifier,
            sknn.MLPClassifier,
            X,
            np.c_[y == 0, y == 1, y != 1],
            dict(solver="sgd"),
            1e-12,
        ),
    ]
    for ours_cls, theirs_cls, Xc, yc, params, rtol in cases:
        common = dict(
            hidden_layer_sizes=(6,),
            max_iter=10,
            shuffle=False,
            random_state=1,
            batch_size=16,
            learning_rate_init=0.01,
            **params,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = ours_cls(dtype=np.float64, **common).fit(Xc, yc)
            theirs = theirs_cls(**common).fit(Xc, yc)
        # Adam: scikit-learn adds epsilon after folding the bias correction into the step size
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=rtol)
        np.testing.assert_allclose(ours.predict(Xc), theirs.predict(Xc), rtol=1e-6, atol=1e-9)


def test_sample_and_class_weights_equal_sklearn(blobs):
    X, y = blobs
    sw = np.random.default_rng(0).uniform(0.1, 3.0, len(X))
    common = dict(
        hidden_layer_sizes=(6,),
        max_iter=8,
        shuffle=False,
        random_state=2,
        solver="sgd",
        batch_size=16,
        alpha=0.3,
        learning_rate_init=0.05,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = MLPClassifier(dtype=np.float64, **common).fit(X, y, sample_weight=sw)
        theirs = sknn.MLPClassifier(**common).fit(X, y, sample_weight=sw)
        # class_weight multiplies in: the same as passing the product as sample_weight
        classy = MLPClassifier(dtype=np.float64, class_weight={0: 2.0, 2: 0.5}, **common)
        classy.fit(X, y, sample_weight=sw)
        by_hand = sknn.MLPClassifier(**common).fit(
            X, y, sample_weight=sw * np.array([2.0, 1.0, 0.5])[y]
        )
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(classy.loss_curve_, by_hand.loss_curve_, rtol=1e-12)


def test_loss_is_sklearns_objective(blobs):
    # one full-batch epoch reports the loss at the initial weights: data loss + penalty
    X, y = blobs
    est = MLPClassifier(
        (5,),
        alpha=3.0,
        batch_size=len(X),
        max_iter=1,
        random_state=0,
        dtype=np.float64,
        warm_start=True,
    )
    init = clone(est).set_params(learning_rate_init=1e-300)  # a step too small to move
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        init.fit(X, y)
    p = init.predict_proba(X)
    data = -np.mean(np.log(p[np.arange(len(y)), y]))
    penalty = 3.0 / (2 * len(X)) * sum(np.sum(W**2) for W in init.coefs_)
    assert init.loss_ == pytest.approx(data + penalty, rel=1e-12)


# -- behaviour ------------------------------------------------------------------------------------
import pickle  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError as SklearnInvalid  # noqa: E402

from deltaprop.errors import (  # noqa: E402
    ConvergenceWarning,
    DataError,
    ParameterError,
    ParameterTypeError,
)
from deltaprop.sklearn import InvalidParameterError  # noqa: E402


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.mark.parametrize(
    "params, error, message",
    [
        # scikit-learn's constraints, its messages and exception (also deltaprop's)
        (dict(solver="newton"), InvalidParameterError, "The 'solver' parameter of MLPClassifier"),
        (dict(activation="softmax"), InvalidParameterError, "'activation' parameter"),
        (dict(learning_rate="cyclic"), InvalidParameterError, "'learning_rate' parameter"),
        (dict(hidden_layer_sizes=0), InvalidParameterError, "'hidden_layer_sizes' parameter"),
        (dict(alpha=-1.0), InvalidParameterError, "'alpha' parameter .* Got -1.0 instead"),
        (dict(learning_rate_init=0.0), InvalidParameterError, "'learning_rate_init' parameter"),
        (dict(max_iter=0), InvalidParameterError, "'max_iter' parameter"),
        (dict(batch_size="big"), InvalidParameterError, "'batch_size' parameter"),
        (dict(batch_size=0), InvalidParameterError, "'batch_size' parameter"),
        (dict(validation_fraction=1.0), InvalidParameterError, "'validation_fraction' parameter"),
        (dict(beta_2=1.0), InvalidParameterError, "'beta_2' parameter"),
        (dict(momentum=1.5), InvalidParameterError, "'momentum' parameter"),
        (dict(shuffle="yes"), InvalidParameterError, "'shuffle' parameter"),
        (dict(n_iter_no_change=-np.inf), InvalidParameterError, "'n_iter_no_change' parameter"),
        # what scikit-learn checks itself, and deltaprop's extras
        (dict(hidden_layer_sizes=(4, 0)), ParameterError, "hidden_layer_sizes must be > 0"),
        (dict(hidden_layer_sizes=(4.5,)), ParameterTypeError, "hidden_layer_sizes must hold"),
        (dict(dtype="float16"), ParameterError, "dtype must be None .*; got 'float16'"),
        (dict(partial_fit_early_stopping=1), ParameterTypeError, "partial_fit_early_stopping"),
        (dict(class_weight="heavy"), ParameterError, "class_weight must be one of"),
        (dict(class_weight={7: 2.0}), ParameterError, "class_weight must name classes"),
        (dict(class_weight=[1, 2]), ParameterTypeError, "class_weight must be a dict"),
    ],
)
def test_bad_parameters_raise_in_fit_not_init(blobs, params, error, message):
    X, y = blobs
    est = MLPClassifier(**params)  # __init__ only stores, as scikit-learn requires
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        est.fit(X, y)
    assert isinstance(info.value, ParameterError)  # deltaprop's hierarchy: a ValueError
    if error is InvalidParameterError:
        assert isinstance(info.value, (SklearnInvalid, TypeError))


def test_n_iter_no_change_may_be_infinite(blobs):
    X, y = blobs
    est = quiet(MLPClassifier((4,), max_iter=5, tol=1e9, n_iter_no_change=np.inf).fit, X, y)
    assert est.n_iter_ == 5 and est._no_improvement_count == 4


def test_partial_fit_needs_classes_first_and_equals_fit(blobs):
    X, y = blobs
    with pytest.raises(DataError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, y)
    common = dict(hidden_layer_sizes=(6,), shuffle=False, random_state=0, tol=0.0)
    streamed = MLPClassifier(**common)
    for _ in range(5):
        streamed.partial_fit(X, y, classes=[0, 1, 2])
    whole = quiet(MLPClassifier(max_iter=5, **common).fit, X, y)
    # n_iter_ counts the epochs of the last call, as scikit-learn; t_ and the curve go on
    assert streamed.n_iter_ == 1 and whole.n_iter_ == 5 and streamed.t_ == 5 * len(X)
    np.testing.assert_allclose(streamed.loss_curve_, whole.loss_curve_, rtol=1e-6)
    with pytest.raises(DataError, match="classes not in"):
        streamed.partial_fit(X, np.full(len(X), 9))


def test_early_stopping_restores_the_best_epoch(blobs):
    X, y = blobs
    est = quiet(
        MLPClassifier(
            (16,),
            learning_rate_init=0.05,
            early_stopping=True,
            n_iter_no_change=3,
            validation_fraction=0.3,
            max_iter=300,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert est.best_loss_ is None and len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.n_iter_ < 300  # it stopped early
    assert est.validation_scores_.index(est.best_validation_score_) + 1 == est.best_iter_
    # the weights are those of the best epoch: rescoring its validation set gives its score
    from sklearn.model_selection import train_test_split

    # as scikit-learn, a multi-class split is not stratified (the one-hot targets are 2-D)
    _, Xv, _, yv = train_test_split(X, y, test_size=0.3, random_state=est._split_seed)
    assert est.score(Xv, yv) == est.best_validation_score_


def test_partial_fit_works_with_early_stopping(blobs):
    X, y = blobs
    params = dict(learning_rate_init=0.05, early_stopping=True, n_iter_no_change=2, random_state=0)
    with pytest.raises(ParameterError, match="partial_fit does not support early_stopping"):
        MLPClassifier((16,), **params).partial_fit(X, y, classes=[0, 1, 2])  # scikit-learn's rule
    est = MLPClassifier((16,), partial_fit_early_stopping=True, **params)  # deltaprop's extension
    calls = 0
    while not getattr(est, "_stopped", False) and calls < 200:
        est.partial_fit(X, y, classes=[0, 1, 2])
        calls += 1
    assert calls < 200 and len(est.validation_scores_) == len(est.loss_curve_) == calls
    best = [c.copy() for c in est.coefs_]
    with pytest.warns(ConvergenceWarning, match="early stopping ended training"):
        est.partial_fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(best, est.coefs_))


def test_early_stopping_split_of_a_small_first_chunk(blobs):
    X, y = blobs
    # one positive among 20 rows cannot be stratified: partial_fit splits unstratified, fit
    # refuses with scikit-learn's message
    labels = np.r_[np.ones(1, int), np.zeros(19, int)]
    est = MLPClassifier((4,), early_stopping=True, partial_fit_early_stopping=True, random_state=0)
    est.partial_fit(X[:20], labels, classes=[0, 1])
    assert len(est.validation_scores_) == 1
    with pytest.raises(DataError, match="The least populated classes in y have only 1 member"):
        clone(est).fit(X[:20], labels)
    with pytest.raises(DataError, match="The validation set is too small"):
        MLPRegressor(early_stopping=True).fit(X[:8], y[:8])  # one validation row


def test_class_weight_changes_the_decision():
    # 40 negatives around 0 and 4 positives around 1, overlapping: unweighted, all negative
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0.0, 0.6, (40, 1)), rng.normal(1.0, 0.6, (4, 1))]
    y = np.r_[np.zeros(40, int), np.ones(4, int)]
    common = dict(hidden_layer_sizes=(4,), max_iter=300, learning_rate_init=0.05, random_state=0)
    plain = quiet(MLPClassifier(**common).fit, X, y)
    balanced = quiet(MLPClassifier(class_weight="balanced", **common).fit, X, y)
    heavy = quiet(MLPClassifier(class_weight={0: 1.0, 1: 10.0}, **common).fit, X, y)
    probe = np.array([[0.8]])
    assert plain.predict(probe)[0] == 0
    assert balanced.predict(probe)[0] == 1 and heavy.predict(probe)[0] == 1
    assert balanced.predict_proba(probe)[0, 1] > plain.predict_proba(probe)[0, 1]


def test_outputs_multilabel_strings_and_dtypes(blobs):
    X, y = blobs
    labels = np.array(["ant", "bee", "cat"])[y]
    clf = quiet(MLPClassifier((8,), random_state=0).fit, X, labels)
    assert clf.classes_.tolist() == ["ant", "bee", "cat"] and clf.out_activation_ == "softmax"
    assert set(clf.predict(X)) <= set(clf.classes_.tolist())
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X), rtol=1e-6)
    assert clf.coefs_[0].dtype == np.float64 and clf.n_layers_ == 3 and clf.n_outputs_ == 3
    fast = quiet(MLPClassifier((8,), random_state=0, dtype=np.float32).fit, X, labels)
    assert fast.coefs_[0].dtype == np.float32 and fast.predict_proba(X).dtype == np.float64
    single = quiet(MLPClassifier((8,), random_state=0).fit, X.astype(np.float32), labels)
    assert single.coefs_[0].dtype == single.intercepts_[1].dtype == np.float32
    assert clf.coefs_[0].shape == (5, 8) and clf.intercepts_[1].shape == (3,)
    multi = quiet(MLPClassifier((8,), random_state=0).fit, X, np.c_[y == 0, y != 2])
    assert multi.out_activation_ == "logistic" and multi.predict(X).shape == (len(X), 2)
    binary = quiet(MLPClassifier((8,), random_state=0).fit, X, y == 1)
    assert binary.n_outputs_ == 1 and binary.predict_proba(X).shape == (len(X), 2)
    reg = quiet(MLPRegressor(hidden_layer_sizes=(8,), random_state=0).fit, X, np.c_[y, 2 * y])
    assert reg.out_activation_ == "identity" and reg.predict(X).shape == (len(X), 2)


def test_warm_start_continues(blobs):
    X, y = blobs
    est = MLPClassifier((8,), max_iter=3, tol=0.0, warm_start=True, random_state=0)
    quiet(est.fit, X, y)
    first = est.loss_curve_[:]
    quiet(est.fit, X, y)
    # the curve goes on; n_iter_ counts this call's epochs, as scikit-learn
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 6 and est.loss_curve_[:3] == first
    cold = quiet(clone(est).set_params(warm_start=False).fit, X, y)
    assert cold.n_iter_ == 3


def test_pickle_clone_pipeline_and_grid_search(blobs):
    X, y = blobs
    est = MLPClassifier((8,), solver="sgd", random_state=0)
    est.partial_fit(X, y, classes=[0, 1, 2])
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))
    est.partial_fit(X, y)
    copy.partial_fit(X, y)  # the optimizer state (momentum) travels with the pickle
    np.testing.assert_allclose(copy.coefs_[0], est.coefs_[0], rtol=1e-6)
    assert not hasattr(clone(est), "coefs_")
    net = MLPClassifier((8,), max_iter=50, learning_rate_init=0.05, random_state=0)
    pipe = make_pipeline(StandardScaler(), net)
    grid = quiet(GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-1]}, cv=2).fit, X, y)
    assert grid.best_params_["mlpclassifier__alpha"] in (1e-4, 1e-1)
    assert grid.score(X, y) > 0.8


def test_core_does_not_import_sklearn_and_the_error_names_the_extra():
    code = "import sys, deltaprop; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    code = "import sys; sys.modules['sklearn'] = None; import deltaprop.sklearn"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert 'pip install "deltaprop[sklearn]"' in result.stderr


# -- accuracy parity with scikit-learn's MLP (issue 4, item 9) -----------------------------------
from sklearn import datasets  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402


def standardised_split(X, y):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(Xtr)
    return scaler.transform(Xtr), scaler.transform(Xte), ytr, yte


def mean_test_score(cls, data, seeds=range(5), **params):
    Xtr, Xte, ytr, yte = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.mean([cls(random_state=s, **params).fit(Xtr, ytr).score(Xte, yte) for s in seeds])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["digits", "breast_cancer", "wine"])
def test_classifier_accuracy_within_one_point_of_sklearn(name):
    data = standardised_split(*getattr(datasets, f"load_{name}")(return_X_y=True))
    ours = mean_test_score(MLPClassifier, data)
    theirs = mean_test_score(sknn.MLPClassifier, data)
    assert abs(ours - theirs) <= 0.01, (ours, theirs)


@pytest.mark.slow
def test_regressor_r2_within_two_hundredths_of_sklearn():
    Xtr, Xte, ytr, yte = standardised_split(*datasets.load_diabetes(return_X_y=True))
    mean, std = ytr.mean(), ytr.std()  # scikit-learn's MLP, too, wants a standardised target
    data = (Xtr, Xte, (ytr - mean) / std, (yte - mean) / std)
    params = dict(hidden_layer_sizes=(20,), alpha=1.0, max_iter=300)
    ours = mean_test_score(MLPRegressor, data, **params)
    theirs = mean_test_score(sknn.MLPRegressor, data, **params)
    assert ours > 0.2 and abs(ours - theirs) <= 0.02, (ours, theirs)


# -- L-BFGS, Poisson, live weights, warnings ------------------------------------------------------
@pytest.mark.parametrize("kind", ["multiclass", "regression", "poisson", "multilabel"])
def test_lbfgs_equals_sklearn_iteration_for_iteration(blobs, kind):
    X, y = blobs
    rng = np.random.default_rng(0)
    ours_cls, theirs_cls, extra = MLPRegressor, sknn.MLPRegressor, {}
    if kind == "multiclass":
        ours_cls, theirs_cls = MLPClassifier, sknn.MLPClassifier
    elif kind == "multilabel":
        ours_cls, theirs_cls, y = MLPClassifier, sknn.MLPClassifier, np.c_[y == 0, y != 1]
    elif kind == "regression":
        y = X[:, 0] * 2 + X[:, 1] ** 2
    else:
        y, extra = rng.poisson(np.exp(0.5 * X[:, 0])), dict(loss="poisson")
    common = dict(
        hidden_layer_sizes=(7,), activation="tanh", solver="lbfgs", max_iter=30, alpha=0.01
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = ours_cls(random_state=3, **common, **extra).fit(X, y)
        theirs = theirs_cls(random_state=3, **common, **extra).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ and ours.out_activation_ == theirs.out_activation_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    predict = "predict" if ours_cls is MLPRegressor else "predict_proba"
    np.testing.assert_allclose(
        getattr(ours, predict)(X), getattr(theirs, predict)(X), rtol=1e-8, atol=1e-12
    )
    assert not hasattr(ours, "partial_fit")  # scikit-learn: stochastic solvers only


def test_lbfgs_warns_sklearns_convergence_warning(blobs):
    from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning

    X, y = blobs
    est = MLPClassifier((5,), solver="lbfgs", max_iter=2, random_state=0)
    with pytest.warns(SklearnConvergenceWarning, match="lbfgs failed to converge") as caught:
        est.fit(X, y)
    assert est.n_iter_ == 2
    assert issubclass(caught[0].category, ConvergenceWarning)  # deltaprop's class too
    with warnings.catch_warnings():  # a filter on scikit-learn's class silences it
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=SklearnConvergenceWarning)
        est.fit(X, y)
        MLPClassifier((5,), max_iter=2, random_state=0).fit(X, y)  # Adam's warning too


def test_coefs_and_intercepts_are_the_live_parameters(blobs):
    X, y = blobs
    est = quiet(MLPClassifier((6,), max_iter=5, random_state=0).fit, X, y)
    before = est.predict_proba(X)
    est.coefs_[1] = np.zeros_like(est.coefs_[1])  # assignment
    est.intercepts_[1][:] = [0.0, 5.0, 0.0]  # in-place edit
    after = est.predict_proba(X)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, np.tile(np.exp([0, 5, 0]) / np.exp([0, 5, 0]).sum(), (90, 1)))
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.predict_proba(X), after)  # the same before and after
    assert est.coefs_[1] is est._net.layers[1].weight.data  # the network's array again
    quiet(est.partial_fit, X, y)  # training starts from the assigned weights, updates them
    assert not np.array_equal(est.coefs_[1], 0.0)


def test_partial_fit_on_multilabel_targets(blobs):
    X, y = blobs
    Y = np.c_[y == 0, y == 1, y != 1].astype(int)
    est = MLPClassifier((16,), solver="sgd", learning_rate_init=0.2, random_state=0)
    for _ in range(30):
        est.partial_fit(X, Y, classes=[0, 1, 2])
    assert est.out_activation_ == "logistic" and est.predict(X).shape == Y.shape
    assert est.score(X, Y) > 0.5


def test_diverging_sgd_finishes_with_nan_scores_or_refuses_non_finite_weights():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 8, (150, 4))
    y = X @ [1.0, -1.0, 2.0, 0.5]
    params = dict(
        solver="sgd", activation="identity", learning_rate_init=1.0, max_iter=20, random_state=0
    )
    est = quiet(MLPRegressor(early_stopping=True, **params).fit, X, y)
    assert np.isnan(est.validation_scores_[-1])  # and the best (finite) weights restored
    assert all(np.isfinite(c).all() for c in est.coefs_)
    with pytest.raises(DataError, match="Solver produced non-finite parameter weights"):
        quiet(MLPRegressor(**params).fit, X, y)


def test_poisson_regressor_predicts_means_and_refuses_negative_counts():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (200, 1))
    y = rng.poisson(np.exp(1 + X[:, 0]))
    est = MLPRegressor("poisson", (4,), solver="lbfgs", random_state=0).fit(X, y)
    assert est.out_activation_ == "exp" and np.all(est.predict(X) > 0)
    assert abs(est.predict(X).mean() - y.mean()) < 0.05 * y.mean()
    with pytest.raises(DataError, match="negative"):
        MLPRegressor("poisson").fit(X, -y)
    pytest.importorskip("onnx")
    with pytest.raises(ParameterError, match="loss='poisson' is not supported"):
        est.export("never-written.onnx")


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_sparse_input_trains_and_predicts_as_dense(blobs, solver):
    import scipy.sparse as sp

    X, y = blobs
    X = np.where(np.abs(X) < 0.8, 0.0, X)  # about half the entries zero
    params = dict(hidden_layer_sizes=(6, 5), alpha=0.1, max_iter=20, random_state=0, solver=solver)
    dense = quiet(MLPClassifier(**params).fit, X, y)
    for to_sparse in (sp.csr_matrix, sp.csc_array):
        sparse = quiet(MLPClassifier(**params).fit, to_sparse(X), y)
        for a, b in zip(dense.coefs_ + dense.intercepts_, sparse.coefs_ + sparse.intercepts_):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(
            sparse.predict_proba(to_sparse(X)), dense.predict_proba(X), rtol=1e-9, atol=1e-12
        )
    assert MLPClassifier().__sklearn_tags__().input_tags.sparse
