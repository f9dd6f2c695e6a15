"""In-place ops: ``x.add_(y)``, ``x[i] = v``, ``x += 1``, ``w.data.uniform_(-a, a)``.

Two cases, told apart by whether the write is part of a graph:

* **Outside any graph** (no gradient is being recorded for x or for what is written
  into it: a one-hot row ``t[0][i] = 1``, a count ``confusion[i][j] += 1``, a weight
  update ``p.data.add_(g, alpha=-lr)`` or anything under ``no_grad``): the numbers are
  written into x's memory, so every view of it sees them, and the memory's version
  goes up (``minigrad.versions``). A node that saved that memory before the write
  then refuses to run its backward, with PyTorch's message, instead of silently
  using the new numbers.
* **Inside a graph** (x requires grad, or the value written does, and gradients are
  on): the op is recorded as its out-of-place twin and x takes the result, history
  included, as PyTorch's in-place ops do (``loss += l`` in a loop, ``out[t] = h``). The
  old memory is left alone, so no saved array changes and gradients stay exact. Two
  cases are refused: a leaf that requires grad (PyTorch's error: its gradient would
  have nowhere to go) and a view of a tensor in a graph (``x[0].add_(1)``): minigrad
  does not carry such a write back to the base tensor, so write the base
  (``x[0] += 1``) or out of place.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

from minigrad import backend, versions
from minigrad.grad_mode import no_grad, state
from minigrad.ops import elementwise as E
from minigrad.ops import indexing, shape
from minigrad.tensor import Tensor

_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}
_TORCH_KIND = {"b": "Bool", "u": "Byte", "i": "Long", "f": "Float"}


def _in_graph(x: Tensor, others: tuple) -> bool:
    return state.grad_enabled and (x.requires_grad or any(
        isinstance(o, Tensor) and o.requires_grad for o in others))


def _old_version(x: Tensor, op: str) -> Tensor:
    """A tensor standing for x before the write: x's array and history."""
    if x.requires_grad and x.grad_fn is None:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an "
                           "in-place operation. Update weights under mg.no_grad() (or "
                           "through p.data), or write out of place")
    if backend.is_array(getattr(x.array, "base", None)):
        raise RuntimeError(f"{op}: in-place change of a view (x[...], x.view(), x.t(), ...) "
                           "inside a graph: minigrad does not carry it back to the base "
                           "tensor. Write into the base (x[0] += 1 rather than "
                           "x[0].add_(1)) or out of place")
    old = Tensor._wrap(x.array, x.grad_fn, x._index)
    old.requires_grad = x.requires_grad
    return old


def _check_result(x: Tensor, new: Tensor, op: str) -> None:
    if new.shape != x.shape:
        raise RuntimeError(f"{op}: output with shape {list(x.shape)} doesn't match the "
                           f"broadcast shape {list(new.shape)}")
    if _KIND_RANK[new.dtype.kind] > _KIND_RANK[x.dtype.kind]:
        raise RuntimeError(f"{op}: result type {_TORCH_KIND[new.dtype.kind]} can't be cast "
                           f"to the desired output type {_TORCH_KIND[x.dtype.kind]} (the "
                           f"tensor is {x.dtype}; convert it first, e.g. x = x.float())")


def _rebind(x: Tensor, old: Tensor, new: Tensor) -> None:
    """x becomes ``new`` (array and history); x's old node now outputs ``old``, and the
    nodes that read x before read ``old`` in backward (``versions.as_seen``)."""
    versions.note_rebind(x, old)
    fn = old.grad_fn
    if fn is not None and fn.watched:  # x's hooks now belong to its new value
        fn.watched.pop(old._index, None)
    x.array, x.grad_fn, x._index = new.array, new.grad_fn, new._index
    x.requires_grad = new.requires_grad
    fn = new.grad_fn
    if fn is not None and (x._hooks or x._retain):
        fn.watch(x)


def _write(x: Tensor, values: Any, op: str) -> None:
    """Put ``values`` into x's memory (all views see them) and bump its version."""
    a = x.array
    if not a.flags.writeable:
        raise RuntimeError(f"{op}: unsupported operation: more than one element of the "
                           "written-to tensor refers to a single memory location (it is an "
                           "expand()/broadcast view); clone() it first")
    a[...] = backend.to_device(values, backend.device_of(a)) if backend.is_array(values) \
        else values
    versions.mark_written(a)


def apply(x: Tensor, op: str, compute: Callable[[Tensor], Tensor], *others: Any) -> Tensor:
    """Run the in-place op ``op``: ``compute(x)`` is its out-of-place twin; ``others``
    are the tensors it reads besides x (they decide whether it is inside a graph)."""
    if _in_graph(x, others):
        old = _old_version(x, op)
        new = compute(old)
        _check_result(x, new, op)
        if new.dtype != x.dtype:
            new = E.astype(new, x.dtype)
        _rebind(x, old, new)
        return x
    with no_grad():
        new = compute(x)
    _check_result(x, new, op)
    _write(x, new.array, op)
    return x


def reshape_(x: Tensor, op: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """An in-place change of shape (``unsqueeze_``, ``t_``): x takes a view of its own
    memory, values untouched, so no version changes."""
    if _in_graph(x, ()):
        old = _old_version(x, op)
        _rebind(x, old, compute(old))
    else:
        with no_grad():
            x.array = compute(x).array
    return x


def _replace(old: Tensor, value: Any) -> Tensor:
    """``value`` everywhere (broadcast to old's shape, cast to its dtype), with no
    gradient to old: the out-of-place twin of fill_, copy_, uniform_."""
    if isinstance(value, Tensor):
        value = E.astype(value, old.dtype)
    else:
        value = Tensor._wrap(backend.as_array(value, dtype=old.dtype, device=old.device))
    return E.where(Tensor._wrap(backend.as_array(True)), value, old)


# ------------------------------------------------------------------ the ops
def add_(x: Tensor, other: Any, alpha: float = 1) -> Tensor:
    """x <- x + alpha * other."""
    scaled = other if alpha == 1 else other * alpha
    return apply(x, "add_", lambda t: t + scaled, other)


def sub_(x: Tensor, other: Any, alpha: float = 1) -> Tensor:
    scaled = other if alpha == 1 else other * alpha
    return apply(x, "sub_", lambda t: t - scaled, other)


def mul_(x: Tensor, other: Any) -> Tensor:
    return apply(x, "mul_", lambda t: t * other, other)


def div_(x: Tensor, other: Any) -> Tensor:
    return apply(x, "div_", lambda t: t / other, other)


def pow_(x: Tensor, other: Any) -> Tensor:
    return apply(x, "pow_", lambda t: t ** other, other)


def unary_(x: Tensor, name: str) -> Tensor:
    """exp_, log_, tanh_, sigmoid_, relu_, sqrt_, abs_, neg_."""
    fn = getattr(E, name) if name != "neg" else (lambda t: -t)
    return apply(x, name + "_", fn)


def clamp_(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    return apply(x, "clamp_", lambda t: E.clip(t, min, max))


def fill_(x: Tensor, value: Any) -> Tensor:
    if not isinstance(value, numbers.Number) and not (
            isinstance(value, Tensor) and value.numel() == 1):
        raise TypeError(f"fill_: value must be a number (or a one-element tensor), got "
                        f"{value!r}")
    return apply(x, "fill_", lambda t: _replace(t, value), value)


def zero_(x: Tensor) -> Tensor:
    return fill_(x, 0)


def copy_(x: Tensor, src: Any) -> Tensor:
    """x <- src (broadcast to x's shape, cast to its dtype); the gradient goes to src."""
    if isinstance(src, Tensor) and src.array is x.array:
        return x
    return apply(x, "copy_", lambda t: _replace(t, src), src)


def masked_fill_(x: Tensor, mask: Any, value: Any) -> Tensor:
    return apply(x, "masked_fill_", lambda t: E.masked_fill(t, mask, value), value)


def scatter_(x: Tensor, dim: int, index: Any, src: Any = None, value: Any = None) -> Tensor:
    """x[index[i][j]][j] <- src[i][j] (or value) for dim 0, as ``indexing.scatter``."""
    if (src is None) == (value is None):
        raise TypeError("scatter_: give either src (a tensor) or value (a number)")
    src = value if src is None else src
    return apply(x, "scatter_", lambda t: indexing.scatter_into(t, dim, index, src, False,
                                                                "scatter_"), src)


def scatter_add_(x: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """x[index[i][j]][j] += src[i][j] for dim 0 (places named twice get both)."""
    return apply(x, "scatter_add_", lambda t: indexing.scatter_into(t, dim, index, src, True,
                                                                    "scatter_add_"), src)


def uniform_(x: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b) draws from minigrad's generator (``mg.manual_seed``)."""
    _drawable(x, "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: expects a <= b (the range [a, b)), got a={a} > b={b}")
    draw = backend.rng().uniform(a, b, size=x.shape)
    return apply(x, "uniform_", lambda t: _replace(t, draw))


def normal_(x: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    _drawable(x, "normal_")
    if not std >= 0:
        raise ValueError(f"normal_: expects std >= 0, got std={std}")
    draw = backend.rng().normal(mean, std, size=x.shape)
    return apply(x, "normal_", lambda t: _replace(t, draw))


def _drawable(x: Tensor, op: str) -> None:
    """Random draws go into floating tensors only (truncated into ints they would be
    mostly zeros, silently)."""
    if not backend.is_floating(x.dtype):
        raise TypeError(f"{op}: needs a floating tensor, got dtype {x.dtype}")


def setitem_(x: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value``: in place outside a graph, ``SetItem`` inside one."""
    if _in_graph(x, (value,)):
        apply(x, "setitem", lambda t: indexing.setitem(t, index, value), value)
        return
    a = x.array
    if not a.flags.writeable:
        _write(x, None, "setitem")  # raises the read-only error
    v = value.array if isinstance(value, Tensor) else value
    if isinstance(v, str | bytes) or (not backend.is_array(v) and not isinstance(
            v, numbers.Number) and backend.as_array(v).dtype.kind not in "biuf"):
        raise TypeError(f"setitem: the value must be numbers, got {value!r}")
    try:
        a[indexing._index_data(index)] = v
    except (IndexError, TypeError, ValueError) as e:
        what = f"a value of shape {tuple(v.shape)}" if hasattr(v, "shape") else repr(value)
        raise type(e)(f"setitem: cannot write {what} into x[{index!r}] of a tensor of "
                      f"shape {x.shape} ({e})") from None
    versions.mark_written(a)


def unsqueeze_(x: Tensor, dim: int) -> Tensor:
    return reshape_(x, "unsqueeze_", lambda t: shape.unsqueeze(t, dim))


def squeeze_(x: Tensor, dim: int | None = None) -> Tensor:
    return reshape_(x, "squeeze_", lambda t: shape.squeeze(t, dim))


def transpose_(x: Tensor, dim0: int, dim1: int) -> Tensor:
    return reshape_(x, "transpose_", lambda t: shape.transpose(t, dim0, dim1))


def t_(x: Tensor) -> Tensor:
    return reshape_(x, "t_", shape.t)


def detach_(x: Tensor) -> Tensor:
    """Cut x out of its graph, in place (truncated BPTT on a tensor kept elsewhere)."""
    x.grad_fn, x._index = None, 0
    x.requires_grad = False
    return x
