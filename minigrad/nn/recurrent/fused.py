"""Fused recurrent steps: one Function per time step, with a hand-derived backward.

The composite steps (``composite.py``) build every gate from primitive ops, so the
graph shows each one; these do the same arithmetic in one node, which is what makes
an unrolled LSTM fast. The two agree to float64 round-off (tests check it).

Every step takes the *input projection* of its step, ``xg = x_t W_ih^T + b_ih``
(shape (B, G*H), G gates), which the layer computes for the whole sequence in one
matmul before the time loop; the step adds the hidden projection
``h_prev W_hh^T + b_hh`` (one matmul per step) and applies the gate nonlinearities.
``b_hh`` may be None (``bias=False``, or folded into ``b_ih`` by the layer). Gate
order is PyTorch's.

Backward, per step, is the chain rule written out: one matmul for dh_prev
(``dgates @ W_hh``), one for this step's share of dW_hh (``dgates^T @ h_prev``),
which the engine sums into ``W_hh.grad``. Inside a layer, a step may be given a
``handoff`` (``sequence.py``): the sequence node's rows to write its arrays into
(gates, states, h: ``out=`` of each NumPy call, no allocation) and dxg, and whether
that node computes dW_hh for the whole sequence in one matmul (then the step returns
no share of its own). A step used alone has no hand-off, allocates its arrays and
keeps its own local backward. ``probe``, when a dict, receives the step's gate values for
``record_states`` (and, when it holds a "dc" key, an LSTM step's whole dL/dc_t in
backward, for ``state_grad_norms``).
"""
from __future__ import annotations

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.nn.recurrent.fused_common import (RELU, TANH, Activation, bias_grad, check_shapes,
                                                gates_from, grad_rows_for, own_dw_hh,
                                                report_dc, rows_for, weight_grad, sigmoid_)


class RNNCellFused(Function):
    """Elman RNN step:  h = act(xg + h_prev W_hh^T + b_hh),  act = tanh or relu.

    Backward:  da = dh * act'(a)   (tanh: 1 - h^2, relu: [h > 0])
               dxg = da,  dh_prev = da W_hh,  dW_hh = da^T h_prev,  db_hh = sum_b da
    """

    def __init__(self, act: Activation = TANH, handoff=None):
        self.act, self.handoff = act, handoff

    @property
    def name(self) -> str:
        return f"RNNCellFused[{self.act.name}]"

    def forward(self, xg, h_prev, w_hh, b_hh=None):
        xp = get_array_module(xg, h_prev, w_hh)
        a = rows_for(self.handoff, "h", xp, xg.shape, xg.dtype)
        xp.matmul(h_prev, w_hh.T, out=a)   # a = h_prev W_hh^T, then in place
        a += xg
        if b_hh is not None:
            a += b_hh
        h = self.act.apply_(a)
        self.saved = h_prev, w_hh, h
        return h

    def backward(self, dh):
        h_prev, w_hh, h = self.saved
        xp = get_array_module(dh, h)
        da = grad_rows_for(self.handoff, xp, h.shape, h.dtype)
        xp.multiply(dh, self.act.slope(h), out=da)
        n_xg, n_h, n_w, *n_b = self.needs_input_grad
        return (da if n_xg else None,
                da @ w_hh if n_h else None,
                weight_grad(da, h_prev) if n_w and own_dw_hh(self.handoff) else None,
                *(bias_grad(da, n_b) if n_b else ()))

    def explain(self, xg, h_prev, w_hh, b_hh=None):
        return check_shapes(self.name, xg, h_prev, w_hh, 1)


def _gates(act, hid: int):
    return act[:, :hid], act[:, hid:2 * hid], act[:, 2 * hid:3 * hid], act[:, 3 * hid:]


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

    def __init__(self, handoff=None, probe: dict | None = None):
        self.handoff, self.probe = handoff, probe

    def forward(self, xg, h_prev, c_prev, w_hh, b_hh=None):
        xp = get_array_module(xg, h_prev, w_hh)
        hid, state = h_prev.shape[1], c_prev.shape
        act = gates_from(self.handoff, xg, xp)
        act += h_prev @ w_hh.T            # the step's one matmul, then all in place
        if b_hh is not None:
            act += b_hh                   # act (B, 4H) becomes [i, f, g, o]:
        sigmoid_(act[:, :2 * hid])
        xp.tanh(act[:, 2 * hid:3 * hid], out=act[:, 2 * hid:3 * hid])
        sigmoid_(act[:, 3 * hid:])
        i, f, g, o = _gates(act, hid)
        c = xp.multiply(f, c_prev, out=rows_for(self.handoff, "c", xp, state, xg.dtype))
        c += i * g
        tanh_c = xp.tanh(c, out=rows_for(self.handoff, "tanh_c", xp, state, xg.dtype))
        h = xp.multiply(o, tanh_c, out=rows_for(self.handoff, "h", xp, state, xg.dtype))
        self.saved = h_prev, c_prev, w_hh, act, tanh_c
        if self.probe is not None:
            self.probe.update(i=i, f=f, g=g, o=o)
        return h, c

    def backward(self, dh, dc):
        h_prev, c_prev, w_hh, act, tanh_c = self.saved
        xp = get_array_module(dh, act)
        hid = h_prev.shape[1]
        i, f, g, o = _gates(act, hid)
        n_xg, n_h, n_c, n_w, *n_b = self.needs_input_grad
        dc = dc + dh * o * (1 - tanh_c * tanh_c)
        dc_prev = dc * f if n_c else None
        # da may be the gates' own memory (``grad_rows_for``): each gate is read before
        # its block of da is written, and dc * g is taken before da_g replaces g
        da = grad_rows_for(self.handoff, xp, act.shape, act.dtype)
        da_i, da_f, da_g, da_o = _gates(da, hid)
        dc_g = dc * g
        xp.multiply(dh * tanh_c, o * (1 - o), out=da_o)
        xp.multiply(dc * c_prev, f * (1 - f), out=da_f)
        xp.multiply(dc * i, 1 - g * g, out=da_g)
        xp.multiply(dc_g, i * (1 - i), out=da_i)
        report_dc(self.probe, dc)
        return (da if n_xg else None,
                da @ w_hh if n_h else None,
                dc_prev,
                weight_grad(da, h_prev) if n_w and own_dw_hh(self.handoff) else None,
                *(bias_grad(da, n_b) if n_b else ()))

    def explain(self, xg, h_prev, c_prev, w_hh, b_hh=None):
        return check_shapes("LSTMCellFused", xg, h_prev, w_hh, 4, c_prev)


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

    def __init__(self, handoff=None, probe: dict | None = None):
        self.handoff, self.probe = handoff, probe

    def forward(self, xg, h_prev, c_prev, w_hh, w_peep, b_hh=None):
        xp = get_array_module(xg, h_prev, w_hh)
        hid, state = h_prev.shape[1], c_prev.shape
        act = gates_from(self.handoff, xg, xp)
        act += h_prev @ w_hh.T
        if b_hh is not None:
            act += b_hh
        act[:, :hid] += w_peep[0] * c_prev
        act[:, hid:2 * hid] += w_peep[1] * c_prev
        sigmoid_(act[:, :2 * hid])
        xp.tanh(act[:, 2 * hid:3 * hid], out=act[:, 2 * hid:3 * hid])
        i, f, g, o = _gates(act, hid)
        c = xp.multiply(f, c_prev, out=rows_for(self.handoff, "c", xp, state, xg.dtype))
        c += i * g
        o += w_peep[2] * c
        sigmoid_(o)
        tanh_c = xp.tanh(c, out=rows_for(self.handoff, "tanh_c", xp, state, xg.dtype))
        h = xp.multiply(o, tanh_c, out=rows_for(self.handoff, "h", xp, state, xg.dtype))
        self.saved = h_prev, c_prev, c, w_hh, w_peep, act, tanh_c
        if self.probe is not None:
            self.probe.update(i=i, f=f, g=g, o=o)
        return h, c

    def backward(self, dh, dc):
        h_prev, c_prev, c, w_hh, w_peep, act, tanh_c = self.saved
        xp = get_array_module(dh, act)
        hid = h_prev.shape[1]
        i, f, g, o = _gates(act, hid)
        n_xg, n_h, n_c, n_w, n_p, *n_b = self.needs_input_grad
        # da may be the gates' own memory (``grad_rows_for``): each gate is read before
        # its block of da is written
        dh_o = dh * o * (1 - tanh_c * tanh_c)
        da = grad_rows_for(self.handoff, xp, act.shape, act.dtype)
        da_i, da_f, da_g, da_o = _gates(da, hid)
        xp.multiply(dh * tanh_c, o * (1 - o), out=da_o)
        dc = dc + dh_o + da_o * w_peep[2]
        dc_f, dc_g = dc * f, dc * g
        xp.multiply(dc * c_prev, f * (1 - f), out=da_f)
        xp.multiply(dc * i, 1 - g * g, out=da_g)
        xp.multiply(dc_g, i * (1 - i), out=da_i)
        report_dc(self.probe, dc)
        dc_prev = None
        if n_c:
            dc_prev = dc_f + da_i * w_peep[0] + da_f * w_peep[1]
        dw_peep = None
        if n_p:
            dw_peep = xp.stack([(da_i * c_prev).sum(axis=0), (da_f * c_prev).sum(axis=0),
                                (da_o * c).sum(axis=0)])
        return (da if n_xg else None,
                da @ w_hh if n_h else None,
                dc_prev,
                weight_grad(da, h_prev) if n_w and own_dw_hh(self.handoff) else None,
                dw_peep,
                *(bias_grad(da, n_b) if n_b else ()))

    def explain(self, xg, h_prev, c_prev, w_hh, w_peep, b_hh=None):
        why = check_shapes("PeepholeLSTMCellFused", xg, h_prev, w_hh, 4, c_prev)
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

    dhg differs from dxg (the reset multiplies h_n only), so W_hh's share is always
    computed here, never by the sequence node.
    """

    def __init__(self, handoff=None, probe: dict | None = None):
        self.handoff, self.probe = handoff, probe

    def forward(self, xg, h_prev, w_hh, b_hh=None):
        xp = get_array_module(xg, h_prev, w_hh)
        hid, state, dt = h_prev.shape[1], h_prev.shape, xg.dtype
        hg = rows_for(self.handoff, "hg", xp, xg.shape, dt)
        xp.matmul(h_prev, w_hh.T, out=hg)   # the step's one matmul
        if b_hh is not None:
            hg += b_hh
        h_n = hg[:, 2 * hid:]
        rz = rows_for(self.handoff, "rz", xp, (state[0], 2 * hid), dt)
        sigmoid_(xp.add(xg[:, :2 * hid], hg[:, :2 * hid], out=rz))
        r, z = rz[:, :hid], rz[:, hid:]
        n = xp.multiply(r, h_n, out=rows_for(self.handoff, "n", xp, state, dt))
        n += xg[:, 2 * hid:]
        xp.tanh(n, out=n)
        h = xp.subtract(h_prev, n, out=rows_for(self.handoff, "h", xp, state, dt))
        h *= z                        # h = n + z * (h_prev - n)
        h += n
        self.saved = h_prev, w_hh, rz, n, h_n
        if self.probe is not None:
            self.probe.update(r=r, z=z, n=n)
        return h

    def backward(self, dh):
        h_prev, w_hh, rz, n, h_n = self.saved
        xp = get_array_module(dh, rz)
        hid = h_prev.shape[1]
        r, z = rz[:, :hid], rz[:, hid:]
        dxg = grad_rows_for(self.handoff, xp, (dh.shape[0], 3 * hid), dh.dtype)
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
                weight_grad(dhg, h_prev) if n_w else None,
                *(bias_grad(dhg, n_b) if n_b else ()))

    def explain(self, xg, h_prev, w_hh, b_hh=None):
        return check_shapes("GRUCellFused", xg, h_prev, w_hh, 3)


def _args(w_hh, b_hh):
    return (w_hh,) if b_hh is None else (w_hh, b_hh)


# The step nodes of each kind, made for a hand-off (``fused_sequence.py`` runs them
# inside one node; the functions below call them as nodes of the graph)
def rnn_tanh_node(handoff=None, probe=None) -> RNNCellFused:
    return RNNCellFused(TANH, handoff)


def rnn_relu_node(handoff=None, probe=None) -> RNNCellFused:
    return RNNCellFused(RELU, handoff)


def rnn_tanh_cell_fused(xg, h, w_hh, b_hh=None, *, handoff=None, probe=None):
    """One tanh Elman step as one node; ``xg = x W_ih^T + b_ih``; returns h."""
    return rnn_tanh_node(handoff)(xg, h, *_args(w_hh, b_hh))


def rnn_relu_cell_fused(xg, h, w_hh, b_hh=None, *, handoff=None, probe=None):
    """One relu Elman step as one node; returns h."""
    return rnn_relu_node(handoff)(xg, h, *_args(w_hh, b_hh))


def lstm_cell_fused(xg, h, c, w_hh, b_hh=None, *, handoff=None, probe=None):
    """One LSTM step as one node; returns (h, c)."""
    return LSTMCellFused(handoff, probe)(xg, h, c, *_args(w_hh, b_hh))


def peephole_lstm_cell_fused(xg, h, c, w_hh, w_peep, b_hh=None, *, handoff=None, probe=None):
    """One peephole LSTM step as one node; ``w_peep`` (3, H); returns (h, c)."""
    return PeepholeLSTMCellFused(handoff, probe)(xg, h, c, w_hh, *_args(w_peep, b_hh))


def gru_cell_fused(xg, h, w_hh, b_hh=None, *, handoff=None, probe=None):
    """One GRU step as one node; returns h."""
    return GRUCellFused(handoff, probe)(xg, h, *_args(w_hh, b_hh))
