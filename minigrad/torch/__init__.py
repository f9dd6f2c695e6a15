"""PyTorch's names for minigrad: ``import minigrad.torch as torch``.

A PyTorch tutorial's RNN code runs here with only its import lines changed:

    import minigrad.torch as torch
    import minigrad.torch.nn as nn
    import minigrad.torch.nn.functional as F
    import minigrad.torch.optim as optim

Nothing is wrapped or copied: ``torch.nn.LSTM`` *is* ``minigrad.nn.LSTM``,
``torch.optim`` is ``minigrad.optim``, tensors are ``minigrad.Tensor``, so the graph of
such a script can be drawn with ``minigrad.viz`` and its gradients watched with
minigrad's hooks. This module adds only PyTorch's spellings (dtypes as ``torch.long``,
``torch.device``, legacy ``torch.LongTensor``, ``torch.set_grad_enabled``, ...), whole
model saving without pickle (``torch.save`` / ``torch.load``, see
``minigrad.torch.serialization``) and the way out to real PyTorch
(``minigrad.torch.to_torch`` / ``from_torch``). What differs on purpose is listed in
the README ("Coming from PyTorch").
"""
from __future__ import annotations

import builtins
import sys
from types import SimpleNamespace
from typing import Any

import minigrad as _mg
from minigrad import backend as _backend
from minigrad import optim
from minigrad.grad_mode import enable_grad, is_grad_enabled, no_grad, state as _state
from minigrad.creation import (arange, eye, from_numpy, full, linspace, multinomial, ones, rand,
                               randint, randn, randperm, tensor, zeros)
from minigrad.ops import (abs, add, all, allclose, any, argmax, argmin, cat, chunk, clamp, clip,
                          concat, cos, cumsum, div, exp, flatten, flip, gather, index_select,
                          isclose, isfinite, isinf, isnan, log, log1p, log_softmax, logsumexp,
                          masked_fill, matmul, max, maximum, mean, min, minimum, mul, narrow, neg,
                          norm, permute, pow, prod, relu, reshape, scatter, scatter_add, sigmoid,
                          sign, sin, softmax, sort, split, sqrt, squeeze, stack, std, sub, sum, t,
                          tanh, topk, transpose, unbind, unsqueeze, var, where)
from minigrad.torch import autograd, nn, serialization, utils
from minigrad.torch.convert import from_torch, to_torch
from minigrad.torch.legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                                   HalfTensor, IntTensor, LongTensor, ShortTensor, Tensor, bool,
                                   device, double, float, float16, float32, float64, half, int,
                                   int8, int16, int32, int64, long, short, uint8)
from minigrad.torch.serialization import load, save

mm = matmul


def bmm(input: Any, mat2: Any) -> Any:
    """Batched matrix product of (B, n, m) and (B, m, p) tensors."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise ValueError(f"bmm: expects two 3-D tensors, got shapes {input.shape} and "
                         f"{mat2.shape}")
    return matmul(input, mat2)


Size = tuple
manual_seed = _mg.manual_seed


def zeros_like(input: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Any:
    return zeros(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def ones_like(input: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Any:
    return ones(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def full_like(input: Any, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Any:
    return full(input.shape, fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Any:
    """Zeros (PyTorch leaves ``empty`` uninitialised; here it is defined)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


empty_like = zeros_like


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Any:
    """A tensor sharing ``data``'s memory where it can (an array of that dtype and
    device), else a copy; a tensor given as it is."""
    if isinstance(data, _mg.Tensor) and dtype is None and device is None:
        return data
    return _mg.Tensor(data, dtype=dtype, device=device)


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, _mg.Tensor)


def is_floating_point(input: Any) -> bool:
    return input.is_floating_point()


def numel(input: Any) -> int:
    return input.numel()


def get_default_dtype() -> Any:
    return _backend.default_dtype().type


def set_default_dtype(dtype: Any) -> None:
    _mg.set_default_dtype(dtype)


class set_grad_enabled:
    """``torch.set_grad_enabled(False)`` switches recording off at once (as a call) or
    for a block (``with torch.set_grad_enabled(train):``), like PyTorch's."""

    def __init__(self, mode: Any):
        if not isinstance(mode, builtins.bool):  # bool("no") is True
            raise TypeError(f"set_grad_enabled: mode must be True or False, got {mode!r}")
        self._old = _state.grad_enabled
        _state.grad_enabled = mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        _state.grad_enabled = self._old


cuda = SimpleNamespace(
    is_available=_mg.cuda_available,
    device_count=lambda: 1 if _mg.cuda_available() else 0,
    manual_seed=lambda seed: _mg.manual_seed(seed),
    manual_seed_all=lambda seed: _mg.manual_seed(seed),
)
backends = SimpleNamespace(
    mps=SimpleNamespace(is_available=lambda: False, is_built=lambda: False),
    cudnn=SimpleNamespace(enabled=True, deterministic=False, benchmark=False),
)

# ``import minigrad.torch.optim.lr_scheduler`` etc.: PyTorch's module paths for
# minigrad's own modules (the same module objects, registered under a second name)
for _path, _module in {"optim": optim, "optim.lr_scheduler": optim.lr_scheduler}.items():
    sys.modules[f"{__name__}.{_path}"] = _module

__all__ = [
    "abs", "add", "argmax", "argmin", "cat", "chunk", "clamp", "clip", "concat", "cos", "div",
    "gather", "scatter", "scatter_add",
    "exp", "flatten", "index_select", "log", "log1p", "log_softmax", "logsumexp", "masked_fill",
    "matmul", "mm", "bmm", "max", "maximum", "mean", "min", "minimum", "mul", "narrow", "neg",
    "permute", "pow", "relu", "reshape", "sigmoid", "sin", "softmax", "sort", "split", "sqrt",
    "squeeze", "stack", "sub", "sum", "t", "tanh", "topk", "transpose", "unbind", "unsqueeze",
    "where", "all", "allclose", "any", "cumsum", "flip", "isclose", "isfinite", "isinf",
    "isnan", "norm", "prod", "sign", "std", "var",
    "arange", "eye", "from_numpy", "full", "linspace", "multinomial", "ones", "rand",
    "randint", "randn", "randperm", "tensor", "zeros", "zeros_like", "ones_like", "full_like",
    "empty", "empty_like", "as_tensor", "is_tensor", "is_floating_point", "numel",
    "get_default_dtype", "set_default_dtype", "set_grad_enabled", "enable_grad",
    "is_grad_enabled", "no_grad", "manual_seed", "Size", "cuda", "backends", "optim",
    "autograd", "utils", "nn", "serialization", "save", "load", "from_torch", "to_torch",
    "Tensor", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
    "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor", "device", "bool", "double",
    "float", "float16", "float32", "float64", "half", "int", "int8", "int16", "int32", "int64",
    "long", "short", "uint8",
]
