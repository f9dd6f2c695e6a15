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

from minigrad import grad_mode, ops
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.nn.recurrent.buffers import Pool
from minigrad.tensor import Tensor


class Handoff:
    """What the fused step at t gets from the layer: where to write its outputs and its
    gradient for xg_t, and whether the sequence node computes its share of dW_hh."""
    __slots__ = ("node", "t")

    def __init__(self, node: SequenceSteps, t: int):
        self.node, self.t = node, t

    @property
    def takes_dw_hh(self) -> bool:
        return self.node.takes_dw_hh

    def grad_rows(self, xp, shape: tuple, dtype: Any):
        """Rows t of the node's gradient buffer (taken by the first step to ask)."""
        node, t = self.node, self.t
        if node.grads is None:
            node.take_grads(xp, shape, dtype)
        node.written[t] = True
        return node.grads[node.offsets[t]:node.offsets[t + 1]]

    def rows(self, name: str, xp, shape: tuple, dtype: Any):
        """Rows t of the sequence's buffer for the step's array ``name`` ("gates", "c",
        "h"...): the step writes that array there instead of allocating it. With
        ``chain`` h's buffer has B more rows, for the initial state."""
        node = self.node
        buf = node.buffers.get(name)
        if buf is None:
            buf = node.take(name, xp, shape, dtype)
        start = node.offsets[self.t]
        if name == "h" and node.chain == "forward":
            start += node.sizes[0]
        return buf[start:start + shape[0]]


class SequenceSteps(Function):
    """(N, G) -> one (sizes[t], G) block of rows per step: ``split`` for fused cells.

    Forward is a split (views, no copy). Backward, when every step was handed off:
    dXG is the buffer the steps wrote into (rows of a step that no gradient reached
    are zero) and, given W_hh, dW_hh = DA^T H_prev in one matmul over all N rows.
    Steps without a hand-off keep their own dW_hh share, and their dxg arrives as
    usual: the node then concatenates the gradients it is given, as ``split`` does.

    The steps' arrays go into sequence-sized buffers (``rows``), from the layer's
    ``pool`` when it gives one (``buffers.py``). With ``chain`` ("forward" or
    "reverse": every step reads the h the step before it wrote, all sizes equal) the
    buffer for h has B more rows for the initial state, so H_prev of all steps is one
    view of it: [h_init; h_0 ... h_{T-2}] (forward), [h_1 ... h_{T-1}; h_init] (reverse).
    """

    def __init__(self, sizes: Sequence[int], pool: Pool | None = None, chain: str | None = None,
                 scratch: bool = False):
        self.scratch = scratch
        self.sizes = list(sizes)
        self.offsets = [0]
        for b in self.sizes:
            self.offsets.append(self.offsets[-1] + b)
        self.pool, self.chain = pool, chain
        self.takes_dw_hh = False
        self.handing_off = False                # set once the node knows it records a graph
        self.handed = [False] * len(self.sizes)
        self.buffers: dict = {}
        self.grads, self.written = None, []

    def _block(self, a, t: int):
        return a[self.offsets[t]:self.offsets[t + 1]]

    def blocks(self, a) -> tuple:
        """Views of ``a``'s rows, one block per step."""
        bounds = self.offsets
        return tuple([a[bounds[t]:bounds[t + 1]] for t in range(len(self.sizes))])

    def forward(self, xg, w_hh=None):
        self.saved = [None] * len(self.sizes)   # h_prev of each handed-off step, for dW_hh
        if self.scratch:
            self.xg = xg
        return self.blocks(xg)

    def handoff(self, t: int, h_prev) -> Handoff | None:
        """Step t's hand-off (None when this node records no graph). Called once per
        step by the layer, at forward time, with the state (array) the step reads."""
        if not self.handing_off:
            return None
        if self.handed[t]:
            raise RuntimeError(f"SequenceSteps: step {t} was handed off twice")
        self.handed[t] = True
        if self.takes_dw_hh:
            self.saved[t] = h_prev
        if self.chain is not None and t == (0 if self.chain == "forward" else len(self.sizes) - 1):
            a = h_prev                          # h_init: into its rows of h's buffer
            self._h_init_rows(get_array_module(a), a.shape, a.dtype)[...] = a
        return Handoff(self, t)

    def _buffer(self, name: str, xp, shape: tuple, dtype: Any):
        """The sequence-sized buffer ``name``: from the pool, taken once per call."""
        buf = self.pool.get(name, xp, shape, dtype) if self.pool else xp.empty(shape, dtype)
        self.buffers[name] = buf
        return buf

    def take(self, name: str, xp, step_shape: tuple, dtype: Any):
        """The buffer for every step's array ``name`` of shape ``step_shape``."""
        n = self.offsets[-1]
        if name == "h" and self.chain is not None:
            n += self.sizes[0]
        return self._buffer(name, xp, (n,) + tuple(step_shape[1:]), dtype)

    def _h_init_rows(self, xp, shape: tuple, dtype: Any):
        buf = self.buffers.get("h")
        if buf is None:
            buf = self.take("h", xp, shape, dtype)
        n, b = self.offsets[-1], self.sizes[0]
        return buf[:b] if self.chain == "forward" else buf[n:]

    def take_grads(self, xp, step_shape: tuple, dtype: Any) -> None:
        """The dXG buffer, for this backward only (not kept with the forward's): XG's
        own memory when the layer gave it as scratch, unless the graph is retained
        (steps may have built their gates there, and a second backward reads them)."""
        if self.scratch and not grad_mode.state.retaining:
            self.grads = self.xg
        else:
            self.grads = self._buffer("dxg", xp, (self.offsets[-1],) + tuple(step_shape[1:]),
                                      dtype)
            del self.buffers["dxg"]
        self.written = [False] * len(self.sizes)

    def h_prev_rows(self, xp):
        """H_prev of all steps, (N, H), in the rows' order (every step handed off)."""
        if self.chain is None:
            return xp.concatenate(self.saved)
        h, n = self.buffers["h"], self.offsets[-1]   # the steps wrote them there
        return h[:n] if self.chain == "forward" else h[self.sizes[0]:]

    def output_rows(self):
        """The steps' outputs h_0 ... h_{T-1} as one (N, H) view of h's buffer, in the
        rows' order, when the steps wrote them there in a plain chain; else None."""
        buf = self.buffers.get("h")
        if buf is None or self.chain is None or not all(self.handed):
            return None
        n, b = self.offsets[-1], self.sizes[0]
        return buf[b:] if self.chain == "forward" else buf[:n]

    def backward(self, *gs):
        buffer, written = self.grads, self.written
        self.grads, self.written = None, []     # a retained graph's next backward: anew
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
                da, h_prev = buffer, self.h_prev_rows(xp)
            else:
                steps = [t for t, h in enumerate(self.handed) if h]
                da = xp.concatenate([self._block(buffer, t) for t in steps])
                h_prev = xp.concatenate([self.saved[t] for t in steps])
            dw = da.T @ h_prev
        return (dx if self.needs_input_grad[0] else None), dw


class StepRows(Function):
    """The steps' outputs h_0 ... h_{T-1} as the layer's (N, H) output rows, without a
    copy: in a plain chain the steps wrote them into consecutive rows of h's buffer
    (``Handoff.rows``), so the output is a view of those rows where ``cat`` would copy
    them (at H = 1024, T = 64, B = 32: 8 MB and its time). Backward hands each step its
    block of the gradient's rows (views), as ``cat``'s does."""

    def __init__(self, node: SequenceSteps):
        self.node = node

    def forward(self, *hs):
        return self.node.output_rows()

    def backward(self, g):
        return self.node.blocks(g)


def step_rows(node: SequenceSteps | None, outputs: list[Tensor]) -> Tensor:
    """The layer's output rows from its steps' outputs: a view of h's buffer when the
    steps wrote them there in a plain chain (every step handed off), else ``cat``."""
    rows = None if node is None else node.output_rows()
    if rows is None or any(h.array.base is not rows.base for h in outputs):
        return ops.cat(outputs, axis=0)
    return StepRows(node)(*outputs)


def sequence_steps(xg: Tensor, sizes: Sequence[int], w_hh: Tensor | None = None, *,
                   pool: Pool | None = None, chain: str | None = None, scratch: bool = False
                   ) -> tuple[SequenceSteps, tuple[Tensor, ...]]:
    """Cut the (N, G) projection into blocks of ``sizes`` rows as one node; with
    ``w_hh`` (requiring grad) the node computes dW_hh for the steps it hands off to.
    ``pool`` keeps the steps' buffers between calls; ``chain`` says the steps run as a
    plain chain, forward or reverse (see ``SequenceSteps``); ``scratch`` says nothing
    but the steps reads ``xg`` (the layer made it): the steps may build their gates in
    its rows, and the backward write dXG there. Returns the node (for
    ``node.handoff(t, h_prev)``) and the step inputs."""
    node = SequenceSteps(sizes, pool, chain, scratch)
    steps = node(xg) if w_hh is None else node(xg, w_hh)
    node.handing_off = bool(node.needs_input_grad)
    node.takes_dw_hh = (w_hh is not None and len(node.needs_input_grad) == 2
                        and node.needs_input_grad[1])
    return node, steps
