"""Scans: running results along an axis, each a prefix of the one before.

    cumsum:  y_i = x_1 + x_2 + ... + x_i

Each x_i is in every y_j with j >= i, so its gradient adds up g_i + ... + g_n: the
gradient's cumulative sum taken from the other end.
"""
from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops._util import norm_axis, torch_keywords
from minigrad.tensor import Tensor


class CumSum(Function):
    def __init__(self, axis: int):
        self.axis = axis

    def forward(self, x):
        return x.cumsum(axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        return xp.flip(xp.flip(g, self.axis).cumsum(axis=self.axis), self.axis)


@torch_keywords
def cumsum(x: Tensor, axis: Any = None) -> Tensor:
    """Running sums along ``axis`` (``x.cumsum(dim=1)``); integers and bools give int64,
    as in PyTorch. The axis must be given: PyTorch has no default (NumPy's flattens)."""
    if axis is None:
        raise TypeError(f"cumsum: give the dim to sum along (tensor of shape {x.shape})")
    if x.ndim == 0:
        norm_axis(axis, 1, "cumsum")  # a 0-d tensor takes dim 0 and -1
        return CumSum(0)(x.reshape(1)).reshape(())
    return CumSum(norm_axis(axis, x.ndim, "cumsum"))(x)
