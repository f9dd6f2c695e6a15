"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay.

PyTorch's update, for a gradient g of parameter p at step t:

    g = g + weight_decay * p                        (L2 penalty, if weight_decay)
    b = g                        at the first step  (momentum buffer, if momentum)
    b = momentum * b + (1 - dampening) * g          afterwards
    g = g + momentum * b  if nesterov  else  b
    p = p - lr * g
"""
from __future__ import annotations

from typing import Any, Iterable

from minigrad.optim.optimizer import Optimizer


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
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        p.array -= group["lr"] * grad
