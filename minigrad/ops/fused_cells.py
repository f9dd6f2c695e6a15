"""Fused recurrent cells: one Function per time step, with a hand-derived backward.

The composite cells of ``minigrad.nn.cells`` build every gate from primitive ops, so
the graph shows each one; these do the same arithmetic in one node, which is what
makes an unrolled LSTM fast. The two agree to float64 round-off (tests check it).

Every cell takes the *input projection* of its step, ``xg = x_t W_ih^T + b_ih``
(shape (B, G*H), G gates), which the layer computes for the whole sequence in one
matmul before the time loop; the cell adds the hidden projection
``h_prev W_hh^T + b_hh`` (one matmul per step) and applies the gate nonlinearities.
``b_hh`` may be None (``bias=False``). Gate order is PyTorch's.

Backward, per step, is the chain rule written out: one matmul for dh_prev
(``dgates @ W_hh``), one for this step's share of dW_hh (``dgates^T @ h_prev``), which
the engine sums into ``W_hh.grad``. Inside the layers, the sequence node
``SequenceSteps`` takes over that share for RNN and LSTM cells: the cells write their
dgates into one (T, B, G) buffer and the node computes dW_hh in one matmul over the
whole sequence (measured: the T small matmuls plus T-1 accumulations cost ~4 ms more
per LSTM LM training step, ~12%). The gradient of ``xg`` flows back to the sequence's
input projection, where one matmul gives dW_ih and dx for all steps.
"""
from __future__ import annotations

from minigrad.autograd import Function
from minigrad.backend import get_array_module


def sigmoid_(x):
    """sigmoid(x) = (1 + tanh(x / 2)) / 2, computed in place and returned.

    Stable like ``minigrad.ops.sigmoid_array`` (tanh never overflows) but ~4x faster on
    the strided gate slices here; it agrees with it to round-off (absolute 1e-16).
    """
    xp = get_array_module(x)
    x *= 0.5
    xp.tanh(x, out=x)
    x += 1
    x *= 0.5
    return x


class SequenceSteps(Function):
    """(T, B, G) -> T steps of (B, G): ``unbind`` over time, for the fused cells.

    One node, as ``mg.unbind``; the difference is in backward, where it works with the
    fused cells to do what a hand-written BPTT does:

    * each cell writes its gradient for ``xg_t`` straight into row t of one (T, B, G)
      buffer handed out here (``grad_slot``): when all T arrive as those rows, the
      buffer *is* the gradient, no stacking copy. Anything else (a step input used
      elsewhere too) falls back to stacking, like ``unbind``.
    * given ``W_hh`` as a second input, it also takes over the cells' weight gradient:
      for RNN and LSTM cells ``dxg_t = da_t``, so instead of T small matmuls
      ``da_t^T h_{t-1}`` and T-1 accumulations, one matmul over the sequence,
      ``dW_hh = DA^T H_prev`` (T*B rows), arrives on this node's edge to ``W_hh``.
      A cell whose row was taken over returns None for W_hh; any other (a second
      backward with ``retain_graph``, another W) returns its own share.
    """

    def forward(self, x, w_hh=None):
        steps = x.shape[0]
        self.buffer, self.handed, self.h_prev = None, [None] * steps, [None] * steps
        return tuple(x[t] for t in range(steps))

    def grad_slot(self, t: int, like, h_prev, w_hh):
        """(array to write dxg_t into, whether this node computes the cell's dW_hh)."""
        xp = get_array_module(like)
        if self.handed[t] is not None:   # a second cell reads this step: its own array
            return xp.empty_like(like), False
        if self.buffer is None:
            self.buffer = xp.empty((len(self.handed),) + like.shape, dtype=like.dtype)
        self.handed[t] = self.buffer[t]
        hoist = (w_hh is not None and len(self.inputs) == 2 and self.inputs[1] is w_hh
                 and self.needs_input_grad[1])
        if hoist:
            self.h_prev[t] = h_prev
        return self.handed[t], hoist

    def backward(self, *gs):
        buffer, handed, h_prev = self.buffer, self.handed, self.h_prev
        self.buffer = self.handed = self.h_prev = None
        xp = get_array_module(*gs)
        if buffer is not None and all(g is h for g, h in zip(gs, handed)):
            dx = buffer
        else:
            dx = xp.stack(gs)
        dw = None
        rows = [t for t, h in enumerate(h_prev or ()) if h is not None]
        if rows:
            da = buffer if len(rows) == len(h_prev) else buffer[rows]
            hp = xp.stack([h_prev[t] for t in rows])
            dw = da.reshape(-1, da.shape[-1]).T @ hp.reshape(-1, hp.shape[-1])
        return (dx, dw) if len(self.inputs) == 2 else dx


def sequence_steps(x, w_hh=None):
    """The T steps of a (T, B, G) tensor as one node (see ``SequenceSteps``); pass the
    layer's ``W_hh`` to let the node compute its gradient in one matmul."""
    out = SequenceSteps()(x) if w_hh is None else SequenceSteps()(x, w_hh)
    return out if isinstance(out, tuple) else (out,)


def _grad_out(fn: Function, like, h_prev, w_pos: int | None):
    """Where cell ``fn`` writes its gradient for xg: (array, dW_hh taken over?). The
    row of the sequence's buffer when xg came from ``SequenceSteps``, else a new array."""
    x = fn.inputs[0]
    node = getattr(x, "grad_fn", None)
    if type(node) is SequenceSteps and node.handed is not None:
        w_hh = None if w_pos is None else fn.inputs[w_pos]
        return node.grad_slot(x._index, like, h_prev, w_hh)
    return get_array_module(like).empty_like(like), False


def _weight_grad(da, h_prev):
    """dW_hh = da^T h_prev (summed over the batch): one matmul; for a batch of one, the
    outer product by broadcasting (BLAS's K=1 matmul costs ~3x more there)."""
    if da.shape[0] == 1:
        return da.T * h_prev
    return da.T @ h_prev


def _check(name: str, xg, h, w, gates: int, c=None):
    """The message for inputs of the wrong shapes (None when they fit)."""
    hidden = w.shape[1] if w.ndim == 2 else None
    expect = None if hidden is None else (h.shape[0], gates * hidden)
    if (w.ndim != 2 or w.shape[0] != gates * hidden or h.ndim != 2 or h.shape[1] != hidden
            or tuple(xg.shape) != expect or (c is not None and c.shape != h.shape)):
        got = ", ".join(str(tuple(a.shape)) for a in (xg, h, c, w) if a is not None)
        return (f"{name}: inputs (xg, h{', c' if c is not None else ''}, W_hh) of shapes {got} "
                f"do not fit: W_hh must be ({gates}*H, H), h (B, H), xg (B, {gates}*H)")
    return None


class RNNCellFused(Function):
    """Elman RNN step:  h = act(xg + h_prev W_hh^T + b_hh),  act = tanh or relu.

    Backward:  da = dh * act'(a)   (tanh: 1 - h^2, relu: [h > 0])
               dxg = da,  dh_prev = da W_hh,  dW_hh = da^T h_prev,  db_hh = sum_b da
    """

    def __init__(self, nonlinearity: str = "tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN cell: nonlinearity must be 'tanh' or 'relu', "
                             f"got {nonlinearity!r}")
        self.nonlinearity = nonlinearity

    @property
    def name(self) -> str:
        return f"RNNCellFused[{self.nonlinearity}]"

    def forward(self, xg, h_prev, w_hh, b_hh=None):
        xp = get_array_module(xg, h_prev, w_hh)
        a = h_prev @ w_hh.T
        a += xg
        if b_hh is not None:
            a += b_hh
        if self.nonlinearity == "tanh":
            h = xp.tanh(a, out=a)
        else:
            h = xp.maximum(a, 0, out=a)
        self.saved = h_prev, w_hh, h
        return h

    def backward(self, dh):
        h_prev, w_hh, h = self.saved
        da, hoisted = _grad_out(self, h, h_prev, 2)
        if self.nonlinearity == "tanh":
            xp = get_array_module(dh, h)
            xp.multiply(dh, 1 - h * h, out=da)
        else:
            get_array_module(dh, h).multiply(dh, h > 0, out=da)
        n_xg, n_h, n_w, *n_b = self.needs_input_grad
        return (da if n_xg else None,
                da @ w_hh if n_h else None,
                _weight_grad(da, h_prev) if n_w and not hoisted else None,
                *(da.sum(axis=0) if n else None for n in n_b))

    def explain(self, xg, h_prev, w_hh, b_hh=None):
        return _check(self.name, xg, h_prev, w_hh, 1)


class LSTMCellFused(Function):
    """LSTM step (gates i, f, g, o in PyTorch's order), two outputs (h, c):

        [a_i, a_f, a_g, a_o] = xg + h_prev W_hh^T + b_hh
        i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
        c = f * c_prev + i * g
        h = o * tanh(c)

    Backward, with dc the gradient arriving from c's later uses:

        dc   = dc + dh * o * (1 - tanh(c)^2)
        da_i = dc * g * i (1 - i)          da_f = dc * c_prev * f (1 - f)
        da_g = dc * i * (1 - g^2)          da_o = dh * tanh(c) * o (1 - o)
        dc_prev = dc * f,  dxg = da,  dh_prev = da W_hh,  dW_hh = da^T h_prev
    """

    def forward(self, xg, h_prev, c_prev, w_hh, b_hh=None):
        xp = get_array_module(xg, h_prev, w_hh)
        hid = h_prev.shape[1]
        a = h_prev @ w_hh.T           # the step's one matmul, then everything in place
        a += xg
        if b_hh is not None:
            a += b_hh
        act = a                       # (B, 4H): becomes [i, f, g, o]
        sigmoid_(act[:, :2 * hid])
        xp.tanh(act[:, 2 * hid:3 * hid], out=act[:, 2 * hid:3 * hid])
        sigmoid_(act[:, 3 * hid:])
        i, f, g, o = (act[:, k * hid:(k + 1) * hid] for k in range(4))
        c = f * c_prev
        c += i * g
        tanh_c = xp.tanh(c)
        h = o * tanh_c
        self.saved = h_prev, c_prev, w_hh, act, tanh_c
        return h, c

    def backward(self, dh, dc):
        h_prev, c_prev, w_hh, act, tanh_c = self.saved
        xp = get_array_module(dh, act)
        hid = h_prev.shape[1]
        i, f, g, o = (act[:, k * hid:(k + 1) * hid] for k in range(4))
        dc = dc + dh * o * (1 - tanh_c * tanh_c)
        da, hoisted = _grad_out(self, act, h_prev, 3)
        da_i, da_f, da_g, da_o = (da[:, k * hid:(k + 1) * hid] for k in range(4))
        xp.multiply(dc * g, i * (1 - i), out=da_i)      # written straight into da
        xp.multiply(dc * c_prev, f * (1 - f), out=da_f)
        xp.multiply(dc * i, 1 - g * g, out=da_g)
        xp.multiply(dh * tanh_c, o * (1 - o), out=da_o)
        n_xg, n_h, n_c, n_w, *n_b = self.needs_input_grad
        return (da if n_xg else None,
                da @ w_hh if n_h else None,
                dc * f if n_c else None,
                _weight_grad(da, h_prev) if n_w and not hoisted else None,
                *(da.sum(axis=0) if n else None for n in n_b))

    def explain(self, xg, h_prev, c_prev, w_hh, b_hh=None):
        return _check("LSTMCellFused", xg, h_prev, w_hh, 4, c_prev)


class PeepholeLSTMCellFused(Function):
    """Peephole LSTM step (Gers & Schmidhuber): the gates also read the cell state,
    through diagonal weights w_peep = [w_ci, w_cf, w_co] of shape (3, H):

        i = sigmoid(a_i + w_ci * c_prev)   f = sigmoid(a_f + w_cf * c_prev)
        g = tanh(a_g)                      c = f * c_prev + i * g
        o = sigmoid(a_o + w_co * c)        h = o * tanh(c)

    Backward:

        da_o = dh * tanh(c) * o (1 - o)
        dc   = dc + dh * o * (1 - tanh(c)^2) + da_o * w_co
        da_i, da_f, da_g as in the LSTM;  dc_prev = dc * f + da_i * w_ci + da_f * w_cf
        dw_peep = sum_b [da_i * c_prev, da_f * c_prev, da_o * c]
    """

    def forward(self, xg, h_prev, c_prev, w_hh, w_peep, b_hh=None):
        xp = get_array_module(xg, h_prev, w_hh)
        hid = h_prev.shape[1]
        act = h_prev @ w_hh.T
        act += xg
        if b_hh is not None:
            act += b_hh
        act[:, :hid] += w_peep[0] * c_prev
        act[:, hid:2 * hid] += w_peep[1] * c_prev
        sigmoid_(act[:, :2 * hid])
        xp.tanh(act[:, 2 * hid:3 * hid], out=act[:, 2 * hid:3 * hid])
        i, f, g, o = (act[:, k * hid:(k + 1) * hid] for k in range(4))
        c = f * c_prev
        c += i * g
        o += w_peep[2] * c
        sigmoid_(o)
        tanh_c = xp.tanh(c)
        h = o * tanh_c
        self.saved = h_prev, c_prev, c, w_hh, w_peep, act, tanh_c
        return h, c

    def backward(self, dh, dc):
        h_prev, c_prev, c, w_hh, w_peep, act, tanh_c = self.saved
        xp = get_array_module(dh, act)
        hid = h_prev.shape[1]
        i, f, g, o = (act[:, k * hid:(k + 1) * hid] for k in range(4))
        da, hoisted = _grad_out(self, act, h_prev, 3)
        da_i, da_f, da_g, da_o = (da[:, k * hid:(k + 1) * hid] for k in range(4))
        xp.multiply(dh * tanh_c, o * (1 - o), out=da_o)
        dc = dc + dh * o * (1 - tanh_c * tanh_c) + da_o * w_peep[2]
        xp.multiply(dc * g, i * (1 - i), out=da_i)
        xp.multiply(dc * c_prev, f * (1 - f), out=da_f)
        xp.multiply(dc * i, 1 - g * g, out=da_g)
        n_xg, n_h, n_c, n_w, n_p, *n_b = self.needs_input_grad
        dc_prev = None
        if n_c:
            dc_prev = dc * f + da_i * w_peep[0] + da_f * w_peep[1]
        dw_peep = None
        if n_p:
            dw_peep = xp.stack([(da_i * c_prev).sum(axis=0), (da_f * c_prev).sum(axis=0),
                                (da_o * c).sum(axis=0)])
        return (da if n_xg else None,
                da @ w_hh if n_h else None,
                dc_prev,
                _weight_grad(da, h_prev) if n_w and not hoisted else None,
                dw_peep,
                *(da.sum(axis=0) if n else None for n in n_b))

    def explain(self, xg, h_prev, c_prev, w_hh, w_peep, b_hh=None):
        why = _check("PeepholeLSTMCellFused", xg, h_prev, w_hh, 4, c_prev)
        if why is None and tuple(w_peep.shape) != (3, h_prev.shape[1]):
            why = (f"PeepholeLSTMCellFused: peephole weights must have shape "
                   f"(3, {h_prev.shape[1]}), got {tuple(w_peep.shape)}")
        return why


class GRUCellFused(Function):
    """GRU step (gates r, z, n in PyTorch's order; the reset multiplies W_hn h + b_hn):

        [x_r, x_z, x_n] = xg,   [h_r, h_z, h_n] = h_prev W_hh^T + b_hh
        r = sigmoid(x_r + h_r)   z = sigmoid(x_z + h_z)   n = tanh(x_n + r * h_n)
        h = (1 - z) * n + z * h_prev

    Backward:

        da_n = dh * (1 - z) * (1 - n^2)
        da_z = dh * (h_prev - n) * z (1 - z)
        da_r = da_n * h_n * r (1 - r)
        dxg = [da_r, da_z, da_n],  dhg = [da_r, da_z, da_n * r]
        dh_prev = dh * z + dhg W_hh,  dW_hh = dhg^T h_prev,  db_hh = sum_b dhg
    """

    def forward(self, xg, h_prev, w_hh, b_hh=None):
        xp = get_array_module(xg, h_prev, w_hh)
        hid = h_prev.shape[1]
        hg = h_prev @ w_hh.T          # the step's one matmul
        if b_hh is not None:
            hg += b_hh
        h_n = hg[:, 2 * hid:]
        rz = sigmoid_(xg[:, :2 * hid] + hg[:, :2 * hid])
        r, z = rz[:, :hid], rz[:, hid:]
        n = r * h_n
        n += xg[:, 2 * hid:]
        xp.tanh(n, out=n)
        h = h_prev - n                # h = n + z * (h_prev - n)
        h *= z
        h += n
        self.saved = h_prev, w_hh, rz, n, h_n
        return h

    def backward(self, dh):
        h_prev, w_hh, rz, n, h_n = self.saved
        xp = get_array_module(dh, rz)
        hid = h_prev.shape[1]
        r, z = rz[:, :hid], rz[:, hid:]
        like = xp.empty((dh.shape[0], 3 * hid), dtype=dh.dtype)
        dxg, _ = _grad_out(self, like, h_prev, None)  # dhg != dxg: W_hh's share stays here
        da_n = dxg[:, 2 * hid:]
        xp.multiply(dh * (1 - z), 1 - n * n, out=da_n)
        dxg[:, hid:2 * hid] = dh * (h_prev - n) * z * (1 - z)
        dxg[:, :hid] = da_n * h_n * r * (1 - r)
        dhg = dxg.copy()
        dhg[:, 2 * hid:] *= r
        n_xg, n_h, n_w, *n_b = self.needs_input_grad
        dh_prev = None
        if n_h:
            dh_prev = dhg @ w_hh
            dh_prev += dh * z
        return (dxg if n_xg else None,
                dh_prev,
                _weight_grad(dhg, h_prev) if n_w else None,
                *(dhg.sum(axis=0) if n else None for n in n_b))

    def explain(self, xg, h_prev, w_hh, b_hh=None):
        return _check("GRUCellFused", xg, h_prev, w_hh, 3)


def _args(w_hh, b_hh):
    return (w_hh,) if b_hh is None else (w_hh, b_hh)


def rnn_cell_fused(xg, h, w_hh, b_hh=None, nonlinearity: str = "tanh"):
    """One Elman RNN step as one node; ``xg = x W_ih^T + b_ih``."""
    return RNNCellFused(nonlinearity)(xg, h, *_args(w_hh, b_hh))


def lstm_cell_fused(xg, h, c, w_hh, b_hh=None):
    """One LSTM step as one node; returns (h, c)."""
    return LSTMCellFused()(xg, h, c, *_args(w_hh, b_hh))


def peephole_lstm_cell_fused(xg, h, c, w_hh, w_peep, b_hh=None):
    """One peephole LSTM step as one node; ``w_peep`` (3, H); returns (h, c)."""
    return PeepholeLSTMCellFused()(xg, h, c, w_hh, *_args(w_peep, b_hh))


def gru_cell_fused(xg, h, w_hh, b_hh=None):
    """One GRU step as one node."""
    return GRUCellFused()(xg, h, *_args(w_hh, b_hh))
