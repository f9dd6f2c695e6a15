"""Buffers a layer's fused steps write into, kept from one training step to the next.

An LSTM layer's forward writes T blocks of gates, cell states and outputs, and its
backward T blocks of gate gradients: tens of MB for a small language model. Allocated
afresh every call, that memory goes back to the system when the graph is freed (glibc's
malloc trims its heap once more than M_TRIM_THRESHOLD lies free at the top), and the
next call page-faults every page of it in again: with the default allocator that cost
more than the arithmetic around it (benchmarks/README.md). So each layer direction
keeps its sequence-sized buffers in a ``Pool`` and the next call writes into them again.

A kept buffer is handed out only when nothing looks into it any more: no graph, tensor,
view or user variable of an earlier call holds a reference to it (its reference count
says so), so reuse cannot change a number anyone can see. A pool keeps the two newest
buffers of each name: a training loop that still holds last step's loss while it runs
the next forward (``loss = ...`` reassigned after the call) alternates between them.
"""
from __future__ import annotations

import sys
import weakref
from typing import Any

from minigrad.backend import get_array_module

_KEEP = 2
# references to a kept array that nobody else holds: the pool's list and getrefcount's
# own argument (CPython counts references exactly; a view holds one to its base)
_UNUSED_REFS = 2


class Pool:
    """The kept buffers of one layer direction, by name ("gates", "h", "dxg"...)."""
    __slots__ = ("kept", "__weakref__")

    def __init__(self):
        self.kept: dict[str, list] = {}

    def get(self, name: str, xp: Any, shape: tuple, dtype: Any):
        """An array of ``shape`` and ``dtype`` for ``name``: a kept one that nothing
        uses, else a new one (then kept in place of the oldest)."""
        kept = self.kept.setdefault(name, [])
        for i in range(len(kept)):
            if (sys.getrefcount(kept[i]) == _UNUSED_REFS and kept[i].shape == shape
                    and kept[i].dtype == dtype and get_array_module(kept[i]) is xp):
                return kept[i]
        a = xp.empty(shape, dtype=dtype)
        kept.append(a)
        del kept[:-_KEEP]
        return a

    def clear(self) -> None:
        self.kept.clear()


# id(owner) -> (weak reference to the owner, its pool); the owner is a layer direction's
# W_hh, so a pool lives as long as its layer's weights and no longer
_pools: dict[int, tuple[weakref.ref, Pool]] = {}


def pool_for(owner: Any) -> Pool:
    """The pool of the layer direction whose W_hh is ``owner``."""
    entry = _pools.get(id(owner))
    if entry is None or entry[0]() is not owner:
        key = id(owner)
        entry = _pools[key] = (weakref.ref(owner, lambda _ref: _pools.pop(key, None)), Pool())
    return entry[1]


def release_buffers() -> None:
    """Free the buffers every layer keeps (they come back, allocated anew, on the next
    training call): for a long pause after training, or before a different workload."""
    for _, pool in _pools.values():
        pool.clear()
