"""Finite-difference gradient checking: the test every op must pass.

The analytic gradient of L = sum_k <R_k, f(x)_k> (fixed random R) comes from one
backward; the numeric one from central differences (L(x+eps) - L(x-eps)) / 2eps,
element by element, in float64 (float32 has too few digits for the difference).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from minigrad import backend
from minigrad.grad_mode import no_grad
from minigrad.tensor import Tensor


class GradcheckError(AssertionError):
    """An analytic gradient that disagrees with finite differences."""


def _projection(fn: Callable, inputs: Sequence[Tensor], weights: list | None):
    out = fn(*inputs)
    outs = out if isinstance(out, tuple | list) else (out,)
    if weights is None:
        gen = backend.rng()
        weights = [gen.standard_normal(o.shape) for o in outs]
        weights = [backend.to_device(w, o.device) for w, o in zip(weights, outs)]
    total = 0.0
    for o, w in zip(outs, weights):
        if o.requires_grad or isinstance(total, Tensor):
            total = total + (o * Tensor._wrap(w)).sum()
        else:
            total = total + float((o.array * w).sum())
    return total, weights


def gradcheck(fn: Callable[..., Any], inputs: Sequence[Tensor], eps: float = 1e-6,
              atol: float = 1e-6, rtol: float = 1e-4, raise_exception: bool = True) -> bool:
    """Compare backward's gradients of ``fn`` with finite differences.

    ``inputs`` must be float64 tensors; those with ``requires_grad`` are checked.
    Returns True, or raises GradcheckError naming the worst element (or returns
    False when ``raise_exception=False``).
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"gradcheck: input {i} is a {type(x).__name__}, not a Tensor")
        if x.requires_grad and x.dtype != backend.float64:
            raise TypeError(f"gradcheck: input {i} is {x.dtype}; use float64 "
                            "(finite differences need the digits)")
    checked = [x for x in inputs if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True")
    for x in checked:
        x.grad = None
        x.array = backend.get_array_module(x.array).ascontiguousarray(x.array)  # for the flat view
    loss, weights = _projection(fn, inputs, None)
    if not isinstance(loss, Tensor):
        raise ValueError("gradcheck: the output does not depend on any checked input")
    loss.backward()
    worst = (0.0, None)
    with no_grad():
        for n, x in enumerate(inputs):
            if not x.requires_grad:
                continue
            analytic = backend.to_numpy(x.grad.array) if x.grad is not None else 0 * x.numpy()
            flat = x.array.reshape(-1)
            for j in range(flat.size):
                old = flat[j].item()
                flat[j] = old + eps
                plus = float(_projection(fn, inputs, weights)[0])
                flat[j] = old - eps
                minus = float(_projection(fn, inputs, weights)[0])
                flat[j] = old
                numeric = (plus - minus) / (2 * eps)
                a = float(analytic.reshape(-1)[j])
                excess = abs(a - numeric) - (atol + rtol * abs(numeric))
                if excess > worst[0]:
                    worst = (excess, (n, j, a, numeric))
    if worst[1] is None:
        return True
    n, j, a, numeric = worst[1]
    idx = tuple(int(k) for k in backend.get_array_module(1).unravel_index(j, inputs[n].shape))
    msg = (f"gradcheck: input {n} element {idx}: analytic {a:.10g} vs numeric "
           f"{numeric:.10g} (|diff| {abs(a - numeric):.3g}, atol {atol}, rtol {rtol})")
    if raise_exception:
        raise GradcheckError(msg)
    return False
