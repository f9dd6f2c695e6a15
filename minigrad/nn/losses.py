"""Loss modules: PyTorch's ``nn.CrossEntropyLoss()(logits, target)`` spelling of the
losses in ``minigrad.nn.functional`` (the arithmetic lives there; these keep the
options, so a loss can be built once and passed around like a layer)."""
from __future__ import annotations

from typing import Any

from minigrad.nn import functional as F
from minigrad.nn.loss_functions import _check_reduction
from minigrad.nn.module import Module
from minigrad.tensor import Tensor


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class _ClassLoss(_Loss):
    """A loss over class ids, which may mark positions to skip with ``ignore_index``."""

    def __init__(self, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.ignore_index = ignore_index


class CrossEntropyLoss(_ClassLoss):
    """Softmax cross-entropy of logits (N, C) or (N, C, ...) against class ids."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(input, target, self.reduction, self.ignore_index)


class NLLLoss(_ClassLoss):
    """Negative log-likelihood of log-probabilities (after log_softmax)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(input, target, self.reduction, self.ignore_index)


class MSELoss(_Loss):
    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (after a sigmoid); ``weight`` per element."""

    def __init__(self, weight: Any = None, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, stable for any logit; ``pos_weight`` per class."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  self.reduction, self.pos_weight)


__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss"]
