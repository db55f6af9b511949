"""The state of a training run between two epochs, and putting a run back into it.

A state is a nested dict of JSON values and NumPy arrays (a checkpoint file stores it, see
:mod:`deltaprop.io.checkpoint`)::

    epoch, samples_seen, base_lr, lr_scale   where the run stands
    rng                                      the shuffling generator's bit_generator.state
    layer_rngs                               the same for every layer with a ``generator``
                                             (dropout), in ``module.modules()`` order
    weights                                  module.state_dict()
    optimizer                                optimizer.state_dict()
    callbacks                                {type, state} of each callback with a state_dict()
    history                                  epochs, per-epoch records and rollbacks so far
    settings                                 batch size, seed, validation split and a digest
                                             of the training data (a resume must match them)

Restoring all of it makes the next epoch draw the same batches, masks and updates as the
uninterrupted run would have: the resumed run ends with identical weights.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from .state_checks import check_settings, check_state, data_digest


def _generators(module) -> list:
    modules = module.modules() if hasattr(module, "modules") else [module]
    return [
        m.generator
        for m in modules
        if isinstance(getattr(m, "generator", None), np.random.Generator)
    ]


def capture_state(run) -> dict:
    """A copy of everything ``restore_state`` needs (see the module docstring)."""
    history = run.history
    return {
        "epoch": run.epoch,
        "samples_seen": run.samples_seen,
        "base_lr": run.base_lr,
        "lr_scale": run.lr_scale,
        "rng": run.rng.bit_generator.state,
        "layer_rngs": [g.bit_generator.state for g in _generators(run.module)],
        "weights": run.module.state_dict(),
        "optimizer": run.optimizer.state_dict(),
        "callbacks": [
            {"type": type(cb).__name__, "state": cb.state_dict()}
            for cb in run.callbacks
            if hasattr(cb, "state_dict")
        ],
        "history": {
            "epochs": list(history.epochs),
            "history": {k: list(v) for k, v in history.history.items()},
            "rollbacks": history.rollbacks,
        },
        "settings": _settings(run),
        # why a stopping rule or callback ended the run (None while it runs on, and when it
        # ended at the epoch limit or by a signal): a resume of a finished run changes nothing
        "stop_reason": None
        if getattr(run, "reached_limit", False) or run.history.interrupted
        else run.stop_reason,
    }


def _settings(run) -> dict | None:
    """The run's settings (see :mod:`.state_checks`), the data digest computed once."""
    settings = getattr(run, "settings", None)
    if settings is None:
        return None
    if settings["data"] is None:
        settings["data"] = data_digest(run)
    return dict(settings)


def restore_state(run, state: dict) -> int:
    """Put ``run`` (its module, optimizer, generators, callbacks, history) into ``state``;
    return the epoch it holds. Raises ParameterError when the state does not fit the run
    (every value is checked first: a refused state changes nothing)."""
    try:
        check_state(run, state)
    except ParameterError as exc:
        raise ParameterError(
            f"resume must be a state saved by a training run of this network; {exc}"
        ) from None
    saved = state.get("settings")
    if isinstance(saved, dict) and getattr(run, "settings", None) is not None:
        own = dict(run.settings)
        if saved.get("data") is not None:
            own = _settings(run)
        check_settings(saved, own)
    try:
        run.module.load_state_dict(state["weights"])
        run.optimizer.load_state_dict(state["optimizer"])
        run.rng.bit_generator.state = state["rng"]
        generators = _generators(run.module)
        if len(generators) != len(state["layer_rngs"]):
            raise ParameterError(
                f"the state has {len(state['layer_rngs'])} layer generators; this network has "
                f"{len(generators)}"
            )
        for g, saved in zip(generators, state["layer_rngs"]):
            g.bit_generator.state = saved
        _restore_callbacks(run.callbacks, state["callbacks"])
        run.samples_seen = int(state["samples_seen"])
        run.base_lr = state["base_lr"]
        run.lr_scale = float(state["lr_scale"])
        for epoch in state["history"]["epochs"]:
            run.history.epochs.append(int(epoch))
        for key, values in state["history"]["history"].items():
            run.history.history[key] = [float(v) for v in values]
        run.history.rollbacks = int(state["history"].get("rollbacks", 0))
        run.epoch = int(state["epoch"])
    except (KeyError, TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
        if isinstance(exc, ParameterError):
            raise
        raise ParameterError(
            f"resume must be a state saved by a training run of this network; {exc}"
        ) from exc
    return run.epoch


def _restore_callbacks(callbacks: list, saved: list) -> None:
    """Give the k-th saved state of each callback type to the k-th such callback of this run.

    Matching by type lets the resumed run add or leave out callbacks without state (a
    checkpoint writer, a logger); a type the run no longer has is ignored.
    """
    by_type: dict[str, list] = {}
    for entry in saved:
        by_type.setdefault(entry["type"], []).append(entry["state"])
    for cb in callbacks:
        states = by_type.get(type(cb).__name__)
        if states and hasattr(cb, "load_state_dict"):
            cb.load_state_dict(states.pop(0))
