"""One node per sequence: a layer direction's whole time loop inside one Function.

``fused=True`` records one node per time step (``fused.py``): the graph shows every
step, ``record_states`` and ``state_grad_norms`` read them, and the engine walks them
back. Each node costs the engine a few microseconds, which is most of the time of a
small model (min-char-rnn: H = 100, batch 1). ``fused="sequence"`` runs the same
steps, the very same step objects and arithmetic, inside one node:

    forward:   h_t (c_t) = step_t.forward(xg_t, h_{t-1} (c_{t-1}), W_hh, ...)   t = 0 .. T-1
    backward:  dh_t = dout_t + dh_{t+1}^prev                                   t = T-1 .. 0
               (dxg_t, dh_{t-1}^prev, dc_{t-1}, ...) = step_t.backward(dh_t, dc_t)

which is back-propagation through time written as a loop, as PyTorch's nn.LSTM and a
hand-written BPTT do. The steps write into the same sequence buffers as in a layer's
per-step graph (``sequence.py``'s hand-off), and every sum is taken in the order the
engine takes it there, so the two modes give the same numbers bit for bit (tested).

What is given up is the per-step graph: the node is one box in a rendering, and a
layer falls back to per-step nodes whenever something looks at the steps
(``record_states``, ``state_grad_norms``), or when they are not a plain chain
(``lengths=`` masks, a PackedSequence).
"""
from __future__ import annotations

from minigrad import grad_mode
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.engine import add_to_sum
from minigrad.nn.recurrent.buffers import Pool
from minigrad.nn.recurrent.sequence import SequenceSteps
from minigrad.nn.recurrent.spec import CellSpec
from minigrad.tensor import Tensor


class FusedSequence(Function):
    """forward(xg (N, G), h0 (B, H), [c0], W_hh, *extra weights, [b_hh])
    -> (output rows (N, H), h_n, [c_n]): one layer direction over T steps of B rows.

    ``plan`` is a ``SequenceSteps`` used for its bookkeeping only (never called as a
    node): the steps' rows in the sequence buffers, dXG, and dW_hh = DA^T H_prev."""

    def __init__(self, spec: CellSpec, steps: int, batch: int, reverse: bool, pool: Pool):
        self.spec, self.reverse = spec, reverse
        self.n_state = 2 if spec.cell_state else 1
        self.plan = SequenceSteps([batch] * steps, pool, "reverse" if reverse else "forward",
                                  scratch=True)
        self.cells: list | None = None

    @property
    def name(self) -> str:
        return f"FusedSequence[{self.spec.kind}, T={len(self.plan.sizes)}]"

    def _order(self) -> range:
        steps = len(self.plan.sizes)
        return range(steps - 1, -1, -1) if self.reverse else range(steps)

    def forward(self, xg, *rest):
        plan, k, needs = self.plan, self.n_state, self.needs_input_grad
        state, weights = list(rest[:k]), rest[k:]
        plan.handing_off = bool(needs)
        plan.takes_dw_hh = bool(needs) and self.spec.sequence_dw_hh and needs[1 + k]
        xgs = plan.forward(xg)
        # a step's inputs are the node's, so it needs what the node needs, and h (c)
        # always: the chain runs through them
        step_needs = tuple(n or 1 <= i <= k for i, n in enumerate(needs))
        cells, outs = [], []
        make, hand_off = self.spec.fused_node, plan.handoff
        for t in self._order():
            cell = make(hand_off(t, state[0]))
            cell.needs_input_grad = step_needs
            new = cell.forward(xgs[t], *state, *weights)
            state = list(new) if k == 2 else [new]
            cells.append(cell)
            outs.append(state[0])
        rows = plan.output_rows()
        if rows is None:            # no graph: the steps wrote arrays of their own
            rows = get_array_module(xg).concatenate(outs[::-1] if self.reverse else outs)
        if needs:
            self.cells = cells
            self.saved = [c.saved for c in cells]   # what the in-place version check reads
        return (rows, *state)

    def backward(self, d_rows, *d_state):
        plan, k, cells = self.plan, self.n_state, self.cells
        xp = get_array_module(*(g for g in (d_rows, *d_state) if g is not None))
        h0 = self.inputs[1].array
        carry = tuple(xp.zeros_like(h0) if g is None else g for g in d_state)
        # dL/dh_t is its output row's share plus the next step's: the rows as (T, B, H)
        d_out = None if d_rows is None else d_rows.reshape(len(plan.sizes), h0.shape[0], -1)
        # the steps' own shares of the weights' gradients, summed as the engine sums a
        # leaf's contributions ([_, sum, owned]): none for RNN and LSTM cells when dW_hh
        # is computed here and b_hh was folded into b_ih
        n_weights = len(self.inputs) - 1 - k
        sums = None if plan.takes_dw_hh and n_weights == 1 else [
            [None, None, False] for _ in range(n_weights)]
        for cell, t in zip(reversed(cells), reversed(self._order())):
            dh = carry[0] if d_out is None else d_out[t] + carry[0]
            grads = cell.backward(dh, *carry[1:])
            carry = grads[1:1 + k]
            if sums is not None:
                for entry, share in zip(sums, grads[1 + k:]):
                    if share is not None and entry[1] is None:
                        entry[1] = share
                    elif share is not None:
                        add_to_sum(entry, share)
        if not grad_mode.state.retaining:
            self.cells = None
        dxg, dw = plan.grads, [None] if sums is None else [entry[1] for entry in sums]
        plan.grads, plan.written = None, []
        if plan.takes_dw_hh:
            dw[0] = dxg.T @ plan.h_prev_rows(xp)
        return tuple(g if n else None for g, n in zip((dxg, *carry, *dw), self.needs_input_grad))

    def explain(self, xg, *rest):
        return self.spec.fused_node(None).explain(xg[:self.plan.sizes[0]], *rest)


def fused_sequence(spec: CellSpec, xg: Tensor, init: list[Tensor], weights: tuple,
                   reverse: bool, pool: Pool) -> tuple[Tensor, list[Tensor]]:
    """Run one direction's T steps (B rows each, a plain chain) as one node; returns
    the (N, H) output rows and the final state."""
    steps = xg.shape[0] // init[0].shape[0]
    node = FusedSequence(spec, steps, init[0].shape[0], reverse, pool)
    rows, *state = node(xg, *init, *weights)
    return rows, state
