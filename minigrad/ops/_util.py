"""Small helpers shared by the ops: gradient un-broadcasting and argument checks."""
from __future__ import annotations

import functools
import operator
from typing import Any, Callable

from minigrad import backend
from minigrad.tensor import Tensor


def unbroadcast(g, shape: tuple[int, ...]):
    """Sum ``g`` over the axes that broadcasting stretched, back to ``shape``.

    Broadcasting copies an input along some axes; the chain rule adds up the
    gradients of all the copies.
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead and g.shape[lead:] == shape:     # only leading axes were added (a bias)
        return g.sum(axis=0) if lead == 1 else g.sum(axis=tuple(range(lead)))
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def t_matmul(a, b):
    """a^T b for 2-D a (K, M) and b (K, N), summed over the K rows. With K = 1 it is
    the outer product, computed by broadcasting: the same numbers (one product per
    entry) at half the cost of BLAS's K=1 matmul (benchmarks/README.md)."""
    if a.shape[0] == 1:
        return a.T * b
    return a.T @ b


def shape_of(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if hasattr(x, "shape") else ()


def broadcast_error(op: str, *xs) -> str | None:
    """The message for inputs whose shapes do not broadcast (None if they do)."""
    shapes = [shape_of(x) for x in xs]
    try:
        backend.get_array_module(*xs).broadcast_shapes(*shapes)
    except ValueError:
        return f"{op}: shapes {' and '.join(map(str, shapes))} cannot be broadcast together"
    return None


_PASS_THROUGH = (Tensor, int, float)


def operand(x: Any) -> Any:
    """A binary op's operand: tensors and Python scalars as they are (NumPy 2 keeps
    ``float32 * 1.5`` in float32), other data converted to an untracked array."""
    if isinstance(x, _PASS_THROUGH):
        return x
    return Tensor._wrap(backend.as_array(x))


def tensor_of(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._wrap(backend.as_array(x))


def as_int(value: Any, op: str, what: str) -> int:
    """A Python or NumPy integer (not a bool, not a float), else a TypeError."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {what} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an integer, got {value!r} "
                        f"({type(value).__name__})") from None


def norm_axis(axis: Any, ndim: int, op: str) -> Any:
    """Check an axis (or tuple of axes) against ``ndim`` with an op-named error: an
    integer in [-ndim, ndim), each axis at most once."""
    if axis is None:
        return None
    many = isinstance(axis, tuple | list)
    axes = [as_int(a, op, "axis") for a in (axis if many else (axis,))]
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of {ndim} dims")
    axes = [a % max(ndim, 1) for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: axes {tuple(axis)} name the same axis twice")
    return tuple(axes) if many else axes[0]


def floating(x: Any) -> Tensor:
    """The input of an op whose result is real-valued (exp, sigmoid, softmax, ...):
    integer and bool tensors become the default float dtype first, PyTorch's rule
    (NumPy would pick float16 for uint8, and ``-x`` of an unsigned integer wraps around)."""
    t = x if isinstance(x, Tensor) else Tensor._wrap(backend.as_array(x))
    if t.array.dtype.kind == "f":  # is_floating, read off the array's own dtype (on every op)
        return t
    return Tensor._wrap(t.array.astype(backend.default_dtype()))


def torch_keywords(fn: Callable) -> Callable:
    """Let an op take PyTorch's keyword names too: ``dim=`` for ``axis=`` and
    ``keepdim=`` for ``keepdims=``, so ``x.sum(dim=1, keepdim=True)`` carries over."""
    name = fn.__name__

    @functools.wraps(fn)
    def call(*args, **kw):
        if kw:
            if "dim" in kw:
                if "axis" in kw:
                    raise TypeError(f"{name}: give axis= or dim=, not both")
                kw["axis"] = kw.pop("dim")
            if "keepdim" in kw:
                if "keepdims" in kw:
                    raise TypeError(f"{name}: give keepdims= or keepdim=, not both")
                kw["keepdims"] = kw.pop("keepdim")
        return fn(*args, **kw)
    return call
