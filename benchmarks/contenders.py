"""The contenders: one ``prepare_<name>(spec, variant, rows)`` per implementation.

``prepare`` does everything that is not training (imports, data, a warm-up run, compiling)
and returns ``(train, evaluate, threads)``: ``train()`` is what is timed; ``evaluate()``
returns figures that show the work was real (test accuracy, the final error); ``threads``
names the thread pools in use. A contender that cannot run raises ``Skip``.
"""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np
import workloads as wl

# False in run.py's fresh-process mode: no warm-up run, nothing compiled ahead; the
# process's wall time (imports, data, compiling, training, predicting) is what counts.
WARM = True


class Skip(Exception):
    """The contender is not available here (the message says why and how to add it)."""


def _blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    pools = [
        f"{p.get('internal_api')} {p.get('version') or ''} x{p.get('num_threads')}".replace(
            "  ", " "
        )
        for p in threadpool_info()
        if p.get("user_api") == "blas"
    ]
    return ", ".join(pools) or "no BLAS pool found"


def _warm_rows(spec, rows):
    return min(rows, 8 * spec["batch_size"])


# -- "mlp" workloads (W1, W3, scale) ------------------------------------------------------


def _mlp_data(spec, rows):
    X, y, Xt, yt = wl.load(spec, rows)
    return X, y, Xt, yt


def _accuracy(pred, y):
    return {"test_accuracy": float(np.mean(pred == y))}


def prepare_gemm(spec, variant, rows):
    """The GEMM limit: only the matrix products of the run, in NumPy, into preallocated outputs.

    Per batch: forward products, weight gradients, input gradients except the first layer's.
    Consecutive rows (no gather), random gradients: only the BLAS time is left.
    """
    if spec["kind"] == "worked":
        X = np.tile(np.array([wl.WORKED["x"]]), (rows, 1))
    else:
        X = _mlp_data(spec, rows)[0]
    sizes, bs, epochs = spec["sizes"], spec["batch_size"], spec["epochs"]
    dtype = X.dtype
    rng = np.random.default_rng(0)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    W = [(rng.standard_normal((a, b)) / math.sqrt(a)).astype(dtype) for a, b in pairs]
    G = [np.empty_like(w) for w in W]
    Z = [np.empty((bs, b), dtype) for _, b in pairs]
    # fixed output deltas; the hidden ones are overwritten by the input-gradient products
    D = [(rng.standard_normal((bs, b)) * 0.01).astype(dtype) for _, b in pairs]
    n = len(X)

    def train():
        for _ in range(epochs):
            for start in range(0, n, bs):
                x = X[start : start + bs]
                k = len(x)
                h = x
                for i, w in enumerate(W):
                    np.matmul(h, w, out=Z[i][:k])
                    h = Z[i][:k]
                for i in range(len(W) - 1, -1, -1):
                    hin = x if i == 0 else Z[i - 1][:k]
                    np.matmul(hin.T, D[i][:k], out=G[i])
                    if i > 0:
                        np.matmul(D[i][:k], W[i].T, out=D[i - 1][:k])

    return train, dict, _blas_threads()


def _numpy_mlp(X, y, sizes, epochs, bs, optimizer, lr, seed=0):
    """A careful hand-written NumPy training loop: ReLU layers, softmax cross-entropy (mean).

    Parameters and gradients live in one flat float32 buffer each (views per layer), so the
    update is one pass; every batch-sized array is allocated once; rows are gathered with
    ``np.take(out=)``; ReLU's derivative comes from the stored output; the first layer's
    input gradient is not computed. Returns a predict function.
    """
    f32 = X.dtype
    rng = np.random.default_rng(seed)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    total = sum(a * b + b for a, b in pairs)
    flat, gflat = np.zeros(total, f32), np.zeros(total, f32)
    W, b, gW, gb = [], [], [], []
    at = 0
    for a, c in pairs:
        W.append(flat[at : at + a * c].reshape(a, c))
        gW.append(gflat[at : at + a * c].reshape(a, c))
        at += a * c
        b.append(flat[at : at + c])
        gb.append(gflat[at : at + c])
        at += c
        W[-1][...] = rng.standard_normal((a, c), dtype=f32) * np.float32(math.sqrt(2.0 / a))
    n = len(X)
    bs = min(bs, n)
    L = len(pairs)
    xb = np.empty((bs, sizes[0]), f32)
    yb = np.empty(bs, np.intp)
    Z = [np.empty((bs, c), f32) for _, c in pairs]
    D = [np.empty((bs, c), f32) for _, c in pairs]
    mask = [np.empty((bs, c), bool) for _, c in pairs]
    rowmax, rowsum = np.empty((bs, 1), f32), np.empty((bs, 1), f32)
    rows = np.arange(bs)
    adam = optimizer == "adam"
    if adam:
        m, v, tmp = np.zeros(total, f32), np.zeros(total, f32), np.empty(total, f32)
        b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    y = y.astype(np.intp)

    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            k = len(idx)
            x, target = xb[:k], yb[:k]
            np.take(X, idx, axis=0, out=x, mode="clip")  # "raise" would gather via a temporary
            np.take(y, idx, out=target, mode="clip")
            h = x
            for i in range(L):
                z = Z[i][:k]
                np.matmul(h, W[i], out=z)
                z += b[i]
                if i < L - 1:
                    np.maximum(z, 0, out=z)
                h = z
            # softmax in place, then dE/dz = (p - onehot) / k in place
            mx, sm = rowmax[:k], rowsum[:k]
            np.max(h, axis=1, keepdims=True, out=mx)
            h -= mx
            np.exp(h, out=h)
            np.sum(h, axis=1, keepdims=True, out=sm)
            h /= sm
            h[rows[:k], target] -= 1
            h *= np.float32(1.0 / k)
            d = h
            for i in range(L - 1, -1, -1):
                hin = x if i == 0 else Z[i - 1][:k]
                np.matmul(hin.T, d, out=gW[i])
                np.sum(d, axis=0, out=gb[i])
                if i > 0:
                    dn = D[i - 1][:k]
                    np.matmul(d, W[i].T, out=dn)
                    mk = mask[i - 1][:k]
                    np.greater(hin, 0, out=mk)
                    np.multiply(dn, mk, out=dn)
                    d = dn
            if adam:
                t += 1
                m *= np.float32(b1)
                np.multiply(gflat, np.float32(1 - b1), out=tmp)
                m += tmp
                v *= np.float32(b2)
                np.square(gflat, out=tmp)
                tmp *= np.float32(1 - b2)
                v += tmp
                c2 = math.sqrt(1 - b2**t)
                # lr * m_hat / (sqrt(v_hat) + eps), with the corrections folded into scalars
                np.sqrt(v, out=tmp)
                tmp += np.float32(eps * c2)
                np.divide(m, tmp, out=tmp)
                tmp *= np.float32(lr * c2 / (1 - b1**t))
                flat -= tmp
            else:
                gflat *= np.float32(lr)
                flat -= gflat

    def predict(Xq):
        h = Xq
        for i in range(L):
            h = h @ W[i] + b[i]
            if i < L - 1:
                h = np.maximum(h, 0)
        return np.argmax(h, axis=1)

    return predict


def _mlp_contender(spec, variant, rows, fit, threads, x_dtype=None):
    """prepare() for an MLP contender given ``fit(X, y) -> predict``: warm-up, then timed.

    ``x_dtype`` converts the training features before timing (as data held in that dtype).
    """
    X, y, Xt, yt = _mlp_data(spec, rows)
    if x_dtype is not None:
        X = X.astype(x_dtype)
    if WARM:
        k = _warm_rows(spec, rows)
        fit(X[:k], y[:k], warm=True)
    result = {}

    def train():
        result["predict"] = fit(X, y, warm=False)

    def evaluate():
        return {} if Xt is None else _accuracy(result["predict"](Xt), yt)

    return train, evaluate, threads()


def prepare_numpy(spec, variant, rows):
    lr = spec["variants"][variant]

    def fit(X, y, warm):
        epochs = 1 if warm else spec["epochs"]
        return _numpy_mlp(X, y, spec["sizes"], epochs, spec["batch_size"], variant, lr)

    if spec["kind"] == "worked":
        return _prepare_worked_numpy(spec, rows)
    return _mlp_contender(spec, variant, rows, fit, _blas_threads)


def _deltaprop_fit(spec, variant, warm_path="auto"):
    """``fit(X, y, warm)``; the warm-up run takes ``step_path=warm_path`` ("loop": the
    compiled training loop, compiled or loaded from numba's cache before timing; the timed
    fit, in auto mode, then finds it in the process)."""
    import deltaprop as dp

    lr = spec["variants"][variant]
    sizes = spec["sizes"]

    def fit(X, y, warm):
        layers = [dp.Dense(c, "relu") for c in sizes[1:-1]] + [dp.Dense(sizes[-1], "softmax")]
        net = dp.Sequential(layers, seed=0)
        params = net.parameters()
        opt = dp.optim.Adam(params, lr=lr) if variant == "adam" else dp.optim.SGD(params, lr=lr)
        net.fit(
            X,
            y,
            loss="cross_entropy",
            optimizer=opt,
            batch_size=spec["batch_size"],
            epochs=1 if warm else spec["epochs"],
            seed=0,
            step_path=warm_path if warm else "auto",
        )
        return net.predict

    return fit


def _deltaprop_threads() -> str:
    """The BLAS pool, and whether the compiled kernels (numba) were loaded."""
    import sys

    from deltaprop import kernels

    compiled = sys.modules.get("deltaprop.training.compiled")
    if compiled is not None and compiled.loops_run():
        return _blas_threads() + "; compiled loop"
    return _blas_threads() + ("; numba kernels" if kernels.loaded() else "; NumPy only")


def prepare_deltaprop(spec, variant, rows):
    """deltaprop as ``pip install deltaprop`` installs it: NumPy only (kernels off even when
    numba is importable here)."""
    from deltaprop import kernels

    kernels.use("numpy")
    if spec["kind"] == "worked":
        return _prepare_worked_deltaprop(spec, rows)
    return _mlp_contender(spec, variant, rows, _deltaprop_fit(spec, variant), _deltaprop_threads)


def prepare_deltaprop_fast(spec, variant, rows):
    """deltaprop with the ``fast`` extra. Warm: ``DELTAPROP_KERNELS=numba`` (the compiled
    forms whatever the network's size, and the compiled training loop wherever it pays), numba
    loaded up front, and the warm-up fit takes ``step_path="loop"``, so that loading numba,
    compiling (or loading from numba's cache) the kernels and the loop happen before timing,
    as JAX's compilation does; the timed fit finds the loop in the process. Fresh process:
    the default ``auto`` mode, nothing preloaded: ``fit`` decides for itself."""
    from deltaprop import kernels

    if WARM and not kernels.available():
        raise Skip("numba is not installed: pip install -e '.[fast]'")
    if not WARM:
        import importlib.util

        if importlib.util.find_spec("numba") is None:
            raise Skip("numba is not installed: pip install -e '.[fast]'")
    # warm: the compiled forms for any size, and the loop wherever it pays; fresh: the default
    kernels.use("numba" if WARM else "auto")
    fit = _deltaprop_fit(spec, variant, warm_path="loop")
    return _mlp_contender(spec, variant, rows, fit, _deltaprop_threads)


def prepare_deltaprop_memmap(spec, variant, rows):
    """deltaprop reading X from a memory-mapped .npy (written here, in the temp directory).

    The data is written chunk by chunk straight into the file, so it is never in this
    process's memory as a whole (pages of the file read by training still count in RSS).
    """
    folder = tempfile.mkdtemp(prefix="deltaprop-bench-")
    path = os.path.join(folder, "X.npy")
    sizes = spec["sizes"]
    out = np.lib.format.open_memmap(path, "w+", np.float32, (rows, sizes[0]))
    _, y = wl.synthetic(rows, sizes[0], sizes[-1], out=out)
    out.flush()
    del out
    Xm = np.load(path, mmap_mode="r")
    from deltaprop import kernels

    kernels.use("numpy")  # as the in-memory deltaprop row
    fit = _deltaprop_fit(spec, variant)
    if WARM:
        k = _warm_rows(spec, rows)
        fit(Xm[:k], y[:k], warm=True)

    def train():
        fit(Xm, y, warm=False)

    def evaluate():
        os.remove(path)
        os.rmdir(folder)
        return {}

    return train, evaluate, _blas_threads()


def _sklearn(spec, variant, rows, dtype):
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        raise Skip("scikit-learn is not installed (pip install -e '.[bench]')") from None
    import warnings

    if spec["kind"] != "mlp":
        raise Skip("not a contender of this workload")
    lr = spec["variants"][variant]

    def fit(X, y, warm):
        epochs = 1 if warm else spec["epochs"]
        clf = MLPClassifier(
            hidden_layer_sizes=spec["sizes"][1:-1],
            activation="relu",
            solver=variant,
            alpha=0.0,
            batch_size=spec["batch_size"],
            learning_rate_init=lr,
            momentum=0.0,
            nesterovs_momentum=False,
            max_iter=epochs,
            n_iter_no_change=epochs + 1,
            shuffle=True,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X.astype(dtype, copy=False), y)
        return lambda Xq: clf.predict(Xq.astype(dtype, copy=False))

    return fit


def prepare_sklearn_f32(spec, variant, rows):
    return _mlp_contender(
        spec, variant, rows, _sklearn(spec, variant, rows, np.float32), _blas_threads
    )


def prepare_sklearn_f64(spec, variant, rows):
    # the float64 copy of X is made before timing (as a user holding float64 data would)
    return _mlp_contender(
        spec,
        variant,
        rows,
        _sklearn(spec, variant, rows, np.float64),
        _blas_threads,
        x_dtype=np.float64,
    )


def _import_torch():
    try:
        import torch
    except ImportError:
        raise Skip("PyTorch is not installed (pip install torch==2.13.0)") from None
    return torch


def prepare_torch(spec, variant, rows):
    torch = _import_torch()
    threads = lambda: f"{_blas_threads()}; torch x{torch.get_num_threads()}"  # noqa: E731
    if spec["kind"] == "worked":
        return _prepare_worked_torch(spec, rows, torch, threads)
    lr = spec["variants"][variant]
    sizes = spec["sizes"]

    def fit(X, y, warm):
        torch.manual_seed(0)
        layers = []
        for a, c in zip(sizes[:-2], sizes[1:-1]):
            layers += [torch.nn.Linear(a, c), torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-2], sizes[-1]))
        opt = (torch.optim.Adam if variant == "adam" else torch.optim.SGD)(
            model.parameters(), lr=lr
        )
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        n, bs = len(X), spec["batch_size"]
        for _ in range(1 if warm else spec["epochs"]):
            order = torch.randperm(n)
            for start in range(0, n, bs):
                idx = order[start : start + bs]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
                loss.backward()
                opt.step()

        def predict(Xq):
            with torch.no_grad():
                return model(torch.from_numpy(Xq)).argmax(1).numpy()

        return predict

    return _mlp_contender(spec, variant, rows, fit, threads)


def _jax_parts(spec, variant, rows):
    """JAX's pieces for an MLP workload: data on the device, initial parameters and optimizer
    state, and ``step((params, state), batch_indices) -> ((params, state), None)``."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        raise Skip("JAX is not installed (pip install jax jaxlib)") from None
    if spec["kind"] != "mlp":
        raise Skip("not a contender of this workload")
    lr = spec["variants"][variant]
    sizes = spec["sizes"]
    X, y, Xt, yt = _mlp_data(spec, rows)
    rng = np.random.default_rng(0)
    params = [
        (
            jnp.asarray(
                rng.standard_normal((a, c), dtype=np.float32) * np.float32(math.sqrt(2 / a))
            ),
            jnp.zeros(c, jnp.float32),
        )
        for a, c in zip(sizes[:-1], sizes[1:])
    ]
    state = (
        jax.tree.map(jnp.zeros_like, params),
        jax.tree.map(jnp.zeros_like, params),
        jnp.zeros((), jnp.float32),
    )
    Xd, yd = jnp.asarray(X), jnp.asarray(y.astype(np.int32))

    def loss_fn(p, xb, yb):
        h = xb
        for i, (w, b) in enumerate(p):
            h = h @ w + b
            if i < len(p) - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))

    def step(carry, idx):
        p, s = carry
        g = jax.grad(loss_fn)(p, Xd[idx], yd[idx])
        if variant == "adam":
            m, v, t = s
            t = t + 1
            m = jax.tree.map(lambda m_, g_: 0.9 * m_ + 0.1 * g_, m, g)
            v = jax.tree.map(lambda v_, g_: 0.999 * v_ + 0.001 * g_ * g_, v, g)
            mc, vc = 1 - 0.9**t, 1 - 0.999**t
            p = jax.tree.map(
                lambda w, m_, v_: w - lr * (m_ / mc) / (jnp.sqrt(v_ / vc) + 1e-8), p, m, v
            )
            s = (m, v, t)
        else:
            p = jax.tree.map(lambda w, g_: w - lr * g_, p, g)
        return (p, s), None

    def evaluate(p):
        if Xt is None:
            return {}
        h = Xt
        for i, (w, b) in enumerate(p):
            h = np.asarray(h @ np.asarray(w) + np.asarray(b))
            if i < len(p) - 1:
                h = np.maximum(h, 0)
        return _accuracy(np.argmax(h, axis=1), yt)

    threads = f"XLA CPU ({jax.__version__}); {_blas_threads()}"
    return jax, len(X), params, state, step, evaluate, threads, rng


def prepare_jax(spec, variant, rows):
    """JAX: one jit-compiled epoch (lax.scan over the batches), compiled before timing."""
    jax, n, params, state, step, evaluate, threads, rng = _jax_parts(spec, variant, rows)
    bs, epochs = spec["batch_size"], spec["epochs"]
    full = n // bs

    def epoch(p, s, order):
        return jax.lax.scan(step, (p, s), order)[0]

    def last(p, s, idx):
        return step((p, s), idx)[0]

    order = rng.permutation(n)
    epoch_c = jax.jit(epoch).lower(params, state, order[: full * bs].reshape(full, bs)).compile()
    last_c = None
    if n % bs:
        last_c = jax.jit(last).lower(params, state, order[full * bs :]).compile()
    result = {}

    def train():
        p, s = params, state
        for _ in range(epochs):
            order = rng.permutation(n)
            p, s = epoch_c(p, s, order[: full * bs].reshape(full, bs))
            if last_c is not None:
                p, s = last_c(p, s, order[full * bs :])
        jax.block_until_ready(p)
        result["params"] = p

    return train, lambda: evaluate(result["params"]), threads


def prepare_jax_scan(spec, variant, rows):
    """JAX with every epoch in one compiled call: a lax.scan over the epochs around the
    lax.scan over an epoch's batches (the orders of all epochs drawn first, inside the
    timed run), compiled before timing."""
    jax, n, params, state, step, evaluate, threads, rng = _jax_parts(spec, variant, rows)
    bs, epochs = spec["batch_size"], spec["epochs"]
    full = n // bs

    def run(p, s, heads, tails):
        def one_epoch(carry, orders):
            head, tail = orders
            carry = jax.lax.scan(step, carry, head)[0]
            if tail.shape[0]:
                carry = step(carry, tail)[0]
            return carry, None

        return jax.lax.scan(one_epoch, (p, s), (heads, tails))[0]

    def orders():
        o = np.stack([rng.permutation(n) for _ in range(epochs)])
        return o[:, : full * bs].reshape(epochs, full, bs), o[:, full * bs :]

    compiled = jax.jit(run).lower(params, state, *orders()).compile()
    result = {}

    def train():
        p, _ = compiled(params, state, *orders())
        jax.block_until_ready(p)
        result["params"] = p

    return train, lambda: evaluate(result["params"]), threads


def prepare_keras(spec, variant, rows):
    """Keras 3 on its JAX backend: ``model.fit`` as its documentation shows it (jit-compiled
    train step, one call per batch). Warm: the model is compiled by a short fit on rows that
    end in the same short batch, and the timed fit continues training that model (a new model
    would trace and compile again)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError:
        raise Skip("Keras is not installed (pip install jax jaxlib keras)") from None
    if spec["kind"] != "mlp":
        raise Skip("not a contender of this workload")
    if keras.backend.backend() != "jax":
        raise Skip(f"Keras runs on {keras.backend.backend()}, not JAX (set KERAS_BACKEND=jax)")
    lr = spec["variants"][variant]
    sizes, bs = spec["sizes"], spec["batch_size"]
    X, y, Xt, yt = _mlp_data(spec, rows)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((sizes[0],))]
        + [keras.layers.Dense(c, activation="relu") for c in sizes[1:-1]]
        + [keras.layers.Dense(sizes[-1], activation="softmax")]
    )
    opt = keras.optimizers.Adam(lr) if variant == "adam" else keras.optimizers.SGD(lr)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    if WARM:
        k = min(len(X), 8 * bs + len(X) % bs)
        model.fit(X[:k], y[:k], batch_size=bs, epochs=1, shuffle=True, verbose=0)

    def train():
        model.fit(X, y, batch_size=bs, epochs=spec["epochs"], shuffle=True, verbose=0)

    def evaluate():
        if Xt is None:
            return {}
        return _accuracy(np.argmax(model.predict(Xt, batch_size=1024, verbose=0), 1), yt)

    return train, evaluate, f"Keras {keras.__version__} on JAX; {_blas_threads()}"


# -- W2: the worked example online ----------------------------------------------------------


def _worked_arrays():
    e = wl.WORKED
    return (np.array([e["x"]]), np.array([e["t"]]), np.array(e["w_hidden"]), np.array(e["w_out"]))


def _final_error(w_hidden, w_out) -> dict:
    """E_total of the worked example for given weights (float64, plain NumPy)."""
    e = wl.WORKED
    x, t, _, _ = _worked_arrays()
    h = 1 / (1 + np.exp(-(x @ np.asarray(w_hidden, float) + e["b_hidden"])))
    o = 1 / (1 + np.exp(-(h @ np.asarray(w_out, float) + e["b_out"])))
    return {"final_error": float(0.5 * np.sum((t - o) ** 2))}


def _prepare_worked_deltaprop(spec, rows):
    import deltaprop as dp

    e = wl.WORKED
    x, t, w_h, w_o = _worked_arrays()

    def build():
        net = dp.Sequential(
            [
                dp.Dense(2, "logistic", init=w_h, bias="shared", bias_init=e["b_hidden"]),
                dp.Dense(2, "logistic", init=w_o, bias="shared", bias_init=e["b_out"]),
            ],
            dtype="float64",
        )
        net.build(2)
        for layer in net.layers:
            layer.bias.requires_grad = False  # the walk-through keeps the biases fixed
        return net

    def fit(n):
        net = build()
        net.fit(
            np.repeat(x, n, axis=0),
            np.repeat(t, n, axis=0),
            loss=dp.losses.SquaredError("sum_half"),
            optimizer=dp.SGD(net.parameters(), lr=e["lr"]),
            epochs=1,
            batch_size=1,
            shuffle=False,
        )
        return net

    if WARM:
        fit(100)
    result = {}

    def train():
        result["net"] = fit(rows)

    def evaluate():
        net = result["net"]
        return _final_error(net.layers[0].weight.data, net.layers[1].weight.data)

    return train, evaluate, _blas_threads()


def _prepare_worked_numpy(spec, rows):
    e = wl.WORKED
    x, t, w_h0, w_o0 = _worked_arrays()
    result = {}

    def fit(n):
        w_h, w_o = w_h0.copy(), w_o0.copy()
        h, o = np.empty((1, 2)), np.empty((1, 2))
        d_o, d_h, tmp = np.empty((1, 2)), np.empty((1, 2)), np.empty((1, 2))
        g_h, g_o = np.empty((2, 2)), np.empty((2, 2))
        xT = x.T
        lr, b_h, b_o = e["lr"], e["b_hidden"], e["b_out"]
        for _ in range(n):
            np.matmul(x, w_h, out=h)
            h += b_h
            np.negative(h, out=h)
            np.exp(h, out=h)
            h += 1
            np.reciprocal(h, out=h)
            np.matmul(h, w_o, out=o)
            o += b_o
            np.negative(o, out=o)
            np.exp(o, out=o)
            o += 1
            np.reciprocal(o, out=o)
            # output delta (o - t) o (1 - o); hidden delta from the weights before the update
            np.subtract(o, t, out=d_o)
            d_o *= o
            np.subtract(1, o, out=tmp)
            d_o *= tmp
            np.matmul(d_o, w_o.T, out=d_h)
            d_h *= h
            np.subtract(1, h, out=tmp)
            d_h *= tmp
            np.matmul(h.T, d_o, out=g_o)
            np.matmul(xT, d_h, out=g_h)
            g_o *= lr
            w_o -= g_o
            g_h *= lr
            w_h -= g_h
        return w_h, w_o

    if WARM:
        fit(100)

    def train():
        result["w"] = fit(rows)

    return train, lambda: _final_error(*result["w"]), _blas_threads()


def prepare_python(spec, variant, rows):
    """Plain Python floats: the forward pass, chain rule and update written out, no arrays."""
    if spec["kind"] != "worked":
        raise Skip("not a contender of this workload")
    e = wl.WORKED
    exp = math.exp
    result = {}

    def fit(n):
        i1, i2 = e["x"]
        t1, t2 = e["t"]
        (w1, w3), (w2, w4) = e["w_hidden"]
        (w5, w7), (w6, w8) = e["w_out"]
        b1, b2, lr = e["b_hidden"], e["b_out"], e["lr"]
        for _ in range(n):
            h1 = 1 / (1 + exp(-(w1 * i1 + w2 * i2 + b1)))
            h2 = 1 / (1 + exp(-(w3 * i1 + w4 * i2 + b1)))
            o1 = 1 / (1 + exp(-(w5 * h1 + w6 * h2 + b2)))
            o2 = 1 / (1 + exp(-(w7 * h1 + w8 * h2 + b2)))
            d1 = (o1 - t1) * o1 * (1 - o1)
            d2 = (o2 - t2) * o2 * (1 - o2)
            e1 = (d1 * w5 + d2 * w7) * h1 * (1 - h1)
            e2 = (d1 * w6 + d2 * w8) * h2 * (1 - h2)
            d1, d2, e1, e2 = lr * d1, lr * d2, lr * e1, lr * e2
            w5, w6, w7, w8 = w5 - d1 * h1, w6 - d1 * h2, w7 - d2 * h1, w8 - d2 * h2
            w1, w2, w3, w4 = w1 - e1 * i1, w2 - e1 * i2, w3 - e2 * i1, w4 - e2 * i2
        return ((w1, w3), (w2, w4)), ((w5, w7), (w6, w8))

    if WARM:
        fit(100)

    def train():
        result["w"] = fit(rows)

    return train, lambda: _final_error(*result["w"]), "none (pure Python)"


def prepare_micrograd(spec, variant, rows):
    """micrograd's scalar autograd (its Value has no exp: a logistic node is added its way)."""
    if spec["kind"] != "worked":
        raise Skip("not a contender of this workload")
    try:
        from micrograd.engine import Value
    except ImportError:
        raise Skip("micrograd is not installed (pip install -e '.[bench]')") from None
    e = wl.WORKED

    def logistic(v):
        s = 1 / (1 + math.exp(-v.data))
        out = Value(s, (v,), "logistic")

        def _backward():
            v.grad += s * (1 - s) * out.grad

        out._backward = _backward
        return out

    result = {}

    def fit(n):
        (a, c), (b, d) = e["w_hidden"]
        w_h = [[Value(a), Value(c)], [Value(b), Value(d)]]
        (a, c), (b, d) = e["w_out"]
        w_o = [[Value(a), Value(c)], [Value(b), Value(d)]]
        params = [w for row in w_h + w_o for w in row]
        x, t = e["x"], e["t"]
        for _ in range(n):
            h = [logistic(x[0] * w_h[0][j] + x[1] * w_h[1][j] + e["b_hidden"]) for j in (0, 1)]
            o = [logistic(h[0] * w_o[0][j] + h[1] * w_o[1][j] + e["b_out"]) for j in (0, 1)]
            err = 0.5 * (t[0] - o[0]) ** 2 + 0.5 * (t[1] - o[1]) ** 2
            for p in params:
                p.grad = 0.0
            err.backward()
            for p in params:
                p.data -= e["lr"] * p.grad
        return ([[w.data for w in row] for row in w_h], [[w.data for w in row] for row in w_o])

    if WARM:
        fit(100)

    def train():
        result["w"] = fit(rows)

    return train, lambda: _final_error(*result["w"]), "none (pure Python)"


def _prepare_worked_torch(spec, rows, torch, threads):
    e = wl.WORKED
    x, t, w_h0, w_o0 = (torch.from_numpy(a) for a in _worked_arrays())
    result = {}

    def fit(n):
        w_h = w_h0.clone().requires_grad_(True)
        w_o = w_o0.clone().requires_grad_(True)
        opt = torch.optim.SGD([w_h, w_o], lr=e["lr"])
        for _ in range(n):
            opt.zero_grad()
            h = torch.sigmoid(x @ w_h + e["b_hidden"])
            o = torch.sigmoid(h @ w_o + e["b_out"])
            err = 0.5 * ((t - o) ** 2).sum()
            err.backward()
            opt.step()
        return w_h.detach().numpy(), w_o.detach().numpy()

    if WARM:
        fit(100)

    def train():
        result["w"] = fit(rows)

    return train, lambda: _final_error(*result["w"]), threads()


CONTENDERS = {
    "gemm": prepare_gemm,
    "deltaprop": prepare_deltaprop,
    "deltaprop-memmap": prepare_deltaprop_memmap,
    "deltaprop-fast": prepare_deltaprop_fast,
    "numpy": prepare_numpy,
    "python": prepare_python,
    "micrograd": prepare_micrograd,
    "sklearn-f32": prepare_sklearn_f32,
    "sklearn-f64": prepare_sklearn_f64,
    "torch": prepare_torch,
    "jax": prepare_jax,
    "jax-scan": prepare_jax_scan,
    "keras": prepare_keras,
}
