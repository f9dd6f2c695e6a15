"""The backward pass: from a root tensor back through the graph, every leaf's gradient.

``backward`` visits nodes in reverse topological order with a heap keyed on the
node's generation (one more than the newest input's, ``autograd.Function``), so a
node runs only after every node that consumes its outputs. No recursion anywhere: an
unrolled RNN of 100,000 nodes is just a long heap. Each node's ``backward`` is the
chain rule for one op; the gradients reaching a tensor from several uses are summed
(in place once the engine owns the sum), and a leaf's sum becomes its ``.grad``.
"""
from __future__ import annotations

import heapq
import sys
import traceback
from typing import Any

from minigrad import backend, versions
from minigrad.grad_mode import state
from minigrad.tensor import Tensor

# a node of the graph, an ``autograd.Function``: named, not imported, since autograd.py
# imports this module (for ``backward`` and the anomaly checks)
Node = Any
_FREED = "freed"  # what a node's saved arrays become once backward has used them
_writes = versions.counter


def backward(root: Tensor, grad=None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into every leaf's ``.grad`` (PyTorch semantics)."""
    if not root.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad and has no grad_fn "
                           "(did you create it under no_grad, or forget requires_grad=True?)")
    if grad is None:
        if root.array.size != 1:
            raise RuntimeError(f"backward: grad can be implied only for a single-element "
                               f"output, but the output has shape {root.shape}; "
                               "pass grad= of that shape")
        xp = backend.get_array_module(root.array)
        grad = xp.ones_like(root.array)
    else:
        grad = grad.array if isinstance(grad, Tensor) else grad
        if not backend.is_array(grad):  # a number or a list: in the output's dtype
            grad = backend.as_array(grad, dtype=root.dtype, device=root.device)
        if tuple(grad.shape) != root.shape:
            raise ValueError(f"backward: grad has shape {tuple(grad.shape)} "
                             f"but the output has shape {root.shape}")
        if grad.dtype != root.dtype:  # PyTorch casts the seed gradient too
            grad = grad.astype(root.dtype)
    leaves: dict[int, list] = {}  # id -> [tensor, grad array, owned?]
    fn0 = root.grad_fn
    if fn0 is None:
        leaves[id(root)] = [root, grad, False]
    else:
        outer, state.retaining = state.retaining, retain_graph
        try:
            _run(fn0, root._index, grad, leaves, retain_graph)
        finally:
            state.retaining = outer
    _write_leaves(leaves)


def _run(fn0: Node, index: int, grad, leaves: dict, retain_graph: bool) -> None:
    record = state.record_norms
    anomaly = state.anomaly
    heappush, heappop = heapq.heappush, heapq.heappop
    pending = {fn0: [None] * fn0.n_outputs}
    pending[fn0][index] = grad
    # ids of pending arrays the engine allocated itself, so it may add into them in
    # place; an array leaves this set when handed to a backward, which may return it
    # as the gradient of several inputs (Add does).
    owned: set[int] = set()
    # The heap holds one integer per waiting node, newest generation first and, within
    # a generation, first come first served: -generation * 2^32 + arrival. Integers
    # compare far faster than (generation, arrival, node) tuples.
    heap = [-fn0.generation << 32]
    waiting = {heap[0]: fn0}
    counter = 1
    writes = _writes.writes
    while heap:
        fn = waiting.pop(heappop(heap))
        gys = pending.pop(fn)
        if owned:
            for g in gys:
                owned.discard(id(g))
        if len(gys) > 1:
            for g in gys:
                if g is None:
                    gys = _fill_missing(fn, gys)
                    break
        if fn.saved is _FREED or fn.writes_seen != writes or fn.hooked:
            gys = _before_backward(fn, gys, writes)
        gxs = fn.backward(*gys)
        if type(gxs) is not tuple:
            gxs = (gxs,)
        if anomaly:
            check_finite(fn, gxs, "backward")
        if not retain_graph:
            fn.saved = _FREED
        if record:
            fn.grad_norms = [None if g is None else _norm(g) for g in gxs]
        # an edge of the graph: an input that needed a gradient when fn was recorded
        needs = fn.needs_input_grad
        k = len(needs)  # fn.inputs, inlined (a property call per node costs as much)
        xs = (fn._x0, fn._x1) if k == 2 else (fn._x0,) if k == 1 else fn._xs
        for x, gx, need in zip(xs, gxs, needs):
            if gx is None or not need:
                continue
            f = x.grad_fn
            if f is None:              # a leaf: sum its contributions
                entry = leaves.get(id(x))
                if entry is None:
                    leaves[id(x)] = [x, gx, False]
                else:
                    add_to_sum(entry, gx)
                continue
            slot = pending.get(f)
            if slot is None:
                slot = pending[f] = [None] * f.n_outputs
                key = (-f.generation << 32) + counter
                heappush(heap, key)
                waiting[key] = f
                counter += 1
            i = x._index
            old = slot[i]
            if old is None:
                slot[i] = gx
            elif id(old) in owned:
                old += gx  # in place for arrays; NumPy scalars make a new object
                slot[i] = old
            else:
                slot[i] = new = old + gx
                owned.add(id(new))


def _before_backward(fn: Node, gys: list, writes: int) -> list:
    """The rare cases before a node's backward: a second backward through freed arrays
    (refused), in-place writes since the node was made (``versions.check_node``), and
    hooks / retain_grad on its outputs."""
    if fn.saved is _FREED:
        raise RuntimeError(
            f"backward: trying to backward through the graph a second time (op "
            f"{fn.name}); its saved arrays were freed after the first backward. "
            "Pass retain_graph=True to the first backward() to keep them.")
    if fn.writes_seen != writes:  # something was written in place since fn was made
        versions.check_node(fn)
    if fn.hooked:
        gys = _output_hooks(fn, gys)
    return gys


def _fill_missing(fn: Node, gys: list) -> list:
    """Zeros for the outputs of a multi-output op that no later op used."""
    xp = backend.get_array_module(*[g for g in gys if g is not None])
    return [xp.zeros(shape, dtype) if g is None else g
            for g, (shape, dtype) in zip(gys, fn.out_meta)]


def add_to_sum(entry: list, gx) -> None:
    """One more contribution to a sum kept as ``entry = [owner, sum so far, owned?]``
    (a leaf's gradient; a fused sequence's weight shares): the first sum allocates,
    later ones add in place (T steps, 1 array)."""
    if entry[2]:
        entry[1] += gx
    else:
        entry[1] = entry[1] + gx
        entry[2] = True


# references to a leaf's gradient array while _write_leaves looks at it when nothing
# outside the engine holds it: the leaves entry, the loop's name, _unshared's argument
# and getrefcount's own (CPython counts exactly; tests pin the number)
_ENGINE_REFS = 4


def _unshared(g) -> bool:
    """Whether only the engine holds the array ``g``, so a leaf may keep it as its
    ``.grad`` without a copy, as PyTorch's AccumulateGrad steals a gradient nobody else
    uses (for an LSTM's W_hh at H = 1024 the copy is 16 MB at the moment memory
    peaks). A view shares its memory with another array (``base``), so it never is."""
    return getattr(g, "base", 0) is None and sys.getrefcount(g) <= _ENGINE_REFS


def _write_leaves(leaves: dict) -> None:
    for x, g, owned in leaves.values():
        if x._hooks:
            g, owned = _apply_hooks(x, g), False
        elif (not owned and g.dtype == x.dtype and g.strides == x.array.strides
              and _unshared(g)):
            owned = True
        if x.grad is not None:
            _check_grad_slot(x)
        if x.grad is None:
            if not owned or tuple(g.shape) != x.shape:
                # a copy with x's shape, dtype and memory order (as PyTorch lays a .grad
                # out like its parameter): an optimizer's arithmetic on a transposed
                # gradient beside row-major state runs NumPy's slower strided loops
                xp = backend.get_array_module(g)
                if tuple(g.shape) != x.shape:
                    g = xp.broadcast_to(g, x.shape)
                g = xp.array(g, dtype=x.dtype, order="C" if x.array.flags.c_contiguous else "K")
            x.grad = Tensor._wrap(g)
        else:
            x.grad.array += g


def _output_hooks(fn: Node, gys: list) -> list:
    """Run hooks / retain_grad of the (still alive) outputs of ``fn``."""
    gys = list(gys)
    for i, ref in (fn.watched or {}).items():
        out = ref()
        if out is None or gys[i] is None:
            continue
        if out._hooks:
            gys[i] = _apply_hooks(out, gys[i])
        if out._retain:
            xp = backend.get_array_module(gys[i])
            out.grad = Tensor._wrap(xp.array(gys[i]))
    return gys


def _check_grad_slot(x: Tensor) -> None:
    """A ``.grad`` set by hand must fit before the engine adds into it."""
    if not isinstance(x.grad, Tensor):
        raise TypeError(f"backward: .grad of a tensor of shape {x.shape} is a "
                        f"{type(x.grad).__name__}; set it to a Tensor or None")
    if x.grad.shape != x.shape or x.grad.dtype != x.dtype:
        raise RuntimeError(f"backward: .grad of a tensor of shape {x.shape} ({x.dtype}) was "
                           f"set to shape {x.grad.shape} ({x.grad.dtype}); it must match")


def _apply_hooks(t: Tensor, g):
    for hook in t._hooks:
        r = hook(Tensor._wrap(g))
        if r is not None:
            g = _hook_result(hook, r, g, t)
    return g


def _hook_result(hook, r, g, t: Tensor):
    """A hook's replacement gradient must be the gradient it replaces in shape and dtype
    (PyTorch's rule): broadcasting it silently would spread a wrong gradient."""
    name = getattr(hook, "__name__", type(hook).__name__)
    r = r.array if isinstance(r, Tensor) else r
    if not backend.is_array(r):
        raise TypeError(f"register_hook: hook {name} returned a {type(r).__name__}; a hook "
                        "returns a Tensor (the new gradient) or None")
    if tuple(r.shape) not in (t.shape, tuple(g.shape)) or r.dtype not in (t.dtype, g.dtype):
        raise RuntimeError(f"register_hook: hook {name} returned a gradient of shape "
                           f"{tuple(r.shape)} ({r.dtype}) for a tensor of shape {t.shape} "
                           f"({t.dtype}); return one of the same shape and dtype")
    return r


def _norm(g) -> float:
    xp = backend.get_array_module(g)
    return float(xp.sqrt(xp.sum(xp.square(g, dtype=backend.float64))))


def user_line() -> str:
    """The innermost stack frame outside minigrad's engine: the user's line."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        f = frame.filename.replace("\\", "/")
        if "/minigrad/" not in f or "/minigrad/nn/" in f:
            return f'{frame.filename}:{frame.lineno}: {(frame.line or "").strip()}'
    return "<unknown>"


def check_finite(fn: Node, arrays, phase: str) -> None:
    for a in arrays:
        if a is None or not hasattr(a, "dtype") or a.dtype.kind != "f":
            continue
        xp = backend.get_array_module(a)
        if not bool(xp.isfinite(a).all()):
            shapes = [tuple(x.shape) for x in fn.inputs if isinstance(x, Tensor)]
            raise RuntimeError(f"detect_anomaly: {phase} of {fn.name} produced NaN/Inf "
                               f"(input shapes {shapes}); op created at {fn.created_at}")
