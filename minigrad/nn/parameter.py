"""Parameter: a leaf tensor that a Module registers as learnable."""
from __future__ import annotations

from typing import Any

from minigrad.tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad and is found by ``Module.parameters()``."""

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None,
                 device: str | None = None):
        super().__init__(data.array if isinstance(data, Tensor) else data,
                         requires_grad=requires_grad, dtype=dtype, device=device)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
