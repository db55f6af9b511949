"""Training from a batch source (an iterable of (X_batch, y_batch) pairs) and from memory maps."""

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.errors import DataError, ParameterError, ShapeError
from deltaprop.training import BatchSource


def _data(rng, n=64):
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return X, y


def _net():
    return dp.Sequential([dp.Dense(4, "tanh"), dp.Dense(2, "softmax")], seed=0)


def test_a_source_gives_the_same_training_as_arrays_in_order(rng):
    """Batches in order from a source == fit on the arrays without shuffling, weight for weight."""
    X, y = _data(rng)
    a, b = _net(), _net()
    a.fit(
        X,
        y,
        loss="cross_entropy",
        optimizer=dp.SGD(a.parameters(), lr=0.3),
        epochs=3,
        batch_size=16,
        shuffle=False,
    )
    source = [(X[i : i + 16], y[i : i + 16]) for i in range(0, len(X), 16)]
    history = b.fit(
        source, loss="cross_entropy", optimizer=dp.SGD(b.parameters(), lr=0.3), epochs=3
    )
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert len(history.loss) == 3


def test_the_epoch_loss_is_the_mean_over_the_rows_streamed(rng):
    X, y = _data(rng, 50)
    sizes = [7, 20, 23]  # uneven batches: the mean must weight them by rows
    starts = np.cumsum([0] + sizes)
    pairs = [(X[s:e], y[s:e]) for s, e in zip(starts[:-1], starts[1:])]
    net = _net()
    history = net.fit(
        pairs, loss="cross_entropy", optimizer=dp.SGD(net.parameters(), lr=0.1), record_batches=True
    )
    expected = np.dot(history.batch_loss, sizes) / 50
    assert history.loss[0] == pytest.approx(expected, rel=1e-6)


def test_batch_source_restarts_every_epoch_and_learns(rng):
    X, y = _data(rng, 256)
    calls = []

    def batches():
        calls.append(1)
        order = rng.permutation(len(X))
        for i in range(0, len(X), 32):
            idx = order[i : i + 32]
            yield X[idx].astype(np.float64), y[idx]  # converted to the network's float32

    net = _net()
    history = net.fit(
        BatchSource(batches),
        loss="cross_entropy",
        optimizer=dp.SGD(net.parameters(), lr=0.5),
        epochs=15,
    )
    assert len(calls) == 15
    assert history.loss[-1] < history.loss[0]
    assert net.evaluate(X, y)["accuracy"] > 0.9
    assert all(p.data.dtype == np.float32 for p in net.parameters())


def test_a_generator_trains_one_epoch_and_refuses_more(rng):
    X, y = _data(rng)
    gen = ((X[i : i + 8], y[i : i + 8]) for i in range(0, len(X), 8))
    net = _net()
    with pytest.raises(ParameterError, match="epochs must be 1 for a one-shot iterator"):
        net.fit(gen, loss="cross_entropy", optimizer=dp.SGD(net.parameters()), epochs=2)
    gen = ((X[i : i + 8], y[i : i + 8]) for i in range(0, len(X), 8))
    history = net.fit(gen, loss="cross_entropy", optimizer=dp.SGD(net.parameters()))
    assert len(history.loss) == 1


@pytest.mark.parametrize(
    "pairs, error, message",
    [
        ([], DataError, "at least one batch"),
        ([np.zeros((2, 3))], DataError, "must be a pair"),
        ([(np.zeros((2, 3)), [0, 1]), (np.zeros((2, 4)), [0, 1])], ShapeError, "batch 2 has 4"),
        ([(np.zeros((2, 3)), [0, 1]), (np.full((2, 3), np.nan), [0, 1])], DataError, "finite"),
        ([(np.zeros((2, 3)), [0, 1, 1])], ShapeError, "same number of samples"),
    ],
)
def test_bad_batches_are_named(pairs, error, message):
    net = _net()
    with pytest.raises(error, match=message):
        net.fit(pairs, loss="cross_entropy", optimizer=dp.SGD(net.parameters()))


def test_rollback_replays_the_epoch_from_a_batch_source(rng):
    """A re-iterable source is read again when a diverged epoch is run again."""
    X = rng.normal(size=(1024, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5], np.float32))[:, None] * 10
    pairs = [(X[i : i + 8], y[i : i + 8]) for i in range(0, len(X), 8)]
    net = dp.Sequential([dp.Dense(8, "tanh"), dp.Dense(1)], seed=0)
    opt = dp.SGD(net.parameters(), lr=4.0)  # far too large: the first epoch diverges
    history = net.fit(pairs, optimizer=opt, epochs=3, on_divergence="rollback", max_rollbacks=8)
    assert history.rollbacks >= 1 and opt.lr == 4.0 / 2**history.rollbacks
    assert len(history) == 3 and all(np.isfinite(history.loss))


def test_array_x_still_needs_y(rng):
    X, _ = _data(rng)
    with pytest.raises(ParameterError, match="y must be given"):
        dp.fit(_net(), X)


@pytest.mark.parametrize(
    "option",
    [{"sample_weight": np.ones(64)}, {"class_weight": "balanced"}, {"validation_split": 0.2}],
)
def test_options_that_need_the_whole_arrays_are_refused_for_a_source(rng, option):
    X, y = _data(rng)
    name = next(iter(option))
    with pytest.raises(ParameterError, match=f"{name} needs array data"):
        _net().fit([(X, y)], loss="cross_entropy", **option)


def test_all_classified_explains_it_needs_arrays(rng):
    X, y = _data(rng)
    net = _net()
    with pytest.raises(ParameterError, match="AllClassified needs the training arrays"):
        net.fit(
            [(X, y)],
            loss="cross_entropy",
            optimizer=dp.SGD(net.parameters()),
            stop=dp.AllClassified(),
        )


def test_batch_source_rejects_a_non_function():
    with pytest.raises(TypeError, match="make_batches must be a function"):
        BatchSource([1, 2])


def test_a_float64_memmap_is_gathered_into_float32_batches(tmp_path, rng):
    X, y = _data(rng)
    np.save(tmp_path / "X.npy", X.astype(np.float64))
    Xm = np.load(tmp_path / "X.npy", mmap_mode="r")
    a, b = _net(), _net()
    for net, data in ((a, X), (b, Xm)):
        net.fit(
            data,
            y,
            loss="cross_entropy",
            optimizer=dp.SGD(net.parameters(), lr=0.3),
            epochs=2,
            batch_size=16,
            seed=3,
        )
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("chunk_values", [1, 7, 30, 10**6])
def test_a_nan_is_found_in_any_chunk_of_a_memmap(tmp_path, chunk_values):
    from deltaprop.training.data import _check_finite

    X = np.zeros((40, 3), np.float32)
    X[33, 2] = np.nan
    np.save(tmp_path / "X.npy", X)
    Xm = np.load(tmp_path / "X.npy", mmap_mode="r")
    with pytest.raises(DataError, match="X must be finite; got nan at row 33, column 2"):
        _check_finite(Xm, "X", chunk_values=chunk_values)


_CAPPED = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    import deltaprop as dp
    path, cap, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    # RLIMIT_DATA caps private writable memory (heap, anonymous maps): a read-only memory
    # map of the file does not count, a copy of it in memory does.
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    X = np.load(path, mmap_mode="r" if mode == "mmap" else None)
    y = (np.asarray(X[:, 0]) > 0).astype(np.int64)
    net = dp.Sequential([dp.Dense(16, "relu"), dp.Dense(2, "softmax")], seed=0)
    h = net.fit(X, y, loss="cross_entropy", optimizer=dp.SGD(net.parameters(), lr=0.05),
                batch_size=256, seed=0)
    print("loss", h.loss[-1])
    """
)


@pytest.mark.slow
def test_one_epoch_from_a_memmap_larger_than_the_memory_cap(tmp_path):
    pytest.importorskip("resource")
    rows, cols = 100_000, 768  # 307 MB of float32
    size = rows * cols * 4
    if shutil.disk_usage(tmp_path).free < 3 * size:
        pytest.skip("not enough free disk for the 300 MB test file")
    path = tmp_path / "X.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, cols))
    rng = np.random.default_rng(0)
    for start in range(0, rows, 10_000):  # written in chunks: this process stays small too
        X[start : start + 10_000] = rng.standard_normal((10_000, cols), dtype=np.float32)
    X.flush()
    del X
    cap = 200 * 2**20  # below the file size
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")

    def run(mode):
        return subprocess.run(
            [sys.executable, "-c", _CAPPED, str(path), str(cap), mode],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    ok = run("mmap")
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert np.isfinite(float(ok.stdout.split()[-1]))
    # the control: the same cap stops a process that loads the file whole
    whole = run("load")
    assert whole.returncode != 0 and "MemoryError" in whole.stderr, whole.stderr[-2000:]
