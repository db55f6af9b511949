"""A compiled training loop for Dense stacks: many steps in one call of numba-compiled code.

The fused step (:mod:`deltaprop.training.fused`) runs a step as about twenty NumPy calls from
Python; for a small network (the digits' 64-64-10 at batch 32) the calls, not the arithmetic,
are most of its time. This module writes, for one network, loss and optimizer, the loop over
a run of steps as Python source, compiles it with numba and keeps it in numba's on-disk cache,
so a machine compiles it once. Each step of the loop: gather the batch's rows (and targets,
weights) in the epoch's shuffled order, forward through every layer, the loss and its delta,
backward, and the optimizer's update of the flat parameter buffer.

The loop holds no formula of its own. It is assembled from compiled forms: each layer's
bias-and-activation and derivative forms, the loss's delta form and the optimizer's update
kernel are the same functions the fused step and ``Optimizer.step`` compile
(:mod:`deltaprop.kernels`); the matrix products are ``np.dot`` into preallocated outputs
(numba calls the BLAS SciPy ships), the structural passes (gathering rows, adding a bias,
column sums) are written here. So the operations are the fused step's with numba's kernels
(``DELTAPROP_KERNELS=numba``), in the same order, and the results are the same bits
(``tests/training/test_compiled.py``); against the NumPy-only fused step the softmax's
exponential and logarithm are LLVM's (equal to rounding), and the matrix products are made by
SciPy's copy of OpenBLAS instead of NumPy's, which may sum in another order.

When it runs (:meth:`CompiledLoop.build`, asked by fit's step chooser): with
``step_path="loop"`` whenever the network, loss, optimizer and data are covered; with
``DELTAPROP_KERNELS=numpy`` never; otherwise in place of the fused step when that step runs
the compiled forms (``DELTAPROP_KERNELS=numba``, or ``auto`` with numba loaded and 32,768
parameters or more: :func:`deltaprop.kernels.for_network`), so that taking the loop never
changes a result, and when the planned work repays what the loop costs before its first
step: importing numba (about 0.5 s) and numba's first load in a process (0.7 s: its NumPy
and BLAS support, SciPy included) unless done already, then loading the loop from the cache
(0.05 s) or compiling it (about 8 s, once per machine), set against the time saved per step
(:func:`saving_per_step`, a model measured on a 2-core machine). So a short fit in a fresh
process stays on NumPy, and a long one, or any in a process that has the loop already,
takes it.

Covered: Dense stacks (after an optional first Standardize) whose hidden activations have
compiled forms (relu), cross-entropy on integer labels after softmax (or from logits), SGD
(with or without momentum), Adam and AdamW without ``clip_norm``, every parameter trainable
and packed, array data (memory maps too) with or without example weights and the L2
penalty, callbacks that do not watch single batches. Everything else takes the fused step,
batch by batch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from .. import kernels
from .._version import __version__
from ..kernels.optimizers import KERNELS
from ..nn.flat import packed_buffers
from .callbacks import Callback

# What the loop costs before its first step, seconds (measured on the development machine):
IMPORT_S = 0.5  # importing numba
REGISTRY_S = 0.7  # numba's first compilation or cache load in a process (SciPy's BLAS too)
LOAD_S = 0.05  # loading a cached loop after that
COMPILE_S = 8.0  # compiling one (a first run on the machine)
CHUNK_S = 0.25  # a call runs at most about this long: interrupts are seen between calls


# -- the forms the loop is assembled from ------------------------------------------------


def _add_bias(z, b):  # pragma: no cover - compiled
    # z = z + b, row by row (NumPy's z += b)
    rows, units = z.shape
    for r in range(rows):
        for j in range(units):
            z[r, j] = z[r, j] + b[j]


def _column_sums(d, sums):  # pragma: no cover - compiled
    # sums_j = sum over the rows of d, added row after row (NumPy's d.sum(axis=0))
    rows, units = d.shape
    for r in range(rows):
        for j in range(units):
            sums[j] = d[r, j] if r == 0 else sums[j] + d[r, j]


def _add_scaled(g, c, w):  # pragma: no cover - compiled
    # g = g + c w (the L2 penalty's gradient: NumPy's g += c * W)
    rows, units = g.shape
    for r in range(rows):
        for j in range(units):
            g[r, j] = g[r, j] + c * w[r, j]


def _gather(X, Y, order, start, x, y):  # pragma: no cover - compiled
    # x[r] = X[order[start + r]] (converted to x's dtype), y[r] likewise
    for r in range(x.shape[0]):
        i = order[start + r]
        for a in range(x.shape[1]):
            x[r, a] = X[i, a]
        y[r] = Y[i]


def _gather_weights(W, order, start, w):  # pragma: no cover - compiled
    for r in range(w.shape[0]):
        w[r] = W[order[start + r]]


def _standardize(x, mean, std):  # pragma: no cover - compiled
    # x = (x - mean) / std, as the fused step's np.subtract and /=
    rows, units = x.shape
    for r in range(rows):
        for j in range(units):
            x[r, j] = (x[r, j] - mean[j]) / std[j]


_STRUCTURAL = {
    "add_bias": _add_bias,
    "column_sums": _column_sums,
    "add_scaled": _add_scaled,
    "gather": _gather,
    "gather_weights": _gather_weights,
    "standardize": _standardize,
}


_HIDDEN_FORMS = ("bias_activate", "times_derivative", "times_derivative_and_sum")
_LOSS_FORM = "softmax_cross_entropy"  # the one loss form the loop covers (class labels)


def _activation_forms(layer) -> dict | None:
    """A hidden layer's compiled forms (its activation op's ``compiled_forms``), each as
    ``(plain-Python function, constants)``, or None when it lacks one."""
    op = layer.activation.make_op()
    forms = getattr(op, "compiled_forms", {})
    if any(name not in forms for name in _HIDDEN_FORMS):
        return None
    return {name: forms[name] for name in _HIDDEN_FORMS}, op


def _optimizer_form(optimizer, w, g, state):
    """The optimizer's kernel (name, plain Python) and its arrays, or None: its
    ``compiled_update``, without ``clip_norm`` (the norm needs every gradient first)."""
    if optimizer.clip_norm is not None:
        return None
    call = optimizer.compiled_update(w, g, state)
    if call is None:
        return None
    name, arrays = call
    return name, KERNELS[name], tuple(kernels.flat(a) for a in arrays)


def _scalar_rows(optimizer, steps: int, dtype) -> np.ndarray:
    """``compiled_scalars`` of the optimizer's next ``steps`` steps, one row each, rounded to
    ``dtype`` as the kernel's ``f`` would round them (a flag becomes 0 or 1); an optimizer's
    own ``compiled_scalar_rows`` when it has one (Adam: all rows at once)."""
    rows_of = getattr(optimizer, "compiled_scalar_rows", None)
    if rows_of is not None:
        return rows_of(steps, dtype)
    saved = optimizer.steps
    try:
        rows = []
        for t in range(saved + 1, saved + steps + 1):
            optimizer.steps = t
            rows.append(optimizer.compiled_scalars(float))
    finally:
        optimizer.steps = saved
    return np.array(rows, dtype)


# -- the generated loop -------------------------------------------------------------------


class _Plan:
    """What the generated source depends on (its cache key) and the source itself."""

    def __init__(self, fused, loss, forms: dict, n_arrays: int, n_scalars: int):
        self.layers = len(fused.layers)
        self.kinds = [layer.activation.name for layer in fused.layers]
        self.biased = [layer.bias is not None for layer in fused.layers]
        self.scaler = fused.scaler is not None
        self.weighted = fused.weighted
        self.penalised = fused.penalised
        self.mean = loss.reduction == "mean"
        self.sums = bool(loss.sums)
        self.n_arrays = n_arrays  # the optimizer kernel's arrays (values, gradients, state)
        self.n_scalars = n_scalars
        self.dtype = fused.first.dtype.name
        # the source of every form called: a change to one makes a new cache entry
        self.forms = sorted((name, _source(fn)) for name, fn in forms.items())
        self._key = None
        self.adam = False  # Adam's update: more element-wise work saved per step

    def key(self) -> str:
        """A digest of everything the generated source and its compiled code depend on."""
        if self._key is None:
            text = repr(sorted(vars(self).items())) + __version__
            self._key = hashlib.sha256(text.encode()).hexdigest()[:20]
        return self._key

    def source(self) -> str:  # noqa: C901 - one straight listing
        L = self.layers
        f = f"np.{self.dtype}"
        lines = [
            f'"""deltaprop\'s compiled training loop for {self.kinds} (generated; do not edit)."""',
            "import numpy as np",
            "from deltaprop.training import compiled as _c",
            "",
            "_f = _c.FORMS_BEING_LOADED",
        ]
        names = ["add_bias", "column_sums", "add_scaled", "gather", "gather_weights"]
        names += ["standardize", "loss", "optimizer"]
        names += [f"act{i}_{n}" for i in range(L - 1) for n in _HIDDEN_FORMS]
        lines += [f"{n} = _f[{n!r}]" for n in names]
        lines += [
            "",
            "",
            "def run(X, Y, WX, order, first, steps, bs, P, G, O, scal, C, WS, SZ, out, B, K,",
            "        total):",
            "    # P, G: (W0, b0, W1, b1, ...) values and gradients; O: the optimizer's flat",
            "    # arrays; scal[s]: its scalars; C[s], WS[s], SZ[s]: penalty scale, weight",
            "    # sum of the loss, size B of the batch; out[s]: the step's loss; B: buffers;",
            "    # K: the forms' constants; total: the epoch's sum of loss x B so far (fit's)",
            "    n = order.size",
            "    for s in range(steps):",
            "        start = (first + s) * bs",
            "        k = min(bs, n - start)",
            "        x = B[0][:k]",
            "        t = B[1][:k]",
            "        gather(X, Y, order, start, x, t)",
        ]
        if self.weighted:
            lines.append("        w = B[2][:k]")
            lines.append("        gather_weights(WX, order, start, w)")
        if self.scaler:
            lines.append("        standardize(x, K[-2], K[-1])")
        h = "x"
        for i in range(L):
            z = f"z{i}"
            lines.append(f"        {z} = B[{3 + i}][:k]")
            lines.append(f"        np.dot({h}, P[{2 * i}], {z})")
            bias = f"P[{2 * i + 1}]" if self.biased[i] else "None"
            if i < L - 1:
                lines.append(f"        act{i}_bias_activate({z}, {bias}, *K[{3 * i}])")
            elif self.biased[i]:
                lines.append(f"        add_bias({z}, {bias})")
            h = z
        count = "WS[s]" if self.weighted else "k"
        scale = f"{f}(1.0 / {count})" if self.mean else f"{f}(1.0)"
        weights = "w" if self.weighted else "None"
        lines.append(f"        value = loss({h}, t, {weights}, {scale})")
        if self.mean:
            lines.append(f"        value = value / {count}")
        if self.penalised:
            lines.append("        c = C[s]")
            squares = " + ".join(
                f"float(np.vdot(P[{2 * i}].ravel(), P[{2 * i}].ravel()))" for i in range(L)
            )
            lines.append(f"        value += 0.5 * float(c) * (0.0 + {squares})")
        lines += [
            "        out[s] = value",
            "        if not np.isfinite(value):",
            "            return s, total",
            "        total += value"
            if self.sums
            else f"        total += value * {'SZ[s]' if self.weighted else 'k'}",
        ]
        d = h
        summed = False
        for i in range(L - 1, -1, -1):
            below = "x" if i == 0 else f"z{i - 1}"
            lines.append(f"        np.dot({below}.T, {d}, G[{2 * i}])")
            if self.penalised:
                lines.append(f"        add_scaled(G[{2 * i}], c, P[{2 * i}])")
            if self.biased[i] and not summed:
                lines.append(f"        column_sums({d}, G[{2 * i + 1}])")
            if i:
                dn = f"d{i - 1}"
                lines.append(f"        {dn} = B[{3 + L + i - 1}][:k]")
                lines.append(f"        np.dot({d}, P[{2 * i}].T, {dn})")
                if self.biased[i - 1]:
                    lines.append(
                        f"        act{i - 1}_times_derivative_and_sum({dn}, {below}, "
                        f"G[{2 * (i - 1) + 1}], *K[{3 * (i - 1) + 2}])"
                    )
                    summed = True
                else:
                    lines.append(
                        f"        act{i - 1}_times_derivative({dn}, {below}, *K[{3 * (i - 1) + 1}])"
                    )
                    summed = False
                d = dn
        state = ", ".join(f"O[{j}]" for j in range(self.n_arrays))
        scalars = ", ".join(f"scal[s, {j}]" for j in range(self.n_scalars))
        lines.append(f"        optimizer({state}, {scalars})")
        lines.append("    return steps, total")
        return "\n".join(lines) + "\n"


FORMS_BEING_LOADED: dict = {}  # the generated module reads its forms from here on import
_loops: dict = {}  # key -> compiled run function, in this process


def _source(function) -> str:
    """A form's source text (read once per process)."""
    found = _SOURCES.get(function)
    if found is None:
        found = _SOURCES[function] = inspect.getsource(function)
    return found


_SOURCES: dict = {}


def cache_dir() -> Path | None:
    """Where generated loops (and numba's cache of them) live: ``$NUMBA_CACHE_DIR/deltaprop``
    when set, else ``$XDG_CACHE_HOME/deltaprop`` (``~/.cache/deltaprop``), else a folder in
    the temporary directory; None when none is writable (the loop then compiles per process)."""
    candidates = []
    if os.environ.get("NUMBA_CACHE_DIR"):
        candidates.append(Path(os.environ["NUMBA_CACHE_DIR"]) / "deltaprop")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates.append(Path(base) / "deltaprop")
    candidates.append(Path(tempfile.gettempdir()) / f"deltaprop-{os.getuid()}")
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".probe-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
            return folder
        except OSError:
            continue
    return None


def _module_path(plan: _Plan) -> tuple[str, Path | None]:
    name = f"deltaprop_loop_{plan.key()}"
    folder = cache_dir()
    return name, None if folder is None else folder / f"{name}.py"


def is_cached(plan: _Plan) -> bool:
    """Whether numba's on-disk cache holds this loop (compiled by an earlier process): its
    index file beside the generated module, or in ``$NUMBA_CACHE_DIR`` (one folder per
    source folder there)."""
    name, path = _module_path(plan)
    if path is None or not path.exists():
        return False
    pattern = f"{name}.run-*.nbi"
    if any(path.parent.glob(f"__pycache__/{pattern}")):
        return True
    user = os.environ.get("NUMBA_CACHE_DIR")
    return bool(user) and any(Path(user).glob(f"*/{pattern}"))


def _build(plan: _Plan, forms: dict):
    """The compiled ``run`` of ``plan``: its generated module imported from the cache folder
    (written once; numba caches the compiled code beside it), or compiled in memory."""
    key = plan.key()
    found = _loops.get(key)
    if found is not None:
        return found
    numba = _numba()
    name, path = _module_path(plan)
    source = plan.source()
    jit_kwargs = {"nogil": True, "error_model": "numpy"}
    FORMS_BEING_LOADED.clear()
    FORMS_BEING_LOADED.update(forms)
    try:
        if path is not None:
            if not path.exists() or path.read_text() != source:
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(source)
                os.replace(tmp, path)  # atomic: another process never reads half a file
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            run = numba.njit(cache=True, **jit_kwargs)(module.run)
        else:
            namespace: dict = {}
            exec(compile(source, f"<deltaprop loop {key}>", "exec"), namespace)
            run = numba.njit(cache=False, **jit_kwargs)(namespace["run"])
    finally:
        FORMS_BEING_LOADED.clear()
    _loops[key] = run
    return run


def loops_run() -> int:
    """How many epochs the compiled loop ran in this process (benchmarks report it)."""
    return _RUNS[0]


_RUNS = [0]


def _numba_installed() -> bool:
    """Whether numba can be imported, without importing it (0.5 s) before the loop pays."""
    if "numba" in sys.modules:
        return kernels.available()
    return importlib.util.find_spec("numba") is not None


def _numba():
    kernels.available()
    import numba

    return numba


# -- deciding, and running epochs ---------------------------------------------------------


def saving_per_step(parameters: int, activations: int, adam: bool) -> float:
    """Seconds the compiled loop saves per step over the fused NumPy step, a model measured
    on the development machine: the step's Python and NumPy call overhead (about 40 us),
    plus the element-wise passes over the parameters (the optimizer; about 3 ns per
    parameter with Adam, 2 with SGD) and over the batch's activations (about 1 ns each)."""
    return 40e-6 + parameters * (3e-9 if adam else 2e-9) + activations * 1e-9


def watches_batches(callback) -> bool:
    """Whether a callback has its own ``on_batch_end`` (it must see every batch as it ends);
    one that only adds up the batches' losses says so with ``reads_batch_loss_only``."""
    if getattr(callback, "reads_batch_loss_only", False):
        return False
    own = type(callback).on_batch_end is not Callback.on_batch_end
    return own or "on_batch_end" in vars(callback)


class CompiledLoop:
    """The compiled loop of one fit: runs an epoch in a few calls, on its own buffers."""

    @classmethod
    def build(cls, fused, loss, optimizer, batches, weighted, callbacks, planned, forced=False):
        """``(loop, None)`` for this fit, or ``(None, why not)``: not covered, numba missing
        or, unless ``forced``, off (``DELTAPROP_KERNELS=numpy``) or not paying in auto mode."""
        why = _not_covered(fused, loss, batches, optimizer)
        if why is None and any(watches_batches(cb) for cb in callbacks):
            why = "a callback watches single batches (its own on_batch_end)"
        if why is None and kernels.mode() == "numpy" and not forced:
            why = "DELTAPROP_KERNELS=numpy"
        if why is None and not forced and not fused.compiled:
            # the loop makes the compiled forms' operations: taken for the fused step only
            # where it runs them too, so that choosing it never changes a result
            why = "the fused step runs the NumPy forms here (DELTAPROP_KERNELS=numba: compiled)"
        if why is None and not _numba_installed():
            why = "numba is not installed (pip install 'deltaprop[fast]')"
        if why is not None:
            return None, why
        forms, constants = {}, []
        for i, layer in enumerate(fused.layers[:-1]):
            found = _activation_forms(layer)
            if found is None:
                return None, f"activation {layer.activation.name!r} has no compiled forms"
            for name, fn in found[0].items():
                forms[f"act{i}_{name}"] = fn
            constants += [found[1].compiled_constants(fused.first.dtype)] * len(_HIDDEN_FORMS)
        if optimizer.state is None:
            optimizer._init_state()
        found = _optimizer_form(optimizer, *_flat_arrays(optimizer))
        if found is None:
            return None, f"{type(optimizer).__name__} has no compiled update (or clips)"
        forms["optimizer"] = found[1]
        forms["loss"] = loss.compiled_forms[_LOSS_FORM]
        forms.update(_STRUCTURAL)
        n_scalars = _scalar_rows(optimizer, 1, fused.first.dtype).shape[1]
        plan = _Plan(fused, loss, forms, len(found[2]), n_scalars)
        plan.adam = found[0] == "adam"
        if not forced and not _pays(plan, fused, batches, planned):
            return None, "the planned steps do not repay loading or compiling it"
        return cls(plan, forms, constants, fused, loss, optimizer, batches, weighted), None

    def __init__(self, plan, forms, constants, fused, loss, optimizer, batches, weighted):
        self.run = _build(plan, {name: kernels.compiled(fn) for name, fn in forms.items()})
        self.plan, self.fused, self.loss, self.optimizer = plan, fused, loss, optimizer
        self.batches = batches
        self.counts: dict | None = None  # History.step_paths, when the chooser gives it
        self.dtype = dtype = fused.first.dtype
        arrays = batches.arrays
        self.X = np.asarray(arrays[0])
        self.Y = np.asarray(arrays[1]).astype(np.intp, copy=False)
        self.WX = np.asarray(arrays[2]) if weighted else None
        bs = batches.batch_size
        units = [layer.units for layer in fused.layers]
        self.buffers = (
            np.empty((bs, self.X.shape[1]), dtype),
            np.empty(bs, np.intp),
            np.empty(bs, dtype),
            *(np.empty((bs, u), dtype) for u in units),
            *(np.empty((bs, u), dtype) for u in units[:-1]),
        )
        if fused.scaler is not None:
            constants = constants + [
                fused.scaler.mean.astype(dtype),
                fused.scaler.std.astype(dtype),
            ]
        self.constants = tuple(constants) if constants else ((),)
        self.P = tuple(a for layer in fused.layers for a in (layer.weight.data, _bias(layer, 0)))
        self.G = tuple(
            a for layer in fused.layers for a in (layer.weight.grad_buffer, _bias(layer, 1))
        )
        flops = sum(2 * a * b for a, b in zip([self.X.shape[1]] + units[:-1], units))
        per_step = 5e-6 + 3 * flops * bs / 20e9 + sum(p.data.size for p in fused.params) * 1e-9
        self.chunk = max(1, int(CHUNK_S / per_step))

    def is_valid(self) -> bool:
        """False once the fused step is (a parameter frozen, or its storage replaced)."""
        return self.fused.is_valid()

    def epoch(self, run, epoch, divergence, guard, objective, alpha, callbacks, batch_loss, last):
        """One epoch, as fit's loop over its batches would run it: returns ``(total, retry,
        last_batch, last_finite)``, ``total`` summed as fit sums it (the loss times the
        batch's size B, or the loss for a summed loss). A non-finite loss goes to
        ``divergence`` (before that step's update, as in fit), an interrupt is seen after the
        current call (``guard``: fit's InterruptGuard). ``callbacks`` see each batch's loss
        after the call that ran it; ``last`` is the last finite batch loss so far."""
        batches, optimizer = self.batches, self.optimizer
        _RUNS[0] += 1
        n, bs = batches.n, batches.batch_size
        order = batches.rng.permutation(n) if batches.shuffle else np.arange(n)
        optimizer.zero_grad()
        if optimizer.state is None:
            optimizer._init_state()
        arrays = _optimizer_form(optimizer, *_flat_arrays(optimizer))[2]
        n_batches = -(-n // bs)
        total, last_finite, b = 0.0, last, 0
        for first in range(0, n_batches, self.chunk):
            steps = min(self.chunk, n_batches - first)
            rows = np.minimum(bs, n - (first + np.arange(steps)) * bs)
            sizes, WS, C = self._sizes(order, first, rows, objective, alpha)
            SZ = None if WS is None else np.array(sizes)
            scal = _scalar_rows(optimizer, steps, self.dtype)
            out = np.empty(steps)
            args = (self.X, self.Y, self.WX, order, first, steps, bs, self.P, self.G, arrays)
            done, total = self.run(*args, scal, C, WS, SZ, out, self.buffers, self.constants, total)
            optimizer.steps += done
            run.samples_seen += int(rows[:done].sum())
            if self.counts is not None:
                self.counts["loop"] = self.counts.get("loop", 0) + done
            if done:
                last_finite = float(out[done - 1])
            if batch_loss is not None:
                batch_loss.extend(out[:done].tolist())
            for s in range(done):
                for cb in callbacks:
                    cb.on_batch_end(run, first + s + 1, float(out[s]))
            if done < steps:
                b = first + done + 1
                value = float(out[done])
                retry = divergence.diverged(f"the loss became {value}", epoch, b, last_finite)
                return total, retry, b, last_finite
            b = first + steps
            if guard.received is not None:
                break
        for p in self.fused.params:
            p.grad = p.grad_buffer  # the last batch's gradients, as after a fused step
        return total, False, b, last_finite

    def _sizes(self, order, first, rows, objective, alpha):
        """Per step: the batch's size B (rows, or its sum of example weights), the loss's
        weight sum and the penalty's scale, each computed as fit's loop computes them."""
        bs = self.batches.batch_size
        if self.WX is None:
            sizes, WS = rows.tolist(), None
        else:
            sizes, WS = [], np.empty(len(rows))
            for s, k in enumerate(rows.tolist()):
                start = (first + s) * bs
                w = self.WX[order[start : start + k]].astype(self.dtype, copy=False)
                sizes.append(float(np.sum(w)))
                WS[s] = sizes[-1] if sizes[-1] > 0 else 1.0
        C = None
        if alpha:
            C = np.array([objective.penalty_scale(size) for size in sizes], self.dtype)
        return sizes, WS, C


def _flat_arrays(optimizer):
    """The optimizer's packed (values, gradients, state) for ``compiled_update``."""
    flat = optimizer._flat
    return flat[0], flat[1], optimizer._flat_state


def _bias(layer, grad: int):
    b = layer.bias
    if b is None:
        return None
    return b.grad_buffer if grad else b.data


def _not_covered(fused, loss, batches, optimizer) -> str | None:
    """Why the loop does not cover this network, loss, data and optimizer, or None."""
    if fused is None:
        return "not a stack of Dense layers with fused forms"
    if _LOSS_FORM not in getattr(loss, "compiled_forms", {}) or loss.reduction not in (
        "mean",
        "sum",
    ):
        return f"the loss {type(loss).__name__} has no compiled form the loop takes"
    if fused.first.dtype not in (np.float32, np.float64):
        return f"the network's dtype is {fused.first.dtype}"
    if not hasattr(batches, "arrays") or not hasattr(batches, "rng"):
        return "the data is a batch source, or sharded across processes"
    X, y = batches.arrays[0], batches.arrays[1]
    if getattr(X, "ndim", 0) != 2 or getattr(y, "ndim", 0) != 1 or y.dtype.kind not in "iu":
        return "the targets are not class labels"
    if X.dtype not in (np.float32, np.float64) or not X.flags.c_contiguous:
        return "X is not a C-ordered float array"
    for layer in fused.layers:
        if layer.bias is not None and layer.bias.data.shape != (layer.units,):
            return "a layer has one shared bias"
    if not all(p.requires_grad for p in fused.params) or packed_buffers(optimizer.params) is None:
        return "a parameter is frozen, or the optimizer's parameters are not one packed set"
    if list(optimizer.params) != list(fused.params):
        return "the optimizer trains other parameters than the network's"
    return None


def _pays(plan, fused, batches, planned_steps) -> bool:
    """auto mode: whether the planned steps save more than loading or compiling costs."""
    before = 0.0
    if plan.key() not in _loops:
        before += 0.0 if "numba" in sys.modules else IMPORT_S
        before += 0.0 if "numba.np.linalg" in sys.modules else REGISTRY_S
        before += LOAD_S if is_cached(plan) else COMPILE_S
    parameters = sum(p.data.size for p in fused.params)
    activations = batches.batch_size * sum(layer.units for layer in fused.layers)
    saving = saving_per_step(parameters, activations, plan.adam)
    return planned_steps * saving > before
