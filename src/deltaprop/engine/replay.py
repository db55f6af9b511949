"""Replay: run a recorded forward and backward pass again on new inputs, without rebuilding
the graph.

A training step of a network whose graph never changes (a stack of dense layers) records the
same ops every batch. Recording it once and replaying it skips everything but the arithmetic:
no new Tensor objects, no graph, no topological sort, no per-layer checks. The replay calls the
very same op instances' ``forward`` and ``vjp`` and the engine's own :func:`backward` loop, so
it computes exactly what the normal path computes (the test suite checks that they agree to
the bit), and every op it runs is gradient-checked like any other.

Only graphs that do not depend on Python-side decisions per call may be replayed: a layer that
draws new random numbers in ``forward`` (dropout) is not replayable.
"""

from __future__ import annotations

import numpy as np

from .backprop import BackwardPlan, backward
from .tensor import Tensor
from .tracer import ForwardEvent, trace


class Replay:
    """A recorded ``fn(*inputs) -> scalar Tensor`` with its backward pass.

    Build it with :meth:`record`, which runs ``fn`` once normally (and returns its result
    too); then ``replay.step(*arrays)`` recomputes the scalar for new input arrays of the same
    dtypes, accumulates the gradients of every parameter into ``grad`` exactly as
    ``loss.backward()`` would, and returns the scalar's value.

    Examples
    --------
    >>> import numpy as np, deltaprop as dp
    >>> w = dp.Parameter(np.array([[1.0], [2.0]]))
    >>> fn = lambda x: dp.losses.squared_error(x @ w, np.zeros((1, 1)), reduction="sum_half")
    >>> replay, first = Replay.record(fn, np.array([[1.0, 1.0]]))
    >>> float(first.data), w.grad.ravel().tolist()
    (4.5, [3.0, 3.0])
    >>> w.grad = None
    >>> float(replay.step(np.array([[2.0, 0.0]]))), w.grad.ravel().tolist()
    (2.0, [4.0, 0.0])
    """

    def __init__(self, inputs: list[Tensor], program: list, result: Tensor, params: list):
        self.inputs = inputs
        self.program = program  # (op, input tensors, output tensor), in execution order
        self.result = result
        self.plan = BackwardPlan(result) if result.requires_grad else None
        self.params = params
        self.signature = _signature(params)
        self._seed: np.ndarray | None = None

    @classmethod
    def record(cls, fn, *arrays) -> tuple[Replay, Tensor]:
        """Run ``fn`` on ``arrays`` (wrapped as constant Tensors), record it, backpropagate."""
        inputs = [Tensor(a) for a in arrays]
        events: list[ForwardEvent] = []
        with trace(lambda e: events.append(e) if isinstance(e, ForwardEvent) else None):
            result = fn(*inputs)
        program = _needed([(e.op, e.inputs, e.output) for e in events], result)
        params = _leaves(program, inputs)
        replay = cls(inputs, program, result, params)
        if result.requires_grad:
            backward(result, plan=replay.plan)
        return replay, result

    def is_valid(self) -> bool:
        """False once a parameter was frozen or unfrozen since recording (record again)."""
        return _signature(self.params) == self.signature

    def step(self, *arrays) -> np.ndarray:
        """Forward on new input arrays, then backward; returns the result's array."""
        for t, a in zip(self.inputs, arrays):
            t.data = a
        for op, ins, out in self.program:
            out.data = op.forward(*[t.data for t in ins])
        if self.plan is not None:
            result = self.result.data
            seed = self._seed
            if seed is None or seed.shape != result.shape or seed.dtype != result.dtype:
                seed = self._seed = np.ones_like(result)  # dE/dE = 1
            self.plan.run(seed)
        return self.result.data


def _needed(program: list, result: Tensor) -> list:
    """The ops the result depends on, in execution order (others are dropped)."""
    needed = {id(result)}
    kept = []
    for op, ins, out in reversed(program):
        if id(out) in needed:
            kept.append((op, ins, out))
            needed.update(id(t) for t in ins)
    kept.reverse()
    return kept


def _leaves(program: list, inputs: list[Tensor]) -> list[Tensor]:
    """Every leaf the program reads other than its inputs: parameters and constants."""
    skip = {id(out) for _, _, out in program} | {id(t) for t in inputs}
    seen, leaves = set(), []
    for _, ins, _ in program:
        for t in ins:
            if id(t) not in skip and id(t) not in seen:
                seen.add(id(t))
                leaves.append(t)
    return leaves


def _signature(params) -> tuple:
    return tuple(p.requires_grad for p in params)
