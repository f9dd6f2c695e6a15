"""Stateless layer maths and losses, PyTorch's ``torch.nn.functional`` in small.

    import minigrad.nn.functional as F
    loss = F.cross_entropy(logits, targets)          # logits (N, C), targets (N,) ints

Layers (``Linear``, ``Embedding``, ``Dropout``) are thin wrappers over these. The
losses live in ``minigrad.nn.loss_functions`` and are re-exported here.
"""
from __future__ import annotations

from typing import Any

from minigrad import backend, ops
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.nn._checks import check_dtype, check_probability, check_tensor
from minigrad.ops._util import t_matmul, unbroadcast
from minigrad.ops.indexing import int_array
from minigrad.ops import leaky_relu, relu, sigmoid, softplus, tanh  # noqa: F401  (F.relu etc.)
from minigrad.nn.loss_functions import (binary_cross_entropy,  # noqa: F401  (F.<loss>)
                                        binary_cross_entropy_with_logits, cross_entropy,
                                        l1_loss, mse_loss, nll_loss)
from minigrad.tensor import Tensor


# ------------------------------------------------------------------ layers' maths
class Linear(Function):
    """y = x W^T + b as one node (PyTorch's addmm), so the graph keeps one array of y's
    size, not the product and the sum. For x of shape (..., in):

        dx = dy W,   dW = dy^T x (summed over the leading axes),   db = dy summed likewise
    """

    def forward(self, x, w, b=None):
        self.saved = x, w
        y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, g):
        x, w = self.saved
        nx, nw, *nb = self.needs_input_grad
        gw = None
        if nw:
            if x.ndim <= 2:   # one row (unbatched) or a batch of rows
                gw = t_matmul(x.reshape(-1, x.shape[-1]), g.reshape(-1, g.shape[-1])).T
            else:
                gw = unbroadcast(get_array_module(x).swapaxes(x, -1, -2) @ g, w.T.shape).T
        return (g @ w if nx else None, gw,
                *(unbroadcast(g, w.shape[:1]) if n else None for n in nb))


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, with W of shape (out_features, in_features) as in PyTorch."""
    check_tensor("linear", "the input", x)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), "
                         f"got shape {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {tuple(x.shape)} has "
                         f"{x.shape[-1] if x.ndim else 0} features in its last dim, but the "
                         f"weight {weight.shape} expects in_features={weight.shape[1]}")
    check_dtype("linear", "the input", x, weight)
    if bias is None:
        return Linear()(x, weight)
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), "
                         f"got {bias.shape}")
    return Linear()(x, weight, bias)


def layer_norm(x: Tensor, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` axes to mean 0 and variance 1
    (the biased variance, as PyTorch), then scale by ``weight`` and shift by ``bias``.
    Built from primitive ops, so its gradient is the chain rule's."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    check_tensor("layer_norm", "the input", x)
    if x.dtype.kind != "f":
        raise TypeError(f"layer_norm: input must be floating, got dtype {x.dtype}")
    if len(shape) > x.ndim or tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end in the "
                         f"normalized shape {shape}")
    if not eps >= 0:
        raise ValueError(f"layer_norm: eps must be >= 0, got {eps}")
    for what, p in (("weight", weight), ("bias", bias)):
        if p is not None:
            if p.shape != shape:
                raise ValueError(f"layer_norm: {what} has shape {p.shape}, the normalized "
                                 f"shape is {shape}")
            check_dtype("layer_norm", "the input", x, p)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    var = (centred * centred).mean(axis=axes, keepdims=True)
    y = centred / ops.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def embedding(ids: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) for integer ``ids`` of any shape
    (argument order as ``torch.nn.functional.embedding``)."""
    return ops.embedding(weight, ids, padding_idx)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by
    1/(1-p), so eval mode (``training=False``) is the identity. Masks come from
    ``mg.backend.rng()`` (seeded by ``mg.manual_seed``)."""
    p = check_probability("dropout", "p", p)
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout: input must be floating, got dtype {x.dtype}")
    if p == 1.0:
        return x * 0.0
    keep = backend.rng().random(x.shape) >= p
    mask = backend.as_array(keep.astype(x.dtype) * (1.0 / (1.0 - p)), dtype=x.dtype,
                            device=x.device)
    return x * Tensor._wrap(mask)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    return ops.softmax(x, dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return ops.log_softmax(x, dim)


def one_hot(ids: Any, num_classes: int = -1, dtype: Any = None) -> Tensor:
    """(...) integer ids -> (..., num_classes), int64 like PyTorch unless ``dtype`` is
    given (``dtype=mg.float32`` to multiply with float tensors). ``num_classes=-1``
    takes max(ids) + 1. Not differentiable."""
    data = int_array(ids, "one_hot")
    if num_classes == -1:
        if not data.size:
            raise ValueError("one_hot: cannot infer num_classes (-1) from empty ids; give it")
        num_classes = int(data.max()) + 1
    return ops.one_hot(data, num_classes, dtype=dtype or backend.int64)
