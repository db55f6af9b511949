"""Answers that were weak (issue 16, class 12): each now names the argument and the value, or
warns, where it used to pass silently or raise a raw exception."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import DataError, ParameterError, ParameterTypeError
from deltaprop.metrics import f1_score, precision, recall

X = np.linspace(-1, 1, 16, dtype=np.float32).reshape(-1, 2)
Y = X[:, :1] * 3


@pytest.mark.parametrize("optimizer", [dp.Adam, dp.optim.RMSprop, dp.optim.AdamW])
def test_adaptive_optimizers_warn_at_an_absurd_learning_rate(optimizer):
    net = dp.Sequential([dp.Dense(1, in_features=2)], seed=0)
    with pytest.warns(UserWarning, match=rf"lr=1e\+06 is very large for {optimizer.__name__}"):
        optimizer(net.parameters(), lr=1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer(net.parameters(), lr=0.01)  # a usual rate: no warning
        dp.SGD(net.parameters(), lr=1e6)  # SGD's step scales with the gradient: no bound


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("shuffle", "no", "shuffle must be True or False; got 'no'"),
        ("shuffle", 0.5, "shuffle must be True or False; got 0.5"),
        ("verbose", "yes", "verbose must be True, False or a level >= 0; got 'yes'"),
        ("verbose", -1, "verbose must be True, False or a level >= 0; got -1"),
    ],
)
def test_fit_flags_must_be_booleans(name, value, message):
    net = dp.Sequential([dp.Dense(1)], seed=0)
    with pytest.raises(ParameterTypeError, match=message):
        net.fit(X, Y, epochs=1, **{name: value})


def test_fit_flags_accept_booleans_and_levels():
    net = dp.Sequential([dp.Dense(1)], seed=0)
    net.fit(X, Y, epochs=1, shuffle=np.bool_(False), verbose=0)


@pytest.mark.parametrize("metric", [f1_score, precision, recall])
def test_metrics_refuse_labels_of_different_kinds(metric):
    with pytest.raises(DataError, match=r"y_true \['a', 'b'\] \(<U1\) and y_pred \[0, 1\]"):
        metric(["a", "b"], [0, 1])
    with pytest.raises(DataError, match=r"pos_label must be one of the labels \['a', 'b'\]"):
        metric(["a", "b"], ["a", "a"])
    assert metric(["a", "b"], ["a", "b"], pos_label="b") == 1.0


@pytest.mark.parametrize("path", [5, None, b"net.dpm", ""])
def test_save_and_load_name_a_bad_path(tmp_path, path):
    net = dp.Sequential([dp.Dense(1, in_features=2)], seed=0)
    with pytest.raises(ParameterTypeError, match=r"path must be a file path \(str or "
                       rf"os.PathLike\); got {path!r}"):
        net.save(path)
    with pytest.raises(ParameterTypeError, match="path must be a file path"):
        dp.load(path)


def test_csv_logger_on_a_directory_is_refused(tmp_path):
    from deltaprop.training.loggers import CSVLogger, JSONLinesLogger

    for logger in (CSVLogger, JSONLinesLogger):
        with pytest.raises(ParameterError, match="path must be a file path, not a directory"):
            logger(tmp_path)
        target = tmp_path / f"{logger.__name__}.log"
        callback = logger(target)
        target.mkdir()  # became a directory between construction and training
        net = dp.Sequential([dp.Dense(1)], seed=0)
        with pytest.raises(ParameterError, match=rf"{logger.__name__} cannot write .*: Is a dir"):
            net.fit(X, Y, epochs=1, callbacks=[callback])
