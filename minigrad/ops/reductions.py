"""Reductions and the softmax family.

A reduction's backward puts the gradient back on the reduced axes: ``sum`` spreads it
evenly, ``max`` gives it to the winners, ``prod`` gives each factor the product of the
others. logsumexp and (log_)softmax subtract the max first, so large logits neither
overflow nor lose precision. ``all`` / ``any`` answer in bools, outside autograd.
"""
from __future__ import annotations

import builtins
import numbers
import warnings
from typing import Any

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops import selection
from minigrad.ops._util import floating, norm_axis, torch_keywords
from minigrad.ops.elementwise import maximum, minimum
from minigrad.tensor import Tensor


def _expand(g, shape, axis, keepdims):
    """Re-insert reduced axes into ``g`` so it broadcasts against the input."""
    if axis is None or keepdims:
        return g.reshape([1] * len(shape)) if axis is None and not keepdims else g
    xp = get_array_module(g)
    return xp.expand_dims(g, axis)


class Sum(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.saved = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, g):
        shape = self.saved
        xp = get_array_module(g)
        return xp.broadcast_to(_expand(g, shape, self.axis, self.keepdims), shape)


class Mean(Sum):
    def forward(self, x):
        self.saved = x.shape
        y = x.mean(axis=self.axis, keepdims=self.keepdims)
        self.count = x.size // builtins.max(y.size, 1) if x.size else 0
        return y

    def backward(self, g):
        return Sum.backward(self, g / self.count)


class Max(Function):
    """Max over axes; tied maxima share the gradient equally."""
    reduce = "max"

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        y = getattr(x, self.reduce)(axis=self.axis, keepdims=True)
        mask = x == y
        self.saved = mask / mask.sum(axis=self.axis, keepdims=True)
        return y if self.keepdims else y.squeeze(self.axis) if self.axis is not None \
            else y.reshape(())

    def backward(self, g):
        share = self.saved
        return _expand(g, share.shape, self.axis, self.keepdims) * share.astype(g.dtype)


class Min(Max):
    reduce = "min"


class Prod(Function):
    """y = x_1 x_2 ... x_n over the axes; dy/dx_i = the product of the others.

    That is y / x_i while no factor is 0. With one zero, the zero's gradient is the
    product of the rest and every other gradient is 0; with two or more, all are 0.
    So the product of the non-zero factors, not y / x (0 / 0), is what backward uses.
    """

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.saved = x
        return x.prod(axis=self.axis, keepdims=self.keepdims)

    def backward(self, g):
        x = self.saved
        xp = get_array_module(x)
        zero = x == 0
        nonzero = xp.where(zero, 1, x)
        rest = nonzero.prod(axis=self.axis, keepdims=True)  # product of the non-zeros
        zeros = zero.sum(axis=self.axis, keepdims=True)
        d = xp.where(zeros == 0, rest / nonzero, xp.where(zero & (zeros == 1), rest, 0))
        return _expand(g, x.shape, self.axis, self.keepdims) * d


class Var(Function):
    """Variance with a correction: v = sum (x - mean)^2 / (N - correction), N values
    per result; dv/dx = 2 (x - mean) / (N - correction).

    ``root``: the standard deviation s = sqrt(v), ds/dx = (x - mean) / ((N - c) s),
    taken as 0 where s is 0 (a constant row: PyTorch's choice). Where N - c <= 0 the
    result is nan (or inf), as in PyTorch, without NumPy's divide warnings."""

    def __init__(self, axis, keepdims, count: int, correction: float, root: bool):
        self.axis, self.keepdims, self.root = axis, keepdims, root
        self.count, self.dof = count, count - correction

    @property
    def name(self) -> str:
        return "Std" if self.root else "Var"

    def forward(self, x):
        xp = get_array_module(x)
        d = x - x.sum(axis=self.axis, keepdims=True) / builtins.max(self.count, 1)
        y = _over_dof((d * d).sum(axis=self.axis, keepdims=self.keepdims), self.dof)
        if self.root:
            y = xp.sqrt(y)
        self.saved = d, y
        return y

    def backward(self, g):
        d, y = self.saved
        xp = get_array_module(g)
        g = _expand(g, d.shape, self.axis, self.keepdims)
        if self.root:  # ds = dv / (2 s)
            s = _expand(y, d.shape, self.axis, self.keepdims)
            g = xp.where(s == 0, 0, g / (2 * xp.where(s == 0, 1, s)))
        return _over_dof(2 * d * g, self.dof)


def _over_dof(num, dof: float):
    """num / dof; for dof <= 0 what dividing by 0 gives (inf, -inf or nan), silently."""
    if dof > 0:
        return num / dof
    xp = get_array_module(num)
    return xp.where(num > 0, xp.inf, xp.where(num < 0, -xp.inf, xp.nan)).astype(num.dtype)


class LogSumExp(Function):
    """log sum exp x = m + log sum exp(x - m), m = max x; gradient softmax(x)."""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        m = x.max(axis=self.axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        e = xp.exp(x - m)
        s = e.sum(axis=self.axis, keepdims=True)
        # s is 0 only where every element is -inf: the answer is -inf there (and the
        # gradient NaN, as in PyTorch), without NumPy's divide-by-zero warnings
        empty = s == 0
        s = xp.where(empty, 1, s)
        y = xp.where(empty, -xp.inf, m + xp.log(s))
        self.saved = xp.where(empty, xp.nan, e / s)
        if not self.keepdims:
            y = y.squeeze(self.axis) if self.axis is not None else y.reshape(())
        return y

    def backward(self, g):
        p = self.saved
        return _expand(g, p.shape, self.axis, self.keepdims) * p


class Softmax(Function):
    """y = exp(x - logsumexp x); dx = y * (g - sum(g * y))."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        y = e / e.sum(axis=self.axis, keepdims=True)
        self.saved = y
        return y

    def backward(self, g):
        y = self.saved
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """y = x - logsumexp x; dx = g - softmax(x) * sum(g)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        z = x - x.max(axis=self.axis, keepdims=True)
        y = z - xp.log(xp.exp(z).sum(axis=self.axis, keepdims=True))
        self.saved = y
        return y

    def backward(self, g):
        xp = get_array_module(g)
        return g - xp.exp(self.saved) * g.sum(axis=self.axis, keepdims=True)


def _reduce(cls, x: Tensor, axis: Any, keepdims: bool, op: str) -> Tensor:
    axis = norm_axis(axis, x.ndim, op)
    if isinstance(axis, list):
        axis = tuple(axis)
    return cls(axis, keepdims)(x)


@torch_keywords
def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _reduce(Sum, x, axis, keepdims, "sum")


@torch_keywords
def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _reduce(Mean, x, axis, keepdims, "mean")


@torch_keywords
def prod(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Product of the elements (over ``axis``); integers and bools give int64, as in
    PyTorch. The gradient is right where factors are 0 (see ``Prod``)."""
    return _reduce(Prod, x, axis, keepdims, "prod")


@torch_keywords
def var(x: Tensor, axis: Any = None, unbiased: Any = None, keepdims: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance, PyTorch's: divided by N - 1 (``unbiased=True``, ``correction=1``) unless
    told otherwise (``unbiased=False`` or ``correction=0``: divided by N). Note NumPy's
    ``var`` divides by N; here the names and the default are PyTorch's."""
    return _var(x, axis, unbiased, keepdims, correction, "var")


@torch_keywords
def std(x: Tensor, axis: Any = None, unbiased: Any = None, keepdims: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation: the square root of ``var`` (the same arguments)."""
    return _var(x, axis, unbiased, keepdims, correction, "std")


def _var(x: Tensor, axis: Any, unbiased: Any, keepdims: bool, correction: Any,
         op: str) -> Tensor:
    if isinstance(axis, bool):  # PyTorch's x.var(False): the unbiased flag alone
        axis, unbiased = None, axis if unbiased is None else unbiased
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give unbiased= or correction=, not both")
    if unbiased is not None and not isinstance(unbiased, bool):
        raise TypeError(f"{op}: unbiased must be True or False, got {unbiased!r}")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if isinstance(correction, bool) or not isinstance(correction, numbers.Real):
        raise TypeError(f"{op}: correction must be a number, got {correction!r}")
    x = floating(x)
    axis = norm_axis(axis, builtins.max(x.ndim, 1), op)
    if x.ndim == 0:
        axis = None  # a 0-d tensor takes dim 0 and -1
    axes = range(x.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    count = 1
    for a in axes:
        count *= x.shape[a]
    if count - correction <= 0:
        warnings.warn(f"{op}: degrees of freedom is <= 0 ({count} values per result, "
                      f"correction={correction}): the result is nan or inf, as in PyTorch",
                      UserWarning, stacklevel=3)
    return Var(axis, keepdims, count, correction, op == "std")(x)


@torch_keywords
def all(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """True where every element (over ``axis``) is non-zero: a bool tensor, untracked."""
    return _logical(x, axis, keepdims, "all")


@torch_keywords
def any(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """True where some element (over ``axis``) is non-zero: a bool tensor, untracked."""
    return _logical(x, axis, keepdims, "any")


def _logical(x: Tensor, axis: Any, keepdims: bool, op: str) -> Tensor:
    axis = norm_axis(axis, builtins.max(x.ndim, 1), op)
    if x.ndim == 0:
        axis = None  # a 0-d tensor takes dim 0 and -1 and is its own answer
    return Tensor._wrap(getattr(x.array, op)(axis=axis, keepdims=keepdims))


def _max_or_min(cls, x: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: bool,
                op: str):
    """PyTorch's and NumPy's spellings, each with its own meaning:

    * ``x.max()``: the largest value; ``x.max(axis=1)``: NumPy's, the values only
    * ``x.max(1)`` / ``x.max(dim=1)``: PyTorch's, (values, indices)
    * ``mg.max(a, b)`` with a tensor b: the elementwise maximum, as ``torch.max(a, b)``
    """
    if isinstance(dim, Tensor):
        return (maximum if op == "max" else minimum)(x, dim)
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis= (values) or dim= (values, indices), not both")
        pick = selection.max_with_indices if op == "max" else selection.min_with_indices
        return pick(x, dim, keepdim)
    if x.numel() == 0:
        raise ValueError(f"{op}: tensor of shape {x.shape} is empty")
    return _reduce(cls, x, axis, keepdims or keepdim, op)


def max(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool = False):
    """Largest values (see ``_max_or_min`` for what each spelling returns)."""
    return _max_or_min(Max, x, dim, keepdim, axis, keepdims, "max")


def min(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool = False):
    """Smallest values (see ``_max_or_min``)."""
    return _max_or_min(Min, x, dim, keepdim, axis, keepdims, "min")


@torch_keywords
def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    _nonempty(x, "logsumexp")
    return _reduce(LogSumExp, floating(x), axis, keepdims, "logsumexp")


@torch_keywords
def softmax(x: Tensor, axis: int = -1) -> Tensor:
    _nonempty(x, "softmax")
    return Softmax(norm_axis(axis, x.ndim, "softmax"))(floating(x))


@torch_keywords
def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    _nonempty(x, "log_softmax")
    return LogSoftmax(norm_axis(axis, x.ndim, "log_softmax"))(floating(x))


@torch_keywords
def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest value (untracked, integer)."""
    _nonempty(x, "argmax")
    axis = norm_axis(axis, x.ndim, "argmax")
    return Tensor._wrap(x.array.argmax(axis=axis, keepdims=keepdims))


@torch_keywords
def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    _nonempty(x, "argmin")
    axis = norm_axis(axis, x.ndim, "argmin")
    return Tensor._wrap(x.array.argmin(axis=axis, keepdims=keepdims))


def _nonempty(x: Tensor, op: str) -> None:
    """arg-max/min, softmax and logsumexp have no value over nothing."""
    if x.numel() == 0:
        raise ValueError(f"{op}: tensor of shape {x.shape} is empty")
