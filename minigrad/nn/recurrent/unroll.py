"""The time loop: one layer, one direction, unrolled into the graph.

    XG = X W_ih^T + b_ih                      (the layer: one matmul, every row)
    xg_0, ..., xg_{T-1} = cut(XG)             one node (``sequence.py``)
    h_t = step(xg_t, h_{t-1}, W_hh, ...)      one step per t, in scope "t=<t>"

(or, with ``fused="sequence"`` and a plain chain nobody records, the whole loop as one
node: ``fused_sequence.py``).

Nothing here computes a gradient: ``loss.backward()`` walks this graph back step by
step, and that *is* back-propagation through time.

The rows of XG lie as a ``Layout`` says. A padded batch has B rows per step; with
``lengths=`` a per-step mask keeps a finished sequence's state frozen and its output
zero. A PackedSequence has ``batch_sizes[t]`` rows at step t, longest sequences
first, so the state simply loses its last rows when sequences end (forward) or gains
rows from the initial state when they start (reverse): no padding, no masks.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from minigrad import grad_mode, ops
from minigrad.nn.recurrent.buffers import pool_for
from minigrad.nn.recurrent.fused_sequence import fused_sequence
from minigrad.nn.recurrent.sequence import sequence_steps, step_rows
from minigrad.nn.recurrent.spec import CellSpec
from minigrad.tensor import Tensor


class Layout(NamedTuple):
    """Where each step's rows lie among the rows of a layer's input."""
    sizes: list[int]      # rows per step: B each (padded), or a PackedSequence's batch_sizes
    masks: list | None    # padded with lengths=: per step None (all running) or (B, 1) bools
    packed: bool          # sizes shrink: step t runs the first sizes[t] sequences
    unsorted: Any = None  # packed: the batch's order before packing (None: the same)


def unroll(spec: CellSpec, fused: bool, xg: Tensor, layout: Layout, init: list[Tensor],
           weights: tuple, reverse: bool, trace: Any = None) -> tuple[Tensor, list[Tensor]]:
    """Run one direction over the (N, G) projection ``xg`` from the state ``init``
    ((B, H) per state: h, or h and c). ``weights`` follow the state in the step call
    (W_hh, extra weights, b_hh unless folded). Returns the (N, H) output rows, in
    the rows' order, and the final state of every sequence, (B, H) each. ``xg`` is the
    caller's own scratch: fused steps build their gates in it and backward writes dXG
    there (``sequence.py``)."""
    sizes, masks, packed, steps = layout.sizes, layout.masks, layout.packed, len(layout.sizes)
    # a plain chain: each step reads the h the one before it wrote
    chain = None if packed or masks is not None else ("reverse" if reverse else "forward")
    if fused == "sequence" and chain is not None and trace is None:
        return fused_sequence(spec, xg, init, weights, reverse, pool_for(weights[0]))
    if fused:
        node, xgs = sequence_steps(xg, sizes, weights[0] if spec.sequence_dw_hh else None,
                                   pool=pool_for(weights[0]), chain=chain, scratch=True)
    else:
        node, xgs = None, ops.split(xg, sizes, axis=0)
    step, cell_state = spec.step(fused), spec.cell_state
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    state, ended = list(init), []
    if packed and reverse and sizes[-1] < sizes[0]:
        state = [s[:sizes[-1]] for s in state]   # the longest sequences start at the end
    outputs: list = [None] * steps
    outer = grad_mode.state.scope
    try:
        for t in order:
            # the step's scope "t=<t>" (as ``with scope(...)``, without a call per step)
            grad_mode.state.scope = outer + (f"t={t}",)
            if packed and sizes[t] != state[0].shape[0]:
                state = _resize(state, sizes[t], init, ended)
            handoff = None if node is None else node.handoff(t, state[0].array)
            probe = None if trace is None else trace.probe()
            new = step(xgs[t], *state, *weights, handoff=handoff, probe=probe)
            new = list(new) if cell_state else [new]
            if trace is not None:
                trace.step(t, probe, new)
            mask = None if masks is None else masks[t]
            if mask is None:
                outputs[t] = new[0]
            else:  # past this sequence's end: keep the state, output zeros
                new = [ops.where(mask, n, s) for n, s in zip(new, state)]
                outputs[t] = new[0] * Tensor._wrap(mask.astype(xg.dtype))
            state = new
    finally:
        grad_mode.state.scope = outer
    if ended:   # sequences that ended early, the shortest last: back in batch order
        state = [ops.cat([s, *(e[i] for e in reversed(ended))], axis=0)
                 for i, s in enumerate(state)]
    return step_rows(node, outputs), state


def _resize(state: list[Tensor], rows: int, init: list[Tensor], ended: list) -> list[Tensor]:
    """A packed batch's state for a step with ``rows`` sequences running: the rows of
    sequences that just ended are set aside (forward), or those that just started
    join from the initial state (reverse)."""
    have = state[0].shape[0]
    if rows < have:
        ended.append([s[rows:] for s in state])
        return [s[:rows] for s in state]
    return [ops.cat([s, s0[have:rows]], axis=0) for s, s0 in zip(state, init)]
