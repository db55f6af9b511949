"""Which onnxruntime releases run deltaprop's ONNX files with deltaprop's answers.

Exports one network of each kind (string-label softmax classifier with Standardize and
Dropout, binary logistic with bool labels, scores turned into probabilities by the head,
multi-label, multi-output regression, a float64 network, and a regressor and a classifier
trained on a table of numbers, text and missing values) at each opset given, then installs
each onnxruntime release into a throwaway virtual environment (with pip, from the package
index) and runs every file there, comparing with deltaprop's predictions: labels exactly,
numbers to 1e-5. Prints a Markdown table (docs/onnx.md keeps the last one).

    python tools/onnxruntime_releases.py 1.20.1 1.23.2 1.32.0 --opsets 17 21

Needs deltaprop[onnx] in the running interpreter; the throwaway environments need only
onnxruntime and NumPy.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import venv
from pathlib import Path

import numpy as np

import deltaprop as dp
from deltaprop.export.onnx import to_onnx

# Run inside each throwaway environment: no deltaprop there, only onnxruntime and NumPy.
RUNNER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import onnxruntime as ort
    folder = sys.argv[1]
    results = {}
    for case in json.load(open(folder + "/manifest.json")):
        expected = np.load(folder + "/" + case["expected"], allow_pickle=False)
        feeds = {}
        for name in case["inputs"]:
            value = expected["in_" + name]
            feeds[name] = value.astype(object) if value.dtype.kind == "U" else value
        try:
            session = ort.InferenceSession(folder + "/" + case["file"],
                                           providers=["CPUExecutionProvider"])
            names = [o.name for o in session.get_outputs()]
            got = dict(zip(names, session.run(names, feeds)))
            for name in case["outputs"]:
                want = expected[name]
                if want.dtype.kind in "fc":
                    ok = np.allclose(got[name], want, rtol=1e-5, atol=1e-5)
                else:
                    ok = np.array_equal(got[name].astype(want.dtype), want)
                if not ok:
                    raise AssertionError(name + " differs from deltaprop's")
            results[case["file"]] = "ok"
        except Exception as exc:
            # the reason is at the end of onnxruntime's first line (after the source location)
            results[case["file"]] = type(exc).__name__ + ": " + str(exc).splitlines()[0][-150:]
    print(json.dumps({"version": ort.__version__, "results": results}))
    """
)


def _networks(rng):
    """(name, trained network, inputs) of each kind the exporter handles."""
    X = rng.normal(scale=2.0, size=(200, 4)).astype(np.float32)
    Dense = dp.Dense
    kinds = [
        ("softmax-text-labels", [dp.nn.Standardize(), Dense(8, "tanh"), dp.Dropout(0.3),
         Dense(3, "softmax")], np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1)],
         "cross_entropy", "float32"),
        ("logistic-bool-labels", [Dense(6, "leaky_relu"), Dense(1, "logistic")], X[:, 0] > 0,
         "binary_cross_entropy", "float32"),
        ("scores-relu", [Dense(6, "relu"), Dense(3)], (X[:, 0] > 0).astype(int) + (X[:, 1] > 0),
         dp.losses.CrossEntropy(from_logits=True), "float32"),
        ("multi-label", [Dense(6, "logistic"), Dense(2, "logistic")],
         (X[:, :2] > 0).astype(np.float32), "binary_cross_entropy", "float32"),
        ("regression-2-outputs", [Dense(6, "tanh"), Dense(2)], X[:, :2] * 3 + 10,
         "squared_error", "float32"),
        ("float64-softmax", [Dense(6, "tanh"), Dense(2, "softmax")],
         (X[:, 0] > 0).astype(int), "cross_entropy", "float64"),
    ]  # fmt: skip
    nets = []
    for seed, (name, layers, y, loss, dtype) in enumerate(kinds):
        net = dp.Sequential(layers, seed=seed, dtype=dtype)
        inputs = X.astype(dtype)
        if isinstance(layers[0], dp.nn.Standardize):
            layers[0].fit(inputs)
        net.fit(inputs, y, loss=loss, epochs=3, seed=0)
        nets.append((name, net, inputs))
    return nets


def _tables(rng):
    """(name, network trained on a table, its raw columns) with numbers, text, numbers given as
    categories and missing values; a regressor (target scaled) and a classifier."""
    n = 200
    size = rng.normal(10.0, 3.0, n)
    size[::7] = np.nan
    kind = np.array(["cat", "dog", "bird"], dtype=object)[rng.integers(0, 3, n)]
    kind[::9] = None
    year = rng.integers(2000, 2004, n).astype(float)
    year[::11] = np.nan
    table = {"size": size, "kind": kind, "year": year}
    price = 300.0 * np.nan_to_num(size, nan=10.0) + 50.0 * (kind == "dog")
    regressor = dp.Sequential([dp.Dense(6, "tanh"), dp.Dense(1)], seed=6)
    prep = dp.tabular.Preprocessor(categorical=["year"], task="regression")
    regressor.fit(table, price, loss="squared_error", epochs=3, seed=0, preprocessor=prep)
    classifier = dp.Sequential([dp.Dense(6, "relu"), dp.Dense(2, "softmax")], seed=7)
    big = np.where(np.nan_to_num(size, nan=0.0) > 10, "big", "small")
    classifier.fit(table, big, loss="cross_entropy", epochs=3, seed=0)
    feeds = {
        "size": size.reshape(-1, 1),
        "kind": np.array(["" if v is None else v for v in kind], dtype="U").reshape(-1, 1),
        "year": year.reshape(-1, 1),
    }
    return [("table-regression", regressor, table, feeds), ("table-text-labels", classifier,
            table, feeds)]  # fmt: skip


def write_cases(folder: Path, opsets) -> list[dict]:
    """The ONNX files, inputs and deltaprop's answers, plus manifest.json; returns it."""
    rng = np.random.default_rng(0)
    cases = [(name, net, X, {"X": X}) for name, net, X in _networks(rng)] + _tables(rng)
    manifest = []
    for name, net, data, feeds in cases:
        classifier = net.loss.kind in ("multiclass", "binary")
        expected = {f"in_{k}": v for k, v in feeds.items()}
        if classifier:
            expected["label"] = np.asarray(net.predict(data))
            expected["probabilities"] = net.predict_proba(data)
        else:
            expected["predictions"] = np.asarray(net.predict(data))
        np.savez(folder / f"{name}.npz", **expected)
        outputs = [k for k in expected if not k.startswith("in_")]
        for opset in opsets:
            file = f"{name}-opset{opset}.onnx"
            (folder / file).write_bytes(to_onnx(net, opset=opset).SerializeToString())
            manifest.append(
                {"file": file, "expected": f"{name}.npz", "inputs": list(feeds), "outputs": outputs}
            )
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def run_release(version: str, folder: Path, work: Path) -> dict:
    """Install onnxruntime==version in a fresh environment and run the cases there."""
    env = work / f"ort-{version}"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    # onnxruntime wheels before 1.19 were built against NumPy 1.x
    numpy = "numpy<2" if tuple(map(int, version.split(".")[:2])) < (1, 19) else "numpy"
    install = [python, "-m", "pip", "install", "-q", f"onnxruntime=={version}", numpy]
    done = subprocess.run(install, capture_output=True, text=True)
    if done.returncode != 0:
        return {"version": version, "install": done.stderr.strip().splitlines()[-1:]}
    runner = work / "runner.py"
    runner.write_text(RUNNER)
    done = subprocess.run([python, runner, folder], capture_output=True, text=True)
    if done.returncode != 0:
        return {"version": version, "install": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout)


def table(results: list[dict], opsets) -> str:
    """A Markdown table: per release and opset, "all N files ok" or what failed."""
    lines = ["| onnxruntime | " + " | ".join(f"opset {o}" for o in opsets) + " |"]
    lines.append("|---" * (len(opsets) + 1) + "|")
    for r in results:
        if "results" not in r:
            lines.append(f"| {r['version']} | not installed: {' '.join(r['install'])} |")
            continue
        cells = []
        for opset in opsets:
            runs = {f: v for f, v in r["results"].items() if f.endswith(f"-opset{opset}.onnx")}
            failed: dict[str, list] = {}
            for file, outcome in runs.items():
                if outcome != "ok":
                    failed.setdefault(outcome, []).append(file.rsplit("-opset", 1)[0])
            if not failed:
                cells.append(f"all {len(runs)} files ok")
                continue
            ok = len(runs) - sum(map(len, failed.values()))
            why = "; ".join(f"{', '.join(files)}: {reason}" for reason, files in failed.items())
            cells.append(f"{ok} of {len(runs)} ok; {why}")
        lines.append(f"| {r['version']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="+", help="onnxruntime releases, e.g. 1.20.1")
    parser.add_argument("--opsets", type=int, nargs="+", default=[17, 21])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder, work = Path(tmp) / "cases", Path(tmp) / "envs"
        folder.mkdir()
        work.mkdir()
        write_cases(folder, args.opsets)
        results = []
        for version in args.versions:
            results.append(run_release(version, folder, work))
            print(f"{version}: {json.dumps(results[-1])}", file=sys.stderr, flush=True)
    print(f"deltaprop {dp.__version__}, onnx files checked on Python {sys.version.split()[0]}:")
    print(table(results, args.opsets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
