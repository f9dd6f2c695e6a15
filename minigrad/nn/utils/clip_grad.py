"""Gradient clipping: the standard cure for exploding gradients in BPTT.

    loss.backward()
    norm = mg.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()

Both functions change ``p.grad`` in place and skip parameters without a gradient.
"""
from __future__ import annotations

import math
import numbers
from typing import Iterable

from minigrad import backend
from minigrad.tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor], op: str) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    if hasattr(parameters, "named_parameters"):  # a Module
        raise TypeError(f"{op}: expected the parameters (model.parameters()), got a "
                        f"{type(parameters).__name__} module")
    try:
        parameters = list(parameters)
    except TypeError:
        raise TypeError(f"{op}: expected an iterable of Tensors, got "
                        f"{type(parameters).__name__}") from None
    for i, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: item {i} is a {type(p).__name__}, not a Tensor")
    return [p.grad.array for p in parameters if p.grad is not None]


def _number(op: str, what: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {what} must be a number, got {value!r}")
    return float(value)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale all gradients together so their joint ``norm_type``-norm is at most
    ``max_norm``; returns the norm *before* clipping (a float).

    The joint norm treats every gradient as one long vector (``inf`` gives the largest
    absolute entry). As in PyTorch the scale is max_norm / (norm + 1e-6), applied only
    when below 1.
    """
    grads = _grads(parameters, "clip_grad_norm_")
    max_norm = _number("clip_grad_norm_", "max_norm", max_norm)
    norm_type = _number("clip_grad_norm_", "norm_type", norm_type)
    if not max_norm >= 0:  # a negative one would flip every gradient's sign
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 (or inf), got {norm_type}")
    if not grads:
        return 0.0
    if math.isinf(norm_type):
        total = max(float(backend.get_array_module(g).abs(g).max()) if g.size else 0.0
                    for g in grads)
    else:
        acc = 0.0
        for g in grads:
            xp = backend.get_array_module(g)
            acc += float((xp.abs(g.astype(backend.float64)) ** norm_type).sum())
        total = acc ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}; set error_if_nonfinite=False to clip anyway")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value]."""
    clip_value = _number("clip_grad_value_", "clip_value", clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads(parameters, "clip_grad_value_"):
        backend.get_array_module(g).clip(g, -clip_value, clip_value, out=g)


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
