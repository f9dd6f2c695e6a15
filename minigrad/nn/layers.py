"""The feed-forward layers: Linear, Embedding, Dropout, Identity (and the activation
modules ReLU, Tanh, Sigmoid, LeakyReLU, Softplus, Softmax, LogSoftmax for use inside a
Sequential or as a model's last layer).

Constructors, parameter names, shapes and default initialisation are PyTorch's, so
``layer.load_state_dict({k: v.numpy() for k, v in torch_layer.state_dict().items()})``
gives the same numbers. Every layer takes ``dtype=`` and ``device=`` keywords.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

from minigrad import backend, ops
from minigrad.creation import zeros
from minigrad.nn import functional as F, init
from minigrad.nn._checks import check_probability, check_sizes
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor


def _uniform(shape: tuple[int, ...], bound: float, dtype: Any, device: Any) -> Parameter:
    """A new parameter drawn from U(-bound, bound) by ``init.uniform_``."""
    return init.uniform_(Parameter(zeros(shape, dtype=dtype, device=device)), -bound, bound)


class Linear(Module):
    """y = x W^T + b with W (out_features, in_features) and b (out_features,).

    Both start as U(-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's default.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 dtype: Any = None, device: Any = None):
        super().__init__()
        check_sizes("Linear", 0, in_features=in_features, out_features=out_features)
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = _uniform((out_features, in_features), bound, dtype, device)
        if bias:
            self.bias = _uniform((out_features,), bound, dtype, device)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table: integer ids of any shape (...) -> vectors (..., embedding_dim).

    Weights start as N(0, 1). ``padding_idx`` names a row that starts at zero and never
    receives a gradient (the vector of a <pad> token stays put).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: int | None = None, *, dtype: Any = None, device: Any = None,
                 _weight: Any = None):
        super().__init__()
        check_sizes("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        if padding_idx is not None:
            check_sizes("Embedding", -num_embeddings, padding_idx=padding_idx)
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within num_embeddings="
                                 f"{num_embeddings}, got {padding_idx}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        if _weight is None:
            dt = backend.as_dtype(dtype) if dtype is not None else backend.default_dtype()
            data = backend.rng().standard_normal((num_embeddings, embedding_dim)).astype(dt)
            if padding_idx is not None:
                data[padding_idx] = 0
            self.weight = Parameter(data, device=device)
        else:
            self.weight = Parameter(_weight, dtype=dtype, device=device)

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None) -> Embedding:
        """An Embedding holding a copy of ``embeddings`` (num, dim), e.g. GloVe vectors.
        ``freeze=True`` keeps them fixed (requires_grad False). As in PyTorch the padding
        row keeps its given values; it just gets no gradient."""
        data = embeddings.array if isinstance(embeddings, Tensor) else embeddings
        data = backend.as_array(data)
        if data.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D "
                             f"(num_embeddings, embedding_dim), got shape {tuple(data.shape)}")
        if data.dtype.kind != "f":
            raise TypeError(f"Embedding.from_pretrained: embeddings must be floating, "
                            f"got dtype {data.dtype}")
        m = cls(data.shape[0], data.shape[1], padding_idx, _weight=data.copy())
        m.weight.requires_grad_(not freeze)
        return m

    def forward(self, ids: Any) -> Tensor:
        return F.embedding(ids, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s


class Dropout(Module):
    """Zero each element with probability ``p`` while training, scaling the rest by
    1/(1-p) (inverted dropout); the identity in eval mode."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = check_probability("Dropout", "p", p)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. a removed head)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return ops.relu(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return ops.tanh(x)


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return ops.sigmoid(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softplus(Module):
    def forward(self, x: Tensor) -> Tensor:
        return ops.softplus(x)


def _implicit_dim(x: Tensor, dim: int | None, layer: str) -> int:
    """PyTorch's rule for a softmax layer built without ``dim`` (it warns, as here)."""
    if dim is not None:
        return dim
    warnings.warn(f"{layer}: implicit dimension choice is deprecated; give dim= "
                  "(PyTorch's rule: dim 0 for 0-, 1- and 3-D inputs, else dim 1)",
                  UserWarning, stacklevel=3)
    return 0 if x.ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``: each slice becomes a probability vector."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return ops.softmax(x, _implicit_dim(x, self.dim, type(self).__name__))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along ``dim``: log-probabilities, for ``NLLLoss``."""

    def forward(self, x: Tensor) -> Tensor:
        return ops.log_softmax(x, _implicit_dim(x, self.dim, type(self).__name__))


__all__ = ["Linear", "Embedding", "Dropout", "Identity", "ReLU", "Tanh", "Sigmoid",
           "LeakyReLU", "Softplus", "Softmax", "LogSoftmax"]
