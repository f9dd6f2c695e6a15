"""The version counter: which memory an in-place write changed, and when.

A node of the graph keeps arrays for its backward (``Mul`` the other factor, ``Tanh``
its output). Writing into one of them between the forward and the backward would make
the backward use the new numbers and give a wrong gradient with no error. PyTorch
guards against that with a version counter on every tensor, bumped by each in-place
write and checked by the nodes that saved it; minigrad does the same, with the counter
on the *memory*: all tensors whose arrays are views of one block (``x``, ``x[0]``,
``x.t()``, ``x.detach()``, ``x.data``) share one counter, as PyTorch's views share
their base's.

An in-place op *inside* a graph does not write memory: the tensor takes a new array
and history (``minigrad.ops.inplace``). Nodes that were given the tensor before keep
reading the value they were given: ``note_rebind`` keeps a stand-in for it, and
``check_node`` hands it back to them.

The engine's hot path pays almost nothing for it. Every write adds one to the global
count ``writes``; each node notes that count when it is recorded (one integer), and
backward compares it with the count now: only a node recorded before some write looks
at its saved arrays, and only those arrays' memory is looked up here.
"""
from __future__ import annotations

import weakref
from typing import Any

from minigrad import backend


class _Counter:
    """Global count of in-place writes (an instance attribute: the cheapest read)."""

    def __init__(self):
        self.writes = 0


counter = _Counter()

# id(memory owner) -> [weak reference to it, version, number of its latest write]
_memory: dict[int, list] = {}


def owner(array: Any) -> Any:
    """The array that owns the memory ``array`` looks into (itself if not a view)."""
    while True:
        base = getattr(array, "base", None)
        if base is None or not backend.is_array(base):
            return array
        array = base


def _forget(key: int):
    return lambda _ref: _memory.pop(key, None)


class _Strong:
    """A reference for array types that take no weak ones: keeps the array alive."""

    def __init__(self, obj: Any):
        self.obj = obj

    def __call__(self) -> Any:
        return self.obj


def mark_written(array: Any) -> None:
    """Record an in-place write into ``array``'s memory: its version goes up by one."""
    root = owner(array)
    counter.writes += 1
    entry = _memory.get(id(root))
    if entry is None or entry[0]() is not root:
        try:
            ref = weakref.ref(root, _forget(id(root)))
        except TypeError:
            ref = _Strong(root)
        entry = _memory[id(root)] = [ref, 0, 0]
    entry[1] += 1
    entry[2] = counter.writes


def note_rebind(x: Any, old: Any) -> None:
    """Record that tensor ``x`` took a new value and history (an in-place op inside a
    graph), ``old`` standing for what it was: nodes made before keep reading ``old``."""
    counter.writes += 1
    x._rebinds = (x._rebinds or []) + [(counter.writes, old)]


def as_seen(x: Any, writes: int) -> Any:
    """Tensor ``x`` as a node recorded after the ``writes``-th write saw it: ``x`` itself,
    or the stand-in for its value then if an in-place op has rebound it since."""
    for serial, old in x._rebinds:
        if serial > writes:
            return old
    return x


def version(array: Any) -> int:
    """How many in-place writes the memory of ``array`` has had (PyTorch's ``_version``)."""
    root = owner(array)
    entry = _memory.get(id(root))
    return entry[1] if entry is not None and entry[0]() is root else 0


def written_since(array: Any, writes: int) -> int | None:
    """The version of ``array``'s memory if it was written after the ``writes``-th
    write overall, else None."""
    root = owner(array)
    entry = _memory.get(id(root))
    if entry is not None and entry[0]() is root and entry[2] > writes:
        return entry[1]
    return None


def check_node(fn: Any) -> None:
    """Before node ``fn`` runs its backward, with in-place writes since it was made:
    refuse (PyTorch's check and message) if an array it kept has been written, since
    the gradient would silently be wrong; and let it read the tensors it was given as
    they were then, if in-place ops inside the graph have rebound them since."""
    for a in arrays_in(list(fn.__dict__.values()), []):
        now = written_since(a, fn.writes_seen)
        if now is not None:
            where = f" in scope {'/'.join(fn.scope)}" if fn.scope else ""
            made = f", created at {fn.created_at}" if fn.created_at else ""
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified "
                f"by an inplace operation: a {a.dtype} tensor of shape {tuple(a.shape)} "
                f"saved by {fn.name}{where}{made} is at version {now}, changed after "
                f"{fn.name} saved it. Write out of place (y = y * 2, not y.mul_(2)), "
                "write into a clone(), or write after backward(); "
                "mg.autograd.detect_anomaly() names the line that made the op")
    fn.inputs = tuple(as_seen(x, fn.writes_seen) if getattr(x, "_rebinds", None) else x
                      for x in fn.inputs)


def arrays_in(obj: Any, out: list) -> list:
    """Every backend array inside ``obj`` (nested tuples, lists and dicts), no recursion."""
    stack = [obj]
    while stack:
        x = stack.pop()
        if backend.is_array(x):
            out.append(x)
        elif isinstance(x, tuple | list):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
    return out
