"""Ops that pick elements by rank along an axis: topk, sort, and max/min with their
indices (PyTorch's ``x.max(dim)``), each returning (values, indices).

The values are ``x`` gathered at the indices, so the backward puts each gradient back
at the place its value came from (zeros elsewhere): the same rule as indexing.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops._util import norm_axis
from minigrad.tensor import Tensor


class ValuesIndices(NamedTuple):
    """PyTorch's return type of topk, sort, max(dim) and min(dim)."""
    values: Tensor
    indices: Tensor


class TakeAlong(Function):
    """y = x gathered at ``indices`` along ``axis`` (shape of indices);
    dx[..., indices[..., j], ...] = g[..., j, ...] (indices are distinct per row)."""

    def __init__(self, indices, axis: int):
        self.indices, self.axis = indices, axis

    def forward(self, x):
        self.saved = x.shape
        return get_array_module(x).take_along_axis(x, self.indices, self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        n = self.saved[self.axis]
        idx = xp.moveaxis(self.indices, self.axis, -1)  # the picked axis last: rows
        lead = idx.shape[:-1]
        idx = idx.reshape(-1, idx.shape[-1])
        rows = xp.zeros((len(idx), n), dtype=g.dtype)
        rows[xp.arange(len(idx))[:, None], idx] = xp.moveaxis(g, self.axis, -1).reshape(idx.shape)
        return xp.moveaxis(rows.reshape(lead + (n,)), -1, self.axis)


def _take(x: Tensor, indices, axis: int) -> ValuesIndices:
    return ValuesIndices(TakeAlong(indices, axis)(x), Tensor._wrap(indices))


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> ValuesIndices:
    """The ``k`` largest (or smallest) values along ``dim`` and where they were, largest
    first. Among equal values the lower index comes first."""
    if x.ndim == 0:
        raise ValueError("topk: needs a tensor of at least 1 dimension, got a 0-d tensor")
    axis = norm_axis(dim, x.ndim, "topk")
    n = x.shape[axis]
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of size {n} "
                         f"(tensor of shape {x.shape})")
    xp = get_array_module(x.array)
    a = x.array
    key = a if not largest else ~a if a.dtype.kind == "b" else -a
    order = xp.argsort(key, axis=axis, kind="stable")
    return _take(x, xp.take(order, xp.arange(k), axis=axis), axis)


def sort(x: Tensor, dim: int = -1, descending: bool = False) -> ValuesIndices:
    """Values along ``dim`` in order (stable: equal values keep their order)."""
    axis = norm_axis(dim, x.ndim, "sort")
    xp = get_array_module(x.array)
    if descending:
        return topk(x, x.shape[axis], axis)
    return _take(x, xp.argsort(x.array, axis=axis, kind="stable"), axis)


def _extreme(x: Tensor, dim: int, keepdim: bool, op: str) -> ValuesIndices:
    if x.numel() == 0:
        raise ValueError(f"{op}: tensor of shape {x.shape} is empty")
    axis = norm_axis(dim, max(x.ndim, 1), op)
    xp = get_array_module(x.array)
    idx = getattr(x.array, "arg" + op)(axis=axis) if x.ndim else xp.zeros((), dtype="int64")
    idx = xp.expand_dims(idx, axis) if x.ndim else idx
    if x.ndim == 0:
        return ValuesIndices(x, Tensor._wrap(idx))
    values, indices = _take(x, idx, axis)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, indices)


def max_with_indices(x: Tensor, dim: Any, keepdim: bool = False) -> ValuesIndices:
    """PyTorch's ``x.max(dim)``: (values, indices); the gradient goes to the index chosen
    (the first of equal maxima), as PyTorch's does."""
    return _extreme(x, dim, keepdim, "max")


def min_with_indices(x: Tensor, dim: Any, keepdim: bool = False) -> ValuesIndices:
    return _extreme(x, dim, keepdim, "min")
