"""Graph recording: ``Function``, one node of the graph (the backward pass that walks
the nodes back is ``engine.py``; ``backward`` is named here too).

A ``Function`` is one node of the graph: ``forward`` maps input arrays to output
arrays, ``backward`` maps the gradient of the outputs to the gradient of the inputs
(the chain rule, one op at a time). Calling a Function on tensors runs ``forward``
and, when a gradient is wanted, links the outputs to the node:

    output.grad_fn = node,  node.inputs = (input tensors, held strongly)

(A node of one or two inputs holds them in two fields rather than a tuple: see
``Function.inputs``.)

A node does not hold its outputs (only weak references to those with hooks or
retain_grad, ``node.watched``), so the graph has no reference cycles: dropping the
loss frees the whole graph by reference counting alone.

A node's ``generation`` is one more than its newest input's: the order in which
``engine.backward`` visits the nodes.
"""
from __future__ import annotations

import weakref
from typing import Any

from minigrad import backend, versions
# the switches every op reads, and their context managers; mg.autograd.no_grad etc. are
# the public spelling, so they are named here too
from minigrad.grad_mode import (detect_anomaly, enable_grad, is_grad_enabled,  # noqa: F401
                                no_grad, record_grad_norms, scope, state)
from minigrad.engine import backward, check_finite, user_line  # noqa: F401 (backward: public)
from minigrad.tensor import Tensor


class Function:
    """Base class of every differentiable op.

    Subclasses write ``forward(*arrays)`` and ``backward(*grads)`` on raw backend
    arrays, keeping in ``self.saved`` only what backward needs. ``backward`` returns
    one gradient per input (``None`` where none is needed: see
    ``self.needs_input_grad``, already set when forward runs; empty when no graph is
    recorded), and receives ``None`` for an output whose gradient never arrived (only
    multi-output ops see that).
    """
    # engine fields; op parameters (axis, shape...) go in the instance __dict__
    generation = 0
    saved: Any = ()
    _x0: Any = None                 # the inputs (see the inputs property)
    _x1: Any = None
    _xs: tuple = ()
    n_outputs = 1
    needs_input_grad: tuple = ()
    scope: tuple[str, ...] = ()
    grad_norms: list | None = None  # per input, filled under record_grad_norms()
    created_at: str | None = None   # the user's line, filled under detect_anomaly()
    hooked = False                  # an output has hooks or retains its grad
    watched: dict | None = None     # those outputs: {index: weak reference}
    writes_seen = 0                 # in-place writes so far when recorded (see versions)

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, *gys):
        raise NotImplementedError

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def inputs(self) -> tuple:
        """The tensors (and other arguments) this node was called on, in order.

        One or two inputs (nearly every op) live in two fields of the node, more in a
        tuple: a tuple per node was one more object per op for the garbage collector
        to scan again and again while a long graph grows (a third of its objects).
        ``needs_input_grad`` has one entry per input, so it says which is the case."""
        n = len(self.needs_input_grad)
        if n == 2:
            return self._x0, self._x1
        if n == 1:
            return (self._x0,)
        return self._xs

    @inputs.setter
    def inputs(self, xs: tuple) -> None:
        n = len(xs)
        if n == 2:
            self._x0, self._x1 = xs
        elif n == 1:
            self._x0 = xs[0]
        else:
            self._xs = tuple(xs)

    def watch(self, out: Tensor) -> None:
        """Have backward run ``out``'s hooks (and retain_grad) on its gradient."""
        if self.watched is None:
            self.watched = {}
        self.watched[out._index] = weakref.ref(out)
        self.hooked = True

    def explain(self, *xs) -> str | Exception | None:
        """Say why these inputs are wrong for this op: a message (raised as ValueError),
        an exception to raise, or None when there is no specific reason."""
        return None

    def __call__(self, *inputs):
        # The hot path of every op: kept flat, since its cost is the engine's overhead.
        # Which inputs need a gradient is known before forward runs, so a forward can
        # keep only what those gradients need (Mul by a constant keeps the constant).
        gen = -1                       # newest generation among inputs that need a grad
        xs = []
        if state.grad_enabled:
            code = 1                   # a leading 1, then a bit per input: needs a grad?
            for x in inputs:
                if isinstance(x, Tensor):
                    xs.append(x.array)
                    if x.requires_grad:
                        code += code + 1
                        f = x.grad_fn
                        if f is None:
                            if gen < 0:
                                gen = 0
                        elif f.generation > gen:
                            gen = f.generation
                        continue
                else:
                    xs.append(x)
                code += code
            if gen >= 0:   # one shared tuple per pattern: a graph of many nodes keeps few
                need = _NEEDS.get(code)
                self.needs_input_grad = _needs_tuple(code) if need is None else need
        else:
            for x in inputs:
                xs.append(x.array if isinstance(x, Tensor) else x)
        try:
            # one or two arrays by name: Python 3.11 runs such a call in the same
            # interpreter loop, whereas forward(*xs) builds a tuple and recurses in C
            n = len(xs)
            if n == 2:
                ys = self.forward(xs[0], xs[1])
            elif n == 1:
                ys = self.forward(xs[0])
            else:
                ys = self.forward(*xs)
        except (ValueError, TypeError, IndexError) as e:
            raise _input_error(self, inputs, xs, e) from None
        if state.anomaly:
            self.created_at = user_line()
            check_finite(self, ys if isinstance(ys, tuple) else (ys,), "forward")
        if type(ys) is not tuple:      # one output: the common case
            out = _new(Tensor)         # every slot set here, as tensor._init does
            out.array = backend.scalar_to_array(ys) if isinstance(ys, _SCALARS) else ys
            out._index = 0
            out.grad = None
            if gen >= 0:               # make this call a node of the graph
                if n == 2:             # the inputs setter, inlined
                    self._x0 = inputs[0]
                    self._x1 = inputs[1]
                elif n == 1:
                    self._x0 = inputs[0]
                else:
                    self._xs = inputs
                self.generation = gen + 1
                if state.scope:        # the class's () otherwise: one store less
                    self.scope = state.scope
                self.writes_seen = _writes.writes
                out.grad_fn = self
                out.requires_grad = True
            else:
                out.grad_fn = None
                out.requires_grad = False
            return out
        outs = [Tensor._wrap(y) for y in ys]
        if gen >= 0:
            self.inputs = inputs
            self.generation = gen + 1
            self.scope = state.scope
            self.writes_seen = _writes.writes
            meta = []
            for i, out in enumerate(outs):
                out.grad_fn = self
                out.requires_grad = True
                out._index = i
                meta.append((out.array.shape, out.array.dtype))
            self.n_outputs = len(outs)
            self.out_meta = meta
        return tuple(outs)


_new = object.__new__
_NEEDS: dict[int, tuple] = {}  # 0b1 + one bit per input -> needs_input_grad


def _needs_tuple(code: int) -> tuple:
    """The needs_input_grad tuple that ``code`` (bits after a leading 1) stands for."""
    need = tuple(c == "1" for c in bin(code)[3:])
    _NEEDS[code] = need
    return need
_SCALARS = backend.SCALAR_TYPES
_writes = versions.counter


def _input_error(fn: Function, inputs, xs, exc: Exception) -> Exception:
    """Turn a failure inside forward into an error that names the op and shapes."""
    devices = {backend.device_of(x) for x in xs if backend.is_array(x)}
    if len(devices) > 1:
        where = ", ".join(f"{tuple(x.shape)} on {backend.device_of(x)}"
                          for x in xs if backend.is_array(x))
        return RuntimeError(f"{fn.name.lower()}: inputs are on different devices ({where}); "
                            "move them with .to('cpu') or .to('cuda')")
    why = fn.explain(*xs)
    if why is not None:
        return why if isinstance(why, Exception) else ValueError(why)
    shapes = ", ".join(str(tuple(x.shape)) if hasattr(x, "shape") else repr(x) for x in xs)
    return type(exc)(f"{fn.name.lower()}: invalid input(s) {shapes}: {exc}")
