"""Ops that move data without changing it: their backward moves the gradient back."""
from __future__ import annotations

from typing import Any, Sequence

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops._util import as_int, norm_axis, torch_keywords, unbroadcast
from minigrad.tensor import Tensor


def _shape_arg(shape: tuple) -> tuple:
    """Accept f(2, 3) and f((2, 3)) alike, as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def _sizes(shape: tuple, op: str, inferred: int = -1) -> tuple[int, ...]:
    """A target shape: integers >= 0, and at most one ``inferred`` (-1) size. NumPy
    would take any negative number for -1 (``reshape(-2, 3)``), silently."""
    sizes = tuple(as_int(n, op, "a size") for n in _shape_arg(shape))
    for n in sizes:
        if n < 0 and n != inferred:
            rule = "sizes are >= 0" + (", or -1 for one size to infer" if inferred else "")
            raise ValueError(f"{op}: invalid size {n} in {sizes}: {rule}")
    if sizes.count(inferred) > 1:
        raise ValueError(f"{op}: only one size can be inferred (-1), got {sizes}")
    return sizes


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.saved = x.shape
        return x.reshape(self.shape)

    def backward(self, g):
        return g.reshape(self.saved)

    def explain(self, x):
        return f"reshape: cannot reshape {tuple(x.shape)} ({x.size} elements) into {self.shape}"


class Clone(Function):
    """A copy that stays in the graph (``detach`` is the copy that leaves it)."""

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g


def clone(x: Tensor) -> Tensor:
    return Clone()(x)


def contiguous(x: Tensor) -> Tensor:
    """x itself if its array is laid out row by row (C order), else a copy that is."""
    return x if x.array.flags.c_contiguous else Clone()(x)


class Transpose(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, g):
        xp = get_array_module(g)
        return g.transpose(xp.argsort(self.axes)) if self.axes is not None else g.transpose()


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.saved = x.shape
        return get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, g):
        return unbroadcast(g, self.saved)

    def explain(self, x):
        return f"broadcast_to: cannot broadcast {tuple(x.shape)} to {self.shape}"


class Flip(Function):
    """The order of the elements reversed along some axes; the gradient flips back."""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return get_array_module(x).flip(x, self.axes)

    def backward(self, g):
        return get_array_module(g).flip(g, self.axes)


class Repeat(Function):
    """PyTorch's ``x.repeat(r0, r1, ...)`` (NumPy's tile): the backward adds up the
    gradients of all the copies of each element."""

    def __init__(self, reps):
        self.reps = reps

    def forward(self, x):
        self.saved = x.shape
        return get_array_module(x).tile(x, self.reps)

    def backward(self, g):
        shape = self.saved
        full = (1,) * (len(self.reps) - len(shape)) + tuple(shape)
        g = g.reshape([n for r, s in zip(self.reps, full) for n in (r, s)])
        return g.sum(axis=tuple(range(0, 2 * len(self.reps), 2))).reshape(shape)


class Concat(Function):
    """Joins along an axis; backward slices the gradient back into pieces."""

    def __init__(self, axis, stack=False):
        self.axis, self.stack = axis, stack

    def forward(self, *xs):
        xp = get_array_module(*xs)
        self.saved = [x.shape[self.axis] for x in xs] if not self.stack else len(xs)
        return (xp.stack if self.stack else xp.concatenate)(xs, axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        if self.stack:  # views of g, one per input: no copies
            rows = xp.moveaxis(g, self.axis, 0)
            return tuple(rows[i] if need else None for i, need in enumerate(self.needs_input_grad))
        return _pieces(g, self.saved, self.axis)

    def explain(self, *xs):
        op = "stack" if self.stack else "cat"
        return f"{op}: shapes {[tuple(x.shape) for x in xs]} do not match along axis {self.axis}"


class Split(Function):
    """Cuts along an axis into pieces (several outputs); backward concatenates."""

    def __init__(self, sizes, axis, squeeze=False):
        self.sizes, self.axis, self.squeeze = sizes, axis, squeeze

    def forward(self, x):
        if self.squeeze:   # unbind: the slices along the axis, that axis dropped
            return tuple(get_array_module(x).moveaxis(x, self.axis, 0) if self.axis else x)
        return _pieces(x, self.sizes, self.axis)

    def backward(self, *gs):
        xp = get_array_module(*gs)
        return (xp.stack if self.squeeze else xp.concatenate)(gs, axis=self.axis)


def _cumsum(sizes):
    total = 0
    for s in sizes:
        total += s
        yield total


def _pieces(a, sizes, axis: int) -> tuple:
    """Views of ``a`` cut along ``axis`` into pieces of ``sizes``."""
    if axis == 0:
        bounds = [0, *_cumsum(sizes)]
        return tuple([a[bounds[i]:bounds[i + 1]] for i in range(len(sizes))])
    index = [slice(None)] * a.ndim
    pieces, start = [], 0
    for n in sizes:
        index[axis] = slice(start, start + n)
        pieces.append(a[tuple(index)])
        start += n
    return tuple(pieces)


def reshape(x: Tensor, *shape: Any) -> Tensor:
    shape = _sizes(shape, "reshape")
    return x if shape == x.shape else Reshape(shape)(x)


def transpose(x: Tensor, *axes: int) -> Tensor:
    """No axes: reverse them (x.T). Two axes: swap them (PyTorch). All axes: permute."""
    axes = _shape_arg(axes)
    if len(axes) == 2:
        a, b = (norm_axis(i, x.ndim, "transpose") for i in axes)
        perm = list(range(x.ndim))
        perm[a], perm[b] = perm[b], perm[a]
        return Transpose(tuple(perm))(x)
    if axes:
        return _permute(x, axes, "transpose")
    return Transpose(None)(x)


def _permute(x: Tensor, axes: tuple, op: str) -> Tensor:
    if len(axes) != x.ndim:
        raise ValueError(f"{op}: {axes} has {len(axes)} axes, the tensor of shape {x.shape} "
                         f"has {x.ndim}")
    perm = norm_axis(axes, x.ndim, op)  # each in range, none twice
    return Transpose(perm)(x)


def t(x: Tensor) -> Tensor:
    """PyTorch's ``t()``: a 2-D tensor transposed; 0-D and 1-D ones as they are."""
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor of at most 2 dims, got shape {x.shape}; "
                         "use transpose(dim0, dim1) or permute")
    return transpose(x) if x.ndim == 2 else x


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start + length`` along ``dim`` (a view, as ``x[..., a:b]``)."""
    axis = norm_axis(dim, x.ndim, "narrow")
    n = x.shape[axis]
    start = int(start)
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                         f"size ({n}) of dim {dim} (tensor of shape {x.shape})")
    return x[(slice(None),) * axis + (slice(start, start + int(length)),)]


def flip(x: Tensor, *dims: Any, **kw: Any) -> Tensor:
    """``x.flip(0)``, ``x.flip(0, 1)``, ``torch.flip(x, dims=(0, 1))``: reversed along
    those axes (PyTorch's flip takes the axes to flip; none flips nothing)."""
    if kw:
        if dims or set(kw) != {"dims"}:
            raise TypeError(f"flip: takes the dims positionally or as dims=, got "
                            f"{dims} and {sorted(kw)}")
        dims = (kw["dims"],)
    axes = norm_axis(_shape_arg(dims), max(x.ndim, 1), "flip")
    return Flip(axes)(x) if x.ndim and axes else clone(x)


def permute(x: Tensor, *axes: int) -> Tensor:
    return _permute(x, _shape_arg(axes), "permute")


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        norm_axis((start_dim, end_dim) if start_dim != end_dim else start_dim, 1, "flatten")
        return reshape(x, 1)
    s, e = norm_axis(start_dim, x.ndim, "flatten"), norm_axis(end_dim, x.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"(tensor of shape {x.shape})")
    n = 1
    for d in x.shape[s:e + 1]:
        n *= d
    return reshape(x, *x.shape[:s], n, *x.shape[e + 1:])


@torch_keywords
def squeeze(x: Tensor, axis: int | None = None) -> Tensor:
    if axis is None:
        return reshape(x, *[d for d in x.shape if d != 1])
    if x.ndim == 0:
        norm_axis(axis, 1, "squeeze")  # a 0-d tensor takes 0 and -1 and stays as it is
        return x
    axis = norm_axis(axis, x.ndim, "squeeze")
    if x.shape[axis] != 1:
        return x  # PyTorch leaves a non-1 axis alone
    return reshape(x, *x.shape[:axis], *x.shape[axis + 1:])


@torch_keywords
def unsqueeze(x: Tensor, axis: int) -> Tensor:
    axis = norm_axis(axis, x.ndim + 1, "unsqueeze")
    return reshape(x, *x.shape[:axis], 1, *x.shape[axis:])


def broadcast_to(x: Tensor, shape: Sequence[int] | int) -> Tensor:
    shape = _sizes((shape,) if not isinstance(shape, tuple | list) else tuple(shape),
                   "broadcast_to", inferred=None)
    return x if shape == x.shape else BroadcastTo(shape)(x)


def repeat(x: Tensor, *reps: int) -> Tensor:
    """Copies of x side by side: ``x.repeat(2, 1)`` stacks two along axis 0."""
    reps = _shape_arg(reps)
    if len(reps) < x.ndim or any(not isinstance(r, int) or r < 0 for r in reps):
        raise ValueError(f"repeat: needs a non-negative count for each of the {x.ndim} dims "
                         f"(or more), got {reps}")
    return Repeat(tuple(reps))(x)


def expand(x: Tensor, *shape: int) -> Tensor:
    """Like broadcast_to; -1 keeps that axis's size (PyTorch's expand)."""
    shape = tuple(as_int(n, "expand", "a size") for n in _shape_arg(shape))
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: the target shape {shape} has fewer dims than the tensor's "
                         f"shape {x.shape}")
    for i, n in enumerate(shape):
        if n == -1 and i < lead:
            raise ValueError(f"expand: -1 is not allowed for the new leading dim {i} of "
                             f"{shape} (only an existing dim keeps its size)")
        if n < -1:
            raise ValueError(f"expand: invalid size {n} in {shape}")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return broadcast_to(x, shape)


def _tensor_list(tensors: Any, op: str) -> list:
    """cat's and stack's argument: a list or tuple of tensors (a single tensor is a
    common slip: ``cat(x)`` for ``cat([x, y])``)."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, list | tuple):
        raise TypeError(f"{op}: expects a list or tuple of tensors, got a "
                        f"{type(tensors).__name__} (write {op}([a, b, ...]))")
    for i, t in enumerate(tensors):
        if not hasattr(t, "shape") or not hasattr(t, "ndim"):
            raise TypeError(f"{op}: item {i} is a {type(t).__name__}, not a Tensor")
    return list(tensors)


@torch_keywords
def cat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    ndim = tensors[0].ndim
    if any(t.ndim != ndim for t in tensors):
        raise ValueError(f"cat: all tensors need the same rank, got shapes "
                         f"{[t.shape for t in tensors]}")
    return Concat(norm_axis(axis, ndim, "cat"))(*tensors)


concat = cat


@torch_keywords
def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, "
                         f"got {[t.shape for t in tensors]}")
    return Concat(norm_axis(axis, tensors[0].ndim + 1, "stack"), stack=True)(*tensors)


@torch_keywords
def split(x: Tensor, split_size: int | Sequence[int], axis: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's split: pieces of ``split_size`` (the last may be smaller), or of the
    listed sizes."""
    axis = norm_axis(axis, x.ndim, "split")
    n = x.shape[axis]
    if not isinstance(split_size, list | tuple):
        split_size = as_int(split_size, "split", "split_size")
        if split_size <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size}")
        sizes = [split_size] * (n // split_size) + ([n % split_size] if n % split_size else [])
    else:
        sizes = [as_int(k, "split", "a size") for k in split_size]
        if any(k < 0 for k in sizes):
            raise ValueError(f"split: sizes must be >= 0, got {sizes}")
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} add up to {sum(sizes)}, "
                             f"but axis {axis} has {n} elements")
    out = Split(sizes, axis)(x)
    return out if isinstance(out, tuple) else (out,)


@torch_keywords
def chunk(x: Tensor, chunks: int, axis: int = 0) -> tuple[Tensor, ...]:
    chunks = as_int(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.shape[norm_axis(axis, x.ndim, "chunk")]
    return split(x, -(-n // chunks), axis)


@torch_keywords
def unbind(x: Tensor, axis: int = 0) -> tuple[Tensor, ...]:
    """All slices along an axis in one op (one node, not one per slice): this is how
    a sequence (T, B, F) becomes T step inputs."""
    if x.ndim == 0:
        raise ValueError("unbind: a 0-d tensor has no axis to unbind")
    axis = norm_axis(axis, x.ndim, "unbind")
    out = Split([1] * x.shape[axis], axis, squeeze=True)(x)
    return out if isinstance(out, tuple) else (out,)
