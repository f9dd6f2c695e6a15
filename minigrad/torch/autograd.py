"""``torch.autograd`` names PyTorch code uses: ``Variable`` (a tensor since PyTorch 0.4),
``no_grad``, anomaly detection."""
from __future__ import annotations

from typing import Any

from minigrad.grad_mode import detect_anomaly, enable_grad, no_grad, state
from minigrad.tensor import Tensor


def Variable(data: Any, requires_grad: bool = False) -> Tensor:
    """Old PyTorch's wrapper: today just the tensor (requiring grad if asked)."""
    t = data if isinstance(data, Tensor) else Tensor(data)
    return t.requires_grad_(True) if requires_grad else t


def set_detect_anomaly(mode: bool) -> None:
    """Switch anomaly detection on or off for what follows (``detect_anomaly()`` is the
    block form)."""
    state.anomaly = bool(mode)


__all__ = ["Variable", "no_grad", "enable_grad", "detect_anomaly", "set_detect_anomaly"]
