"""Checking a saved training state (a checkpoint's, or ``run.state()``) before a run is put
back into it: every value with the rule of the argument it stands for (an epoch is an
integer >= 0, a learning rate a finite number > 0, a generator state one that NumPy accepts,
weights and optimizer buffers of the network's shapes and dtypes, finite), and the settings
of the run that wrote it (batch size, seed, validation split, training data) equal to this
run's. Nothing is changed until everything has passed, so a refused resume leaves the
network as it was.
"""

from __future__ import annotations

import hashlib
import math
import numbers

import numpy as np

from ..errors import ParameterError

#: The settings a resumed run must share with the run that wrote the state (a seed or data
#: digest of None is not known: a seed given as a Generator, a batch source).
SETTINGS = ("batch_size", "seed", "validation_split", "data")
_MAY_BE_UNKNOWN = ("seed", "data")


def run_settings(run, batch_size, seed, validation_split) -> dict:
    """The settings of ``run`` that a resumed run must share (see :data:`SETTINGS`)."""
    return {
        "batch_size": batch_size,
        "seed": int(seed) if isinstance(seed, numbers.Integral) else None,
        "validation_split": None if validation_split is None else float(validation_split),
        "data": None,  # computed on first use: data_digest(run)
    }


def data_digest(run) -> str | None:
    """A SHA-256 of the run's training rows (features and targets, shapes and dtypes
    included); None for a batch source."""
    if run.X is None:
        return None
    digest = hashlib.sha256()
    for array in (run.X, run.y):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def check_settings(saved, own: dict) -> None:
    """Refuse a resume whose settings differ from the saved ones, naming every difference."""
    if saved is None:
        return  # a state written before settings were saved
    if not isinstance(saved, dict):
        raise ParameterError(f"the state's settings must be an object; got {saved!r:.80}")
    differences = []
    for key in SETTINGS:
        if key not in saved:
            continue
        before, now = saved[key], own.get(key)
        unknown = key in _MAY_BE_UNKNOWN and (before is None or now is None)
        if not unknown and before != now:
            if key == "data":
                differences.append("the training data (rows, values or order) differ")
            else:
                differences.append(f"{key} was {before!r}, now {now!r}")
    if differences:
        raise ParameterError(
            "resume must continue the run that wrote the state, with the same settings; "
            + "; ".join(differences)
            + " (pass the same settings, or start without resume)"
        )


def _integer(field: str, value, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ParameterError(f"the state's {field} must be an integer >= {low}; got {value!r:.80}")
    if value > 2**62:
        raise ParameterError(f"the state's {field} is out of range; got {value!r:.80}")
    return int(value)


def _positive(field: str, value) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not value > 0
    ):
        raise ParameterError(f"the state's {field} must be a finite number > 0; got {value!r:.80}")
    return float(value)


def _number(field: str, value, allow_inf: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ParameterError(f"the state's {field} must be a number; got {value!r:.80}")
    if not allow_inf and not math.isfinite(value):
        raise ParameterError(f"the state's {field} must be finite; got {value!r:.80}")
    return float(value)


def _mapping(field: str, value) -> dict:
    if not isinstance(value, dict):
        raise ParameterError(f"the state's {field} must be an object; got {value!r:.80}")
    return value


def _list(field: str, value) -> list:
    if not isinstance(value, list):
        raise ParameterError(f"the state's {field} must be a list; got {value!r:.80}")
    return value


def check_generator_state(field: str, saved, generator: np.random.Generator) -> None:
    """``saved`` must be a state NumPy accepts for ``generator``'s bit generator (tried on a
    new one, so ``generator`` is untouched)."""
    trial = type(generator.bit_generator)()
    try:
        trial.state = saved
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError) as exc:
        name = type(trial).__name__
        raise ParameterError(
            f"the state's {field} is not a {name} generator state ({type(exc).__name__}: "
            f"{str(exc)[:120]})"
        ) from exc


def check_arrays(field: str, saved, own: dict) -> None:
    """``saved`` (name -> array) has exactly ``own``'s names, shapes and dtypes, finite."""
    saved = _mapping(field, saved)
    missing = sorted(set(own) - set(saved))
    extra = sorted(set(saved) - set(own))
    if missing or extra:
        raise ParameterError(
            f"the state's {field} do not fit this network: missing {missing[:5]}, "
            f"unexpected {extra[:5]}"
        )
    for name, current in own.items():
        value = saved[name]
        if not isinstance(value, np.ndarray):
            raise ParameterError(f"the state's {field} {name} must be an array; got {value!r:.80}")
        current = np.asarray(current)
        if value.shape != current.shape or value.dtype != current.dtype:
            raise ParameterError(
                f"the state's {field} {name} is {value.dtype}{list(value.shape)}; this network "
                f"needs {current.dtype}{list(current.shape)}"
            )
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise ParameterError(f"the state's {field} {name} holds NaN or infinite values")


def check_state(run, state) -> None:
    """Every field of ``state`` (see :mod:`.resume`) valid for ``run``; ParameterError naming
    the first that is not."""
    state = _mapping("root", state)
    for key in ("epoch", "samples_seen", "rng", "layer_rngs", "weights", "optimizer",
                "callbacks"):  # fmt: skip
        if key not in state:
            raise ParameterError(f"the state has no {key!r} (not a state saved by fit)")
    _integer("epoch", state["epoch"])
    _integer("samples_seen", state["samples_seen"])
    if state.get("base_lr") is not None:
        _positive("base_lr", state["base_lr"])
    _positive("lr_scale", state.get("lr_scale", 1.0))
    check_generator_state("rng", state["rng"], run.rng)
    weights = run.module.state_dict()
    check_arrays("weights", state["weights"], weights)
    _check_optimizer(run.optimizer, _mapping("optimizer", state["optimizer"]))
    for i, entry in enumerate(_list("callbacks", state["callbacks"])):
        entry = _mapping(f"callbacks[{i}]", entry)
        if not isinstance(entry.get("type"), str) or not isinstance(entry.get("state"), dict):
            raise ParameterError(
                f"the state's callbacks[{i}] must be {{type, state}}; got {entry!r:.80}"
            )
        _check_callback_state(f"callbacks[{i}] ({entry['type']})", entry["state"], weights)
    history = _mapping("history", state.get("history", {"epochs": [], "history": {}}))
    for i, epoch in enumerate(_list("history.epochs", history.get("epochs", []))):
        _integer(f"history.epochs[{i}]", epoch, low=1)
    for key, values in _mapping("history.history", history.get("history", {})).items():
        for i, value in enumerate(_list(f"history.history[{key!r}]", values)):
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                _number(f"history.history[{key!r}][{i}]", value)
    _integer("history.rollbacks", history.get("rollbacks", 0))
    reason = state.get("stop_reason")
    if reason is not None and not isinstance(reason, str):
        raise ParameterError(f"the state's stop_reason must be text or null; got {reason!r:.80}")


def _check_optimizer(optimizer, saved: dict) -> None:
    _integer("optimizer.steps", saved.get("steps", 0))
    if "lr" in saved:
        _positive("optimizer.lr", saved["lr"])
    own = optimizer.state_dict()["state"]
    entries = _list("optimizer.state", saved.get("state", []))
    if len(entries) != len(own):
        raise ParameterError(
            f"the state's optimizer has {len(entries)} parameters; this optimizer has {len(own)}"
        )
    for i, (mine, theirs) in enumerate(zip(own, entries)):
        check_arrays(f"optimizer.state[{i}]", theirs, mine)


def _check_callback_state(field: str, state: dict, weights: dict) -> None:
    """The counters the library's callbacks save: best (a number, inf allowed), best_epoch
    and wait (integers >= 0), best_state (the network's weights)."""
    if state.get("best_state") is not None:
        check_arrays(f"{field}.best_state", state["best_state"], weights)
    if "best" in state:
        _number(f"{field}.best", state["best"])
    for key in ("best_epoch", "wait"):
        if key in state and state[key] is not None:
            _integer(f"{field}.{key}", state[key])
