"""Training checkpoints: a file to resume an interrupted ``fit`` from, and the callback that
writes it.

The file is a model file (see :mod:`deltaprop.io.modelfile`: a ZIP of ``.npy`` arrays plus
JSON, never pickle, written atomically) of format ``deltaprop-checkpoint``. Its config holds
``state``, the run's state from :func:`deltaprop.training.resume.capture_state` (epoch, random
generator states, learning-rate bookkeeping, history, callback counters) with every array
replaced by ``{"__tensor__": name}``, and ``model``, the network's ``get_config()`` when it has
one. The arrays (weights, optimizer buffers, a best epoch's weights) are the tensors. Reading
checks that every reference has its tensor, and no tensor is left over, before trusting it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .._checks import check_choice, check_number, warn
from ..errors import ModelFileError, ParameterError
from ..training.callbacks import Callback
from ..training.stopping import direction
from .atomic import check_writable
from .modelfile import read_model_file, write_model_file

FORMAT = "deltaprop-checkpoint"
_TENSOR = "__tensor__"
_REQUIRED = ("epoch", "samples_seen", "rng", "layer_rngs", "weights", "optimizer", "callbacks")


def write_checkpoint(path, state: dict, model: dict | None = None, *, quick: bool = True) -> None:
    """Write a training state (and the network's config, if given) to ``path`` atomically.

    ``quick`` (default: a checkpoint is rewritten every epoch): members uncompressed and the
    directory not synced, see ``write_model_file``; the file itself is always complete."""
    tensors: dict[str, np.ndarray] = {}
    encoded = _encode(state, "", tensors)
    write_model_file(path, {"state": encoded, "model": model}, tensors, kind=FORMAT, quick=quick)


def read_checkpoint(path) -> dict:
    """Return ``{"state": ..., "model": ...}`` from a checkpoint file, or raise ModelFileError."""
    config, tensors = read_model_file(path, kind=FORMAT)
    used: set[str] = set()
    state = _decode(config.get("state"), tensors, used, path)
    unused = sorted(set(tensors) - used)
    if unused:
        raise ModelFileError(f"{str(path)!r}: tensors not referenced by the state: {unused[:5]}")
    if not isinstance(state, dict) or any(k not in state for k in _REQUIRED):
        raise ModelFileError(
            f"{str(path)!r}: the checkpoint state must be an object with {', '.join(_REQUIRED)}"
        )
    if not isinstance(state["epoch"], int) or state["epoch"] < 0:
        raise ModelFileError(
            f"{str(path)!r}: epoch must be an integer >= 0; got {state['epoch']!r}"
        )
    for name, array in state["weights"].items() if isinstance(state["weights"], dict) else ():
        if not isinstance(array, np.ndarray) or not np.all(np.isfinite(array)):
            raise ModelFileError(f"{str(path)!r}: weight {name} is not a finite array")
    return {"state": state, "model": config.get("model")}


def _encode(value, name: str, tensors: dict):
    if isinstance(value, np.ndarray):
        tensors[name] = value
        return {_TENSOR: name}
    if isinstance(value, dict):
        return {
            str(k): _encode(v, f"{name}/{k}" if name else str(k), tensors) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{name}/{i}", tensors) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode(value, tensors: dict, used: set, path):
    if isinstance(value, dict):
        if set(value) == {_TENSOR}:
            name = value[_TENSOR]
            if not isinstance(name, str) or name not in tensors:
                raise ModelFileError(f"{str(path)!r}: the state names a missing tensor {name!r}")
            used.add(name)
            return tensors[name]
        return {k: _decode(v, tensors, used, path) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, tensors, used, path) for v in value]
    return value


class ModelCheckpoint(Callback):
    """Write a resumable checkpoint at the end of epochs (``fit(resume=path)`` reads it).

    Parameters
    ----------
    path : str or Path
        Where to write; ``{epoch}`` in it is replaced by the epoch number (one file per
        epoch), otherwise each write replaces the previous one. Writes are atomic: an
        interruption leaves the previous complete checkpoint.
    monitor : str, default "val_loss"
        The logged quantity ``save_best_only`` compares.
    save_best_only : bool, default False
        Write only when ``monitor`` improved on every earlier epoch (lower, or higher for
        accuracies and scores, as ``mode`` says).
    every_n_epochs : int, default 1
        Consider writing only at epochs that are multiples of this.
    write_last : bool, default False
        Also write the last epoch when training ends normally between two multiples of
        ``every_n_epochs``, so a resume knows where the run ended (``fit(checkpoint_every=)``
        sets it).
    mode : "auto", "min" or "max"

    Put it after the other callbacks: it saves their counters as they are at the epoch's end.

    >>> import numpy as np, deltaprop as dp, tempfile, os
    >>> X = np.linspace(-1, 1, 8).reshape(-1, 1); y = 3 * X
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "run.ckpt")
    >>> net = dp.Sequential([dp.Dense(1)], seed=0)
    >>> _ = net.fit(X, y, optimizer=dp.SGD(net.parameters(), lr=0.1), epochs=3, seed=0,
    ...             callbacks=[ModelCheckpoint(path, monitor="loss")])
    >>> read_checkpoint(path)["state"]["epoch"]
    3
    """

    def __init__(
        self,
        path,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        every_n_epochs: int = 1,
        mode: str = "auto",
        write_last: bool = False,
    ):
        if not isinstance(path, (str, Path)):
            raise ParameterError(f"path must be a file path; got {path!r}")
        self.path = str(path)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.every_n_epochs = check_number("every_n_epochs", every_n_epochs, low=1, integer=True)
        self.mode = check_choice("mode", mode, ("auto", "min", "max"))
        self.best = math.inf
        self.last_path: str | None = None
        self.write_last = bool(write_last)
        self.last_epoch = 0  # the epoch of the last write

    def on_train_begin(self, run):
        self.best = math.inf
        if getattr(run, "is_root", True):  # an unwritable path is refused before training
            check_writable(self.path.replace("{epoch}", "0"), what="checkpoint path")

    def on_epoch_end(self, run, epoch, logs):
        if epoch % self.every_n_epochs:
            return
        if self.save_best_only:
            if self.monitor not in logs:
                raise ParameterError(
                    f"ModelCheckpoint monitors {self.monitor!r}, which training does not record; "
                    f"recorded: {sorted(logs)}"
                )
            value = direction(self.monitor, self.mode) * logs[self.monitor]
            if not value < self.best:
                return
            self.best = value
        self._write(run, epoch)

    def on_train_end(self, run):
        # the end of a run is written even between every_n_epochs: a resume then says the
        # run is finished (or carries on from its last epoch)
        written = run.epoch == self.last_epoch or run.history.interrupted is not None
        if not self.write_last or self.save_best_only or run.stop_reason is None:
            return
        if written or not run.epoch:
            return
        self._write(run, run.epoch)

    def _write(self, run, epoch: int) -> None:
        if not getattr(run, "is_root", True):
            return  # in a data-parallel run only process 0 writes (the weights are the same)
        get_config = getattr(run.module, "get_config", None)
        model = get_config() if callable(get_config) else None
        target = self.path.replace("{epoch}", str(epoch))
        try:
            write_checkpoint(target, run.state(), model)
        except OSError as exc:  # a full disk: training goes on, the previous file is kept
            kept = f"; {self.last_path!r} is kept" if self.last_path else ""
            warn(
                f"could not write the checkpoint of epoch {epoch} to {target!r} "
                f"({exc.strerror or exc}){kept}; training goes on",
                UserWarning,
            )
            return
        self.last_path = target
        self.last_epoch = epoch

    def state_dict(self) -> dict:
        return {"best": self.best}

    def load_state_dict(self, state: dict) -> None:
        self.best = float(state["best"])
