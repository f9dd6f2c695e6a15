"""+ - * / ** and matmul, with broadcasting: each backward un-broadcasts its grads."""
from __future__ import annotations

import math
from typing import Any

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops._util import broadcast_error, operand, shape_of, t_matmul, unbroadcast
from minigrad.tensor import Tensor


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, g):
        a, b = self._x0, self._x1  # the inputs; only shapes are needed, only of tensors
        na, nb = self.needs_input_grad
        return (unbroadcast(g, a.array.shape) if na else None,
                unbroadcast(g, b.array.shape) if nb else None)

    def explain(self, a, b):
        return broadcast_error("add", a, b)


class Sub(Add):
    def forward(self, a, b):
        return a - b

    def backward(self, g):
        a, b = self._x0, self._x1
        na, nb = self.needs_input_grad
        return (unbroadcast(g, a.array.shape) if na else None,
                unbroadcast(-g, b.array.shape) if nb else None)

    def explain(self, a, b):
        return broadcast_error("sub", a, b)


class Mul(Function):
    """d(ab)/da = b, d(ab)/db = a: each side's gradient needs only the other factor, so
    only that one is kept (x * 2 keeps 2, not x: writing x afterwards is harmless)."""

    def forward(self, a, b):
        need = self.needs_input_grad
        if need:
            self.saved = (b if need[0] else None), (a if need[1] else None)
        return a * b

    def backward(self, g):
        b, a = self.saved
        x, y = self._x0, self._x1  # the inputs; only shapes are needed, only of tensors
        na, nb = self.needs_input_grad
        return (unbroadcast(g * b, x.array.shape) if na else None,
                unbroadcast(g * a, y.array.shape) if nb else None)

    def explain(self, a, b):
        return broadcast_error("mul", a, b)


class Div(Function):
    def forward(self, a, b):
        self.saved = a, b
        return a / b

    def backward(self, g):
        a, b = self.saved
        na, nb = self.needs_input_grad
        return (unbroadcast(g / b, a.shape) if na else None,
                unbroadcast(-g * a / (b * b), b.shape) if nb else None)

    def explain(self, a, b):
        return broadcast_error("div", a, b)


class Pow(Function):
    """a ** b: d/da = b a^(b-1), d/db = a^b log a."""

    def forward(self, a, b):
        y = a ** b
        self.saved = a, b, y
        return y

    def backward(self, g):
        a, b, y = self.saved
        na, nb = self.needs_input_grad
        ga = gb = None
        if na:
            ga = unbroadcast(g * b * a ** (b - 1), shape_of(a))
        if nb:
            if isinstance(a, int | float):  # a Python base stays a weak scalar
                log_a = math.log(a) if a > 0 else 0.0
            else:
                xp = get_array_module(a, b)
                log_a = xp.log(xp.where(a > 0, a, 1))  # a^b log a -> 0 where a = 0
            gb = unbroadcast(g * y * log_a, shape_of(b))
        return ga, gb

    def explain(self, a, b):
        return broadcast_error("pow", a, b)


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class MatMul(Function):
    """Batched a @ b. Gradients: dA = G B^T, dB = A^T G (1-D sides promoted to 2-D).
    As in Mul, each side's gradient needs only the other factor, so only that is kept."""

    def forward(self, a, b):
        need = self.needs_input_grad
        if need:
            self.saved = (b if need[0] else None), (a if need[1] else None)
        return a @ b

    def backward(self, g):
        b, a = self.saved
        x, y = self._x0, self._x1  # the inputs; shapes only
        sa, sb = x.array.shape, y.array.shape
        na, nb = self.needs_input_grad
        if len(sa) == 2 and len(sb) == 2:   # the common case: nothing to promote or sum
            return (g @ b.T if na else None), (t_matmul(a, g) if nb else None)
        xp = get_array_module(g)
        sa2 = (1,) + sa if len(sa) == 1 else sa          # 1-D sides as matrices
        sb2 = sb + (1,) if len(sb) == 1 else sb
        if len(sb) == 1:
            g = xp.expand_dims(g, -1)
        if len(sa) == 1:
            g = xp.expand_dims(g, -2)
        ga = gb = None
        if na:
            ga = unbroadcast(g @ xp.swapaxes(b.reshape(sb2), -1, -2), sa2).reshape(sa)
        if nb:
            gb = unbroadcast(xp.swapaxes(a.reshape(sa2), -1, -2) @ g, sb2).reshape(sb)
        return ga, gb

    def explain(self, a, b):
        sa, sb = shape_of(a), shape_of(b)
        if not sa or not sb:
            return f"matmul: both operands need at least 1 dimension, got {sa} and {sb}"
        k_a = sa[-1]
        k_b = sb[0] if len(sb) == 1 else sb[-2]
        if k_a != k_b:
            return f"matmul: cannot multiply {sa} by {sb} ({k_a} != {k_b})"
        return f"matmul: batch dimensions of {sa} and {sb} cannot be broadcast together"


def add(a: Any, b: Any) -> Tensor:
    return Add()(operand(a), operand(b))


def sub(a: Any, b: Any) -> Tensor:
    return Sub()(operand(a), operand(b))


def mul(a: Any, b: Any) -> Tensor:
    return Mul()(operand(a), operand(b))


def div(a: Any, b: Any) -> Tensor:
    return Div()(operand(a), operand(b))


def pow(a: Any, b: Any) -> Tensor:
    return Pow()(operand(a), operand(b))


def neg(a: Tensor) -> Tensor:
    return Neg()(a)


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul()(operand(a), operand(b))
