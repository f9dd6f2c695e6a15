"""Recording a recurrent layer's per-step gates and states.

    with mg.nn.utils.record_states() as rec:
        out, (h, c) = lstm(x)
    rec[lstm][0]["f"]            # forget gate of layer 0, forward: (T, B, H) numpy

What is recorded is what the layer computes anyway: the gates the step functions
(fused or composite) hand to a ``probe`` dict, and the state tensors the time loop
creates (``grad_norms.py`` keeps those to read their gradients). No second
implementation of the cells.

A layer checks ``active()`` once per call; with nothing recording, that is all it
costs (the steps then get ``probe=None``).
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from minigrad import backend
from minigrad.tensor import Tensor

_ACTIVE: list = []


def active() -> list:
    """The recorders open now (empty when nothing records): what a layer checks."""
    return _ACTIVE


def trace_for(recorders: list, spec: Any, layout: Any, batch: int) -> Trace | None:
    """A Trace for one layer and direction of a call, or None when nothing records."""
    if not recorders:
        return None
    return Trace(spec, layout, batch, grads=any(r.wants_grads for r in recorders))


class Trace:
    """One layer and direction of one call, step by step, as the time loop runs."""

    def __init__(self, spec: Any, layout: Any, batch: int, grads: bool = False):
        self.names, self.state_names = spec.recorded, spec.state_names
        self.layout, self.batch = layout, batch
        self.wants_dc = grads and spec.cell_state
        self.probes: list = [None] * len(layout.sizes)
        self.states: list = [None] * len(layout.sizes)

    def probe(self) -> dict:
        """The dict a step fills with its gates (and, asked for, its whole dL/dc)."""
        return {"dc": None} if self.wants_dc else {}

    def step(self, t: int, probe: dict, state: list[Tensor]) -> None:
        """The step's probe and the state it computed (before any lengths mask)."""
        self.probes[t], self.states[t] = probe, state

    def _state(self, name: str, t: int) -> Tensor:
        return self.states[t][self.state_names.index(name)]

    def arrays(self) -> dict[str, Any]:
        """name -> (T, B, H) numpy array, every recorded gate and state."""
        return {name: scatter(self.layout, self.batch,
                              [p[name] if name in p else self._state(name, t).array
                               for t, p in enumerate(self.probes)])
                for name in self.names}

    def retain_grads(self) -> None:
        for state in self.states:
            for s in state:
                s.retain_grad()

    def _grad(self, name: str, t: int) -> Any:
        """dL/d(state) of step t after backward: the retained gradient, or for c the
        whole dL/dc a fused step reported (its h's share stays inside the node)."""
        given = self.probes[t].get("d" + name)
        if given is not None:
            return given
        s = self._state(name, t)
        return backend.get_array_module(s.array).zeros_like(s.array) if s.grad is None \
            else s.grad.array

    def grad_norms(self) -> dict[str, Any]:
        """state name -> (T, B) numpy array: ||dL/ds_t|| per step and sequence."""
        return {name: row_norms(scatter(self.layout, self.batch,
                                        [self._grad(name, t) for t in range(len(self.states))]))
                for name in self.state_names}


def scatter(layout: Any, batch: int, per_step: list) -> Any:
    """Per-step arrays (rows of that step) -> one (T, B, *) numpy array in the batch's
    order, zero where a sequence has ended (as a padded output is)."""
    first = per_step[0]
    xp = backend.get_array_module(first)
    out = xp.zeros((len(per_step), batch) + tuple(first.shape[1:]), dtype=first.dtype)
    for t, a in enumerate(per_step):
        mask = None if layout.masks is None else layout.masks[t]
        if mask is None:
            out[t, :a.shape[0]] = a
        else:
            out[t] = a * mask
    out = backend.to_numpy(out)
    return out if layout.unsorted is None else out[:, backend.to_numpy(layout.unsorted)]


def row_norms(a: Any) -> Any:
    """The norm over the last axis, in float64."""
    return (a.astype("float64") ** 2).sum(axis=-1) ** 0.5


class StateRecord:
    """What ``record_states()`` gives: per layer, the values of its calls.

    ``rec[layer]`` is the layer's last call inside the block: a list indexed
    ``[k * num_directions + d]`` (layer k, direction d: 0 forward, 1 reverse) of dicts
    name -> (T, B, H) numpy array. ``rec.calls(layer)`` lists every call, in order.
    """

    wants_grads = False

    def __init__(self) -> None:
        self._calls: dict = {}

    def add(self, layer: Any, traces: list[Trace]) -> None:
        name = type(layer).__name__
        self._calls.setdefault(layer, []).append(
            _PerLayer(name, [_Recorded(name, t.arrays()) for t in traces]))

    def calls(self, layer: Any) -> list[list[dict[str, Any]]]:
        return self._calls.get(layer, [])

    def __getitem__(self, layer: Any) -> list[dict[str, Any]]:
        calls = self._calls.get(layer)
        if not calls:
            raise KeyError(f"record_states: {type(layer).__name__} was not called inside "
                           f"this block (recorded: {len(self._calls)} layers)")
        return calls[-1]

    def __contains__(self, layer: Any) -> bool:
        return layer in self._calls

    def __iter__(self) -> Iterator:
        return iter(self._calls)

    def __len__(self) -> int:
        return len(self._calls)


class _PerLayer(list):
    """A call's recordings, [k * num_directions + d]; an index out of range says so."""

    def __init__(self, layer: str, items: list):
        super().__init__(items)
        self.layer = layer

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, int) and not -len(self) <= i < len(self):
            raise IndexError(f"record_states: index {i} is out of range: this {self.layer} "
                             f"recorded {len(self)} (layer, direction) pairs, indexed "
                             "k * num_directions + d")
        return super().__getitem__(i)


class _Recorded(dict):
    """name -> (T, B, H) array; a name the cell does not have says which it has."""

    def __init__(self, layer: str, arrays: dict):
        super().__init__(arrays)
        self.layer = layer

    def __missing__(self, name: Any) -> Any:
        raise KeyError(f"record_states: the {self.layer} records {sorted(self)}, not {name!r}")


@contextlib.contextmanager
def record_states() -> Iterator[StateRecord]:
    """Record every RNN/LSTM/GRU call inside the block, per layer and direction, step
    by step: LSTM (peephole too) ``i, f, g, o, c, h``; GRU ``r, z, n, h``; RNN ``h``,
    each a numpy array of shape (T, B, H) in time order (also for batch_first and
    for a reverse direction; (T, 1, H) for an unbatched input). For a padded batch
    with ``lengths=`` or a PackedSequence, steps past a sequence's end hold zeros.
    Fused and composite cells record the same values. See ``StateRecord``."""
    with recording(StateRecord()) as rec:
        yield rec


@contextlib.contextmanager
def recording(recorder: Any) -> Iterator[Any]:
    """Make ``recorder`` see every recurrent layer call inside the block: the layer
    calls ``recorder.add(layer, traces)`` after its time loops, with one ``Trace`` per
    layer and direction (kept with gradient hooks when ``recorder.wants_grads``)."""
    _ACTIVE.append(recorder)
    try:
        yield recorder
    finally:
        _ACTIVE.remove(recorder)
