"""Two MPI processes train to the weights of one process on the same global batches."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.comm import SingleProcess

pytestmark = pytest.mark.slow


def _load(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def _assert_close(got, want, atol):
    assert sorted(got) == sorted(want)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=atol, err_msg=name)


@pytest.mark.parametrize(
    "scenario",
    [
        "sgd",  # momentum; batches of 9 split 4/5, the last (7 rows) 3/4
        "adam",  # the last batch has 1 row: process 0 contributes nothing to it
        "weighted",  # sample_weight, class_weight, alpha and validation_split
        "summed",  # a summed loss with alpha: the penalty still counts once
    ],
)
def test_two_processes_equal_one(run_workers, worker, tmp_path, scenario):
    done = run_workers(scenario)
    assert done.returncode == 0, done.stderr[-3000:]
    rank0 = _load(tmp_path / "weights-0.npz")
    rank1 = _load(tmp_path / "weights-1.npz")
    for name in rank0:  # the same optimizer step everywhere: the replicas never drift
        np.testing.assert_array_equal(rank0[name], rank1[name], err_msg=name)
    reference = worker.weights(worker.train(scenario))
    _assert_close(rank0, reference, atol=1e-5)
    start = worker.weights(worker.network(scenario))
    assert any(not np.allclose(reference[k], start[k]) for k in start)  # it did train


def test_an_estimator_with_distributed_mpi_equals_one_process(run_workers, worker, tmp_path):
    done = run_workers("sklearn")
    assert done.returncode == 0, done.stderr[-3000:]
    reference = worker.estimator_weights(worker.estimator("sklearn"))
    _assert_close(_load(tmp_path / "weights-0.npz"), reference, atol=1e-5)


def test_an_unseeded_estimator_agrees_across_processes_and_prints_once(run_workers, tmp_path):
    done = run_workers("sklearn-unseeded")
    assert done.returncode == 0, done.stderr[-3000:]
    rank0 = _load(tmp_path / "weights-0.npz")
    rank1 = _load(tmp_path / "weights-1.npz")
    for name in rank0:
        np.testing.assert_array_equal(rank0[name], rank1[name], err_msg=name)
    assert done.stdout.count("Iteration 1,") == 1


def test_the_estimators_keep_distributed_as_a_parameter():
    from sklearn.base import clone

    from deltaprop.sklearn import MLPClassifier, MLPRegressor

    for cls in (MLPClassifier, MLPRegressor):
        est = cls(distributed="mpi")
        assert est.get_params()["distributed"] == "mpi"
        assert clone(est).distributed == "mpi"
        with pytest.raises(dp.errors.ParameterError, match="distributed must be"):
            cls(distributed="gloo", max_iter=1).fit(np.zeros((4, 2)), [0, 1, 0, 1])


class _CountingSingle(SingleProcess):
    """A size-1 communicator of the user's own: fit must take the one-process path."""

    calls = 0

    def allreduce_(self, buffer):
        type(self).calls += 1
        return buffer


def test_a_communicator_of_size_one_is_bit_identical_to_none(worker):
    plain = worker.weights(worker.train("weighted"))
    custom = worker.weights(worker.train("weighted", distributed=_CountingSingle()))
    for name in plain:
        np.testing.assert_array_equal(custom[name], plain[name], err_msg=name)
    assert _CountingSingle.calls == 0


def test_a_bad_distributed_value_is_refused_at_fit():
    net = dp.Sequential([dp.Dense(1)], seed=0)
    with pytest.raises(dp.errors.ParameterError, match='distributed must be None, "mpi"'):
        net.fit(np.zeros((4, 2)), np.zeros(4), distributed="gloo")
