"""Backpropagation: the chain rule over the tape, in reverse topological order."""

from __future__ import annotations

import numpy as np

from ..errors import BackwardError, ShapeError
from . import tracer
from .broadcast import unbroadcast
from .tensor import Tensor


def topological_order(root: Tensor) -> list[Tensor]:
    """Tensors that lead to ``root`` and need a gradient, ``root`` first, leaves last.

    Iterative depth-first search (no recursion limit); parents are visited in argument order,
    so the order is the same on every run.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, parents_done = stack.pop()
        if parents_done:
            order.append(t)
            continue
        if id(t) in visited:
            continue
        visited.add(id(t))
        stack.append((t, True))
        if t._node is not None:
            for p in reversed(t._node[1]):
                if p.requires_grad and id(p) not in visited:
                    stack.append((p, False))
    order.reverse()
    return order


class BackwardPlan:
    """The backward pass of one graph, compiled once into slots and runnable many times.

    ``tensors[i]`` is slot ``i`` (slot 0 is the root), in reverse topological order; each
    node is ``(op, out_slot, parents, in_slots)`` with ``in_slots[k] = -1`` for a parent that
    needs no gradient. Running the plan reads every array from the tensors at that moment, so
    a replayed forward pass that refreshed them is backpropagated through the same plan.
    """

    def __init__(self, root: Tensor):
        self.tensors = topological_order(root)
        slot = {id(t): i for i, t in enumerate(self.tensors)}
        self.nodes = []
        for i, t in enumerate(self.tensors):
            if t._node is not None:
                op, parents = t._node
                ins = tuple(slot.get(id(p), -1) if p.requires_grad else -1 for p in parents)
                buffered = _buffered_leaves(parents, ins)
                # only the inputs that receive a gradient: (position, slot, tensor, is a leaf)
                targets = tuple(
                    (k, j, p, p._node is None)
                    for k, (j, p) in enumerate(zip(ins, parents))
                    if j >= 0
                )
                self.nodes.append(
                    (op, i, parents, ins, buffered or (None,) * len(parents), targets)
                )

    def run(self, g: np.ndarray) -> None:
        """Backpropagate ``g = dE/d root``; accumulate into the leaves' ``grad``."""
        tensors = self.tensors
        grads: list = [None] * len(tensors)
        grads[0] = g
        if tensors[0]._node is None:  # the root is itself a leaf
            _accumulate_leaf(tensors[0], g)
            return
        tracing = bool(tracer._tracers)
        for op, o, parents, ins, buffered, targets in self.nodes:
            g_o = grads[o]
            if g_o is None:
                continue
            grads[o] = None
            out = tensors[o]
            # ``buffered``: positions of leaves with gradient buffers, or ready-made Nones
            dests = op.grad_buffers = (
                _destinations(parents, buffered) if buffered[0] is not None else buffered
            )
            grads_in = op.vjp(g_o, out.data, *[p.data for p in parents])
            op.grad_buffers = ()
            for k, i, p, leaf in targets:
                gi = grads_in[k]
                if gi is None:
                    continue
                shape = p.data.shape
                if gi.shape != shape:
                    gi = unbroadcast(gi, shape, out=dests[k])
                if leaf:
                    _accumulate_leaf(p, gi, dests[k])
                elif grads[i] is None:
                    grads[i] = gi
                else:
                    grads[i] = grads[i] + gi
            if tracing:
                reduced = tuple(
                    None
                    if gi is None or i < 0
                    else (unbroadcast(gi, p.data.shape) if gi.shape != p.data.shape else gi)
                    for p, i, gi in zip(parents, ins, grads_in)
                )
                tracer.emit(tracer.VjpEvent(op, parents, out, g_o, reduced))


def backward(root: Tensor, g=None, plan: BackwardPlan | None = None) -> None:
    """Send ``g = dE/d root`` back through the tape and accumulate ``dE/d leaf`` in each leaf.

    For every recorded op ``out = f(x_1, ..., x_n)`` (visited after every op that uses
    ``out``), the chain rule gives ``dE/dx_i = vjp_i(dE/dout)``; contributions from several
    uses of one tensor add up. A leaf's ``grad`` accumulates across calls until it is reset
    (``optimizer.zero_grad()``). When ``root`` is a scalar ``g`` defaults to 1. ``plan`` is a
    :class:`BackwardPlan` of ``root`` compiled earlier (a replayed step).
    """
    if not root.requires_grad:
        raise BackwardError(
            "backward() needs a tensor that requires a gradient; this one does not "
            "(no input had requires_grad=True, or it was computed inside no_grad())"
        )
    if g is None:
        if root.size != 1:
            raise ShapeError(
                f"backward() without a gradient needs a scalar; got shape {root.shape} "
                "(pass g of the same shape)"
            )
        g = np.ones(root.data.shape, dtype=root.data.dtype)
    else:
        g = np.asarray(g, dtype=root.dtype)
        if g.shape != root.shape:
            raise ShapeError(f"g must have the shape of the tensor {root.shape}; got {g.shape}")
    (plan or BackwardPlan(root)).run(g)


def _buffered_leaves(parents: tuple, ins: tuple) -> tuple:
    """Positions of inputs that are leaves with a gradient buffer, at their first place among
    the inputs (``x * x`` must add its two contributions, not overwrite one with the other)."""
    return tuple(
        k
        for k, p in enumerate(parents)
        if ins[k] >= 0
        and p._node is None
        and p.grad_buffer is not None
        and not any(q is p for q in parents[:k])
    )


def _destinations(parents: tuple, buffered: tuple) -> list:
    """Per input, where its gradient may be written directly: the buffer of a leaf whose
    ``grad`` is still empty."""
    out = [None] * len(parents)
    for k in buffered:
        p = parents[k]
        if p.grad is None:
            out[k] = p.grad_buffer
    return out


def _accumulate_leaf(t: Tensor, g: np.ndarray, dest: np.ndarray | None = None) -> None:
    """Add ``g`` to a leaf's gradient; the first contribution goes to its buffer if it has one."""
    if t.grad is not None:
        t.grad += g
        return
    buf = dest if dest is not None else t.grad_buffer
    if buf is not None:
        if g is not buf:
            np.copyto(buf, g)
        t.grad = buf
    else:
        # A vjp may return its incoming gradient itself or a read-only broadcast view;
        # the leaf gets an array of its own so later accumulation cannot alias another.
        t.grad = np.array(g, dtype=t.dtype, copy=True)
