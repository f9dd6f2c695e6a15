"""Composite recurrent steps: one time step built from primitive ops.

Every gate is a node in the graph and a line a debugger stops at; the engine does
the backward op by op. The fused steps (``fused.py``) compute the same numbers in
one node each.

Each step takes the step's *input projection* ``xg = x_t W_ih^T + b_ih`` (the layers
compute it for the whole sequence in one matmul before the time loop), the previous
state and ``W_hh``, ``b_hh`` (``b_hh`` may be None). Gate order is PyTorch's: LSTM
i, f, g, o; GRU r, z, n. ``probe``, when a dict, receives the gate values (arrays)
for ``record_states``; ``handoff`` is accepted so that both forms share one
signature, and ignored: the engine sums W_hh's T shares itself.
"""
from __future__ import annotations

from minigrad import ops
from minigrad.tensor import Tensor


def _hidden(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    a = xg + h @ w_hh.T
    return a if b_hh is None else a + b_hh


def rnn_tanh_cell(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None = None, *,
                  handoff=None, probe: dict | None = None) -> Tensor:
    """h' = tanh(xg + h W_hh^T + b_hh)."""
    return ops.tanh(_hidden(xg, h, w_hh, b_hh))


def rnn_relu_cell(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None = None, *,
                  handoff=None, probe: dict | None = None) -> Tensor:
    """h' = relu(xg + h W_hh^T + b_hh)."""
    return ops.relu(_hidden(xg, h, w_hh, b_hh))


def _record(probe: dict, **gates: Tensor) -> None:
    probe.update((name, t.array) for name, t in gates.items())


def lstm_cell(xg: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None = None,
              *, handoff=None, probe: dict | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step from primitive ops; returns (h', c')."""
    gates = _hidden(xg, h, w_hh, b_hh)
    a_i, a_f, a_g, a_o = ops.chunk(gates, 4, axis=1)
    i = ops.sigmoid(a_i)          # input gate: how much of the candidate to write
    f = ops.sigmoid(a_f)          # forget gate: how much of the old cell to keep
    g = ops.tanh(a_g)             # candidate values
    o = ops.sigmoid(a_o)          # output gate: how much of the cell to show
    c = f * c + i * g
    h = o * ops.tanh(c)
    if probe is not None:
        _record(probe, i=i, f=f, g=g, o=o)
    return h, c


def peephole_lstm_cell(xg: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, w_peep: Tensor,
                       b_hh: Tensor | None = None, *, handoff=None,
                       probe: dict | None = None) -> tuple[Tensor, Tensor]:
    """One peephole LSTM step: the gates also see the cell state through the diagonal
    weights ``w_peep`` = [w_ci, w_cf, w_co] (3, H); returns (h', c')."""
    gates = _hidden(xg, h, w_hh, b_hh)
    a_i, a_f, a_g, a_o = ops.chunk(gates, 4, axis=1)
    w_ci, w_cf, w_co = ops.unbind(w_peep, 0)
    i = ops.sigmoid(a_i + w_ci * c)
    f = ops.sigmoid(a_f + w_cf * c)
    g = ops.tanh(a_g)
    c = f * c + i * g
    o = ops.sigmoid(a_o + w_co * c)  # the output gate peeks at the new cell state
    h = o * ops.tanh(c)
    if probe is not None:
        _record(probe, i=i, f=f, g=g, o=o)
    return h, c


def gru_cell(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None = None, *,
             handoff=None, probe: dict | None = None) -> Tensor:
    """One GRU step from primitive ops (reset applied to W_hn h + b_hn, as PyTorch)."""
    x_r, x_z, x_n = ops.chunk(xg, 3, axis=1)
    hg = h @ w_hh.T
    if b_hh is not None:
        hg = hg + b_hh
    h_r, h_z, h_n = ops.chunk(hg, 3, axis=1)
    r = ops.sigmoid(x_r + h_r)    # reset gate
    z = ops.sigmoid(x_z + h_z)    # update gate: 1 keeps the old state
    n = ops.tanh(x_n + r * h_n)   # candidate state
    if probe is not None:
        _record(probe, r=r, z=z, n=n)
    return (1 - z) * n + z * h
