"""Gradient clipping: the standard cure for exploding gradients in BPTT.

    loss.backward()
    norm = mg.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()

Both functions change ``p.grad`` in place and skip parameters without a gradient.
"""
from __future__ import annotations

import math
from typing import Iterable

from minigrad import backend
from minigrad.tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor]) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad.array for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale all gradients together so their joint ``norm_type``-norm is at most
    ``max_norm``; returns the norm *before* clipping (a float).

    The joint norm treats every gradient as one long vector (``inf`` gives the largest
    absolute entry). As in PyTorch the scale is max_norm / (norm + 1e-6), applied only
    when below 1.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
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
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads(parameters):
        backend.get_array_module(g).clip(g, -clip_value, clip_value, out=g)


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
