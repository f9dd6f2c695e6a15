"""Tensor: an array plus the history that made it.

``array`` is the backend array (numpy or cupy); ``grad_fn`` is the Function that
produced it (None for a leaf); ``grad`` is filled by ``backward()``. Operators and
methods are thin calls into ``minigrad.ops``, where each op's forward and backward
sit side by side.
"""
from __future__ import annotations

from typing import Any, Callable

from minigrad import backend


class Tensor:
    # Defaults live on the class so that making a tensor sets only what differs:
    # creation is on the hot path of every op.
    grad: Tensor | None = None
    grad_fn = None
    requires_grad = False
    name: str | None = None
    _index = 0       # which output of grad_fn this is
    _hooks: list | None = None
    _retain = False
    __array_priority__ = 1000  # numpy_array * tensor -> Tensor.__rmul__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 device: str | None = None, name: str | None = None):
        if isinstance(data, Tensor):
            data = data.array
        self.array = backend.as_array(data, dtype, device)
        if requires_grad:
            self.requires_grad_(True)
        if name is not None:
            self.name = name

    @classmethod
    def _wrap(cls, data, grad_fn=None, index: int = 0) -> Tensor:
        """Fast internal constructor: no conversion, no checks."""
        t = object.__new__(cls)
        if isinstance(data, backend.SCALAR_TYPES):
            data = backend.scalar_to_array(data)
        t.array = data
        if grad_fn is not None:
            t.grad_fn = grad_fn
            t.requires_grad = True
            if index:
                t._index = index
        return t

    # ----------------------------------------------------------- attributes
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

    @property
    def data(self) -> Tensor:
        """PyTorch's ``.data``: the same values as a tensor outside autograd (no history,
        no gradient) that shares this tensor's array, so ``p.data.add_(g, alpha=-lr)``
        or ``w.data.uniform_(-0.1, 0.1)`` change ``p`` / ``w`` themselves. The array
        itself is ``.array``."""
        return Tensor._wrap(self.array)

    @data.setter
    def data(self, value: Any) -> None:
        """``p.data = t`` swaps in another tensor's (or array's) values, as in PyTorch."""
        self.array = value.array if isinstance(value, Tensor) else backend.as_array(value)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.array)

    def __iter__(self):
        """Rows along the first axis, as one unbind node (not one getitem per row)."""
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(ops.unbind(self))

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

    __hash__ = object.__hash__  # tensors compare elementwise but hash by identity

    # ----------------------------------------------------------- autograd
    def requires_grad_(self, flag: bool = True) -> Tensor:
        if flag and not backend.is_floating(self.dtype):
            raise TypeError(f"requires_grad: only floating tensors can require gradients, "
                            f"this one is {self.dtype}")
        if self.grad_fn is not None and not flag:
            raise RuntimeError("requires_grad_: cannot turn off gradients of a non-leaf; "
                               "use .detach()")
        self.requires_grad = flag
        return self

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Back-propagate from this tensor: leaves' ``.grad`` accumulate d(self)/d(leaf)."""
        autograd.backward(self, grad, retain_graph)

    def detach(self) -> Tensor:
        """Same data, no history: the cut that truncated BPTT is made of."""
        return Tensor._wrap(self.array)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad, so it will "
                               "never have a gradient")
        if self.grad_fn is not None:
            self._retain = True
            self.grad_fn.hooked = True

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call ``hook(grad)`` when this tensor's gradient is complete; a returned tensor
        replaces the gradient. Returns a function that removes the hook."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad")
        if not callable(hook):
            raise TypeError(f"register_hook: the hook must be callable, got "
                            f"{type(hook).__name__}")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        if self.grad_fn is not None:
            self.grad_fn.hooked = True

        def remove() -> None:  # removing twice is harmless, as in PyTorch
            if hook in self._hooks:
                self._hooks.remove(hook)
        return remove

    def zero_grad(self) -> None:
        self.grad = None

    # ----------------------------------------------------------- moves
    def to(self, target: Any) -> Tensor:
        """``.to("cuda")``, ``.to("cpu")`` or ``.to("float64")``: a tracked copy."""
        if isinstance(target, str) and target.split(":")[0] in ("cpu", "cuda"):
            return ops.to_device(self, target)
        return ops.astype(self, target)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def double(self) -> Tensor:
        return ops.astype(self, backend.float64)

    def float(self) -> Tensor:
        return ops.astype(self, backend.float32)

    def astype(self, dtype: Any) -> Tensor:
        return ops.astype(self, dtype)

    # ----------------------------------------------------------- arithmetic
    def __add__(self, o): return ops.add(self, o)
    def __radd__(self, o): return ops.add(o, self)
    def __sub__(self, o): return ops.sub(self, o)
    def __rsub__(self, o): return ops.sub(o, self)
    def __mul__(self, o): return ops.mul(self, o)
    def __rmul__(self, o): return ops.mul(o, self)
    def __truediv__(self, o): return ops.div(self, o)
    def __rtruediv__(self, o): return ops.div(o, self)
    def __pow__(self, o): return ops.pow(self, o)
    def __rpow__(self, o): return ops.pow(o, self)
    def __matmul__(self, o): return ops.matmul(self, o)
    def __rmatmul__(self, o): return ops.matmul(o, self)
    def __neg__(self): return ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)
    def __getitem__(self, index): return ops.getitem(self, index)

    def __setitem__(self, index, value):
        raise TypeError("tensor: x[...] = v is not supported: minigrad does not track in-place "
                        "changes, so a gradient through x would silently be wrong. Build a new "
                        "tensor (mg.where(mask, v, x), mg.cat, mg.stack), or change x.array[...] "
                        "for data outside any graph")

    # comparisons give untracked boolean tensors (masks), as in PyTorch
    def __eq__(self, o): return ops.compare(self, o, "equal")  # type: ignore[override]
    def __ne__(self, o): return ops.compare(self, o, "not_equal")  # type: ignore[override]
    def __lt__(self, o): return ops.compare(self, o, "less")
    def __le__(self, o): return ops.compare(self, o, "less_equal")
    def __gt__(self, o): return ops.compare(self, o, "greater")
    def __ge__(self, o): return ops.compare(self, o, "greater_equal")

    # ----------------------------------------------------------- methods
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def sqrt(self): return ops.sqrt(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def relu(self): return ops.relu(self)
    def log1p(self): return ops.log1p(self)
    def sin(self): return ops.sin(self)
    def cos(self): return ops.cos(self)
    def masked_fill(self, mask, value): return ops.masked_fill(self, mask, value)
    def abs(self): return ops.abs(self)
    def clip(self, min=None, max=None): return ops.clip(self, min, max)  # noqa: A002
    clamp = clip
    def maximum(self, o): return ops.maximum(self, o)
    def minimum(self, o): return ops.minimum(self, o)
    def matmul(self, o): return ops.matmul(self, o)

    # Axis arguments as mg.<op>: axis= / keepdims= (NumPy's names) or dim= / keepdim=
    # (PyTorch's), e.g. x.sum(dim=1, keepdim=True).
    def sum(self, *a, **kw): return ops.sum(self, *a, **kw)
    def mean(self, *a, **kw): return ops.mean(self, *a, **kw)
    def max(self, *a, **kw): return ops.max(self, *a, **kw)
    def min(self, *a, **kw): return ops.min(self, *a, **kw)
    def logsumexp(self, *a, **kw): return ops.logsumexp(self, *a, **kw)
    def softmax(self, *a, **kw): return ops.softmax(self, *a, **kw)
    def log_softmax(self, *a, **kw): return ops.log_softmax(self, *a, **kw)
    def argmax(self, *a, **kw): return ops.argmax(self, *a, **kw)
    def argmin(self, *a, **kw): return ops.argmin(self, *a, **kw)

    def clone(self): return ops.clone(self)
    def reshape(self, *shape): return ops.reshape(self, *shape)
    view = reshape
    def transpose(self, *axes): return ops.transpose(self, *axes)
    def permute(self, *axes): return ops.permute(self, *axes)
    def flatten(self, start_dim=0, end_dim=-1): return ops.flatten(self, start_dim, end_dim)
    def squeeze(self, *a, **kw): return ops.squeeze(self, *a, **kw)
    def unsqueeze(self, *a, **kw): return ops.unsqueeze(self, *a, **kw)
    def expand(self, *shape): return ops.expand(self, *shape)
    def broadcast_to(self, shape): return ops.broadcast_to(self, shape)
    def split(self, *a, **kw): return ops.split(self, *a, **kw)
    def chunk(self, *a, **kw): return ops.chunk(self, *a, **kw)
    def unbind(self, *a, **kw): return ops.unbind(self, *a, **kw)

    @property
    def T(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        return ops.transpose(self)


from minigrad import autograd, ops  # noqa: E402  (they import Tensor from here)
