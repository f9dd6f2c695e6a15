"""RNNCell, LSTMCell, GRUCell: one time step as a module, PyTorch's parameters and calls.

A cell computes ``xg = x W_ih^T + b_ih`` and calls its kind's step function (fused or
composite, see ``switch.py``) with the state, ``W_hh``, any extra weights and
``b_hh``. Used alone, a fused step has no hand-off and does its whole backward itself.
"""
from __future__ import annotations

from typing import Any

from minigrad import backend
from minigrad.nn._checks import check_dtype, check_sizes, check_tensor
from minigrad.nn.functional import linear
from minigrad.nn.module import Module
from minigrad.nn.recurrent import spec as specs
from minigrad.nn.recurrent.spec import CellSpec
from minigrad.nn.recurrent.switch import check_fused, resolve_fused
from minigrad.tensor import Tensor


class _CellBase(Module):
    def __init__(self, spec: CellSpec, input_size: int, hidden_size: int, bias: bool = True,
                 *, dtype: Any = None, device: Any = None, fused: bool | None = None):
        super().__init__()
        check_sizes(type(self).__name__, input_size=input_size, hidden_size=hidden_size)
        self.spec = spec
        self.input_size, self.hidden_size, self.bias, self.fused = \
            input_size, hidden_size, bias, check_fused(type(self).__name__, fused)
        for name, p in spec.make_parameters(input_size, hidden_size, bias, dtype,
                                            device).items():
            self.register_parameter(name, p)

    @property
    def mode(self) -> str:
        return self.spec.kind

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        return s

    def _check(self, x: Tensor, states: tuple) -> bool:
        """Validate shapes; returns True for an unbatched (1-D) input."""
        name, f, hid = type(self).__name__, self.input_size, self.hidden_size
        check_tensor(name, "the input", x)
        if x.ndim not in (1, 2) or x.shape[-1] != f:
            raise ValueError(f"{name}: expected input of shape (batch, {f}) or ({f},), "
                             f"got {x.shape}")
        check_dtype(name, "the input", x, self.weight_ih)
        want = (hid,) if x.ndim == 1 else (x.shape[0], hid)
        for s in states:
            if s is not None and not isinstance(s, Tensor):
                raise TypeError(f"{name}: the hidden state must be a Tensor, got "
                                f"{type(s).__name__}")
            if s is not None and s.shape != want:
                raise ValueError(f"{name}: expected hidden state of shape {want} for an "
                                 f"input of shape {x.shape}, got {s.shape}")
            if s is not None:
                check_dtype(name, "the hidden state", s, self.weight_ih)
        return x.ndim == 1

    def _zeros(self, x: Tensor) -> Tensor:
        xp = backend.get_array_module(x.array)
        return Tensor._wrap(xp.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))

    def _step(self, x: Tensor, states: list) -> tuple[Tensor, ...]:
        """One step; returns the new state (h,) or (h, c)."""
        unbatched = self._check(x, tuple(states))
        if unbatched:
            x = x.reshape(1, x.shape[0])
            states = [None if s is None else s.reshape(1, self.hidden_size) for s in states]
        states = [self._zeros(x) if s is None else s for s in states]
        xg = linear(x, self.weight_ih, self.bias_ih)   # x W_ih^T + b_ih
        weights = [self.weight_hh, *(getattr(self, n) for n, _ in self.spec.extra_weights)]
        if self.bias_hh is not None:
            weights.append(self.bias_hh)
        out = self.spec.step(resolve_fused(self.fused))(xg, *states, *weights)
        out = out if self.spec.cell_state else (out,)
        if unbatched:
            out = tuple(o.reshape(self.hidden_size) for o in out)
        return out


class RNNCell(_CellBase):
    """Elman cell: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.

    ``cell(x, h=None) -> h'``; x (B, input_size) or (input_size,), h zeros by default.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", *, dtype: Any = None, device: Any = None,
                 fused: bool | None = None):
        super().__init__(specs.rnn_spec(nonlinearity, "RNNCell"), input_size, hidden_size,
                         bias, dtype=dtype, device=device, fused=fused)
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(x, [hx])[0]

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.spec is specs.RNN_TANH else s + f", nonlinearity={self.nonlinearity!r}"


class LSTMCell(_CellBase):
    """LSTM cell, gates i, f, g, o (PyTorch's order and parameter layout).

    ``cell(x, (h, c)=None) -> (h', c')``; the states default to zeros.
    ``peephole=True`` (not in PyTorch) adds ``weight_peephole`` (3, H): i and f also
    read c_prev, o reads the new c (see ``composite.peephole_lstm_cell``).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *,
                 dtype: Any = None, device: Any = None, fused: bool | None = None,
                 peephole: bool = False):
        super().__init__(specs.lstm_spec(peephole), input_size, hidden_size, bias,
                         dtype=dtype, device=device, fused=fused)

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            got = f"a {type(hx).__name__}" + (f" of {len(hx)}" if isinstance(
                hx, tuple | list) else "")
            raise TypeError(f"LSTMCell: hx must be a pair (h, c) of (batch, hidden_size) "
                            f"tensors, got {got}")
        h, c = (None, None) if hx is None else hx
        return self._step(x, [h, c])


class GRUCell(_CellBase):
    """GRU cell, gates r, z, n; n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)).

    ``cell(x, h=None) -> h'``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *,
                 dtype: Any = None, device: Any = None, fused: bool | None = None):
        super().__init__(specs.GRU, input_size, hidden_size, bias, dtype=dtype,
                         device=device, fused=fused)

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(x, [hx])[0]
