"""The sequence node: a layer's input projection cut into its time steps, for fused cells.

A layer computes ``XG = X W_ih^T + b_ih`` for every row of the sequence in one
matmul (T*B rows, or the rows of a PackedSequence), then cuts XG into one block of
rows per step. With composite cells that cut is ``ops.split``; with fused cells it
is ``SequenceSteps``, which does in backward what a hand-written BPTT does:

* **one gradient buffer.** The layer gives the fused step at t a ``Handoff``: the
  step writes its gradient for xg_t straight into rows t of one (N, G) buffer held
  here, so when backward reaches this node the buffer *is* dXG: no concatenation.
* **dW_hh in one matmul.** For RNN and LSTM cells dxg_t = da_t (the gate
  pre-activations' gradient), and W_hh's share of step t is da_t^T h_{t-1}. Given
  W_hh as a second input, this node computes all T shares at once,
  ``dW_hh = DA^T H_prev`` (N rows), and the steps return none of their own.

The hand-off is set up at forward time by the layer, which owns both sides and
guarantees the contract: each block feeds exactly one step, the step at t gets
``handoff(t, h_prev)``. A step used alone gets no hand-off and keeps its own
backward; ``sequence_steps`` without hand-offs is a plain split.
"""
from __future__ import annotations

from typing import Any, Sequence

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.tensor import Tensor


class Handoff:
    """What the fused step at t gets from the layer: where to write dxg_t, and
    whether the sequence node computes this step's share of dW_hh."""
    __slots__ = ("node", "t")

    def __init__(self, node: SequenceSteps, t: int):
        self.node, self.t = node, t

    @property
    def takes_dw_hh(self) -> bool:
        return self.node.takes_dw_hh

    def grad_rows(self, xp, shape: tuple, dtype: Any):
        """Rows t of the node's gradient buffer (allocated by the first step to ask)."""
        return self.node.rows(self.t, xp, shape, dtype)


class SequenceSteps(Function):
    """(N, G) -> one (sizes[t], G) block of rows per step: ``split`` for fused cells.

    Forward is a split (views, no copy). Backward, when every step was handed off:
    dXG is the buffer the steps wrote into (rows of a step that no gradient reached
    are zero) and, given W_hh, dW_hh = DA^T H_prev in one matmul over all N rows.
    Steps without a hand-off keep their own dW_hh share, and their dxg arrives as
    usual: the node then concatenates the gradients it is given, as ``split`` does.
    """

    def __init__(self, sizes: Sequence[int]):
        self.sizes = list(sizes)
        self.offsets = [0]
        for b in self.sizes:
            self.offsets.append(self.offsets[-1] + b)
        self.takes_dw_hh = False
        self.handed = [False] * len(self.sizes)
        self.buffer, self.written = None, []

    def _block(self, a, t: int):
        return a[self.offsets[t]:self.offsets[t + 1]]

    def forward(self, xg, w_hh=None):
        self.saved = [None] * len(self.sizes)   # h_prev of each handed-off step, for dW_hh
        return tuple(self._block(xg, t) for t in range(len(self.sizes)))

    def handoff(self, t: int, h_prev: Tensor) -> Handoff | None:
        """Step t's hand-off (None when this node records no graph). Called once per
        step by the layer, at forward time, with the state the step reads."""
        if not self.needs_input_grad:
            return None
        self.handed[t] = True
        if self.takes_dw_hh:
            self.saved[t] = h_prev.array
        return Handoff(self, t)

    def rows(self, t: int, xp, shape: tuple, dtype: Any):
        if self.buffer is None:
            self.buffer = xp.empty((self.offsets[-1],) + tuple(shape[1:]), dtype=dtype)
            self.written = [False] * len(self.sizes)
        self.written[t] = True
        return self._block(self.buffer, t)

    def backward(self, *gs):
        buffer, written = self.buffer, self.written
        self.buffer, self.written = None, []    # a retained graph's next backward: anew
        xp = get_array_module(*gs)
        if buffer is None:
            buffer = xp.zeros((self.offsets[-1],) + gs[0].shape[1:], dtype=gs[0].dtype)
        for t, done in enumerate(written):
            if not done:
                self._block(buffer, t)[...] = 0
        every = all(self.handed)
        # hooks on the step inputs may have changed their gradients: take them as given
        dx = buffer if every and not self.hooked else xp.concatenate(gs)
        if len(self.inputs) == 1:
            return dx
        dw = None
        if self.takes_dw_hh and any(self.handed):
            if every:
                da, h_prev = buffer, xp.concatenate(self.saved)
            else:
                steps = [t for t, h in enumerate(self.handed) if h]
                da = xp.concatenate([self._block(buffer, t) for t in steps])
                h_prev = xp.concatenate([self.saved[t] for t in steps])
            dw = da.T @ h_prev
        return (dx if self.needs_input_grad[0] else None), dw


def sequence_steps(xg: Tensor, sizes: Sequence[int], w_hh: Tensor | None = None
                   ) -> tuple[SequenceSteps, tuple[Tensor, ...]]:
    """Cut the (N, G) projection into blocks of ``sizes`` rows as one node; with
    ``w_hh`` (requiring grad) the node computes dW_hh for the steps it hands off to.
    Returns the node (for ``node.handoff(t, h_prev)``) and the step inputs."""
    node = SequenceSteps(sizes)
    steps = node(xg) if w_hh is None else node(xg, w_hh)
    node.takes_dw_hh = (w_hh is not None and len(node.needs_input_grad) == 2
                        and node.needs_input_grad[1])
    return node, steps
