"""Indexing, embedding lookup and one-hot.

Reading ``x[idx]`` picks elements; the backward scatters the gradient back to the
picked places and *adds* where an index repeats (an embedding row used twice gets
both gradients), which plain assignment would silently lose. Writing ``x[idx] = v``
inside a graph is ``SetItem``: a copy of x with v put in, whose backward sends the
gradient of the written places to v and the rest to x.
"""
from __future__ import annotations

from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops._util import as_int, norm_axis, operand, shape_of, unbroadcast
from minigrad.ops.elementwise import AsType
from minigrad.tensor import Tensor


def _index_data(index: Any) -> Any:
    """Unwrap tensors inside an index (masks and integer arrays)."""
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, tuple):
        return tuple(_index_data(i) for i in index)
    if isinstance(index, list):
        return backend.as_array(index) if all(not isinstance(i, slice) for i in index) else index
    return index


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(backend.is_array(p) or isinstance(p, list) for p in parts)


class GetItem(Function):
    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.saved = x.shape, x.dtype
        return x[self.index]

    def backward(self, g):
        shape, dtype = self.saved
        xp = get_array_module(g)
        gx = xp.zeros(shape, dtype=g.dtype)
        if _is_advanced(self.index):
            xp.add.at(gx, self.index, g)  # repeated indices add up
        else:
            gx[self.index] = g  # a basic index never repeats an element
        return gx

    def explain(self, x):
        return IndexError(f"getitem: index {self.index!r} is invalid for a tensor of shape "
                          f"{tuple(x.shape)}")


class SetItem(Function):
    """y = x with y[idx] = v;  dx = g with g[idx] = 0,  dv = g[idx] (summed to v's shape)."""

    def __init__(self, index):
        self.index = index

    def forward(self, x, v):
        y = x.copy()
        y[self.index] = v
        self.saved = shape_of(v)
        return y

    def backward(self, g):
        nx, nv = self.needs_input_grad
        gx = gv = None
        if nx:
            gx = g.copy()
            gx[self.index] = 0
        if nv:
            gv = unbroadcast(g[self.index], self.saved)
        return gx, gv

    def explain(self, x, v):
        return IndexError(f"setitem: cannot write a value of shape {shape_of(v)} at index "
                          f"{self.index!r} of a tensor of shape {tuple(x.shape)}")


class Embedding(Function):
    """rows = W[ids]; dW[i] = sum of the gradients of every position that read row i
    (repeated ids add up), except the padding row, which never gets a gradient."""

    def __init__(self, padding_idx: int | None = None):
        self.padding_idx = padding_idx

    def forward(self, w, ids):
        self.saved = w.shape, ids
        return w[ids]

    def backward(self, g):
        shape, ids = self.saved
        xp = get_array_module(g)
        gw = xp.zeros(shape, dtype=g.dtype)
        xp.add.at(gw, ids.reshape(-1), g.reshape(-1, shape[1]))
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw, None


def getitem(x: Tensor, index: Any) -> Tensor:
    return GetItem(_index_data(index))(x)


def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    """The entries of ``index`` (1-D integers) along ``dim``, as ``torch.index_select``."""
    data = int_array(index, "index_select")
    if data.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {tuple(data.shape)}")
    axis = norm_axis(dim, x.ndim, "index_select")
    check_range(data, x.shape[axis], "index_select")
    return getitem(x, (slice(None),) * axis + (data.reshape(-1),))


def setitem(x: Tensor, index: Any, value: Any) -> Tensor:
    """x with ``x[index] = value``, recorded in the graph (the in-place ``x[i] = v`` of a
    tensor that is part of one rebinds x to this; see ``minigrad.ops.inplace``)."""
    index = _index_data(index)
    if _is_advanced(index):
        xp = get_array_module(x.array)
        hits = xp.zeros(x.shape, dtype=backend.int32)
        xp.add.at(hits, index, 1)
        if int(hits.max(initial=0)) > 1:
            raise IndexError(f"setitem: index {index!r} names an element more than once; "
                             "inside a graph each element may be written once")
    if isinstance(value, Tensor) and value.dtype != x.dtype:
        value = AsType(x.dtype)(value)
    return SetItem(index)(x, operand(value))


def int_array(x: Any, op: str, what: str = "indices"):
    """The integer array inside ``x`` (Tensor, array or list); a TypeError for floats."""
    data = x.array if isinstance(x, Tensor) else backend.as_array(x)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be integers, got dtype {data.dtype}")
    return data


def check_range(data, n: int, op: str, what: str = "indices") -> None:
    """An IndexError naming the first few values of ``data`` outside [0, n)."""
    if data.size and (int(data.min()) < 0 or int(data.max()) >= n):
        bad = data[(data < 0) | (data >= n)].reshape(-1)[:5].tolist()
        raise IndexError(f"{op}: {what} must be in [0, {n}), got {bad}")


def embedding(weight: Tensor, ids: Any, padding_idx: int | None = None) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, dim) for integer ``ids`` of any shape;
    the row ``padding_idx`` (if given) gets no gradient. The ids are an input node of
    the graph, so a drawing shows what was looked up."""
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, dim), "
                         f"got shape {weight.shape}")
    n = weight.shape[0]
    data = backend.to_device(int_array(ids, "embedding"), weight.device)
    check_range(data, n, "embedding")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx {padding_idx} out of range for "
                             f"{n} embeddings")
        padding_idx %= n
    return Embedding(padding_idx)(weight, Tensor._wrap(data))


def one_hot(ids: Any, num_classes: int, dtype: Any = None) -> Tensor:
    """(..., ) integer ids -> (..., num_classes) floats; not differentiable (ids are ints)."""
    num_classes = as_int(num_classes, "one_hot", "num_classes")
    if num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be positive, got {num_classes}")
    data = int_array(ids, "one_hot")
    check_range(data, num_classes, "one_hot")
    xp = get_array_module(data)
    eye = xp.eye(num_classes, dtype=backend.as_dtype(dtype) if dtype else backend.default_dtype())
    return Tensor._wrap(eye[data])
