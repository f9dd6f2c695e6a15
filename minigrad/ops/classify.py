"""Elementwise functions that sort values into kinds: ``sign`` (-1, 0 or 1) and the
tests ``isnan`` / ``isinf`` / ``isfinite`` / ``isclose`` (bool tensors) and
``allclose`` (one Python bool).

Their values jump, so no useful gradient flows through them: ``sign`` stays in the
graph with gradient 0, as PyTorch's does; the tests leave it (a bool has no gradient).
"""
from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops._util import broadcast_error, tensor_of
from minigrad.tensor import Tensor


class Sign(Function):
    """-1, 0 or 1 by the side of 0 (nan gives 0, as in PyTorch); gradient 0."""

    def forward(self, x):
        xp = get_array_module(x)
        s = xp.sign(x)
        return xp.where(xp.isnan(x), 0, s) if x.dtype.kind == "f" else s

    def backward(self, g):
        return get_array_module(g).zeros_like(g)


def sign(x: Tensor) -> Tensor:
    x = tensor_of(x)
    if x.dtype.kind == "b":  # True / False are their own signs (PyTorch keeps bool)
        return Tensor._wrap(x.array.copy())
    return Sign()(x)


def _test(x: Any, how: str) -> Tensor:
    a = tensor_of(x).array
    return Tensor._wrap(getattr(get_array_module(a), how)(a))


def isnan(x: Tensor) -> Tensor:
    """True where x is nan."""
    return _test(x, "isnan")


def isinf(x: Tensor) -> Tensor:
    """True where x is inf or -inf."""
    return _test(x, "isinf")


def isfinite(x: Tensor) -> Tensor:
    """True where x is neither nan nor +-inf."""
    return _test(x, "isfinite")


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """True where |a - b| <= atol + rtol |b| (the shapes broadcast)."""
    return Tensor._wrap(_isclose(a, b, rtol, atol, equal_nan, "isclose"))


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether ``isclose`` holds everywhere: a Python bool."""
    return bool(_isclose(a, b, rtol, atol, equal_nan, "allclose").all())


def _isclose(a: Any, b: Any, rtol: float, atol: float, equal_nan: bool, op: str):
    a, b = tensor_of(a).array, tensor_of(b).array
    why = broadcast_error(op, a, b)
    if why:
        raise ValueError(why)
    return get_array_module(a, b).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
