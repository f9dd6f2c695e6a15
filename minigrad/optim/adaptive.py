"""Optimizers with a per-element step size: Adagrad, RMSprop, Adam, AdamW.

Each keeps running statistics of the gradient in ``self.state[p]`` and follows
PyTorch's formulas exactly, including where ``eps`` goes (outside the square root)
and Adam's bias correction. ``g`` is the gradient, ``t`` the step count (from 1).
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

from minigrad import backend
from minigrad.optim.optimizer import Optimizer


def _zeros_like(p):
    return backend.get_array_module(p.array).zeros_like(p.array)


class Adagrad(Optimizer):
    """s = s + g^2;  p = p - lr_t * g / (sqrt(s) + eps),  lr_t = lr / (1 + (t-1) lr_decay).

    (g includes weight_decay * p when weight_decay is set.)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _update(self, p, grad, state, group) -> None:
        xp = backend.get_array_module(p.array)
        if not state:
            state["step"] = 0
            state["sum"] = xp.full_like(p.array, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.array
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]
        total += grad * grad
        step = xp.sqrt(total)           # the step built in one array: the same numbers as
        step += group["eps"]            # clr * (grad / (sqrt(sum) + eps)), fewer temporaries
        xp.divide(grad, step, out=step)
        step *= clr
        p.array -= step


class RMSprop(Optimizer):
    """v = alpha v + (1 - alpha) g^2;  p = p - lr * g / (sqrt(v) + eps).

    ``centered`` also tracks m = alpha m + (1 - alpha) g and divides by
    sqrt(v - m^2) + eps; ``momentum`` accumulates b = momentum b + g / denom and steps
    p = p - lr * b.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if not group["alpha"] <= 1:  # v = alpha v + (1 - alpha) g^2 must stay >= 0
            raise ValueError(f"{self.name}: alpha must be in [0, 1], got {group['alpha']}")

    def _update(self, p, grad, state, group) -> None:
        xp = backend.get_array_module(p.array)
        if not state:
            state["step"] = 0
            state["square_avg"] = _zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = _zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = _zeros_like(p)
        state["step"] += 1
        alpha = group["alpha"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.array
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            m = state["grad_avg"]
            m += (1 - alpha) * (grad - m)  # PyTorch's lerp
            denom = xp.sqrt(v - m * m) + group["eps"]
        else:
            denom = xp.sqrt(v) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / denom
            p.array -= group["lr"] * buf
        else:
            p.array -= group["lr"] * (grad / denom)


class Adam(Optimizer):
    """m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p = p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).

    ``amsgrad`` uses the running maximum of v instead of v. ``weight_decay`` adds
    weight_decay * p to g (L2, coupled); AdamW decays p itself instead.
    """
    decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False):
        betas = tuple(betas) if isinstance(betas, list | tuple) else betas
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2 or not all(
                isinstance(b, numbers.Real) and not isinstance(b, bool) for b in betas):
            raise TypeError(f"{self.name}: betas must be a pair of numbers (b1, b2), "
                            f"got {betas!r}")
        b1, b2 = betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"{self.name}: betas must be in [0, 1), got {group['betas']}")

    def _update(self, p, grad, state, group) -> None:
        xp = backend.get_array_module(p.array)
        if not state:
            state["step"] = 0
            state["exp_avg"] = _zeros_like(p)
            state["exp_avg_sq"] = _zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _zeros_like(p)
        state["step"] += 1
        t = state["step"]
        lr, wd = group["lr"], group["weight_decay"]
        b1, b2 = group["betas"]
        if wd and self.decoupled:
            p.array *= 1 - lr * wd
        elif wd:
            grad = grad + wd * p.array
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - b1) * (grad - m)  # PyTorch's lerp: b1 m + (1 - b1) g
        v *= b2
        v += (1 - b2) * grad * grad
        if group["amsgrad"]:
            vmax = state["max_exp_avg_sq"]
            xp.maximum(vmax, v, out=vmax)
            v = vmax
        step_size = lr / (1 - b1 ** t)
        denom = xp.sqrt(v) / math.sqrt(1 - b2 ** t) + group["eps"]
        p.array -= step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: p = p (1 - lr * weight_decay) before the Adam
    step, and the gradient left alone. Default weight_decay 1e-2, as in PyTorch."""
    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
