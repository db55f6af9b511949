"""Batches: every row once per epoch, seeded order, conversion while gathering."""

import numpy as np

from deltaprop.training.batching import Batches


def test_every_row_once_per_epoch_with_partial_last_batch():
    X = np.arange(10, dtype=np.float64).reshape(10, 1)
    y = np.arange(10)
    batches = Batches((X, y), 4, True, np.random.default_rng(0), dtypes=(np.float32, None))
    assert len(batches) == 3
    seen = []
    sizes = []
    for _, (xb, yb) in batches.epoch():
        assert xb.dtype == np.float32
        np.testing.assert_array_equal(xb[:, 0], yb)  # rows stay paired
        seen.extend(yb.tolist())
        sizes.append(len(yb))
    assert sorted(seen) == list(range(10)) and sizes == [4, 4, 2]


def test_order_is_seeded_and_changes_between_epochs():
    X = np.arange(20.0).reshape(20, 1)

    def orders(seed):
        b = Batches((X,), 20, True, np.random.default_rng(seed))
        return [next(b.epoch())[1][0][:, 0].tolist() for _ in range(2)]

    first, second = orders(1)
    assert orders(1) == [first, second] and first != second


def test_in_order_batches_are_views_when_no_conversion_is_needed():
    X = np.arange(12.0).reshape(6, 2)
    (_, (xb,)), *_ = list(Batches((X,), 4, False, np.random.default_rng(0)).epoch())
    assert np.shares_memory(xb, X) and xb.shape == (4, 2)
