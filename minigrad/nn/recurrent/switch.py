"""Which form of the cells runs: fused (one node per step, the default) or composite.

The ``fused=`` argument of a cell or layer decides; ``fused=None`` (the default)
follows this global switch, which is True unless changed::

    mg.nn.recurrent.set_fused_default(False)   # from now on: composite everywhere
    with mg.nn.recurrent.use_fused(False):     # or only inside this block
        out, (h, c) = lstm(x)
"""
from __future__ import annotations

import contextlib
from typing import Iterator

_fused_default = True


def set_fused_default(flag: bool) -> bool:
    """Make cells and layers built with ``fused=None`` run fused (True) or composite
    (False) cells from now on; returns the previous setting."""
    global _fused_default
    if not isinstance(flag, bool):  # bool("no") is True
        raise TypeError(f"set_fused_default: flag must be True or False, got {flag!r}")
    old, _fused_default = _fused_default, flag
    return old


def fused_default() -> bool:
    return _fused_default


@contextlib.contextmanager
def use_fused(flag: bool) -> Iterator[None]:
    """``set_fused_default(flag)`` for the duration of a ``with`` block."""
    old = set_fused_default(flag)
    try:
        yield
    finally:
        set_fused_default(old)


def resolve_fused(fused: bool | None) -> bool:
    """A cell's or layer's ``fused=`` setting, with None read from the switch."""
    return _fused_default if fused is None else bool(fused)
