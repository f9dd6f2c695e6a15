"""Checks the layers share."""
from __future__ import annotations

from typing import Any


def check_dtype(op: str, what: str, x: Any, weight: Any) -> None:
    """Refuse an input whose dtype differs from the layer's weights, as PyTorch does.

    NumPy would promote instead: a float64 batch fed to a float32 layer silently turns
    the whole forward and backward into float64 (twice the memory, half the speed), and
    an integer batch becomes float64 the same way.
    """
    if x.dtype != weight.dtype:
        raise TypeError(f"{op}: {what} has dtype {x.dtype} but the weights are "
                        f"{weight.dtype}; convert the input (x.float(), x.double()) or the "
                        f"layer (.float(), .double())")
