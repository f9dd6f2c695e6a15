"""Ways to make tensors: from data, filled, random, ranges."""
from __future__ import annotations

import math
import numbers
import operator
from typing import Any

from minigrad import backend
from minigrad.ops._util import as_int
from minigrad.tensor import Tensor


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None,
           device: str | None = None, name: str | None = None) -> Tensor:
    """A new leaf tensor with its own copy of ``data``, as ``torch.tensor`` makes (share
    an array's memory with ``from_numpy``). Python floats become float32 (the default
    dtype); NumPy arrays keep their dtype."""
    if isinstance(data, Tensor):
        data = data.array.copy()
    elif backend.is_array(data):
        data = data.copy()  # an in-place change of the tensor must not reach the caller's array
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device, name=name)


def from_numpy(array: Any) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype (float64 stays float64), like
    ``torch.from_numpy``: writing to one shows in the other."""
    if not backend.is_array(array):
        raise TypeError(f"from_numpy: expected an array, got {type(array).__name__}")
    return Tensor(array)  # as_array refuses strings and objects and copies nothing


def _size(op: str, what: str, value: Any) -> int:
    """An integer size (Python or NumPy int, not a bool), checked to be >= 0."""
    n = as_int(value, op, what)
    if n < 0:
        raise ValueError(f"{op}: {what} must be >= 0, got {n}")
    return n


def _shape(shape: tuple, op: str) -> tuple[int, ...]:
    """f(2, 3), f((2, 3)) and f([2, 3]) alike, as PyTorch; sizes are integers >= 0."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    for s in shape:
        try:
            _size(op, "the shape", s)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{op}: shape must be non-negative integers, got "
                          f"{tuple(shape)}") from None
    return tuple(operator.index(s) for s in shape)


def _float_dtype(op: str, dtype: Any):
    """The dtype of a random draw or a range of floats: floating (a draw of N(0, 1)
    truncated into integers would be silently wrong)."""
    dt = backend.as_dtype(dtype) if dtype is not None else backend.default_dtype()
    if not backend.is_floating(dt):
        raise TypeError(f"{op}: dtype must be floating, got {dt} (draw floats and convert: "
                        f"{op}(...).long())")
    return dt


def _filled(fill: str, shape: tuple, dtype: Any, device: str | None, requires_grad: bool,
            op: str):
    xp = backend.xp_for(device)
    dt = backend.as_dtype(dtype) if dtype is not None else backend.default_dtype()
    data = getattr(xp, fill)(_shape(shape, op), dtype=dt)
    return Tensor(data, requires_grad=requires_grad)


def zeros(*shape: Any, dtype: Any = None, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    return _filled("zeros", shape, dtype, device, requires_grad, "zeros")


def ones(*shape: Any, dtype: Any = None, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    return _filled("ones", shape, dtype, device, requires_grad, "ones")


def full(shape: Any, value: float, dtype: Any = None, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    one_number = isinstance(value, numbers.Number) or (
        (isinstance(value, Tensor) or backend.is_array(value)) and value.size == 1)
    if not one_number:
        raise TypeError(f"full: fill value must be a number, got {value!r}")
    shape = tuple(shape) if isinstance(shape, tuple | list) else (shape,)
    t = _filled("empty", shape, dtype, device, requires_grad, "full")
    t.array[...] = value.array.reshape(()) if isinstance(value, Tensor) else value
    return t


def zeros_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return zeros(*x.shape, dtype=x.dtype, device=x.device, requires_grad=requires_grad)


def ones_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return ones(*x.shape, dtype=x.dtype, device=x.device, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: str | None = None,
        requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix (m defaults to n)."""
    _shape((n,) if m is None else (n, m), "eye")
    xp = backend.xp_for(device)
    dt = backend.as_dtype(dtype) if dtype is not None else backend.default_dtype()
    return Tensor(xp.eye(n, m, dtype=dt), requires_grad=requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    _size("linspace", "steps", steps)
    xp = backend.xp_for(device)
    dt = backend.as_dtype(dtype) if dtype is not None else backend.default_dtype()
    return Tensor(xp.linspace(start, end, steps, dtype=dt), requires_grad=requires_grad)


def _random(kind: str, shape: tuple, dtype: Any, device: str | None, requires_grad: bool,
            op: str):
    dt = _float_dtype(op, dtype)
    draw = getattr(backend.rng(), kind)(size=_shape(shape, op))
    return Tensor(draw.astype(dt), requires_grad=requires_grad, device=device)


def randn(*shape: Any, dtype: Any = None, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples from minigrad's generator (see ``mg.manual_seed``)."""
    return _random("standard_normal", shape, dtype, device, requires_grad, "randn")


def rand(*shape: Any, dtype: Any = None, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    return _random("random", shape, dtype, device, requires_grad, "rand")


def randn_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return randn(*x.shape, dtype=x.dtype, device=x.device, requires_grad=requires_grad)


def rand_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return rand(*x.shape, dtype=x.dtype, device=x.device, requires_grad=requires_grad)


def randint(*args: int, size: Any = None, dtype: Any = None, device: str | None = None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high), PyTorch's order: ``randint(high, size)``
    or ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise."""
    if size is None and args and isinstance(args[-1], tuple | list):
        *args, size = args
    if len(args) not in (1, 2) or size is None:
        raise TypeError(f"randint: expected (high, size) or (low, high, size), got {args} "
                        f"and size={size}")
    low, high = (0, args[0]) if len(args) == 1 else args
    if not low < high:
        raise ValueError(f"randint: the range [low, high) = [{low}, {high}) is empty")
    draw = backend.rng().integers(low, high, size=_shape(tuple(size), "randint"))
    return Tensor(draw.astype(backend.as_dtype(dtype or backend.int64)),
                  requires_grad=requires_grad, device=device)


def randperm(n: int, dtype: Any = None, device: str | None = None) -> Tensor:
    """0 .. n-1 in random order."""
    _size("randperm", "n", n)
    return Tensor(backend.rng().permutation(n).astype(backend.as_dtype(dtype or backend.int64)),
                  device=device)


def multinomial(input: Tensor, num_samples: int,
                replacement: bool = False) -> Tensor:
    """Draw ``num_samples`` indices from the non-negative weights in ``input`` (1-D, or
    one draw per row of a 2-D one), as ``torch.multinomial``; int64."""
    w = backend.to_numpy(input.array if isinstance(input, Tensor) else input)
    rows = w.reshape(1, -1) if w.ndim == 1 else w
    if w.ndim not in (1, 2) or (rows < 0).any() or not (rows.sum(axis=1) > 0).all():
        raise ValueError(f"multinomial: input must be 1-D or 2-D non-negative weights with a "
                         f"positive sum per row, got shape {tuple(w.shape)}")
    if not replacement and num_samples > int((rows > 0).sum(axis=1).min()):
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without "
                         "replacement from fewer non-zero weights")
    gen = backend.rng()
    picks = [gen.choice(len(r), size=num_samples, replace=replacement, p=r / r.sum())
             for r in rows.astype(backend.float64)]
    out = backend.as_array(picks, dtype=backend.int64)
    return Tensor(out.reshape(-1) if w.ndim == 1 else out,
                  device=input.device if isinstance(input, Tensor) else None)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           device: str | None = None) -> Tensor:
    """Like ``torch.arange``: integers stay int64, any float argument gives float32.
    A step of 0, a bound that is not finite, or a step that walks away from ``stop``
    (``arange(5, 0)``) is refused, as PyTorch refuses it."""
    if stop is None:
        start, stop = 0, start
    for what, v in (("start", start), ("end", stop), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"arange: {what} must be a number, got {v!r}")
        if not math.isfinite(v):
            raise ValueError(f"arange: {what} must be finite, got {v}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (stop - start) * step < 0:
        raise ValueError(f"arange: the range from {start} to {stop} is inconsistent with the "
                         f"sign of step {step} (it would be empty)")
    xp = backend.xp_for(device)
    data = xp.arange(start, stop, step)
    if dtype is not None:
        data = data.astype(backend.as_dtype(dtype))
    elif data.dtype.kind == "f":
        data = data.astype(backend.default_dtype())
    return Tensor(data)


def manual_seed(seed: int) -> None:
    """Make every random draw in minigrad (randn, init, dropout) repeatable."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"manual_seed: seed must be an integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be >= 0, got {seed}")
    backend.manual_seed(int(seed))
