"""Backpropagation: the chain rule over the tape, in reverse topological order."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
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


def backward(root: Tensor, g=None, order: list[Tensor] | None = None) -> None:
    """Send ``g = dE/d root`` back through the tape and accumulate ``dE/d leaf`` in each leaf.

    For every recorded op ``out = f(x_1, ..., x_n)`` (visited after every op that uses
    ``out``), the chain rule gives ``dE/dx_i = vjp_i(dE/dout)``; contributions from several
    uses of one tensor add up. A leaf's ``grad`` accumulates across calls until it is reset
    (``optimizer.zero_grad()``). When ``root`` is a scalar ``g`` defaults to 1. ``order`` is
    ``topological_order(root)`` when the caller has it already (a replayed tape).
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward() needs a tensor that requires a gradient; this one does not "
            "(no input had requires_grad=True, or it was computed inside no_grad())"
        )
    if g is None:
        if root.size != 1:
            raise ShapeError(
                f"backward() without a gradient needs a scalar; got shape {root.shape} "
                "(pass g of the same shape)"
            )
        g = np.ones_like(root.data)
    else:
        g = np.asarray(g, dtype=root.dtype)
        if g.shape != root.shape:
            raise ShapeError(f"g must have the shape of the tensor {root.shape}; got {g.shape}")

    grads: dict[int, np.ndarray] = {id(root): g}
    tracing = bool(tracer._tracers)
    for t in topological_order(root) if order is None else order:
        g_t = grads.pop(id(t), None)
        if g_t is None:
            continue
        if t._node is None:
            _accumulate_leaf(t, g_t)
            continue
        op, parents = t._node
        op.grad_buffers = _destinations(parents)
        grads_in = op.vjp(g_t, t.data, *[p.data for p in parents])
        reduced = []
        for p, need, gi, dest in zip(parents, op.needs_input_grad, grads_in, op.grad_buffers):
            if not need or gi is None:
                reduced.append(None)
                continue
            gi = unbroadcast(gi, p.data.shape, out=dest)
            reduced.append(gi)
            if gi is dest:  # already stored in the leaf's gradient buffer
                p.grad = dest
            elif id(p) in grads:
                grads[id(p)] = grads[id(p)] + gi
            else:
                grads[id(p)] = gi
        op.grad_buffers = ()
        if tracing:
            tracer.emit(tracer.VjpEvent(op, parents, t, g_t, tuple(reduced)))


def _destinations(parents: tuple) -> tuple:
    """Per input, the leaf's preallocated gradient buffer when its gradient can go straight
    there: a leaf with an empty ``grad``, at its first place among the inputs (``x * x`` must
    add its two contributions, not overwrite one with the other)."""
    seen: set[int] = set()
    out = []
    for p in parents:
        buf = getattr(p, "grad_buffer", None)
        usable = buf is not None and p._node is None and p.grad is None and id(p) not in seen
        seen.add(id(p))
        out.append(buf if usable and p.requires_grad else None)
    return tuple(out)


def _accumulate_leaf(t: Tensor, g: np.ndarray) -> None:
    if t.grad is None:
        buf = getattr(t, "grad_buffer", None)
        if buf is not None:
            np.copyto(buf, g)
            t.grad = buf
        else:
            # A vjp may return its incoming gradient itself or a read-only broadcast view;
            # the leaf gets an array of its own so later accumulation cannot alias another.
            t.grad = np.array(g, dtype=t.dtype, copy=True)
    else:
        t.grad += g
