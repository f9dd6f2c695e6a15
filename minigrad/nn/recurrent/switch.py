"""Which form of the cells runs: fused (the default), composite, or one node per sequence.

    fused=False        composite cells: every gate an op of the graph (``composite.py``)
    fused=True         one node per time step, with a hand-derived backward (``fused.py``)
    fused="sequence"   a layer's whole time loop as one node (``fused_sequence.py``):
                       the same steps and numbers, without a node per step

The ``fused=`` argument of a cell or layer decides; ``fused=None`` (the default)
follows this global switch, which is True unless changed::

    mg.nn.recurrent.set_fused_default(False)   # from now on: composite everywhere
    with mg.nn.recurrent.use_fused("sequence"):    # or only inside this block
        out, (h, c) = lstm(x)

A single cell (``LSTMCell``...) is one step: "sequence" runs it as True does.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

FusedMode = bool | str          # False, True or "sequence"
_fused_default: FusedMode = True


def check_fused(owner: str, flag: object, none_ok: bool = True) -> FusedMode | None:
    """``flag`` if it names a form (False, True, "sequence"; None when ``none_ok``),
    else a TypeError naming ``owner``: bool("no") would silently be True."""
    if (flag is None and none_ok) or isinstance(flag, bool) or flag == "sequence":
        return flag
    allowed = "None, " if none_ok else ""
    raise TypeError(f"{owner}: fused must be {allowed}True, False or 'sequence', got {flag!r}")


def set_fused_default(flag: FusedMode) -> FusedMode:
    """Make cells and layers built with ``fused=None`` run this form from now on
    (True, False or "sequence"); returns the previous setting."""
    global _fused_default
    check_fused("set_fused_default", flag, none_ok=False)
    old, _fused_default = _fused_default, flag
    return old


def fused_default() -> FusedMode:
    return _fused_default


@contextlib.contextmanager
def use_fused(flag: FusedMode) -> Iterator[None]:
    """``set_fused_default(flag)`` for the duration of a ``with`` block."""
    old = set_fused_default(flag)
    try:
        yield
    finally:
        set_fused_default(old)


def resolve_fused(fused: FusedMode | None) -> FusedMode:
    """A cell's or layer's ``fused=`` setting, with None read from the switch."""
    return _fused_default if fused is None else fused
