"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay.

PyTorch's update, for a gradient g of parameter p at step t:

    g = g + weight_decay * p                        (L2 penalty, if weight_decay)
    b = g                        at the first step  (momentum buffer, if momentum)
    b = momentum * b + (1 - dampening) * g          afterwards
    g = g + momentum * b  if nesterov  else  b
    p = p - lr * g

The two in-place sums (``b += (1 - dampening) * g`` and ``p -= lr * g``) go through
``add_scaled_``, so the update holds no temporary as large as the parameter.
"""
from __future__ import annotations

from typing import Any, Iterable

from minigrad.backend import device_of
from minigrad.optim.optimizer import Optimizer

_BLOCK = 1 << 15   # elements per block of add_scaled_: 128 KB of float32


class SGD(Optimizer):
    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening = 0, "
                             f"got momentum={group['momentum']}, "
                             f"dampening={group['dampening']}")

    def _update(self, p, grad, state, group) -> None:
        momentum, wd = group["momentum"], group["weight_decay"]
        if wd:
            grad = grad + wd * p.array
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                add_scaled_(buf, 1 - group["dampening"], grad)
            grad = grad + momentum * buf if group["nesterov"] else buf
        add_scaled_(p.array, -group["lr"], grad)


def add_scaled_(dst, alpha: float, src) -> None:
    """dst += alpha * src in place, with a temporary of at most _BLOCK elements.

    NumPy has no fused axpy (PyTorch's ``p.add_(g, alpha=-lr)``): ``p -= lr * g``
    first builds ``lr * g``, an array as large as the parameter (16 MB for an LSTM's
    W_hh at H = 1024), when memory peaks: right after backward, every gradient alive.
    Taken in blocks the temporary stays small and every element gets the same
    arithmetic, so the numbers are the same bit for bit ((-lr) * g = -(lr * g)).
    On CuPy the one expression stays: the device's memory pool reuses the temporary,
    and blocks would cost a kernel launch each.
    """
    if (dst.size <= _BLOCK or device_of(dst) != "cpu" or src.shape != dst.shape
            or not (dst.flags.c_contiguous and src.flags.c_contiguous)):
        dst += alpha * src
        return
    d, s = dst.reshape(-1), src.reshape(-1)   # views: both are contiguous
    for start in range(0, d.size, _BLOCK):
        d[start:start + _BLOCK] += alpha * s[start:start + _BLOCK]
