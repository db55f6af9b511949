"""Optimizer: the base class owns the parameters, their state, zero_grad and step; each
subclass writes one update rule in ``update``."""

from __future__ import annotations

import math

import numpy as np

from .. import kernels
from .._checks import check_number, warn
from ..engine import Tensor
from ..errors import ParameterError, ParameterTypeError
from ..nn.flat import packed_buffers


class Optimizer:
    """Base class: ``step()`` applies ``update`` to every trainable parameter with a gradient.

    A subclass sets ``state_names`` (per-parameter arrays such as a momentum buffer, created as
    zeros shaped like the parameter before the first update) and writes
    ``update(w, g, state)``, which changes ``w`` in place from its gradient ``g`` and may read
    ``self.steps`` (the number of the current step, from 1).

    When the parameters are one packed set (a built Sequential's ``parameters()``, see
    :mod:`deltaprop.nn.flat`) and every one of them has a gradient, ``update`` runs once on the
    flat buffers: one pass for the whole network. Otherwise it runs per parameter, on views of
    the same state, so both paths give identical results. A rule with a compiled kernel
    (:mod:`deltaprop.kernels.optimizers`, with numba, for large buffers: one loop making the
    same operations, so the same bits, instead of many NumPy passes) names it in
    ``compiled_update``; the base class runs it when it applies, else ``update``, which is the
    NumPy rule alone.
    Frozen parameters (``requires_grad=False``) and parameters without a gradient are left
    exactly as they are.
    State is created at the first step, so an optimizer may be built before the network knows
    its input size.

    ``clip_norm`` clips by global norm before the update: when the L2 norm of all trainable
    gradients together, ``||g|| = sqrt(sum_p sum g_p^2)``, exceeds ``clip_norm``, every gradient
    is scaled in place by ``clip_norm / ||g||`` (as ``torch.nn.utils.clip_grad_norm_``, without
    its epsilon). The direction of the step is kept; only its length is bounded.
    """

    state_names: tuple[str, ...] = ()
    #: Above this learning rate the constructor warns (None: no bound). Adaptive methods move
    #: each weight by about ``lr`` per step whatever the gradient, so a rate above 1 is
    #: almost always a mistake (SGD's step scales with the gradient: no bound).
    sensible_lr: float | None = None

    def __init__(self, params, lr: float, clip_norm: float | None = None):
        if isinstance(params, Tensor):
            raise ParameterTypeError(
                "params must be an iterable of parameters, e.g. net.parameters(); "
                "got a single Tensor"
            )
        try:
            self.params = list(params)
        except TypeError as exc:
            raise ParameterTypeError(
                f"params must be an iterable of parameters, e.g. net.parameters(); got {params!r}"
            ) from exc
        if not self.params:
            raise ParameterError("params is empty: the optimizer has nothing to train")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise ParameterTypeError(f"params[{i}] must be a Tensor or Parameter; got {p!r}")
        self.lr = check_number("lr", lr, low=0.0, low_inclusive=False)
        if self.sensible_lr is not None and self.lr > self.sensible_lr:
            warn(
                f"lr={self.lr:g} is very large for {type(self).__name__}, which moves every "
                "weight by about lr per step whatever the gradient size; values of 1e-4 to "
                f"1e-2 are usual (this warning: lr > {self.sensible_lr:g})",
                UserWarning,
            )
        self.clip_norm = (
            None
            if clip_norm is None
            else check_number("clip_norm", clip_norm, low=0.0, low_inclusive=False)
        )
        self.steps = 0
        self.state: list[dict] | None = None  # per parameter: name -> array (views if flat)
        self._flat_state: dict | None = None
        self._flat: tuple | None = None
        self._scratch: dict = {}

    # -- state --------------------------------------------------------------------------------
    def _init_state(self) -> None:
        self._flat = packed_buffers(self.params)
        if self._flat is not None:
            values = self._flat[0]
            self._flat_state = {k: np.zeros_like(values) for k in self.state_names}
            self.state = []
            offset = 0
            for p in self.params:
                n = p.data.size
                self.state.append(
                    {
                        k: a[offset : offset + n].reshape(p.data.shape)
                        for k, a in self._flat_state.items()
                    }
                )
                offset += n
        else:
            self.state = [{k: np.zeros_like(p.data) for k in self.state_names} for p in self.params]

    def state_dict(self) -> dict:
        """A copy of everything needed to resume: step count, lr, per-parameter state."""
        if self.state is None:
            self._init_state()
        return {
            "steps": self.steps,
            "lr": self.lr,
            "state": [{k: a.copy() for k, a in s.items()} for s in self.state],
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned (shapes must match)."""
        if self.state is None:
            self._init_state()
        entries = state.get("state", [])
        if len(entries) != len(self.params):
            raise ParameterError(
                f"optimizer state has {len(entries)} parameters; this optimizer has "
                f"{len(self.params)}"
            )
        for own, saved in zip(self.state, entries):
            for k, a in own.items():
                if k not in saved or np.shape(saved[k]) != a.shape:
                    raise ParameterError(f"optimizer state {k!r} is missing or has the wrong shape")
                np.copyto(a, saved[k])
        self.steps = int(state.get("steps", 0))
        self.lr = float(state.get("lr", self.lr))

    def reset_state(self) -> None:
        """Forget the state and the step count: the next step starts as the first did."""
        self.state = None
        self._flat_state = None
        self.steps = 0

    def state_arrays(self) -> list[np.ndarray]:
        """The arrays that hold the state, to copy and restore in place: one flat array per
        state name when the parameters are packed; none before the first step."""
        if self.state is None:
            return []
        if self._flat_state is not None:
            return list(self._flat_state.values())
        return [a for s in self.state for a in s.values()]

    # -- stepping -----------------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set it to None) before the next backward."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every trainable parameter in place from its gradient."""
        if self.state is None:
            self._init_state()
        self.steps += 1
        if self._flat is not None and self._flat_ready():
            if self.clip_norm is not None:
                self._clip([p.grad for p in self.params], [self._flat[1]])
            self._apply(self._flat[0], self._flat[1], self._flat_state)
            return
        live = [
            (p, state)
            for p, state in zip(self.params, self.state)
            if p.requires_grad and p.grad is not None
        ]
        if self.clip_norm is not None:
            self._clip([p.grad for p, _ in live])
        for p, state in live:
            self._apply(p.data, p.grad, state)

    def _apply(self, w, g, state) -> None:
        """The rule's compiled kernel when one applies to these arrays, else ``update``."""
        call = self.compiled_update(w, g, state)
        if call is not None:
            name, arrays = call
            kernel = kernels.find(name, *arrays)
            if kernel is not None:
                kernel(*map(kernels.flat, arrays), *self.compiled_scalars(w.dtype.type))
                return
        self.update(w, g, state)

    def _flat_ready(self) -> bool:
        """Every parameter trainable, with its gradient in the packed gradient buffer."""
        for p in self.params:
            if not p.requires_grad or p.grad is None or p.grad is not p.grad_buffer:
                return False
        return True

    def _clip(self, grads: list, targets: list | None = None) -> None:
        # The norm is accumulated in float64 so a float32 network's large gradients cannot
        # overflow the sum of squares; the scaling itself stays in the gradients' dtype. It is
        # summed parameter by parameter on both paths, so the flat and per-parameter paths
        # clip to the same bits.
        squares = (float(np.dot(g.ravel(), g.ravel().astype(np.float64))) for g in grads)
        total = math.sqrt(sum(squares))
        if not math.isfinite(total):
            return  # a non-finite gradient: leave it for the divergence check to report
        if total > self.clip_norm:
            scale = self.clip_norm / total
            for g in grads if targets is None else targets:
                g *= scale

    def scratch(self, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A temporary array shaped like ``like``, reused across steps (contents undefined)."""
        key = (like.shape, like.dtype, slot)
        buf = self._scratch.get(key)
        if buf is None:
            buf = self._scratch[key] = np.empty_like(like)
        return buf

    def update(self, w: np.ndarray, g: np.ndarray, state: dict) -> None:
        """Change ``w`` in place given its gradient ``g``; ``state`` holds ``state_names``."""
        raise NotImplementedError

    def compiled_update(self, w, g, state) -> tuple | None:
        """``(kernel name, arrays)`` of the compiled form of ``update``
        (:data:`deltaprop.kernels.optimizers.KERNELS`), or None when there is none."""
        return None

    def compiled_scalars(self, f) -> tuple:
        """The kernel's arguments after the arrays, each made by ``f`` (the arrays' dtype)."""
        return ()

    def get_config(self) -> dict:
        """The constructor's hyper-parameters (for checkpoints and repr)."""
        return {"lr": self.lr, "clip_norm": self.clip_norm}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
