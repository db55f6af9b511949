"""deltaprop.metrics against scikit-learn's implementations on random data."""

import numpy as np
import pytest

from deltaprop import metrics
from deltaprop.errors import DataError, ParameterError, ShapeError

skm = pytest.importorskip("sklearn.metrics")


@pytest.fixture(params=[2, 4])
def labels(request, rng):
    k = request.param
    return rng.integers(0, k, size=60), rng.integers(0, k, size=60)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted", None])
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (metrics.precision, skm.precision_score),
        (metrics.recall, skm.recall_score),
        (metrics.f1_score, skm.f1_score),
    ],
)
def test_precision_recall_f1_match_scikit_learn(labels, ours, theirs, average):
    t, o = labels
    np.testing.assert_allclose(
        ours(t, o, average=average), theirs(t, o, average=average, zero_division=0)
    )


def test_binary_average_and_a_class_never_predicted(rng):
    t = rng.integers(0, 2, size=30)
    o = np.zeros(30, dtype=int)  # class 1 never predicted: precision 0/0 counts as 0
    for ours, theirs in [
        (metrics.precision, skm.precision_score),
        (metrics.recall, skm.recall_score),
        (metrics.f1_score, skm.f1_score),
    ]:
        assert ours(t, o) == pytest.approx(theirs(t, o, zero_division=0))
        assert ours(t, o, pos_label=0) == pytest.approx(theirs(t, o, pos_label=0, zero_division=0))


def test_string_labels(rng):
    t = rng.choice(["cat", "dog", "eel"], size=40)
    o = rng.choice(["cat", "dog", "eel"], size=40)
    assert metrics.f1_score(t, o, average="weighted") == pytest.approx(
        skm.f1_score(t, o, average="weighted")
    )
    assert metrics.accuracy(t, o) == pytest.approx(skm.accuracy_score(t, o))


def test_log_loss_matches_scikit_learn(rng):
    p = rng.dirichlet(np.ones(3), size=50)
    t = rng.integers(0, 3, size=50)
    assert metrics.log_loss(t, p) == pytest.approx(skm.log_loss(t, p), rel=1e-12)
    q = rng.uniform(0.05, 0.95, size=50)
    b = rng.integers(0, 2, size=50)
    assert metrics.log_loss(b, q) == pytest.approx(skm.log_loss(b, q), rel=1e-12)


def test_regression_metrics_match_scikit_learn(rng):
    t, o = rng.normal(size=(40, 2)), rng.normal(size=(40, 2))
    assert metrics.mean_squared_error(t, o) == pytest.approx(skm.mean_squared_error(t, o))
    assert metrics.mean_absolute_error(t, o) == pytest.approx(skm.mean_absolute_error(t, o))
    assert metrics.r2_score(t, o) == pytest.approx(skm.r2_score(t, o))


def test_bad_input():
    with pytest.raises(ShapeError, match="same number of samples"):
        metrics.f1_score([0, 1], [0])
    with pytest.raises(ParameterError, match="average must be"):
        metrics.recall([0, 1], [0, 1], average="mean")
    with pytest.raises(DataError, match="binary"):
        metrics.precision([0, 1, 2], [0, 1, 2])
    with pytest.raises(ShapeError, match="one column per class"):
        metrics.log_loss([0, 1, 2], np.full((3, 2), 0.5))
