"""What every fused step (``fused.py``) shares: the in-place nonlinearities and the
slopes their backward reads from the outputs, where a step writes its arrays (its rows
of the sequence's buffers when the layer hands them over, else new ones), the small
pieces of its backward, and the check of its inputs' shapes.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from minigrad.backend import get_array_module
from minigrad.ops._util import t_matmul


def sigmoid_(x):
    """sigmoid(x) = (1 + tanh(x / 2)) / 2, computed in place and returned.

    Stable (tanh never overflows) and cheap in place on the strided gate slices.
    It is exact to absolute round-off (1e-16), which is what gates and their
    gradients need, but not to relative precision far in the negative tail
    (x = -30 gives 9.359e-14 for 9.358e-14): ``mg.sigmoid`` keeps the exp form
    (``ops.elementwise._sigmoid``) for that. One formula for both would change
    either the fused cells' numbers or ``mg.sigmoid``'s precision.
    """
    xp = get_array_module(x)
    x *= 0.5
    xp.tanh(x, out=x)
    x += 1
    x *= 0.5
    return x


def _tanh_(a):
    return get_array_module(a).tanh(a, out=a)


def _tanh_slope(h):
    return 1 - h * h                    # tanh'(a) from h = tanh(a)


def _relu_(a):
    return get_array_module(a).maximum(a, 0, out=a)


def _relu_slope(h):
    return h > 0                        # relu'(a) from h = relu(a)


class Activation(NamedTuple):
    """An Elman cell's nonlinearity for the fused step: applied in place, and its
    derivative from the output (so backward needs only h)."""
    name: str
    apply_: Callable
    slope: Callable


TANH = Activation("tanh", _tanh_, _tanh_slope)
RELU = Activation("relu", _relu_, _relu_slope)


def rows_for(handoff, name: str, xp, shape, dtype):
    """Where a step writes its array ``name`` ("gates", "c", "h"...): its rows of the
    sequence's buffer when the layer handed them over, else a new array."""
    if handoff is None:
        return xp.empty(shape, dtype=dtype)
    return handoff.rows(name, xp, shape, dtype)


def gates_from(handoff, xg, xp):
    """Where a step builds its gates, starting from xg: xg's own rows when the layer
    hands its projection over as scratch (nothing reads it again), else a copy of xg
    (in rows of the sequence's buffer, or a new array)."""
    if handoff is not None and handoff.node.scratch:
        return xg
    act = rows_for(handoff, "gates", xp, xg.shape, xg.dtype)
    act[...] = xg
    return act


def grad_rows_for(handoff, xp, shape, dtype):
    """Where a step writes its gradient for xg: its rows of the sequence node's
    buffer when the layer handed them over, else a new array."""
    if handoff is None:
        return xp.empty(shape, dtype=dtype)
    return handoff.grad_rows(xp, shape, dtype)


def own_dw_hh(handoff) -> bool:
    """Whether the step returns its share of dW_hh (the sequence node does not take it)."""
    return handoff is None or not handoff.node.takes_dw_hh


def bias_grad(da, needs: list):
    """db_hh = sum_b da, when b_hh is an input (not folded into b_ih) that needs it."""
    return tuple(da.sum(axis=0) if n else None for n in needs)


def report_dc(probe: dict | None, dc) -> None:
    """Hand the step's whole dL/dc (later steps' share plus this step's h's) to a
    probe that asks for it: outside the node only the first part is visible."""
    if probe is not None and "dc" in probe:
        probe["dc"] = dc


def weight_grad(da, h_prev):
    """dW_hh = da^T h_prev, summed over the batch (an outer product for a batch of 1)."""
    return t_matmul(da, h_prev)


def check_shapes(name: str, xg, h, w, gates: int, c=None):
    """The message for inputs of the wrong shapes (None when they fit)."""
    hidden = w.shape[1] if w.ndim == 2 else None
    expect = None if hidden is None else (h.shape[0], gates * hidden)
    if (w.ndim != 2 or w.shape[0] != gates * hidden or h.ndim != 2 or h.shape[1] != hidden
            or tuple(xg.shape) != expect or (c is not None and c.shape != h.shape)):
        got = ", ".join(str(tuple(a.shape)) for a in (xg, h, c, w) if a is not None)
        return (f"{name}: inputs (xg, h{', c' if c is not None else ''}, W_hh) of shapes {got} "
                f"do not fit: W_hh must be ({gates}*H, H), h (B, H), xg (B, {gates}*H)")
    return None
