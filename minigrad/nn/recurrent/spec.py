"""What each kind of recurrent cell is: one frozen record per kind.

Cells and layers know nothing about LSTMs or GRUs; they read the spec of their kind:
how many gates (the weights are (G*H, F) and (G*H, H)), whether a cell state travels
next to h, which extra weights it has, where b_hh may go, which step functions
compute it, and what ``record_states`` keeps per step. Adding a kind of cell is
adding one record here (and its two step functions).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from minigrad.creation import zeros
from minigrad.nn import init
from minigrad.nn.parameter import Parameter
from minigrad.nn.recurrent import composite, fused as fused_steps


@dataclass(frozen=True)
class CellSpec:
    """One kind of recurrent cell.

    Step functions (composite and fused alike) are called as
    ``step(xg, h, [c], w_hh, *extra weights, [b_hh], handoff=None, probe=None)`` and
    return h' (or (h', c') when ``cell_state``).
    """
    kind: str                  # PyTorch's mode name ("LSTM", "GRU", "RNN_TANH"...)
    gates: int                 # G: how many (H,)-blocks the projections have
    cell_state: bool           # an LSTM's c_t travels next to h_t
    extra_weights: tuple[tuple[str, int], ...]  # (name, rows): a (rows, H) parameter
    folds_b_hh: bool           # b_hh only adds to xg: the layer joins it to b_ih
    sequence_dw_hh: bool       # dxg_t = da_t, so the sequence node may compute dW_hh
    composite: Callable
    fused: Callable
    fused_node: Callable       # (handoff, probe) -> the fused step's Function, not yet called
    recorded: tuple[str, ...]  # what record_states keeps per step (gates, then states)
    nonlinearity: str | None = None

    @property
    def state_names(self) -> tuple[str, ...]:
        return ("h", "c") if self.cell_state else ("h",)

    def step(self, fused: bool) -> Callable:
        """The step function of this kind in the fused or the composite form."""
        return self.fused if fused else self.composite

    def make_parameters(self, fan_in: int, hidden: int, bias: bool, dtype: Any,
                        device: Any) -> dict[str, Parameter | None]:
        """weight_ih, weight_hh, bias_ih, bias_hh (None without bias) and the extra
        weights, each drawn from PyTorch's U(-1/sqrt(H), 1/sqrt(H)) in this order."""
        k = 1.0 / math.sqrt(hidden)
        rows = self.gates * hidden
        shapes = {"weight_ih": (rows, fan_in), "weight_hh": (rows, hidden)}
        shapes.update({"bias_ih": (rows,), "bias_hh": (rows,)} if bias else {})
        shapes.update({name: (n, hidden) for name, n in self.extra_weights})
        params: dict[str, Parameter | None] = {}
        for name, shape in shapes.items():
            p = Parameter(zeros(shape, dtype=dtype, device=device))
            params[name] = init.uniform_(p, -k, k)
        if not bias:
            params.update(bias_ih=None, bias_hh=None)
        return params


_LSTM_RECORDED = ("i", "f", "g", "o", "c", "h")
RNN_TANH = CellSpec(kind="RNN_TANH", gates=1, cell_state=False, extra_weights=(),
                    folds_b_hh=True, sequence_dw_hh=True, composite=composite.rnn_tanh_cell,
                    fused=fused_steps.rnn_tanh_cell_fused, fused_node=fused_steps.rnn_tanh_node,
                    recorded=("h",),
                    nonlinearity="tanh")
RNN_RELU = CellSpec(kind="RNN_RELU", gates=1, cell_state=False, extra_weights=(),
                    folds_b_hh=True, sequence_dw_hh=True, composite=composite.rnn_relu_cell,
                    fused=fused_steps.rnn_relu_cell_fused, fused_node=fused_steps.rnn_relu_node,
                    recorded=("h",),
                    nonlinearity="relu")
LSTM = CellSpec(kind="LSTM", gates=4, cell_state=True, extra_weights=(),
                folds_b_hh=True, sequence_dw_hh=True, composite=composite.lstm_cell,
                fused=fused_steps.lstm_cell_fused, fused_node=fused_steps.LSTMCellFused,
                recorded=_LSTM_RECORDED)
LSTM_PEEPHOLE = CellSpec(kind="LSTM_PEEPHOLE", gates=4, cell_state=True,
                         extra_weights=(("weight_peephole", 3),), folds_b_hh=True,
                         sequence_dw_hh=True, composite=composite.peephole_lstm_cell,
                         fused=fused_steps.peephole_lstm_cell_fused,
                         fused_node=fused_steps.PeepholeLSTMCellFused, recorded=_LSTM_RECORDED)
# GRU: b_hn sits inside r * (W_hn h + b_hn), so b_hh cannot join b_ih, and the
# gradient of W_hh's rows for n is r * da_n, not dxg_n: the step keeps both.
GRU = CellSpec(kind="GRU", gates=3, cell_state=False, extra_weights=(),
               folds_b_hh=False, sequence_dw_hh=False, composite=composite.gru_cell,
               fused=fused_steps.gru_cell_fused, fused_node=fused_steps.GRUCellFused,
               recorded=("r", "z", "n", "h"))

_RNN = {"tanh": RNN_TANH, "relu": RNN_RELU}

#: every kind by its name (how a saved model names the kind of its layers)
BY_KIND = {s.kind: s for s in (RNN_TANH, RNN_RELU, LSTM, LSTM_PEEPHOLE, GRU)}


def rnn_spec(nonlinearity: str, owner: str) -> CellSpec:
    """The Elman cell with this nonlinearity; the one place that validates it."""
    spec = _RNN.get(nonlinearity) if isinstance(nonlinearity, str) else None
    if spec is None:
        raise ValueError(f"{owner}: nonlinearity must be 'tanh' or 'relu', "
                         f"got {nonlinearity!r}")
    return spec


def lstm_spec(peephole: bool) -> CellSpec:
    return LSTM_PEEPHOLE if peephole else LSTM
