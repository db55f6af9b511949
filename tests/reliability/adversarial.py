"""Adversarial run of issue 16's failure classes: builds each hostile input, feeds it to the
loader or command it targets, and counts the outcomes.

    python tests/reliability/adversarial.py [--random N] [--classes 1,2,...] [--json FILE]

Each class runs in a worker process of its own, under an address-space limit of 4 GiB
(``ulimit -v``; not for the classes that start commands, 8 and 9) and a per-case alarm of
60 s (``ADVERSARIAL_ALARM_S``). An outcome is **good** when the input is
loaded or refused with the documented exception (for commands: the documented exit status,
no traceback, and the model file complete), and **bad** otherwise: ``raw:<Exception>`` (an
undocumented exception), ``hang`` (the alarm fired), ``memory`` (the process's peak memory
grew by more than 256 MiB during the case), ``crash`` (the worker died), ``lost`` (a command
ended without its model file). ``--random N`` adds N seeded random mutations to the
structural classes (1, 4, 5, 6). The table printed at the end is what docs/reliability.md
quotes.

Not collected by pytest (its name does not start with ``test_``); the same cases, fewer,
run in the test suite (tests/reliability/test_hostile_files.py, test_fuzz_hostile.py,
tests/training/test_state_checks.py, tests/cli/test_save_safety.py,
tests/reliability/test_weak_answers.py, tests/distributed/test_signals.py).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import importlib.util
import io
import json
import math
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ALARM_S = int(os.environ.get("ADVERSARIAL_ALARM_S", 60))
MEMORY_LIMIT = 4 * 2**30
PEAK_BOUND_MIB = 256


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Hang(Exception):
    pass


_ACTIVE = False  # the alarm interrupts a case only while the case runs


def _alarm(signum, frame):
    if _ACTIVE:
        raise Hang


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the cases: each yields (name, function returning "good" or raising) -------------------------
def _expect(error, function, *args, **kwargs) -> str:
    """Run ``function``; good if it returns or raises ``error``."""
    try:
        function(*args, **kwargs)
    except error:
        return "good"
    return "good"


class Corpus:
    """The valid files the hostile ones are made from."""

    def __init__(self, folder: Path):
        import numpy as np

        import deltaprop as dp

        self.folder = folder
        self.X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float32)
        self.labels = np.array(["no", "yes", "yes", "no"])
        net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2, "softmax")], seed=0)
        net.fit(self.X, self.labels, loss="cross_entropy", epochs=2, seed=0,
                checkpoint=str(folder / "run.ckpt"))  # fmt: skip
        net.save(folder / "net.dpm")
        self.model = folder / "net.dpm"
        self.checkpoint = folder / "run.ckpt"
        with zipfile.ZipFile(self.model) as zf:
            self.members = {i.filename: zf.read(i) for i in zf.infolist()}
        self.csv = folder / "d.csv"
        self.csv.write_text("a,b,y\n" + "".join(f"{i % 3},{(i * 7) % 5},{i % 2}\n"
                                                  for i in range(60)))  # fmt: skip
        self.count = 0

    def path(self, suffix: str) -> Path:
        self.count += 1
        return self.folder / f"case{self.count}{suffix}"


def class_1(c: Corpus, hostile, fuzz, rng, n_random):
    import deltaprop as dp
    from deltaprop.errors import DataError, ModelFileError
    from deltaprop.io.data import read_data

    bomb = __import__("bz2").compress(bytes(2**20), 9)
    for member in ("tensors/extra.npy", "config.npy", "junk.bin"):
        def run(member=member):
            base = {k: v for k, v in c.members.items() if k != member}
            path = c.path(".dpm")
            path.write_bytes(hostile._raw_zip(base, member, bomb, 4 * 2**30, zipfile.ZIP_BZIP2))
            return _expect(ModelFileError, dp.load, path)
        yield f"bzip2 member claiming 4 GiB as {member}", run

    def honest_4gib():
        path = c.path(".npz")
        data, size = hostile._big_npy_member()
        path.write_bytes(hostile._raw_zip({}, "X.npy", data, size, 8))
        return _expect(DataError, read_data, path)
    yield "npz member decompressing to 4 GiB", honest_4gib

    def liar():
        import zlib

        path = c.path(".dpm")
        path.write_bytes(hostile._raw_zip(c.members, "tensors/x.npy",
                                          zlib.compress(b"\0" * 10)[2:-4], 2**30, 8))
        return _expect(ModelFileError, dp.load, path)
    yield "deflate member claiming 1 GiB from 8 bytes", liar

    def many(n, junk):
        members = list(c.members.items())
        members += [(f"junk/{i}.bin" if junk else f"tensors/t{i}.npy", b"") for i in range(n)]
        path = hostile._write_zip(c.path(".dpm"), members, zipfile.ZIP_STORED)
        return _expect(ModelFileError, dp.load, path)
    yield "9,990 extra members", lambda: many(9990, True)
    yield "10,001 tensor members", lambda: many(10_001, False)

    def duplicate():
        import warnings

        members = list(c.members.items())
        extra = next(m for m in members if m[0].startswith("tensors/"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = hostile._write_zip(c.path(".dpm"), [*members, extra])
        return _expect(ModelFileError, dp.load, path)
    yield "a duplicated member", duplicate

    methods = [0, 8, 12, 14, 99]
    for k in range(n_random):
        def run(k=k):
            r = random.Random(k)
            entries = []
            for name, data in c.members.items():
                if r.random() < 0.3:
                    name = r.choice(["config.npy", "tensors/x.npy", "junk", "../e.npy", "", "X"])
                method = r.choice(methods)
                size = r.choice([None, 0, 2**31, 2**32 - 1, r.randrange(2**32)])
                if method in (0, 8):
                    entries.append(fuzz._entry(name, data, method, size))
                else:
                    entries.append((name, data[:64], size or len(data), method, 0))
            for _ in range(r.randrange(3)):
                entries.insert(r.randrange(len(entries) + 1), r.choice(entries))
            blob = fuzz._raw_zip(entries)
            for suffix, load, error in ((".dpm", dp.load, ModelFileError),
                                        (".npz", read_data, DataError)):  # fmt: skip
                path = c.path(suffix)
                path.write_bytes(blob)
                _expect(error, load, path)
            return "good"
        yield f"random ZIP structure #{k}", run


def class_2(c: Corpus, hostile, fuzz, rng, n_random):
    import deltaprop as dp
    from deltaprop.errors import ModelFileError

    def config(change, keep_tensors=True):
        def run():
            members = dict(c.members) if keep_tensors else {"config.npy": c.members["config.npy"]}
            source = c.path(".dpm")
            hostile._write_zip(source, members.items())
            path = hostile._with_config(source, c.path(".dpm"), change)
            return _expect(ModelFileError, dp.load, path)
        return run

    big = {"units": 30000, "in_features": 30000}
    yield "one 30000x30000 Dense layer", config(
        lambda cf: cf["architecture"].__setitem__(
            "layers", [{**cf["architecture"]["layers"][0], **big}]))
    yield "the same, no tensors at all", config(
        lambda cf: cf["architecture"].__setitem__(
            "layers", [{**cf["architecture"]["layers"][0], **big}]), keep_tensors=False)
    yield "a 30000-unit first layer", config(
        lambda cf: cf["architecture"]["layers"][0].__setitem__("units", 30000))
    yield "10^9 units", config(
        lambda cf: cf["architecture"]["layers"][1].__setitem__("units", 10**9))


def class_3(c: Corpus, hostile, fuzz, rng, n_random):
    import deltaprop as dp
    from deltaprop.errors import ModelFileError, SpecError
    from deltaprop.explanation.spec import load_spec
    from deltaprop.io.checkpoint import read_checkpoint

    deep = "[" * 100_000 + "]" * 100_000
    huge = "1" * 5000
    for label, text in (("nested 100,000 deep", deep), ("an integer of 5,000 digits",
                                                         '{"format": ' + huge + "}")):
        for load in (dp.load, read_checkpoint):
            def run(text=text, load=load):
                members = dict(c.members)
                members["config.npy"] = hostile._npy(__import__("numpy").frombuffer(
                    text.encode(), dtype="uint8"))
                path = hostile._write_zip(c.path(".dpm"), members.items())
                return _expect(ModelFileError, load, path)
            yield f"model config {label} ({load.__name__})", run
    specs = [(".json", deep), (".json", '{"lr": ' + huge + "}"),
             (".toml", "a = " + "[" * 100_000 + "]" * 100_000), (".toml", "lr = " + huge)]
    for suffix, text in specs:
        def run(suffix=suffix, text=text):
            path = c.path(suffix)
            path.write_text(text)
            return _expect(SpecError, load_spec, path)
        yield f"spec {suffix} {text[:12]}...", run

    def cli():
        from deltaprop.cli import main

        path = c.path(".json")
        path.write_text(deep)
        for command in ("explain", "gradcheck"):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main([command, str(path)])
            if code != 2 or "Traceback" in err.getvalue():
                return f"raw:exit {code}"
        return "good"
    yield "explain/gradcheck of a deep spec (exit 2, one line)", cli


def class_4(c: Corpus, hostile, fuzz, rng, n_random):
    import deltaprop as dp
    from deltaprop.errors import DataError, ModelFileError
    from deltaprop.io.data import read_data

    shapes = [((-1, -4), 16), ((1,) * 65, 4), ((2, -2), 0), ((True, 4), 16), ((2**62, 2**62), 0)]
    r = random.Random(4)
    for _ in range(n_random):
        shape = tuple(r.randrange(-(2**40), 2**40) for _ in range(r.randrange(0, 70)))
        shapes.append((shape, r.randrange(64)))
    for shape, size in shapes:
        def run(shape=shape, size=size):
            member = hostile._header(shape) + bytes(size)
            members = dict(c.members)
            name = next(n for n in members if n.startswith("tensors/"))
            members[name] = member
            path = hostile._write_zip(c.path(".dpm"), members.items())
            _expect(ModelFileError, dp.load, path)
            npy = c.path(".npy")
            npy.write_bytes(member)
            return _expect(DataError, read_data, npy)
        yield f"npy header shape {str(shape)[:40]}", run


def class_5(c: Corpus, hostile, fuzz, rng, n_random):
    import numpy as np

    import deltaprop as dp
    from deltaprop.errors import ModelFileError

    changes = {
        "no layers": lambda cf: cf["architecture"].__setitem__("layers", []),
        "classes ragged": lambda cf: cf.__setitem__("classes", [["no"], "yes"]),
        "classes a dict": lambda cf: cf.__setitem__("classes", {"a": 1}),
        "classes an int": lambda cf: cf.__setitem__("classes", 3),
        "fewer classes": lambda cf: cf.__setitem__("classes", ["no"]),
        "more classes": lambda cf: cf.__setitem__("classes", ["a", "b", "c"]),
        "repeated classes": lambda cf: cf.__setitem__("classes", ["a", "a"]),
    }
    for name, change in changes.items():
        def run(change=change):
            path = hostile._with_config(c.model, c.path(".dpm"), change)
            return _expect(ModelFileError, dp.load, path)
        yield name, run
    for value in (0.0, -1.0, np.nan):
        def std(value=value):
            net = dp.Sequential([dp.nn.Standardize(), dp.Dense(1)], seed=0)
            net.fit(c.X, c.X[:, :1], epochs=1, seed=0)
            good = c.path(".dpm")
            net.save(good)
            members = hostile._members(good)
            key = next(n for n in members if n.endswith(".std.npy"))
            members[key] = hostile._npy(np.array([1.0, value], dtype=np.float32))
            path = hostile._write_zip(c.path(".dpm"), members.items())
            try:
                dp.load(path)
            except ModelFileError:
                return "good"
            return "raw:accepted a bad std"
        yield f"Standardize std {value}", std
    for k in range(n_random):
        def run(k=k):
            r = random.Random(k)
            members = dict(c.members)
            config = json.loads(np.load(io.BytesIO(members["config.npy"])).tobytes())
            paths = list(fuzz._paths(config))[1:]
            value = r.choice([None, True, -1, 0, 2**70, 1e308, math.inf, "x", [], {}, [[1]],
                              {"a": [1, {"b": None}]}])
            config = fuzz._replace(config, r.choice(paths), value)
            members["config.npy"] = hostile._npy(np.frombuffer(json.dumps(config).encode(),
                                                               dtype=np.uint8))
            path = hostile._write_zip(c.path(".dpm"), members.items())
            return _expect(ModelFileError, dp.load, path)
        yield f"random config value #{k}", run


def class_6(c: Corpus, hostile, fuzz, rng, n_random):
    import numpy as np

    import deltaprop as dp
    from deltaprop.errors import InputError
    from deltaprop.io.checkpoint import read_checkpoint

    states = _module(ROOT / "tests" / "training" / "test_state_checks.py")
    saved = read_checkpoint(c.checkpoint)

    def resume(state):
        net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2, "softmax")], seed=0)
        before = net.state_dict() if net.is_built else None
        try:
            net.fit(c.X, c.labels, loss="cross_entropy", epochs=4, seed=0, resume=state)
        except InputError:
            if before is not None and any(
                not np.array_equal(before[k], net.state_dict()[k]) for k in before
            ):
                return "raw:changed the network"
            return "good"
        return "good"

    for field, value, _ in states.BAD:
        def run(field=field, value=value):
            state = copy.deepcopy(saved["state"])
            states._set(state, field, value)
            return resume(state)
        yield f"state {field} = {value!r:.30}", run
    for change in ({"batch_size": 4}, {"seed": 1}, {"validation_split": 0.25}):
        def run(change=change):
            net = dp.Sequential([dp.Dense(3, "tanh"), dp.Dense(2, "softmax")], seed=0)
            try:
                net.fit(c.X, c.labels, loss="cross_entropy", epochs=4,
                        **{"seed": 0, **change}, resume=str(c.checkpoint))  # fmt: skip
            except InputError as exc:
                return "good" if "was" in str(exc) else f"raw:{exc}"
            return "raw:accepted other settings"
        yield f"resume with {change}", run
    for k in range(n_random):
        def run(k=k):
            r = random.Random(k)
            state = copy.deepcopy(saved["state"])
            paths = [p for p in fuzz._paths(state)
                     if p and not isinstance(fuzz._get(state, p), np.ndarray)]
            value = r.choice([math.inf, -math.inf, math.nan, -1, 0, 2**63, 10**30, "1", [], {},
                              None, True, 1e-300, [1, 2], {"x": 1}])
            return resume(fuzz._replace(state, r.choice(paths), value))
        yield f"random state value #{k}", run


def class_7(c: Corpus, hostile, fuzz, rng, n_random):
    import deltaprop as dp
    from deltaprop.errors import DataError, ModelFileError, SpecError
    from deltaprop.explanation.spec import load_spec
    from deltaprop.io.checkpoint import read_checkpoint
    from deltaprop.io.data import read_data

    loaders = [(dp.load, ModelFileError, ".dpm"), (read_checkpoint, ModelFileError, ".ckpt"),
               (load_spec, SpecError, ".json"), (load_spec, SpecError, ".toml"),
               (read_data, DataError, ".csv"), (read_data, DataError, ".npy"),
               (read_data, DataError, ".npz")]  # fmt: skip
    for kind in ("named pipe", "/dev/zero", "/dev/urandom"):
        for load, error, suffix in loaders:
            def run(kind=kind, load=load, error=error, suffix=suffix):
                path = c.path(suffix)
                if kind == "named pipe":
                    os.mkfifo(path)
                else:
                    path.symlink_to(kind)
                try:
                    load(path)
                except error:
                    return "good"
                return "raw:loaded a special file"
            yield f"{kind} as {suffix}", run


def class_8(c: Corpus, hostile, fuzz, rng, n_random):
    saving = _module(ROOT / "tests" / "cli" / "test_save_safety.py")
    for name, status in (("SIGINT", 130), ("SIGTERM", 143)):
        for trial in range(4):
            def run(name=name, status=status, trial=trial):
                out = c.path(".dpm")
                script = saving.SIGNAL_DURING_SAVE.replace("{name}", name).replace(
                    "len(calls) == 2", f"len(calls) == {2 + trial}")
                done = subprocess.run(
                    [sys.executable, "-c", script, "train", str(c.csv), "--target", "y",
                     "--epochs", "2", "--hidden", "8", "--quiet", "--out", str(out)],
                    capture_output=True, text=True, timeout=ALARM_S,
                )  # fmt: skip
                return _command_outcome(done, status, out)
            yield f"{name} during the final save (entry {2 + trial})", run
    script = Path(sys.executable).parent / "deltaprop"
    for delay in (0.05, 0.1, 0.2, 0.3, 0.5):
        def run(delay=delay):
            process = subprocess.Popen(
                [str(script), "train", str(c.csv), "--target", "y", "--epochs", "2", "--quiet",
                 "--out", str(c.path(".dpm"))], stderr=subprocess.PIPE, text=True)  # fmt: skip
            time.sleep(delay)
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=ALARM_S)
            frames = [x for x in err.splitlines() if x.strip().startswith("File ")]
            ours = ("_deltaprop_cli.py", "/deltaprop/", "site-packages")
            if any(part in f for f in frames for part in ours):
                return "raw:traceback"
            return "good"
        yield f"SIGINT {delay} s after the command starts", run


def _command_outcome(done, status, out: Path) -> str:
    import deltaprop as dp

    if "Traceback" in done.stderr:
        return "raw:traceback"
    if done.returncode != status:
        return f"raw:exit {done.returncode}"
    try:
        dp.load(out)
    except Exception:  # noqa: BLE001 (any failure to load is a lost model)
        return "lost"
    return "good"


def class_9(c: Corpus, hostile, fuzz, rng, n_random):
    from deltaprop.cli.launch import find_mpiexec

    if importlib.util.find_spec("mpi4py") is None or find_mpiexec() is None:
        return
    env = dict(os.environ, OMP_NUM_THREADS="1", TEST_SLOW_SAVE="1")
    script = ROOT / "tests" / "distributed" / "signal_worker.py"
    for rank, name, status in ((0, "SIGTERM", 143), (1, "SIGTERM", 143), (1, "SIGINT", 130),
                               (0, "SIGINT", 130)):  # fmt: skip
        def run(rank=rank, name=name, status=status):
            out = c.path(".dpm")
            done = subprocess.run(
                [sys.executable, "-m", "deltaprop", "launch", "-n", "2", "--", str(script),
                 "train", str(c.csv), "--target", "y", "--epochs", "200", "--distributed",
                 "mpi", "--quiet", "--out", str(out)],
                capture_output=True, text=True, timeout=ALARM_S * 3,
                env={**env, "TEST_RANK": str(rank), "TEST_SIGNAL": name},
            )  # fmt: skip
            return _command_outcome(done, status, out)
        yield f"MPI: {name} to process {rank} at epoch 2", run

    def stopped():
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "deltaprop", "launch", "-n", "2", "--", str(script), "train",
             str(c.csv), "--target", "y", "--epochs", "100000", "--distributed", "mpi",
             "--quiet", "--out", str(c.path(".dpm"))],
            capture_output=True, text=True, timeout=ALARM_S * 3,
            env={**env, "TEST_RANK": "1", "TEST_SIGNAL": "SIGSTOP", "TEST_SLOW_SAVE": "0",
                 "DELTAPROP_MPI_TIMEOUT": "3"},
        )  # fmt: skip
        ok = "stopped answering" in done.stderr and time.monotonic() - started < ALARM_S * 2
        return "good" if ok else "hang"
    yield "MPI: a stopped process (timeout 3 s)", stopped


def class_10(c: Corpus, hostile, fuzz, rng, n_random):
    from deltaprop.cli import main

    for out in ("/proc/deltaprop.dpm", "/proc/self/x.dpm", "/sys/deltaprop.dpm"):
        def run(out=out):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main(["train", str(c.csv), "--target", "y", "--epochs", "2", "--out", out])
            ok = code == 2 and "cannot be written" in err.getvalue()
            return "good" if ok else f"raw:exit {code}: {err.getvalue()[-200:]}"
        yield f"--out {out}", run

    def full_disk():
        import errno

        import deltaprop as dp

        out = c.path(".dpm")
        original = dp.Sequential.save

        def save(self, path):
            if Path(path) == out:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            original(self, path)

        dp.Sequential.save = save
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                code = main(["train", str(c.csv), "--target", "y", "--epochs", "2", "--quiet",
                             "--out", str(out)])  # fmt: skip
        finally:
            dp.Sequential.save = original
        kept = [p for p in (Path.cwd(), Path(tempfile.gettempdir()))
                if (p / f"deltaprop-rescue-{os.getpid()}-{out.name}").exists()]
        for p in kept:
            (p / f"deltaprop-rescue-{os.getpid()}-{out.name}").unlink()
        return "good" if code == 1 and kept else "lost"
    yield "a full disk when the model is saved", full_disk


def class_11(c: Corpus, hostile, fuzz, rng, n_random):
    import numpy as np

    import deltaprop as dp
    from deltaprop.errors import DataError, ParameterError, SpecError
    from deltaprop.explanation.spec import load_spec
    from deltaprop.io.data import read_data

    def dense(in_features):
        def run():
            try:
                if in_features:
                    dp.Dense(10**9, in_features=in_features)
                else:
                    net = dp.Sequential([dp.Dense(10**9), dp.Dense(1)], seed=0)
                    net.fit(np.ones((4, 1000), dtype=np.float32), np.ones(4), epochs=1)
            except ParameterError:
                return "good"
            return "raw:allocated"
        return run
    yield "Dense(10**9, in_features=10**4)", dense(10**4)
    yield "Dense(10**9) built by fit on 1000 features", dense(None)

    def cli_hidden():
        done = subprocess.run(
            [sys.executable, "-m", "deltaprop", "train", str(c.csv), "--target", "y",
             "--hidden", "1000000000", "--epochs", "1", "--quiet", "--out", str(c.path(".dpm"))],
            capture_output=True, text=True, timeout=ALARM_S,
        )  # fmt: skip
        ok = done.returncode == 2 and "Traceback" not in done.stderr
        return "good" if ok else f"raw:exit {done.returncode}"
    yield "deltaprop train --hidden 1000000000", cli_hidden

    def spec():
        path = c.path(".json")
        path.write_text(json.dumps({"inputs": [[1.0]], "targets": [[1.0]], "seed": 0,
                                    "layers": [{"units": 10**8}, {"units": 1}]}))
        return _expect(SpecError, load_spec, path)
    yield "a spec with 10^8 units", spec

    def wide_csv():
        path = c.path(".csv")
        with open(path, "wb") as fh:
            fh.write(b"a,b,")
            fh.truncate(2**30)
        return _expect(DataError, read_data, path, target="b")
    yield "a CSV whose first line is 1 GiB", wide_csv


def class_12(c: Corpus, hostile, fuzz, rng, n_random):
    import warnings

    import deltaprop as dp
    from deltaprop.errors import DataError, ParameterError, ParameterTypeError
    from deltaprop.metrics import f1_score
    from deltaprop.training.loggers import CSVLogger

    def expect_error(error, function):
        def run():
            try:
                function()
            except error:
                return "good"
            return "raw:silently accepted"
        return run

    def warns(function):
        def run():
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                function()
            return "good" if seen else "raw:no warning"
        return run

    net = dp.Sequential([dp.Dense(1, in_features=2)], seed=0)
    yield "Adam lr=1e6 warns", warns(lambda: dp.Adam(net.parameters(), lr=1e6))
    yield "RMSprop lr=1e6 warns", warns(lambda: dp.optim.RMSprop(net.parameters(), lr=1e6))
    fit = dp.Sequential([dp.Dense(1)], seed=0).fit
    yield "fit(verbose='yes')", expect_error(
        ParameterTypeError, lambda: fit(c.X, c.X[:, 0], verbose="yes"))
    yield "fit(shuffle='no')", expect_error(
        ParameterTypeError, lambda: fit(c.X, c.X[:, 0], shuffle="no"))
    yield "f1_score(['a', 'b'], [0, 1])", expect_error(
        DataError, lambda: f1_score(["a", "b"], [0, 1]))
    yield "save(5)", expect_error(ParameterTypeError, lambda: net.save(5))
    yield "load(None)", expect_error(ParameterTypeError, lambda: dp.load(None))
    yield "CSVLogger on a directory", expect_error(ParameterError, lambda: CSVLogger(c.folder))


CLASSES = {1: class_1, 2: class_2, 3: class_3, 4: class_4, 5: class_5, 6: class_6, 7: class_7,
           8: class_8, 9: class_9, 10: class_10, 11: class_11, 12: class_12}  # fmt: skip


def worker(number: int, n_random: int) -> None:
    """Run one class's cases, printing one JSON line per case."""
    if number not in (8, 9):  # those run commands, whose processes need their own memory
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, hard))
    signal.signal(signal.SIGALRM, _alarm)
    hostile = _module(HERE / "test_hostile_files.py")
    fuzz = _module(HERE / "test_fuzz_hostile.py")
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        corpus = Corpus(Path(folder))
        for name, run in CLASSES[number](corpus, hostile, fuzz, random.Random(number), n_random):
            before, started = _peak_mib(), time.monotonic()
            global _ACTIVE
            try:
                _ACTIVE = True
                signal.alarm(ALARM_S)
                outcome = run()
                _ACTIVE = False
            except Hang:
                outcome = "hang"
            except MemoryError:
                outcome = "memory"
            except Exception as exc:  # noqa: BLE001 (what the run counts)
                outcome = f"raw:{type(exc).__name__}: {str(exc)[:120]}"
                traceback.print_exc(file=sys.stderr)
            finally:
                _ACTIVE = False
                signal.alarm(0)
            if outcome == "good" and _peak_mib() - before > PEAK_BOUND_MIB:
                outcome = f"memory ({_peak_mib() - before:.0f} MiB)"
            print(json.dumps({"class": number, "case": name, "outcome": outcome,
                              "seconds": round(time.monotonic() - started, 2)}), flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=50, help="random cases per class")
    parser.add_argument("--classes", default=",".join(map(str, CLASSES)))
    parser.add_argument("--json", help="write every case's outcome to this file")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        worker(args.worker, args.random)
        return 0
    results = []
    for number in map(int, args.classes.split(",")):
        done = subprocess.run(
            [sys.executable, __file__, "--worker", str(number), "--random", str(args.random)],
            capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        lines = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
        if done.returncode != 0:
            lines.append({"class": number, "case": "(worker)", "outcome":
                          f"crash (exit {done.returncode}): {done.stderr[-300:]}"})
        results += lines
        counts = collections.Counter(r["outcome"].split(":")[0] for r in lines)
        print(f"class {number:>2}: {len(lines):>4} cases  " +
              "  ".join(f"{k} {v}" for k, v in sorted(counts.items())), flush=True)
        for r in lines:
            if r["outcome"] != "good":
                print(f"    {r['case']}: {r['outcome']}", flush=True)
    total = collections.Counter(r["outcome"].split(":")[0].split(" ")[0] for r in results)
    print(f"all: {len(results)} cases  " + "  ".join(f"{k} {v}" for k, v in sorted(total.items())))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0 if set(total) <= {"good"} else 1


if __name__ == "__main__":
    sys.exit(main())
