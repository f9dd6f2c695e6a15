"""Sequence layers RNN, LSTM and GRU: the cells of ``minigrad.nn.cells`` unrolled in time.

Nothing here computes a gradient. A layer call records, per layer and direction,

    xg = x W_ih^T + b_ih          one matmul for the whole sequence (T*B rows)
    xg_0, ..., xg_{T-1} = unbind(xg)   one node
    h_t = cell(xg_t, h_{t-1}, W_hh, b_hh)   one cell call per step, in scope "t=<t>"

and ``loss.backward()`` then *is* back-propagation through time: the engine walks the
unrolled graph backwards, cell by cell. (With fused RNN/LSTM cells, the sequence node
``SequenceSteps`` collects the T gate gradients and gives ``W_hh`` its gradient in one
matmul, as a hand-written BPTT does; composite cells leave T shares for the engine to
sum. See ``minigrad.ops.fused_cells``.)

Constructor, call signature, return values, parameter names (``weight_ih_l0``,
``bias_hh_l1_reverse``...), shapes and gate order are PyTorch's, so a PyTorch
state_dict converted to numpy loads and gives the same numbers.
"""
from __future__ import annotations

from typing import Any

from minigrad import backend, ops
from minigrad.ops import fused_cells
from minigrad.autograd import scope
from minigrad.nn.cells import CELLS, init_uniform, input_projection, resolve_fused, step_function
from minigrad.nn._checks import check_dtype
from minigrad.nn.module import Module
from minigrad.nn.utils.rnn import PackedSequence, pad_packed_sequence, repack_like
from minigrad.tensor import Tensor


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (see those for the maths)."""
    mode = ""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, *, dtype: Any = None, device: Any = None,
                 fused: bool | None = None):
        super().__init__()
        name = type(self).__name__
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{name}: input_size, hidden_size and num_layers must be "
                             f"positive, got {input_size}, {hidden_size}, {num_layers}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1), got {dropout}")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.fused = bidirectional, fused
        gates = CELLS[mode][0] * hidden_size
        directions = 2 if bidirectional else 1
        for k in range(num_layers):
            fan_in = input_size if k == 0 else hidden_size * directions
            for sfx in ("", "_reverse")[:directions]:
                setattr(self, f"weight_ih_l{k}{sfx}",
                        init_uniform((gates, fan_in), hidden_size, dtype, device))
                setattr(self, f"weight_hh_l{k}{sfx}",
                        init_uniform((gates, hidden_size), hidden_size, dtype, device))
                if bias:
                    setattr(self, f"bias_ih_l{k}{sfx}",
                            init_uniform((gates,), hidden_size, dtype, device))
                    setattr(self, f"bias_hh_l{k}{sfx}",
                            init_uniform((gates,), hidden_size, dtype, device))
                if mode == "LSTM_PEEPHOLE":
                    setattr(self, f"weight_peephole_l{k}{sfx}",
                            init_uniform((3, hidden_size), hidden_size, dtype, device))

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
        return s + (", peephole=True" if self.mode == "LSTM_PEEPHOLE" else "")

    # ------------------------------------------------------------- checks
    def _check_input(self, x: Tensor) -> bool:
        """Validate the input; returns True when it is unbatched (2-D)."""
        name, f = type(self).__name__, self.input_size
        layout = "(batch, seq_len, {f})" if self.batch_first else "(seq_len, batch, {f})"
        if x.ndim not in (2, 3) or x.shape[-1] != f:
            raise ValueError(f"{name}: expected input of shape {layout.format(f=f)} or "
                             f"(seq_len, {f}) unbatched, got {x.shape}")
        if x.shape[0] == 0 or (x.ndim == 3 and x.shape[1] == 0):
            raise ValueError(f"{name}: empty input of shape {x.shape}")
        check_dtype(name, "the input", x, self.weight_ih_l0)
        return x.ndim == 2

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

    def _masks(self, lengths: Any, steps: int, batch: int, x: Tensor):
        """Per step: None (every sequence still running) or a (B, 1) boolean mask."""
        name = type(self).__name__
        lens = backend.to_numpy(lengths.array if isinstance(lengths, Tensor) else
                                backend.as_array(lengths)).reshape(-1)
        if lens.shape != (batch,) or lens.dtype.kind not in "iu":
            raise ValueError(f"{name}: lengths must be {batch} integers (one per sequence), "
                             f"got {lens.dtype} of shape {lens.shape}")
        if lens.min() < 1 or lens.max() > steps:
            raise ValueError(f"{name}: lengths must lie in [1, {steps}] (the sequence "
                             f"length), got {lens.tolist()}")
        return [None if lens.min() > t else
                backend.to_device((lens > t).reshape(batch, 1), x.device)
                for t in range(steps)]

    # ------------------------------------------------------------- forward
    def forward(self, input: Tensor, hx: Any = None, lengths: Any = None):  # noqa: A002
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        x = input
        unbatched = self._check_input(x)
        if unbatched:
            if lengths is not None:
                raise ValueError(f"{type(self).__name__}: lengths= needs a batched input")
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        steps, batch = x.shape[0], x.shape[1]
        lstm = self.mode.startswith("LSTM")
        if hx is None:
            h0 = c0 = None
        elif lstm:
            if not isinstance(hx, tuple | list) or len(hx) != 2:
                raise TypeError("LSTM: hx must be a tuple (h_0, c_0)")
            h0 = self._check_state(hx[0], batch, unbatched, "h_0")
            c0 = self._check_state(hx[1], batch, unbatched, "c_0")
        else:
            h0, c0 = self._check_state(hx, batch, unbatched, "h_0"), None
        masks = None if lengths is None else self._masks(lengths, steps, batch, x)
        h0s = None if h0 is None else ops.unbind(h0, 0)
        c0s = None if c0 is None else ops.unbind(c0, 0)
        zeros = Tensor._wrap(backend.get_array_module(x.array).zeros(
            (batch, self.hidden_size), dtype=x.dtype))
        fused = resolve_fused(self.fused)
        directions = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for k in range(self.num_layers):
            with scope(f"layer {k}"):
                outs = []
                for d in range(directions):
                    j = k * directions + d
                    state = [zeros if h0s is None else h0s[j]]
                    if lstm:
                        state.append(zeros if c0s is None else c0s[j])
                    with scope("reverse" if d else "forward"):
                        out, state = self._run(x, k, "_reverse" if d else "", state, fused,
                                               bool(d), masks)
                    outs.append(out)
                    h_n.append(state[0])
                    if lstm:
                        c_n.append(state[1])
                x = outs[0] if directions == 1 else ops.cat(outs, axis=2)
                if self.dropout and self.training and k < self.num_layers - 1:
                    x = _dropout(x, self.dropout)
        h_n = ops.stack(h_n, 0)
        c_n = ops.stack(c_n, 0) if lstm else None
        if unbatched:
            x, h_n = x.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        elif self.batch_first:
            x = x.transpose(0, 1)
        return (x, (h_n, c_n)) if lstm else (x, h_n)

    def _forward_packed(self, packed: PackedSequence, hx: Any):
        """A PackedSequence runs as its padded batch with ``lengths=`` (the same numbers,
        tested against PyTorch); the output is packed like the input, h_n (c_n) are in
        the batch's original order, as PyTorch returns them."""
        padded, lengths = pad_packed_sequence(packed, batch_first=self.batch_first)
        out, state = self.forward(padded, hx, lengths=lengths)
        if self.batch_first:
            out = out.transpose(0, 1)
        return repack_like(out, packed), state

    def _run(self, x: Tensor, k: int, sfx: str, state: list, fused: bool, reverse: bool,
             masks):
        """One layer, one direction: the unrolled time loop. Returns (T, B, H), state."""
        steps, batch, features = x.shape
        step = step_function(self.mode, fused)
        w_ih = getattr(self, f"weight_ih_l{k}{sfx}")
        w_hh = getattr(self, f"weight_hh_l{k}{sfx}")
        b_ih = getattr(self, f"bias_ih_l{k}{sfx}", None)
        b_hh = () if not self.bias else (getattr(self, f"bias_hh_l{k}{sfx}"),)
        if b_hh and self.mode != "GRU":  # b_hh joins b_ih outside the loop (GRU's b_hn can't)
            b_ih, b_hh = b_ih + b_hh[0], ()
        if self.mode == "LSTM_PEEPHOLE":
            b_hh = (getattr(self, f"weight_peephole_l{k}{sfx}"), *b_hh)
        xg = input_projection(x.reshape(steps * batch, features), w_ih, b_ih)
        xg = xg.reshape(steps, batch, w_ih.shape[0])
        # one node either way; the fused cells' twin of unbind skips a stacking copy and
        # (RNN, LSTM) computes dW_hh in one matmul over the sequence, as BPTT by hand does
        if not fused:
            xgs = ops.unbind(xg, 0)
        else:
            xgs = fused_cells.sequence_steps(xg, None if self.mode == "GRU" else w_hh)
        outputs: list = [None] * steps
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            with scope(f"t={t}"):
                new = step(xgs[t], *state, w_hh, *b_hh)
                new = list(new) if isinstance(new, tuple) else [new]
                mask = None if masks is None else masks[t]
                if mask is None:
                    outputs[t] = new[0]
                else:  # past this sequence's end: keep the state, output zeros
                    new = [ops.where(mask, n, s) for n, s in zip(new, state)]
                    outputs[t] = new[0] * Tensor._wrap(mask.astype(x.dtype))
                state = new
        return ops.stack(outputs, 0), state


def _dropout(x: Tensor, p: float) -> Tensor:
    """Inverted dropout between layers (training only): keep with 1-p, scale by 1/(1-p)."""
    keep = backend.rng().random(x.shape) >= p
    mask = backend.to_device((keep / (1.0 - p)).astype(x.dtype), x.device)
    return x * Tensor._wrap(mask)


_SHARED_DOC = """
    Arguments (PyTorch's): input_size, hidden_size, num_layers=1, bias=True,
    batch_first=False, dropout=0.0 (between layers, training only),
    bidirectional=False; plus dtype=, device=, and fused=None (None follows
    ``minigrad.nn.cells.set_fused_default``; False selects the composite cells).

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
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype, device=device, fused=fused)
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity!r}"


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
        super().__init__("LSTM_PEEPHOLE" if peephole else "LSTM", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, dtype=dtype,
                         device=device, fused=fused)


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
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype=dtype, device=device, fused=fused)
