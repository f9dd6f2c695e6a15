"""Sequence layers RNN, LSTM and GRU: their kind's cell unrolled in time, layer by layer.

Per layer and direction a call records ``XG = X W_ih^T + b_ih`` (one matmul over
every row of the sequence) and the time loop of ``unroll.py``; ``loss.backward()``
then *is* back-propagation through time. Between layers the rows of both directions
are concatenated (forward first) and, while training, dropped out.

Constructor, call signature, return values, parameter names (``weight_ih_l0``,
``bias_hh_l1_reverse``...), shapes and gate order are PyTorch's, so a PyTorch
state_dict converted to numpy loads and gives the same numbers.
"""
from __future__ import annotations

from typing import Any

from minigrad import backend, ops
from minigrad.grad_mode import scope
from minigrad.nn._checks import check_dtype, check_probability, check_sizes, check_tensor
from minigrad.nn.functional import dropout, linear
from minigrad.nn.module import Module
from minigrad.nn.recurrent import record, spec as specs
from minigrad.nn.recurrent.packing import PackedSequence, check_lengths
from minigrad.nn.recurrent.spec import CellSpec
from minigrad.nn.recurrent.switch import check_fused, resolve_fused
from minigrad.nn.recurrent.unroll import Layout, unroll
from minigrad.tensor import Tensor


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (see those for the maths)."""

    def __init__(self, spec: CellSpec, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, *, dtype: Any = None, device: Any = None,
                 fused: bool | None = None):
        super().__init__()
        name = type(self).__name__
        check_sizes(name, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        dropout = check_probability(name, "dropout", dropout, high_open=True)
        self.spec = spec
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.fused = bidirectional, check_fused(name, fused)
        directions = 2 if bidirectional else 1
        for k in range(num_layers):
            fan_in = input_size if k == 0 else hidden_size * directions
            for d in range(directions):
                params = spec.make_parameters(fan_in, hidden_size, bias, dtype, device)
                for pname, p in params.items():
                    if p is not None:
                        setattr(self, pname + self._suffix(k, d), p)

    @property
    def mode(self) -> str:
        return self.spec.kind

    @staticmethod
    def _suffix(k: int, d: int) -> str:
        return f"_l{k}" + ("_reverse" if d else "")

    def flatten_parameters(self) -> None:
        """PyTorch compatibility: nothing to do here."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for attr, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, attr) != default:
                s += f", {attr}={getattr(self, attr)}"
        return s

    # ------------------------------------------------------------- checks
    def _check_input(self, x: Tensor) -> bool:
        """Validate the input; returns True when it is unbatched (2-D)."""
        name, f = type(self).__name__, self.input_size
        layout = "(batch, seq_len, {f})" if self.batch_first else "(seq_len, batch, {f})"
        check_tensor(name, "the input", x)
        if x.ndim not in (2, 3) or x.shape[-1] != f:
            raise ValueError(f"{name}: expected input of shape {layout.format(f=f)} or "
                             f"(seq_len, {f}) unbatched, got {x.shape}")
        if x.shape[0] == 0 or (x.ndim == 3 and x.shape[1] == 0):
            raise ValueError(f"{name}: empty input of shape {x.shape}")
        check_dtype(name, "the input", x, self.weight_ih_l0)
        return x.ndim == 2

    def _check_packed(self, packed: PackedSequence) -> list[int]:
        """Validate a PackedSequence; returns its batch sizes as ints."""
        name, f, data = type(self).__name__, self.input_size, packed.data
        sizes = [int(b) for b in packed.batch_sizes]
        if not isinstance(data, Tensor) or data.ndim != 2 or data.shape[1] != f:
            raise ValueError(f"{name}: a PackedSequence's data must be (sum of lengths, {f}), "
                             f"got {getattr(data, 'shape', type(data).__name__)}")
        if not sizes or sum(sizes) != data.shape[0] or min(sizes) < 1 or any(
                b < a for a, b in zip(sizes[1:], sizes)):
            raise ValueError(f"{name}: batch_sizes {sizes} do not describe the "
                             f"{data.shape[0]} rows of the PackedSequence's data")
        check_dtype(name, "the input", data, self.weight_ih_l0)
        return sizes

    def _initial_state(self, hx: Any, batch: int, unbatched: bool, order: Any = None) -> list:
        """Per state (h, or h and c): None (zeros) or its (L*D) per-layer (B, H) tensors,
        the batch taken in ``order`` when given (a PackedSequence's sorted_indices)."""
        names = [f"{n}_0" for n in self.spec.state_names]
        if hx is None:
            return [None] * len(names)
        if self.spec.cell_state:
            if not isinstance(hx, tuple | list) or len(hx) != len(names):
                raise TypeError(f"{type(self).__name__}: hx must be a tuple "
                                f"({', '.join(names)})")
        else:
            hx = (hx,)
        states = [self._check_state(s, batch, unbatched, what) for s, what in zip(hx, names)]
        return [ops.unbind(s if order is None else s[:, order], 0) for s in states]

    def _check_state(self, s: Tensor, batch: int, unbatched: bool, what: str) -> Tensor:
        name = type(self).__name__
        n = self.num_layers * (2 if self.bidirectional else 1)
        want = (n, self.hidden_size) if unbatched else (n, batch, self.hidden_size)
        if not isinstance(s, Tensor):
            raise TypeError(f"{name}: {what} must be a Tensor, got {type(s).__name__}")
        if s.shape != want:
            raise ValueError(f"{name}: expected {what} of shape {want} "
                             f"(num_layers * num_directions, batch, hidden_size), got {s.shape}")
        check_dtype(name, what, s, self.weight_ih_l0)
        return s.unsqueeze(1) if unbatched else s

    def _result(self, states: list[Tensor]) -> Any:
        return tuple(states) if self.spec.cell_state else states[0]

    # ------------------------------------------------------------- forward
    def forward(self, input: Tensor, hx: Any = None, lengths: Any = None):
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            if lengths is not None:
                raise ValueError(f"{name}: a PackedSequence carries its lengths; "
                                 "lengths= is for a padded batch")
            return self._forward_packed(input, hx)
        x = input
        unbatched = self._check_input(x)
        if unbatched:
            if lengths is not None:
                raise ValueError(f"{name}: lengths= needs a batched input")
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        steps, batch, features = x.shape
        init = self._initial_state(hx, batch, unbatched)
        masks = None
        if lengths is not None:
            lens = check_lengths(name, lengths, batch, steps)
            masks = [None if lens.min() > t else
                     backend.to_device((lens > t).reshape(batch, 1), x.device)
                     for t in range(steps)]
        layout = Layout([batch] * steps, masks, packed=False)
        rows, states = self._layers(x.reshape(steps * batch, features), layout, init, batch)
        out = rows.reshape(steps, batch, rows.shape[1])
        if unbatched:
            out, states = out.squeeze(1), [s.squeeze(1) for s in states]
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, self._result(states)

    def _forward_packed(self, packed: PackedSequence, hx: Any):
        """A PackedSequence runs as it lies (see ``unroll``); the output is packed like
        the input, h_n (c_n) are in the batch's original order, as PyTorch returns them."""
        sizes = self._check_packed(packed)
        order, unsorted = packed.sorted_indices, packed.unsorted_indices
        init = self._initial_state(hx, sizes[0], False, order)   # longest first, as the data
        layout = Layout(sizes, None, packed=True, unsorted=unsorted)
        rows, states = self._layers(packed.data, layout, init, sizes[0])
        if unsorted is not None:
            states = [s[:, unsorted] for s in states]
        return packed._replace(data=rows), self._result(states)

    def _layers(self, rows: Tensor, layout: Layout, init: list, batch: int):
        """Every layer and direction over the sequence's rows (N, F): returns the last
        layer's output rows (N, D*H) and the final states, (L*D, B, H) each."""
        xp = backend.get_array_module(rows.array)
        zeros = Tensor._wrap(xp.zeros((batch, self.hidden_size), dtype=rows.dtype))
        fused = resolve_fused(self.fused)
        recorders = record.active()
        traces = []
        directions = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in init]
        for k in range(self.num_layers):
            with scope(f"layer {k}"):
                outs = []
                for d in range(directions):
                    j = k * directions + d
                    state = [zeros if s0 is None else s0[j] for s0 in init]
                    trace = record.trace_for(recorders, self.spec, layout, batch)
                    with scope("reverse" if d else "forward"):
                        out, state = self._direction(rows, k, d, layout, state, fused, trace)
                    outs.append(out)
                    traces.append(trace)
                    for f, s in zip(finals, state):
                        f.append(s)
                rows = outs[0] if directions == 1 else ops.cat(outs, axis=1)
                if k < self.num_layers - 1:
                    rows = dropout(rows, self.dropout, self.training)
        for r in recorders:
            r.add(self, traces)
        return rows, [ops.stack(f, 0) for f in finals]

    def _direction(self, rows: Tensor, k: int, d: int, layout: Layout, state: list,
                   fused: bool, trace: Any):
        """One layer, one direction: the input projection, then the time loop."""
        sfx = self._suffix(k, d)
        b_ih = getattr(self, "bias_ih" + sfx, None)
        b_hh = getattr(self, "bias_hh" + sfx, None)
        if b_hh is not None and self.spec.folds_b_hh:   # added once, not once per step
            b_ih, b_hh = b_ih + b_hh, None
        xg = linear(rows, getattr(self, "weight_ih" + sfx), b_ih)
        weights = (getattr(self, "weight_hh" + sfx),
                   *(getattr(self, n + sfx) for n, _ in self.spec.extra_weights),
                   *(() if b_hh is None else (b_hh,)))
        return unroll(self.spec, fused, xg, layout, state, weights, bool(d), trace)


_SHARED_DOC = """
    Arguments (PyTorch's): input_size, hidden_size, num_layers=1, bias=True,
    batch_first=False, dropout=0.0 (between layers, training only),
    bidirectional=False; plus dtype=, device=, and fused=None (None follows
    ``mg.nn.recurrent.set_fused_default``; False selects the composite cells, True
    one node per step, "sequence" one node per layer direction: the same numbers,
    for speed, with the per-step graph given up; see ``nn/recurrent/switch.py``).

    Input (seq_len, batch, input_size), or (batch, seq_len, input_size) with
    batch_first, or (seq_len, input_size) unbatched. States have shape
    (num_layers * num_directions, batch, hidden_size) and default to zeros.
    output holds the last layer's h_t for every step, both directions
    concatenated on the last axis (forward first).

    Variable-length batches: ``lengths=`` (B integers in [1, seq_len]; a list,
    array or integer Tensor, in any order). Steps past a sequence's end keep its
    state frozen and give zero output, so h_n (c_n) is the state at each
    sequence's last real step, and the reverse direction starts at each sequence's
    own last element: the numbers of PyTorch's pack_padded_sequence, without packing.
    A ``PackedSequence`` (``mg.nn.utils.rnn.pack_padded_sequence`` / ``pack_sequence``)
    is accepted too, as in PyTorch: the output is then packed the same way.

    Truncated BPTT: pass ``h_n.detach()`` (and ``c_n.detach()``) as the next
    chunk's initial state; gradients then stop at the cut.

    Inside: ``mg.nn.utils.record_states()`` records the per-step gates and states,
    ``mg.nn.utils.state_grad_norms`` the per-step gradient norms.
"""


class RNN(RNNBase):
    __doc__ = """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),
    act = tanh or relu (``nonlinearity=``).

    ``output, h_n = rnn(input, h_0=None, lengths=None)``
    """ + _SHARED_DOC

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, *, dtype: Any = None,
                 device: Any = None, fused: bool | None = None):
        super().__init__(specs.rnn_spec(nonlinearity, "RNN"), input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype, device=device, fused=fused)
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.spec is specs.RNN_TANH else s + f", nonlinearity={self.nonlinearity!r}"


class LSTM(RNNBase):
    __doc__ = """Long short-term memory, gates i, f, g, o (PyTorch's order):
    i, f, o = sigmoid(.), g = tanh(.), c_t = f c_{t-1} + i g, h_t = o tanh(c_t).

    ``output, (h_n, c_n) = lstm(input, (h_0, c_0)=None, lengths=None)``

    ``peephole=True`` (an extra, not in PyTorch, off by default): the gates also read
    the cell state through ``weight_peephole_l{k}`` (3, H) = [w_ci, w_cf, w_co]:
    i, f see c_{t-1}, o sees c_t.
    """ + _SHARED_DOC

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, *, dtype: Any = None, device: Any = None,
                 fused: bool | None = None, peephole: bool = False):
        super().__init__(specs.lstm_spec(peephole), input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, dtype=dtype,
                         device=device, fused=fused)
        self.peephole = bool(peephole)

    def extra_repr(self) -> str:
        return super().extra_repr() + (", peephole=True" if self.peephole else "")


class GRU(RNNBase):
    __doc__ = """Gated recurrent unit, gates r, z, n (PyTorch's order):
    r, z = sigmoid(.), n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),
    h_t = (1 - z) n + z h_{t-1}.

    ``output, h_n = gru(input, h_0=None, lengths=None)``
    """ + _SHARED_DOC

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, *, dtype: Any = None, device: Any = None,
                 fused: bool | None = None):
        super().__init__(specs.GRU, input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype=dtype, device=device, fused=fused)
