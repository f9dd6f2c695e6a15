"""What a tensor says about itself, and how it becomes a Python or NumPy value:
shape, dtype, device, size, item, tolist, float/int/bool, format and repr.

A base class of ``Tensor`` (``tensor.py``), so that file keeps to the tensor's history
and its ops; everything here reads ``self.array`` (and, for the repr, the grad fields)
and nothing else. ``__slots__ = ()``: the fields are Tensor's own slots.
"""
from __future__ import annotations

from minigrad import backend


class TensorAttributes:
    __slots__ = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def device(self) -> str:
        return backend.device_of(self.array)

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.array)

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """PyTorch's size: the shape, or the length of one axis (``numel()`` counts)."""
        if dim is None:
            return self.shape
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"size: dim must be an integer, got {dim!r}")
        if not -self.ndim <= dim < self.ndim:
            raise IndexError(f"size: dim {dim} out of range for a tensor of shape {self.shape}")
        return self.shape[dim]

    def numel(self) -> int:
        return self.array.size

    def dim(self) -> int:
        return self.array.ndim

    def numpy(self):
        """The data as a NumPy array (copied from the GPU if needed). Not tracked."""
        return backend.to_numpy(self.array)

    def item(self) -> float | int | bool:
        if self.array.size != 1:
            raise ValueError(f"item: only a one-element tensor converts to a Python "
                             f"scalar, this one has shape {self.shape}")
        return self.array.item()

    def tolist(self):
        return backend.to_numpy(self.array).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a one-element tensor's number, as in PyTorch."""
        if not spec:
            return repr(self)
        if self.array.size != 1:
            raise ValueError(f"format: {spec!r} formats a number, so it needs a one-element "
                             f"tensor; this one has shape {self.shape}")
        return format(self.item(), spec)

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.array.item())

    def __array__(self, dtype=None, copy=None):
        a = backend.to_numpy(self.array)
        return a if dtype is None else a.astype(dtype)

    def __repr__(self) -> str:
        body = backend.format_array(self.array, prefix="tensor(")
        extra = f", shape={self.shape}, dtype={self.dtype}"
        if self.device != "cpu":
            extra += f", device='{self.device}'"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"tensor({body}{extra})"
