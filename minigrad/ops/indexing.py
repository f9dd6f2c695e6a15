"""Indexing, embedding lookup, one-hot, gather and scatter.

Reading ``x[idx]`` picks elements; the backward scatters the gradient back to the
picked places and *adds* where an index repeats (an embedding row used twice gets
both gradients), which plain assignment would silently lose. Writing ``x[idx] = v``
inside a graph is ``SetItem``: a copy of x with v put in, whose backward sends the
gradient of the written places to v and the rest to x. ``gather`` / ``scatter`` are
the same two ideas with the places given as an index tensor along one dim.
"""
from __future__ import annotations

import numbers
from typing import Any

from minigrad import backend
from minigrad.autograd import Function, state
from minigrad.backend import get_array_module
from minigrad.ops._util import as_int, norm_axis, operand, shape_of, tensor_of, unbroadcast
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


# ------------------------------------------------------------------ gather and scatter
# PyTorch's rule for both: ``index`` has as many dims as x, and along every dim d but
# ``dim`` it is no longer than x (and, for scatter, than src). Element (i, j) of index
# names the place (index[i, j], j) of x for dim 0, (i, index[i, j]) for dim 1.
def _places(index, axis: int) -> tuple:
    """The places of x that ``index`` names, as one advanced index: ``index`` along
    ``axis`` and, along every other axis, the position itself."""
    xp = get_array_module(index)
    grids = list(xp.ix_(*(xp.arange(n) for n in index.shape)))
    grids[axis] = index
    return tuple(grids)


def _leading(shape: tuple) -> tuple:
    """The block of a larger src that an index of ``shape`` reads: src[:n0, :n1, ...]."""
    return tuple(slice(0, n) for n in shape)


class Gather(Function):
    """y[i, j] = x[index[i, j], j] (dim 0; likewise for any dim), so y has index's shape.
    dx: each gradient added back at the place its value came from (a place read twice
    gets both)."""

    def __init__(self, index, axis: int):
        self.index, self.axis = index, axis

    def forward(self, x):
        self.saved = x.shape
        return x[_places(self.index, self.axis)]

    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.saved, dtype=g.dtype)
        xp.add.at(gx, _places(self.index, self.axis), g)
        return gx


class Scatter(Function):
    """y = x with y[index[i, j], j] = src[i, j] (dim 0), or += with ``add``; src is a
    tensor (at least index's size: only its leading block is read) or a number.
    dx = g, zero at the written places unless adding; dsrc[i, j] = g where src[i, j]
    went (0 outside the block read)."""

    def __init__(self, index, axis: int, add: bool):
        self.index, self.axis, self.add = index, axis, add

    def forward(self, x, src):
        places = _places(self.index, self.axis)
        self.saved = shape_of(src)
        if backend.is_array(src):
            src = src[_leading(self.index.shape)]
        y = x.copy()
        if self.add:
            get_array_module(x).add.at(y, places, src)
        else:
            y[places] = src
        return y

    def backward(self, g):
        nx, ns = self.needs_input_grad
        places = _places(self.index, self.axis)
        gx = gs = None
        if nx:
            gx = g
            if not self.add:
                gx = g.copy()
                gx[places] = 0
        if ns:
            gs = get_array_module(g).zeros(self.saved, dtype=g.dtype)
            gs[_leading(self.index.shape)] = g[places]
        return gx, gs


def _gather_index(op: str, x: Tensor, dim: Any, index: Any, src: Tensor | None = None):
    """``index`` checked against x (and src) by PyTorch's rules: (array on x's device, axis)."""
    data = int_array(index, op, "index")
    if x.ndim == 0:
        raise ValueError(f"{op}: needs a tensor of at least 1 dimension, got a 0-d tensor "
                         "(reshape it: x.reshape(1))")
    axis = norm_axis(dim, x.ndim, op)
    shape, xs = tuple(data.shape), tuple(x.shape)
    if data.ndim != x.ndim:
        raise ValueError(f"{op}: index of shape {shape} must have as many dims as the "
                         f"input of shape {xs}")
    if any(n > m for d, (n, m) in enumerate(zip(shape, xs)) if d != axis):
        raise ValueError(f"{op}: index of shape {shape} must be no larger than the input "
                         f"of shape {xs} apart from dim {axis}")
    if src is not None and (src.ndim != data.ndim or any(
            n > m for n, m in zip(shape, src.shape))):
        raise ValueError(f"{op}: index of shape {shape} must have as many dims as src of "
                         f"shape {tuple(src.shape)} and be no larger along any")
    check_range(data, xs[axis], op, f"index values along dim {axis} (size {xs[axis]})")
    return backend.to_device(data, x.device), axis


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """``torch.gather``: out[i][j] = x[index[i][j]][j] for dim 0 (x[i][index[i][j]] for
    dim 1, ...); out has index's shape. Picking each row's target score:
    ``scores.gather(1, targets.unsqueeze(1))``."""
    x = tensor_of(x)
    data, axis = _gather_index("gather", x, dim, index)
    return Gather(data, axis)(x)


def scatter_into(x: Tensor, dim: int, index: Any, src: Any, add: bool, op: str) -> Tensor:
    """x with src (a tensor of x's dtype, or a number) written (or added, ``add``) at the
    places ``index`` names; ``op`` is the name the errors give."""
    x = tensor_of(x)
    if isinstance(src, Tensor):
        if src.dtype != x.dtype:
            raise TypeError(f"{op}: src has dtype {src.dtype} but the tensor {x.dtype}; "
                            "convert one of them (src.to(x.dtype))")
        data, axis = _gather_index(op, x, dim, index, src)
    elif isinstance(src, numbers.Number):
        if add:
            raise TypeError(f"{op}: src must be a Tensor, got the number {src!r}")
        data, axis = _gather_index(op, x, dim, index)
    else:
        raise TypeError(f"{op}: src must be a Tensor or a number, got "
                        f"{type(src).__name__}")
    if not add and isinstance(src, Tensor) and src.requires_grad and state.grad_enabled:
        _check_written_once(op, x, data, axis)
    return Scatter(data, axis, add)(x, src)


def _check_written_once(op: str, x: Tensor, data, axis: int) -> None:
    """Two values of src written to one place: which one stays is not defined (PyTorch:
    any), so neither is the gradient of src. Refused inside a graph, as for setitem."""
    xp = get_array_module(data)
    hits = xp.zeros(x.shape, dtype=backend.int32)
    xp.add.at(hits, _places(data, axis), 1)
    if int(hits.max(initial=0)) > 1:
        where = tuple(int(i) for i in xp.argwhere(hits > 1)[0])
        raise IndexError(f"{op}: index writes place {where} of the tensor of shape "
                         f"{tuple(x.shape)} more than once, so the gradient of src is not "
                         "defined; make each place appear once (or add: scatter_add)")


def scatter(x: Tensor, dim: int, index: Any, src: Any = None, value: Any = None) -> Tensor:
    """``torch.scatter``, out of place: x with ``src[i][j]`` (a tensor) or ``value`` (a
    number) at x[index[i][j]][j] for dim 0 (x[i][index[i][j]] for dim 1, ...). The
    gradient goes to x (except at the written places) and to src."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give either src (a tensor) or value (a number)")
    return scatter_into(x, dim, index, value if src is None else src, False, "scatter")


def scatter_add(x: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """``torch.scatter_add``: x with ``src[i][j]`` added at x[index[i][j]][j] (dim 0);
    places named twice get both. The gradient is g for x and g gathered for src."""
    return scatter_into(x, dim, index, src, True, "scatter_add")
