"""Checks the layers share: argument sizes, input types and dtypes."""
from __future__ import annotations

import numbers
from typing import Any

from minigrad.ops._util import as_int
from minigrad.tensor import Tensor


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


def check_tensor(op: str, what: str, x: Any) -> Tensor:
    """A layer's input must be a Tensor (a list or a NumPy array gets wrapped first)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(x).__name__} "
                        f"(wrap it: mg.tensor(x))")
    return x


def check_sizes(layer: str, minimum: int = 1, **sizes: Any) -> None:
    """Constructor sizes (``in_features=3``, ``hidden_size=16``): integers >= minimum."""
    for name, value in sizes.items():
        n = as_int(value, layer, name)
        if n < minimum:
            raise ValueError(f"{layer}: {name} must be >= {minimum}, got {n}")


def check_probability(op: str, what: str, p: Any, high_open: bool = False) -> float:
    """A probability in [0, 1] (or [0, 1) with ``high_open``), e.g. a dropout rate."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{op}: {what} must be a number, got {p!r}")
    if not (0.0 <= p < 1.0 if high_open else 0.0 <= p <= 1.0):
        raise ValueError(f"{op}: {what} must be in [0, {'1)' if high_open else '1]'}, got {p}")
    return float(p)
