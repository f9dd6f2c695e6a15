"""Indexing, embedding lookup and one-hot.

Reading ``x[idx]`` picks elements; the backward scatters the gradient back to the
picked places and *adds* where an index repeats (an embedding row used twice gets
both gradients), which plain assignment would silently lose.
"""
from __future__ import annotations

from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.tensor import Tensor


def _index_data(index: Any) -> Any:
    """Unwrap tensors inside an index (masks and integer arrays)."""
    if isinstance(index, Tensor):
        return index.data
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


class Embedding(Function):
    """rows = W[ids]; dW[i] = sum of the gradients of every position that read row i."""

    def forward(self, w, ids):
        self.saved = w.shape, ids
        return w[ids]

    def backward(self, g):
        shape, ids = self.saved
        xp = get_array_module(g)
        gw = xp.zeros(shape, dtype=g.dtype)
        xp.add.at(gw, ids.reshape(-1), g.reshape(-1, shape[1]))
        return gw, None


def getitem(x: Tensor, index: Any) -> Tensor:
    return GetItem(_index_data(index))(x)


def _int_ids(ids: Any, op: str, n: int):
    data = ids.data if isinstance(ids, Tensor) else backend.as_array(ids)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {data.dtype}")
    if data.size and (int(data.min()) < 0 or int(data.max()) >= n):
        bad = data[(data < 0) | (data >= n)]
        raise IndexError(f"{op}: indices must be in [0, {n}), got {bad.reshape(-1)[:5].tolist()}")
    return data


def embedding(weight: Tensor, ids: Any) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, dim) for integer ``ids`` of any shape."""
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num, dim), got {weight.shape}")
    data = _int_ids(ids, "embedding", weight.shape[0])
    return Embedding()(weight, Tensor._wrap(data))


def one_hot(ids: Any, num_classes: int, dtype: Any = None) -> Tensor:
    """(..., ) integer ids -> (..., num_classes) floats; not differentiable (ids are ints)."""
    data = _int_ids(ids, "one_hot", num_classes)
    xp = get_array_module(data)
    eye = xp.eye(num_classes, dtype=backend.as_dtype(dtype) if dtype else backend.default_dtype())
    return Tensor._wrap(eye[data])
