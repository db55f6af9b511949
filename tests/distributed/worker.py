"""Training scenarios run by tests/distributed under ``mpiexec -n 2`` (and in one process).

``python -m mpi4py worker.py SCENARIO OUTDIR [mpi]`` trains and writes this process's final
weights to ``OUTDIR/weights-<rank>.npz``; the tests compare them with the same scenario run
in the test process with ``distributed=None``.
"""

import os
import sys
import time
import warnings

import numpy as np

import deltaprop as dp
from deltaprop.io.checkpoint import ModelCheckpoint

# 61 rows in batches of 9: every batch splits 4/5 between two processes, the last one (7 rows)
# 3/4. 55 rows leave a last batch of 1 row, so process 0 has nothing in it.
ROWS = {"sgd": 61, "adam": 55, "weighted": 61, "summed": 61, "resume": 61}


def data(n):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 3] > 0.5)
    return X, y


def network(scenario="sgd"):
    """The network of ``scenario``, built with its initial weights."""
    head = dp.Dense(1) if scenario == "summed" else dp.Dense(3, "softmax")
    net = dp.Sequential([dp.Dense(7, "tanh"), head], seed=11)
    net.build(5)
    return net


def train(scenario, distributed=None, callbacks=(), epochs=4, **options):
    X, y = data(ROWS[scenario])
    net = network(scenario)
    kwargs = {"loss": "cross_entropy", "epochs": epochs, "batch_size": 9, "seed": 5}
    if scenario in ("sgd", "resume"):
        kwargs["optimizer"] = dp.SGD(net.parameters(), lr=0.05, momentum=0.9)
    else:
        kwargs["optimizer"] = dp.Adam(net.parameters(), lr=0.01)
    if scenario == "weighted":
        kwargs["sample_weight"] = np.linspace(0.2, 2.0, len(X))
        kwargs["alpha"] = 0.01
        kwargs["class_weight"] = "balanced"
        kwargs["validation_split"] = 0.2
    if scenario == "summed":
        y = (X[:, :1] - 0.5 * X[:, 1:2]).astype(np.float32)
        kwargs["optimizer"] = dp.SGD(net.parameters(), lr=0.002, momentum=0.5)
        kwargs["loss"] = dp.losses.SquaredError(reduction="sum")
        kwargs["alpha"] = 0.05
    net.fit(X, y, distributed=distributed, callbacks=list(callbacks), **options, **kwargs)
    return net


def estimator(scenario, distributed=None):
    """A scikit-learn style classifier fitted on the data of "sgd" (61 rows, batches of 9)."""
    from deltaprop.sklearn import MLPClassifier

    X, y = data(ROWS["sgd"])
    clf = MLPClassifier(
        (7,), activation="tanh", solver="sgd", learning_rate_init=0.05, batch_size=9,
        max_iter=6, early_stopping=True, validation_fraction=0.2, alpha=1e-3,
        random_state=None if scenario == "sklearn-unseeded" else 4,
        verbose=scenario == "sklearn-unseeded", distributed=distributed,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dp.errors.ConvergenceWarning)
        return clf.fit(X, y)


def estimator_weights(clf):
    return {f"coefs_{i}": c for i, c in enumerate(clf.coefs_)} | {
        f"intercepts_{i}": b for i, b in enumerate(clf.intercepts_)
    }


def weights(net):
    return {name: np.array(p.data) for name, p in net.named_parameters()}


class Fail(dp.training.Callback):
    """Raise in process ``rank`` at the end of epoch 2."""

    def __init__(self, rank):
        self.rank = rank

    def on_epoch_end(self, run, epoch, logs):
        if run.rank == self.rank and epoch == 2:
            raise RuntimeError(f"deliberate failure in process {run.rank}")


class Slow(dp.training.Callback):
    """Write this process's pid after epoch 1, then take a while per epoch (to be killed)."""

    def __init__(self, folder):
        self.folder = folder

    def on_epoch_end(self, run, epoch, logs):
        if epoch == 1:
            path = os.path.join(self.folder, f"pid-{run.rank}")
            with open(path + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.replace(path + ".tmp", path)
        time.sleep(0.5)


def main(scenario, out, mode):
    distributed = "mpi" if mode == "mpi" else None
    callbacks = []
    if scenario == "raise":
        callbacks, scenario = [Fail(rank=1)], "sgd"
    elif scenario == "files":
        # each process runs in its own working directory (mpiexec -wdir): relative paths
        # show which process wrote what
        callbacks = [dp.training.CSVLogger("log.csv"), ModelCheckpoint("run.ckpt", monitor="loss")]
        scenario = "sgd"
    ckpt = os.path.join(out, "resume.ckpt")
    if scenario == "killed":  # checkpoints every epoch until a test kills a process
        callbacks = [ModelCheckpoint(ckpt, monitor="loss"), Slow(out)]
        net = train("resume", distributed, callbacks, epochs=100)
    elif scenario.startswith("resume-"):
        # resume-first: 2 epochs with a checkpoint; resume-rest: from it up to 4 epochs
        if scenario == "resume-first":
            net = train("resume", distributed, epochs=2, checkpoint=ckpt)
        else:
            net = train("resume", distributed, epochs=4, resume=ckpt)
    elif scenario.startswith("sklearn"):
        result = estimator_weights(estimator(scenario, distributed))
    else:
        net = train(scenario, distributed, callbacks)
    if not scenario.startswith("sklearn"):
        result = weights(net)
    name = "single" if distributed is None else str(_rank())
    np.savez(os.path.join(out, f"weights-{name}.npz"), **result)


def _rank():
    from mpi4py import MPI

    return MPI.COMM_WORLD.Get_rank()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "single")
