"""The p-norm of a tensor (PyTorch's ``x.norm`` / ``torch.norm``, a vector norm over
the given axes or over everything).

    ||x||_p = (sum |x_i|^p)^(1/p)       p = 2 (also 'fro'), 1, any other number
    ||x||_inf = max |x_i|,  ||x||_-inf = min |x_i|,  ||x||_0 = the count of non-zeros

Its own node rather than abs, pow, sum and sqrt chained: at x = 0 the chain's gradient
is 0 * inf = nan, where PyTorch (and this op) gives 0.
"""
from __future__ import annotations

import numbers
from typing import Any

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops._util import floating, norm_axis, torch_keywords
from minigrad.tensor import Tensor

inf = float("inf")


class Norm(Function):
    """The gradient, sign(x) |x|^(p-1) / ||x||^(p-1), is for p = 2 x / ||x||, for p = 1
    sign(x); for p = +-inf the elements at the max (min) share sign(x) equally, as ties
    do in ``max``; for p = 0 it is 0. Where ||x|| = 0 (and at x_i = 0 for p < 1) it is
    0, PyTorch's choice: the norm has no derivative there."""

    def __init__(self, p: float, axis, keepdims: bool):
        self.p, self.axis, self.keepdims = p, axis, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        a, p, axis = xp.abs(x), self.p, self.axis
        if p == inf:
            n = a.max(axis=axis, keepdims=True)
        elif p == -inf:
            n = a.min(axis=axis, keepdims=True)
        elif p == 0:
            n = (a != 0).sum(axis=axis, keepdims=True).astype(x.dtype)
        elif p == 1:
            n = a.sum(axis=axis, keepdims=True)
        elif p == 2:
            n = xp.sqrt((x * x).sum(axis=axis, keepdims=True))
        else:  # |0|^p is inf for p < 0: written as such, without the divide warning
            powers = a ** p if p > 0 else xp.where(a == 0, inf, xp.where(a == 0, 1, a) ** p)
            n = powers.sum(axis=axis, keepdims=True) ** (1 / p)
        self.saved = x, n
        if self.keepdims:
            return n
        return n.reshape(()) if axis is None else n.squeeze(axis)

    def backward(self, g):
        x, n = self.saved
        xp = get_array_module(x)
        p = self.p
        if p == 0:
            return xp.zeros_like(x)
        g = g.reshape(n.shape)  # the reduced axes back, as keepdims left them
        sign = xp.sign(x)
        if p == 1:
            return g * sign
        if p in (inf, -inf):
            at = xp.abs(x) == n
            ties = at.sum(axis=self.axis, keepdims=True).astype(x.dtype)
            return g * sign * at / xp.where(ties == 0, 1, ties)
        some = n != 0
        safe_n = xp.where(some, n, 1)
        if p == 2:
            d = x / safe_n
        else:  # sign is 0 where x is 0, so |x| there may be anything: 1, to stay finite
            d = sign * (xp.where(x == 0, 1, xp.abs(x)) / safe_n) ** (p - 1)
        return g * xp.where(some, d, 0)


@torch_keywords
def norm(x: Tensor, p: Any = "fro", axis: Any = None, keepdims: bool = False) -> Tensor:
    """The p-norm over ``axis`` (all elements by default): ``x.norm()``,
    ``x.norm(dim=1, keepdim=True)``, ``torch.norm(x, p=1)``, ``x.norm(float('inf'))``.
    Integer tensors are taken as floats. Matrix norms other than Frobenius's (which is
    the 2-norm of all the entries) are not offered."""
    p = _order(p)
    x = floating(x)
    axis = norm_axis(axis, max(x.ndim, 1), "norm")
    if x.ndim == 0:
        axis = None  # a 0-d tensor takes dim 0 and -1
    if x.numel() == 0 and (p == inf or p < 0):
        raise ValueError(f"norm: the {p}-norm of the empty tensor of shape {x.shape} is "
                         "not defined")
    return Norm(p, axis, keepdims)(x)


def _order(p: Any) -> float:
    """p as a float: a real number, inf, -inf, or 'fro' (= 2)."""
    if p == "fro":
        return 2.0
    if isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported; give a number, inf, -inf or "
                         f"'fro' (minigrad has vector norms, not matrix norms such as 'nuc')")
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or p != p:
        raise TypeError(f"norm: p must be a number, inf, -inf or 'fro', got {p!r}")
    return float(p)
