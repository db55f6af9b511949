"""Fit time of deltaprop.sklearn against scikit-learn on scikit-learn's own terms.

Float64 input and default parameters (one hidden layer of 100 ReLU units, Adam, batches of
200, up to ``max_iter`` epochs with the default stopping rule), the same ``random_state``, on
the bundled digits (1,797 x 64, scaled to [0, 1]) and on a 50,000-row tabular set (20
features, 3 classes, ``sklearn.datasets.make_classification``). For each data set the two
estimators are fitted in turn, ``--repeat`` times interleaved, in this one process; the table
gives the median fit time, the training accuracy, the epochs run and the ratio deltaprop /
scikit-learn (below 1: deltaprop is faster). ``--dtype float32`` times deltaprop's documented
faster option as a third row.

    python benchmarks/sklearn_fit.py                     # max_iter=200, as scikit-learn
    python benchmarks/sklearn_fit.py --max-iter 30       # quicker; ConvergenceWarnings hidden
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np


def data_sets(rows: int):
    from sklearn.datasets import make_classification

    import deltaprop as dp

    X, y = dp.datasets.load_digits()
    yield "digits", np.asarray(X, dtype=np.float64) / 16.0, y
    X, y = make_classification(
        n_samples=rows, n_features=20, n_informative=12, n_classes=3, random_state=0
    )
    yield f"tabular {rows:,} x 20", X.astype(np.float64), y


def fit_once(make, X, y) -> tuple[float, float, int]:
    est = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning when max_iter is cut short
        start = time.perf_counter()
        est.fit(X, y)
        seconds = time.perf_counter() - start
    return seconds, float(est.score(X, y)), int(est.n_iter_)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--dtype", choices=["float32"], default=None)
    args = parser.parse_args(argv)

    from sklearn.neural_network import MLPClassifier as SkMLP

    from deltaprop.sklearn import MLPClassifier as DpMLP

    contenders = {
        "scikit-learn": lambda: SkMLP(random_state=0, max_iter=args.max_iter),
        "deltaprop": lambda: DpMLP(random_state=0, max_iter=args.max_iter),
    }
    if args.dtype:
        contenders[f"deltaprop {args.dtype}"] = lambda: DpMLP(
            random_state=0, max_iter=args.max_iter, dtype=args.dtype
        )
    print(f"default parameters, float64 input, max_iter={args.max_iter}, repeat={args.repeat}")
    print(f"{'data':<22} {'estimator':<18} {'fit s':>8} {'accuracy':>9} {'epochs':>7} {'ratio':>7}")
    for name, X, y in data_sets(args.rows):
        times = {k: [] for k in contenders}
        last = {}
        for _ in range(args.repeat):
            for label, make in contenders.items():
                seconds, accuracy, epochs = fit_once(make, X, y)
                times[label].append(seconds)
                last[label] = (accuracy, epochs)
        base = statistics.median(times["scikit-learn"])
        for label in contenders:
            t = statistics.median(times[label])
            accuracy, epochs = last[label]
            print(f"{name:<22} {label:<18} {t:8.2f} {accuracy:9.4f} {epochs:7d} {t / base:6.2f}x")


if __name__ == "__main__":
    main()
