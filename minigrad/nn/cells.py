"""Recurrent cells: one time step of an RNN, LSTM or GRU.

Each cell exists in two forms that compute the same numbers:

* **composite** (``rnn_cell``, ``lstm_cell``, ``gru_cell`` below): plain Python built
  from primitive ops, so every gate is a node in the graph and a debugger steps
  through the equations line by line;
* **fused** (``minigrad.ops.fused_cells``): one node per step with a hand-derived
  backward, the fast path and the default.

Both take the step's *input projection* ``xg = x_t W_ih^T + b_ih`` (the layers compute
it for the whole sequence in one matmul before the time loop), the previous state and
``W_hh``, ``b_hh`` (``b_hh`` may be None). Gate order is PyTorch's: LSTM i, f, g, o;
GRU r, z, n.

Which form runs: the ``fused=`` argument of a cell or layer; ``fused=None`` (the
default) follows the global switch, which is True unless changed::

    mg.nn.cells.set_fused_default(False)      # from now on: composite everywhere
    with mg.nn.cells.use_fused(False):        # or only inside this block
        out, (h, c) = lstm(x)
"""
from __future__ import annotations

import contextlib
import math
from typing import Any, Iterator

from minigrad import backend, ops
from minigrad.nn._checks import check_dtype
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.ops import fused_cells
from minigrad.tensor import Tensor

# ----------------------------------------------------------------- the switch
_fused_default = True


def set_fused_default(flag: bool) -> bool:
    """Make cells and layers built with ``fused=None`` run fused (True) or composite
    (False) cells from now on; returns the previous setting."""
    global _fused_default
    old, _fused_default = _fused_default, bool(flag)
    return old


def fused_default() -> bool:
    return _fused_default


@contextlib.contextmanager
def use_fused(flag: bool) -> Iterator[None]:
    """``set_fused_default(flag)`` for the duration of a ``with`` block."""
    old = set_fused_default(flag)
    try:
        yield
    finally:
        set_fused_default(old)


def resolve_fused(fused: bool | None) -> bool:
    return _fused_default if fused is None else bool(fused)


# ----------------------------------------------------------------- composite cells
def _hidden(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    a = xg + h @ w_hh.T
    return a if b_hh is None else a + b_hh


def rnn_cell(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None = None,
             nonlinearity: str = "tanh") -> Tensor:
    """h' = act(xg + h W_hh^T + b_hh), act = tanh or relu."""
    a = _hidden(xg, h, w_hh, b_hh)
    if nonlinearity == "tanh":
        return ops.tanh(a)
    if nonlinearity == "relu":
        return ops.relu(a)
    raise ValueError(f"RNN cell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def lstm_cell(xg: Tensor, h: Tensor, c: Tensor, w_hh: Tensor,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step from primitive ops; returns (h', c')."""
    gates = _hidden(xg, h, w_hh, b_hh)
    a_i, a_f, a_g, a_o = ops.chunk(gates, 4, axis=1)
    i = ops.sigmoid(a_i)          # input gate: how much of the candidate to write
    f = ops.sigmoid(a_f)          # forget gate: how much of the old cell to keep
    g = ops.tanh(a_g)             # candidate values
    o = ops.sigmoid(a_o)          # output gate: how much of the cell to show
    c = f * c + i * g
    h = o * ops.tanh(c)
    return h, c


def peephole_lstm_cell(xg: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, w_peep: Tensor,
                       b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
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
    return h, c


def gru_cell(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step from primitive ops (reset applied to W_hn h + b_hn, as PyTorch)."""
    x_r, x_z, x_n = ops.chunk(xg, 3, axis=1)
    hg = h @ w_hh.T
    if b_hh is not None:
        hg = hg + b_hh
    h_r, h_z, h_n = ops.chunk(hg, 3, axis=1)
    r = ops.sigmoid(x_r + h_r)    # reset gate
    z = ops.sigmoid(x_z + h_z)    # update gate: 1 keeps the old state
    n = ops.tanh(x_n + r * h_n)   # candidate state
    return (1 - z) * n + z * h


#: mode -> (number of gates, composite step, fused step)
CELLS = {
    "RNN_TANH": (1, rnn_cell, fused_cells.rnn_cell_fused),
    "RNN_RELU": (1, lambda xg, h, w, b=None: rnn_cell(xg, h, w, b, "relu"),
                 lambda xg, h, w, b=None: fused_cells.rnn_cell_fused(xg, h, w, b, "relu")),
    "LSTM": (4, lstm_cell, fused_cells.lstm_cell_fused),
    "LSTM_PEEPHOLE": (4, peephole_lstm_cell, fused_cells.peephole_lstm_cell_fused),
    "GRU": (3, gru_cell, fused_cells.gru_cell_fused),
}


def step_function(mode: str, fused: bool):
    """The step ``(xg, state..., w_hh, [w_peep,] b_hh) -> new state`` for a mode and form."""
    return CELLS[mode][2 if fused else 1]


def input_projection(x: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
    """x W_ih^T + b_ih for a 2-D x (all steps of a sequence at once, in the layers)."""
    xg = x @ w_ih.T
    return xg if b_ih is None else xg + b_ih


def init_uniform(shape: tuple[int, ...], hidden_size: int, dtype: Any, device: Any) -> Parameter:
    """PyTorch's recurrent init: U(-1/sqrt(H), 1/sqrt(H))."""
    k = 1.0 / math.sqrt(hidden_size)
    dt = backend.as_dtype(dtype) if dtype is not None else backend.default_dtype()
    data = backend.rng().uniform(-k, k, size=shape).astype(dt)
    return Parameter(data, device=device)


# ----------------------------------------------------------------- cell modules
class _CellBase(Module):
    mode = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *,
                 dtype: Any = None, device: Any = None, fused: bool | None = None,
                 mode: str | None = None):
        super().__init__()
        if mode is not None:
            self.mode = mode
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(f"{type(self).__name__}: input_size and hidden_size must be "
                             f"positive, got {input_size} and {hidden_size}")
        self.input_size, self.hidden_size, self.bias, self.fused = \
            input_size, hidden_size, bias, fused
        gates = CELLS[self.mode][0] * hidden_size
        self.weight_ih = init_uniform((gates, input_size), hidden_size, dtype, device)
        self.weight_hh = init_uniform((gates, hidden_size), hidden_size, dtype, device)
        if bias:
            self.bias_ih = init_uniform((gates,), hidden_size, dtype, device)
            self.bias_hh = init_uniform((gates,), hidden_size, dtype, device)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        if self.mode == "LSTM_PEEPHOLE":
            self.weight_peephole = init_uniform((3, hidden_size), hidden_size, dtype, device)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        return s

    def _check(self, x: Tensor, states: tuple) -> bool:
        """Validate shapes; returns True for an unbatched (1-D) input."""
        name, f, hid = type(self).__name__, self.input_size, self.hidden_size
        if x.ndim not in (1, 2) or x.shape[-1] != f:
            raise ValueError(f"{name}: expected input of shape (batch, {f}) or ({f},), "
                             f"got {x.shape}")
        check_dtype(name, "the input", x, self.weight_ih)
        want = (hid,) if x.ndim == 1 else (x.shape[0], hid)
        for s in states:
            if s is not None and s.shape != want:
                raise ValueError(f"{name}: expected hidden state of shape {want} for an "
                                 f"input of shape {x.shape}, got {s.shape}")
            if s is not None:
                check_dtype(name, "the hidden state", s, self.weight_ih)
        return x.ndim == 1

    def _zeros(self, x: Tensor) -> Tensor:
        xp = backend.get_array_module(x.array)
        return Tensor._wrap(xp.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))

    def _step(self, x: Tensor, states: list):
        unbatched = self._check(x, tuple(states))
        if unbatched:
            x = x.reshape(1, x.shape[0])
            states = [None if s is None else s.reshape(1, self.hidden_size) for s in states]
        states = [self._zeros(x) if s is None else s for s in states]
        xg = input_projection(x, self.weight_ih, self.bias_ih)
        step = step_function(self.mode, resolve_fused(self.fused))
        extra = (self.weight_peephole,) if self.mode == "LSTM_PEEPHOLE" else ()
        if self.bias_hh is not None:
            extra += (self.bias_hh,)
        out = step(xg, *states, self.weight_hh, *extra)
        if unbatched:
            out = tuple(o.reshape(self.hidden_size) for o in out) if isinstance(out, tuple) \
                else out.reshape(self.hidden_size)
        return out


class RNNCell(_CellBase):
    """Elman cell: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.

    ``cell(x, h=None) -> h'``; x (B, input_size) or (input_size,), h zeros by default.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", *, dtype: Any = None, device: Any = None,
                 fused: bool | None = None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', "
                             f"got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, dtype=dtype, device=device, fused=fused,
                         mode="RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU")
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(x, [hx])

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity!r}"


class LSTMCell(_CellBase):
    """LSTM cell, gates i, f, g, o (PyTorch's order and parameter layout).

    ``cell(x, (h, c)=None) -> (h', c')``; the states default to zeros.
    ``peephole=True`` (not in PyTorch) adds ``weight_peephole`` (3, H): i and f also
    read c_prev, o reads the new c (see ``peephole_lstm_cell``).
    """
    mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *,
                 dtype: Any = None, device: Any = None, fused: bool | None = None,
                 peephole: bool = False):
        super().__init__(input_size, hidden_size, bias, dtype=dtype, device=device,
                         fused=fused, mode="LSTM_PEEPHOLE" if peephole else "LSTM")

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        h, c = (None, None) if hx is None else hx
        return self._step(x, [h, c])


class GRUCell(_CellBase):
    """GRU cell, gates r, z, n; n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)).

    ``cell(x, h=None) -> h'``.
    """
    mode = "GRU"

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(x, [hx])
