"""Per-step gradient norms of a recurrent layer: how far back a loss reaches.

    norms = mg.nn.utils.state_grad_norms(rnn, x, lambda out, state: out[-1].sum())
    norms.states[0]["h"]         # ||dL/dh_t|| per step and sequence: (T, B)

The gradients are the engine's own: the layer runs once with its per-step state
tensors kept (``record.py``), each gets ``retain_grad()``, and one ``backward()``
fills them. Back-propagation through time as it ran, no second implementation.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from minigrad import backend
from minigrad.nn.recurrent.layers import RNNBase
from minigrad.nn.recurrent.packing import PackedSequence
from minigrad.nn.recurrent.record import Trace, recording, row_norms, scatter
from minigrad.tensor import Tensor


class _TraceKeeper:
    """A recorder that keeps a call's traces (tensors included), for gradients."""
    wants_grads = True

    def __init__(self) -> None:
        self.traces: dict = {}

    def add(self, layer: Any, traces: list[Trace]) -> None:
        self.traces[layer] = traces


class StateGradNorms(NamedTuple):
    """``state_grad_norms``'s answer; every array is (T, B), time order, batch order."""
    x: Any              # ||dL/dx_t||: the layer's input at step t
    states: list        # [k * num_directions + d] -> {"h": ||dL/dh_t||, ("c": ||dL/dc_t||)}


def state_grad_norms(layer: Any, x: Any, loss_fn: Callable, hx: Any = None,
                     lengths: Any = None) -> StateGradNorms:
    """How far back the gradient of a loss reaches through a recurrent layer.

    Runs ``out, state = layer(x, hx, lengths=lengths)``, then
    ``loss_fn(out, state).backward()`` (a scalar: e.g. a loss of the last step only,
    ``lambda out, state: F.mse_loss(out[-1], y)``), and returns for every step t and
    sequence b the norms ||dL/dh_t||, ||dL/dc_t|| (LSTMs) of each layer and direction,
    and ||dL/dx_t||: the full gradients the engine delivers to the state tensors the
    layer created (``retain_grad``), i.e. BPTT as it ran. Vanishing gradients show as
    norms falling off with the distance from the loss.

    ``x`` and ``hx`` enter as constants (no gradient flows to what made them); the
    layer's parameters' ``.grad`` are left as they were. The layer runs in its
    current mode (``layer.eval()`` to switch dropout off).
    """
    if not isinstance(layer, RNNBase):
        raise TypeError(f"state_grad_norms: {type(layer).__name__} is not a recurrent "
                        "layer (RNN, LSTM or GRU)")
    if not callable(loss_fn):
        raise TypeError(f"state_grad_norms: loss_fn must be a function (out, state) -> "
                        f"loss, got {type(loss_fn).__name__}")
    leaf, packed = _leaf(x)
    if isinstance(hx, tuple | list):
        hx = tuple(s.detach() for s in hx)
    elif hx is not None:
        hx = hx.detach()
    params = list(layer.parameters())
    grads = [p.grad for p in params]
    for p in params:
        p.grad = None
    try:
        with recording(_TraceKeeper()) as keeper:
            out, state = layer(packed if packed is not None else leaf, hx, lengths=lengths)
        traces = keeper.traces[layer]
        for trace in traces:
            trace.retain_grads()
        loss = loss_fn(out, state)
        if not isinstance(loss, Tensor) or loss.array.size != 1:
            raise ValueError("state_grad_norms: loss_fn(out, state) must return a "
                             f"one-element Tensor, got {getattr(loss, 'shape', loss)!r}")
        loss.backward()
        x_norms = _input_norms(layer, leaf, packed, traces[0])
        return StateGradNorms(x_norms, [t.grad_norms() for t in traces])
    finally:
        for p, g in zip(params, grads):
            p.grad = g


def _leaf(x: Any) -> tuple[Tensor, PackedSequence | None]:
    """A fresh leaf holding x's values (for a PackedSequence: its data), and the
    PackedSequence built on it."""
    if isinstance(x, PackedSequence):
        leaf = Tensor(x.data.array, requires_grad=True)
        return leaf, x._replace(data=leaf)
    if not isinstance(x, Tensor):
        raise TypeError(f"state_grad_norms: x must be a Tensor or a PackedSequence, "
                        f"got {type(x).__name__}")
    return Tensor(x.array, requires_grad=True), None


def _input_norms(layer: Any, leaf: Tensor, packed: Any, trace: Trace) -> Any:
    """||dL/dx_t|| as (T, B), laid out as the layer saw its input."""
    xp = backend.get_array_module(leaf.array)
    g = xp.zeros_like(leaf.array) if leaf.grad is None else leaf.grad.array
    layout = trace.layout
    if packed is not None:
        starts = [0]
        for b in layout.sizes:
            starts.append(starts[-1] + b)
        per_step = [g[starts[t]:starts[t + 1]] for t in range(len(layout.sizes))]
    else:
        if g.ndim == 2:                        # unbatched (T, F)
            g = g[:, None]
        elif layer.batch_first:
            g = g.swapaxes(0, 1)
        per_step = list(g)
    return row_norms(scatter(layout, trace.batch, per_step))
