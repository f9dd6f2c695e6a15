"""The switches every op reads (recording on or off, the current scope, anomaly
detection, gradient-norm recording) and the context managers that set them.

They are plain attributes of one object, ``state``: the cheapest lookup on the hot
path of every op (``Function.__call__`` reads ``state.grad_enabled``).
"""
from __future__ import annotations

import contextlib
from typing import Iterator


class _State:
    """Global switches, read on every op. Plain attributes of the instance (not the
    class): the cheapest lookup Python has, as the interpreter specializes it."""

    def __init__(self):
        self.grad_enabled = True
        self.scope: tuple[str, ...] = ()
        self.anomaly = False
        self.record_norms = False
        self.retaining = False  # inside a backward(retain_graph=True): saved arrays must survive


state = _State()


@contextlib.contextmanager
def _switch(name: str, value) -> Iterator[None]:
    old = getattr(state, name)
    setattr(state, name, value)
    try:
        yield
    finally:
        setattr(state, name, old)


class no_grad(contextlib.ContextDecorator):
    """Run code without recording a graph (inference, optimizer updates)."""

    def __enter__(self):
        self._old = state.grad_enabled
        state.grad_enabled = False

    def __exit__(self, *exc):
        state.grad_enabled = self._old


class enable_grad(no_grad):
    """Turn recording back on inside a no_grad block."""

    def __enter__(self):
        self._old = state.grad_enabled
        state.grad_enabled = True


def is_grad_enabled() -> bool:
    return state.grad_enabled


class scope:
    """Tag every op created inside with this name (scopes nest: ("layer 0", "t=3")).

    The renderer draws each scope as a cluster; recurrent layers open one per step,
    so this is a plain class with ``__slots__`` rather than a generator wrapped by
    ``contextlib``: it is entered thousands of times per sequence, and this is the
    cheapest context manager Python has (figure in benchmarks/README.md).
    """
    __slots__ = ("name", "_outer")

    def __init__(self, name: str):
        self.name = str(name)

    def __enter__(self) -> None:
        self._outer = state.scope
        state.scope = self._outer + (self.name,)

    def __exit__(self, *exc) -> None:
        state.scope = self._outer


def detect_anomaly() -> contextlib.AbstractContextManager:
    """Raise at the first NaN/Inf in forward or backward, naming the op and the user's
    line of code that created it (the line is recorded only inside this context)."""
    return _switch("anomaly", True)


def record_grad_norms() -> contextlib.AbstractContextManager:
    """Around a backward: keep the norm of the gradient on every edge (one float each)
    in ``node.grad_norms`` so ``mg.viz.draw(show_grad=True)`` can paint gradient flow."""
    return _switch("record_norms", True)
