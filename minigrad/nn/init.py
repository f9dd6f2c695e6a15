"""Parameter initialisers, PyTorch's ``torch.nn.init`` with the same names and maths.

Each one fills a tensor's data in place with numbers drawn from ``mg.backend.rng()``
(so ``mg.manual_seed`` makes them repeatable), records nothing in the graph, and
returns the tensor:

    mg.nn.init.xavier_uniform_(layer.weight)
"""
from __future__ import annotations

import math
from typing import Any

from minigrad import backend, versions
from minigrad.tensor import Tensor

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through ``nonlinearity``."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, int | float):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fill(t: Tensor, values: Any) -> Tensor:
    """Write ``values`` (a NumPy array or a number) into ``t.array`` in place."""
    if not isinstance(t, Tensor):
        raise TypeError(f"init: expected a Tensor or Parameter, got {type(t).__name__}")
    t.array[...] = backend.as_array(values, dtype=t.dtype, device=t.device)
    versions.mark_written(t.array)
    return t


def _fans(t: Tensor, op: str) -> tuple[int, int]:
    _drawable(t, op)
    if t.ndim < 2:
        raise ValueError(f"{op}: fan in and fan out need a tensor of 2 or more dims, "
                         f"got shape {t.shape}")
    receptive = 1
    for s in t.shape[2:]:
        receptive *= s
    return t.shape[1] * receptive, t.shape[0] * receptive


def _fan(t: Tensor, mode: str, op: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(t, op)
    return fan_in if mode == "fan_in" else fan_out


def _drawable(t: Tensor, op: str) -> None:
    """Random numbers go into floating tensors only (into an int tensor they would be
    truncated, silently: N(0, 1) draws become mostly zeros)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected a Tensor or Parameter, got {type(t).__name__}")
    if not backend.is_floating(t.dtype):
        raise TypeError(f"{op}: needs a floating tensor, got dtype {t.dtype}")


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """U(a, b)."""
    _drawable(t, "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: expects a <= b (the range [a, b)), got a={a} > b={b}")
    return _fill(t, backend.rng().uniform(a, b, size=t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """N(mean, std^2)."""
    _drawable(t, "normal_")
    if not std >= 0:
        raise ValueError(f"normal_: expects std >= 0, got std={std}")
    return _fill(t, backend.rng().normal(mean, std, size=t.shape))


def constant_(t: Tensor, val: float) -> Tensor:
    return _fill(t, val)


def zeros_(t: Tensor) -> Tensor:
    return _fill(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    return _fill(t, 1.0)


def xavier_uniform_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(t, "xavier_uniform_")
    if t.numel() == 0:
        return t  # nothing to fill (PyTorch warns and does the same)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a)


def xavier_normal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(t, "xavier_normal_")
    if t.numel() == 0:
        return t
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He: U(-b, b), b = gain * sqrt(3 / fan). (PyTorch's Linear default is a=sqrt(5).)"""
    fan = _fan(t, mode, "kaiming_uniform_")
    if t.numel() == 0:
        return t
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(t, -bound, bound)


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He: N(0, std^2), std = gain / sqrt(fan)."""
    fan = _fan(t, mode, "kaiming_normal_")
    if t.numel() == 0:
        return t
    return normal_(t, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))


def orthogonal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix (rows or columns orthonormal) times ``gain``, from the
    QR decomposition of a Gaussian matrix with the signs fixed so it is uniform."""
    _drawable(t, "orthogonal_")
    if t.ndim < 2:
        raise ValueError(f"orthogonal_: needs a tensor of 2 or more dims, got shape {t.shape}")
    if t.numel() == 0:
        return t
    rows = t.shape[0]
    cols = t.numel() // rows
    flat = backend.rng().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    xp = backend.get_array_module(flat)  # NumPy: the draw is on the host
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diag(r))
    if rows < cols:
        q = q.T
    return _fill(t, gain * q.reshape(t.shape))


__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_"]
