"""One playground session: data, a network, its optimizer and history, stepped by the engine.

Step is one update on one mini-batch (the whole training set when the batch size is empty),
Epoch runs the rest of the current epoch, Reset rebuilds the network from the same seed (the
same start). The error shown is the loss on the whole training set with the current weights.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import numpy as np

from .. import losses, optim
from .._checks import check_number
from ..engine import Tensor, no_grad
from ..errors import ParameterError
from ..explanation.curve import find_weight
from ..explanation.models import preset_model
from ..network import Sequential
from ..nn import Dense, Standardize, activations
from ..training import History
from ..training.labels import fit_labels
from .data import Data, preset_data

MAX_HIDDEN = 8  # layers
MAX_UNITS = 256  # per layer
MAX_EPOCHS = 100_000


@dataclass
class Config:
    """The model's settings as the page edits them."""

    hidden: list = field(default_factory=lambda: [8])
    activation: str = "tanh"
    loss: str = "auto"
    optimizer: str = "adam"
    lr: float = 0.03
    batch_size: int | None = 32
    seed: int = 0


def preset_config(name: str) -> Config:
    if name == "worked-example":
        return Config(
            hidden=[2],
            activation="logistic",
            loss="squared_error",
            optimizer="sgd",
            lr=0.5,
            batch_size=None,
            seed=0,
        )
    if name == "one-weight":
        return Config(
            hidden=[],
            activation="identity",
            loss="squared_error",
            optimizer="sgd",
            lr=0.1,
            batch_size=None,
            seed=0,
        )
    if name == "xor":
        return Config(hidden=[4], activation="tanh", optimizer="adam", lr=0.05, batch_size=None)
    return Config()


def parse_config(raw: dict, old: Config) -> Config:
    """A Config from the page's fields; ParameterError naming the field for a bad value."""
    hidden_text = str(raw.get("hidden", ",".join(map(str, old.hidden)))).strip()
    try:
        hidden = (
            [int(v) for v in hidden_text.replace(" ", "").split(",") if v]
            if hidden_text.lower() not in ("", "none", "0")
            else []
        )
    except ValueError:
        raise ParameterError(
            f"layers must be widths separated by commas; got {hidden_text!r}"
        ) from None
    if len(hidden) > MAX_HIDDEN or any(not 1 <= h <= MAX_UNITS for h in hidden):
        raise ParameterError(
            f"layers: at most {MAX_HIDDEN} hidden layers of 1 to {MAX_UNITS} units; "
            f"got {hidden_text!r}"
        )
    activation = str(raw.get("activation", old.activation))
    if activation not in activations.NAMES:
        raise ParameterError(
            f"activation must be one of {', '.join(activations.NAMES)}; got {activation!r}"
        )
    loss = str(raw.get("loss", old.loss))
    if loss != "auto" and loss not in losses.LOSSES.names():
        raise ParameterError(
            f"loss must be auto or one of {', '.join(losses.LOSSES.names())}; got {loss!r}"
        )
    optimizer = str(raw.get("optimizer", old.optimizer))
    if optimizer not in optim.OPTIMIZERS.names():
        raise ParameterError(
            f"optimizer must be one of {', '.join(optim.OPTIMIZERS.names())}; got {optimizer!r}"
        )
    try:
        lr = float(raw.get("lr", old.lr))
        batch = raw.get("batch_size", old.batch_size)
        batch = None if batch in (None, "", "all", 0, "0") else int(batch)
        seed = int(raw.get("seed", old.seed))
    except (TypeError, ValueError):
        raise ParameterError("learning rate, batch size and seed must be numbers") from None
    check_number("learning rate", lr, low=0, low_inclusive=False, high=100)
    if batch is not None:
        check_number("batch size", batch, low=1, high=1_000_000, integer=True)
    check_number("seed", seed, low=0, high=2**32 - 1, integer=True)
    return Config(hidden, activation, loss, optimizer, lr, batch, seed)


class Session:
    """The state behind one page; every method holds the lock (the server is threaded)."""

    def __init__(self, preset: str = "worked-example"):
        self.lock = threading.RLock()
        self.load_preset(preset)

    # -- data and model -------------------------------------------------------------------
    def load_preset(self, name: str) -> None:
        with self.lock:
            self.data = preset_data(name)
            self.config = preset_config(name)
            self.reset()

    def load_data(self, data: Data) -> None:
        with self.lock:
            self.data = data
            self.config = Config(
                hidden=[16], activation="tanh", optimizer="adam", lr=0.01, batch_size=32
            )
            self.reset()

    def configure(self, raw: dict) -> None:
        with self.lock:
            self.config = parse_config(raw, self.config)
            self.reset()

    def _loss_name(self) -> str:
        if self.config.loss != "auto":
            return self.config.loss
        return "cross_entropy" if self.data.task == "classification" else "squared_error"

    def reset(self) -> None:
        """Rebuild the network and optimizer from the seed: the same start every time."""
        with self.lock:
            d, c = self.data, self.config
            # the published example's own weights while its architecture is kept (the
            # optimizer, learning rate, batch size and seed may change)
            own = preset_config(d.preset) if d.preset else None
            spec_preset = d.preset in ("worked-example", "one-weight") and (
                (c.hidden, c.activation, c.loss) == (own.hidden, own.activation, own.loss)
            )
            rng = np.random.default_rng(c.seed)
            n = len(d.X)
            order = rng.permutation(n)
            n_val = int(round(0.2 * n)) if n >= 20 else 0
            self.val_rows, self.train_rows = np.sort(order[:n_val]), np.sort(order[n_val:])
            if spec_preset:
                self.net, _, _ = preset_model(
                    "mazur" if d.preset == "worked-example" else "one-weight"
                )
                trained = [m.weight for m in self.net.layers]  # biases fixed, as published
                loss = self.net.loss
            else:
                loss = losses.get(self._loss_name())
                self.net = self._build(loss)
                trained = self.net.parameters()
            self.net.loss = loss
            y, self.net.classes_ = fit_labels(d.y, loss, units=self.net.out_features)
            self.net.feature_names = d.feature_names
            self.net.target_name = d.target_name
            self.target = loss.prepare_target(y, self.net.out_features, np.float64)
            self.optimizer = optim.OPTIMIZERS.get(c.optimizer)(trained, lr=c.lr)
            self.history = History()
            self.updates = 0
            self.position = 0
            self.epoch_order = self._order()
            self.selected = None
            self.message = ""

    def _build(self, loss) -> Sequential:
        d, c = self.data, self.config
        if loss.kind == "multiclass":
            out, act = len(np.unique(d.y)), "softmax"
        elif loss.kind == "binary":
            out, act = 1, "logistic"
        else:
            out, act = (d.y.shape[1] if d.y.ndim == 2 else 1), None
        layers = []
        if d.preset is None:  # the user's columns may have any scale
            layers.append(Standardize().fit(d.X[self.train_rows]))
        init = "he_uniform" if c.activation in ("relu", "leaky_relu") else "glorot_uniform"
        layers += [Dense(h, c.activation, init=init) for h in c.hidden]
        layers.append(Dense(out, act))
        net = Sequential(layers, seed=c.seed, dtype="float64")
        net.build(d.X.shape[1])
        return net

    def _order(self) -> np.ndarray:
        rng = np.random.default_rng([self.config.seed, len(self.history)])
        rows = self.train_rows
        return rows if self.config.batch_size is None else rng.permutation(rows)

    # -- training -------------------------------------------------------------------------
    def _batch(self) -> np.ndarray:
        size = self.config.batch_size or len(self.train_rows)
        return self.epoch_order[self.position : self.position + size]

    def step(self) -> None:
        """One update on the next mini-batch; at the end of an epoch, record it."""
        with self.lock:
            if self.message.startswith("the error is no longer finite"):
                raise ParameterError(self.message)
            rows = self._batch()
            self.optimizer.zero_grad()
            self.net.zero_grad()
            out = self.net(Tensor(self.data.X[rows]))
            self.net.loss(out, Tensor(self.target[rows])).backward()
            self.optimizer.step()
            self.updates += 1
            self.position += len(rows)
            if self.position >= len(self.epoch_order):
                self._end_epoch()
            if not np.isfinite(self.error()):
                self.message = (
                    "the error is no longer finite: the learning rate is too large "
                    "for this network; Reset, then lower it"
                )

    def epoch(self) -> None:
        """The rest of the current epoch (a whole one from its start)."""
        with self.lock:
            epochs = len(self.history)
            while len(self.history) == epochs and len(self.history) < MAX_EPOCHS:
                self.step()

    def _end_epoch(self) -> None:
        logs = {"loss": self.error(self.train_rows)}
        logs.update(self.scores(self.train_rows))
        if len(self.val_rows):
            logs["val_loss"] = self.error(self.val_rows)
            logs.update({f"val_{k}": v for k, v in self.scores(self.val_rows).items()})
        logs["lr"] = self.config.lr
        self.history.append(len(self.history) + 1, logs)
        self.position = 0
        self.epoch_order = self._order()

    # -- what the page shows --------------------------------------------------------------
    def error(self, rows=None) -> float:
        """The loss on ``rows`` (default: the training set) with the current weights."""
        rows = self.train_rows if rows is None else rows
        with no_grad():
            out = self.net(Tensor(self.data.X[rows]))
            return float(self.net.loss(out, Tensor(self.target[rows])).data)

    def scores(self, rows) -> dict:
        """accuracy for a classifier, R^2 for regression (when defined)."""
        from .. import metrics

        with no_grad():
            out = self.net(Tensor(self.data.X[rows])).data
        if self.net.loss.kind in ("multiclass", "binary"):
            pred = self.net.loss.predict(out).reshape(-1)
            truth = self.target[rows]
            truth = (
                truth.reshape(-1)
                if truth.ndim == 1 or truth.shape[1] == 1
                else np.argmax(truth, axis=1)
            )
            return {"accuracy": float(np.mean(pred == truth.astype(pred.dtype)))}
        if len(rows) < 2 or np.all(self.target[rows] == self.target[rows][0]):
            return {}
        return {"r2": float(metrics.r2_score(self.target[rows], out))}

    def set_weight(self, name: str, value) -> None:
        with self.lock:
            value = check_number(name, value)
            p, index = find_weight(self.net, name)
            p.data[index] = value
            self.selected = name

    def select(self, name: str | None) -> None:
        """Show the panel of a weight or bias (``layers.1.weight[0,2]``) or of a neuron
        (``layers.1.unit[2]``); a clear error for a name this network has not."""
        with self.lock:
            if name is not None and not self._is_unit(str(name)):
                find_weight(self.net, str(name))
            self.selected = None if name is None else str(name)

    def _is_unit(self, name: str) -> bool:
        match = re.fullmatch(r"layers\.(\d+)\.unit\[(\d+)\]", name)
        if match is None:
            return False
        k, j = int(match.group(1)), int(match.group(2))
        if (
            k >= len(self.net.layers)
            or not isinstance(self.net.layers[k], Dense)
            or j >= self.net.layers[k].units
        ):
            raise ParameterError(f"no neuron {name!r} in this network")
        return True
