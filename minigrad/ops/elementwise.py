"""Elementwise functions: each derivative is one line next to its forward."""
from __future__ import annotations

import numbers
from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops._util import (broadcast_error, floating, operand, shape_of, tensor_of,
                                unbroadcast)
from minigrad.tensor import Tensor


def _sigmoid(x):
    """1 / (1 + e^-x) without overflow: exp is only taken of -|x|."""
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


class Exp(Function):
    def forward(self, x):
        y = get_array_module(x).exp(x)
        self.saved = y
        return y

    def backward(self, g):
        return g * self.saved


class Log(Function):
    def forward(self, x):
        self.saved = x
        return get_array_module(x).log(x)

    def backward(self, g):
        return g / self.saved


class Sqrt(Function):
    def forward(self, x):
        y = get_array_module(x).sqrt(x)
        self.saved = y
        return y

    def backward(self, g):
        return g / (2 * self.saved)


class Tanh(Function):
    def forward(self, x):
        y = get_array_module(x).tanh(x)
        self.saved = y
        return y

    def backward(self, g):
        y = self.saved
        return g * (1 - y * y)


class Sigmoid(Function):
    def forward(self, x):
        y = _sigmoid(x)
        self.saved = y
        return y

    def backward(self, g):
        y = self.saved
        return g * y * (1 - y)


class Relu(Function):
    def forward(self, x):
        mask = x > 0
        self.saved = mask
        return x * mask

    def backward(self, g):
        return g * self.saved


class Log1p(Function):
    """log(1 + x), accurate for tiny x where 1 + x rounds to 1."""

    def forward(self, x):
        self.saved = x
        return get_array_module(x).log1p(x)

    def backward(self, g):
        return g / (1 + self.saved)


class Sin(Function):
    def forward(self, x):
        self.saved = x
        return get_array_module(x).sin(x)

    def backward(self, g):
        return g * get_array_module(g).cos(self.saved)


class Cos(Function):
    def forward(self, x):
        self.saved = x
        return get_array_module(x).cos(x)

    def backward(self, g):
        return -g * get_array_module(g).sin(self.saved)


class LeakyRelu(Function):
    """x for x > 0, slope * x otherwise; the gradient at 0 is the slope (PyTorch's)."""

    def __init__(self, slope: float):
        self.slope = slope

    def forward(self, x):
        xp = get_array_module(x)
        scale = xp.where(x > 0, x.dtype.type(1), x.dtype.type(self.slope))
        self.saved = scale
        return x * scale

    def backward(self, g):
        return g * self.saved


class Softplus(Function):
    """log(1 + e^x), written log1p(e^-|x|) + max(x, 0) so no exp overflows;
    its derivative is sigmoid(x)."""

    def forward(self, x):
        xp = get_array_module(x)
        self.saved = x
        return xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(x, 0)

    def backward(self, g):
        return g * _sigmoid(self.saved)


class Abs(Function):
    def forward(self, x):
        xp = get_array_module(x)
        self.saved = xp.sign(x)
        return xp.abs(x)

    def backward(self, g):
        return g * self.saved


class Clip(Function):
    """Gradient 1 inside [lo, hi] (ends included, as in PyTorch), 0 outside."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        xp = get_array_module(x)
        inside = xp.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        self.saved = inside
        return xp.clip(x, self.lo, self.hi)

    def backward(self, g):
        return g * self.saved

    def explain(self, x):
        bounds = [b for b in (self.lo, self.hi) if hasattr(b, "shape")]
        return broadcast_error("clip", x, *bounds)


class Maximum(Function):
    """Elementwise max; on ties each side gets half the gradient (as in PyTorch)."""
    pick = staticmethod(lambda a, b: a > b)

    def forward(self, a, b):
        xp = get_array_module(a, b)
        win = self.pick(a, b)
        tie = a == b
        self.saved = shape_of(a), shape_of(b), xp.where(tie, 0.5, win.astype(float))
        return xp.where(win | tie, a, b)

    def backward(self, g):
        sa, sb, wa = self.saved
        wa = wa.astype(g.dtype, copy=False)
        na, nb = self.needs_input_grad
        return (unbroadcast(g * wa, sa) if na else None,
                unbroadcast(g * (1 - wa), sb) if nb else None)

    def explain(self, a, b):
        return broadcast_error(self.name.lower(), a, b)


class Minimum(Maximum):
    pick = staticmethod(lambda a, b: a < b)


class Where(Function):
    """cond ? a : b, gradient routed to the side that was chosen."""

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        xp = get_array_module(a, b)
        self.saved = shape_of(a), shape_of(b)
        return xp.where(self.cond, a, b)

    def backward(self, g):
        sa, sb = self.saved
        na, nb = self.needs_input_grad
        zero = g.dtype.type(0)
        xp = get_array_module(g)
        return (unbroadcast(xp.where(self.cond, g, zero), sa) if na else None,
                unbroadcast(xp.where(self.cond, zero, g), sb) if nb else None)

    def explain(self, a, b):
        return broadcast_error("where", self.cond, a, b)


class AsType(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.saved = x.dtype
        return x.astype(self.dtype)

    def backward(self, g):
        return g.astype(self.saved)


class ToDevice(Function):
    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.saved = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, g):
        return backend.to_device(g, self.saved)


def exp(x: Tensor) -> Tensor:
    return Exp()(floating(x))


def log(x: Tensor) -> Tensor:
    return Log()(floating(x))


def sqrt(x: Tensor) -> Tensor:
    return Sqrt()(floating(x))


def tanh(x: Tensor) -> Tensor:
    return Tanh()(floating(x))


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid()(floating(x))


def relu(x: Tensor) -> Tensor:
    return Relu()(x)


def log1p(x: Tensor) -> Tensor:
    return Log1p()(floating(x))


def sin(x: Tensor) -> Tensor:
    return Sin()(floating(x))


def cos(x: Tensor) -> Tensor:
    return Cos()(floating(x))


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyRelu(_number("leaky_relu", "negative_slope", negative_slope))(floating(x))


def _number(op: str, what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {what} must be a number, got {value!r}")
    return float(value)


def _bound(value: Any):
    """A clip bound: None, a number, or an (untracked) array of bounds."""
    if value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool)):
        return value
    if isinstance(value, Tensor) or backend.is_array(value):
        return tensor_of(value).array
    raise TypeError(f"clip: min and max must be numbers or tensors, got {value!r}")


def softplus(x: Tensor) -> Tensor:
    return Softplus()(floating(x))


def abs(x: Tensor) -> Tensor:
    return Abs()(x)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Values below ``min`` become ``min``, above ``max`` become ``max``; the bounds are
    numbers or tensors that broadcast against x (not differentiated)."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    min, max = _bound(min), _bound(max)
    scalars = isinstance(min, numbers.Real) and isinstance(max, numbers.Real)
    if scalars and min > max:
        raise ValueError(f"clip: min {min} is greater than max {max}")
    return Clip(min, max)(x)


clamp = clip


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum()(operand(a), operand(b))


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum()(operand(a), operand(b))


def where(cond: Any, a: Any, b: Any) -> Tensor:
    c = cond.array if isinstance(cond, Tensor) else backend.as_array(cond)
    if c.dtype.kind != "b":
        raise TypeError(f"where: condition must be boolean, got {c.dtype}")
    return Where(c)(operand(a), operand(b))


def masked_fill(x: Tensor, mask: Any, value: float) -> Tensor:
    """``value`` where ``mask`` is True, ``x`` elsewhere (the mask broadcasts against x);
    no gradient reaches x through the filled places."""
    m = mask.array if isinstance(mask, Tensor) else backend.as_array(mask)
    if m.dtype.kind != "b":
        raise TypeError(f"masked_fill: mask must be boolean, got {m.dtype}")
    fits = len(m.shape) <= x.ndim and all(a in (1, b) for a, b in zip(m.shape[::-1],
                                                                     x.shape[::-1]))
    if not fits:
        raise ValueError(f"masked_fill: mask of shape {tuple(m.shape)} does not broadcast to "
                         f"the tensor's shape {x.shape}")
    if not isinstance(value, numbers.Number) and not (
            isinstance(value, Tensor) and value.numel() == 1):
        raise TypeError(f"masked_fill: value must be a number, got {value!r}")
    value = value.item() if isinstance(value, Tensor) else value
    return Where(m)(Tensor._wrap(backend.as_array(value, dtype=x.dtype, device=x.device)), x)


def astype(x: Tensor, dtype: Any) -> Tensor:
    """A copy of another dtype; to a non-floating dtype the copy leaves the graph, as in
    PyTorch (rounding has no useful gradient)."""
    dtype = backend.as_dtype(dtype)
    if dtype.kind not in "biuf":
        raise TypeError(f"astype: a tensor holds bool, int or float, not {dtype}")
    if x.dtype == dtype:
        return x
    if not backend.is_floating(dtype):
        return Tensor._wrap(x.array.astype(dtype))
    return AsType(dtype)(x)


def to_device(x: Tensor, device: str) -> Tensor:
    device = backend.check_device(device)
    return x if x.device == device else ToDevice(device)(x)


def compare(a: Any, b: Any, how: str) -> Tensor:
    """Elementwise comparison: an untracked boolean tensor (a mask)."""
    a = tensor_of(a)
    if b is not None and not isinstance(b, int | float):  # None: `x == None` is all False
        b = tensor_of(b).array
        why = broadcast_error(how, a.array, b)
        if why:
            raise ValueError(why)
    xp = get_array_module(a.array)
    return Tensor._wrap(getattr(xp, how)(a.array, b))
