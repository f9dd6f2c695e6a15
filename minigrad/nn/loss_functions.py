"""The losses of ``minigrad.nn.functional`` (re-exported there as ``F.cross_entropy``,
...), each comparing a prediction with a target and reduced by PyTorch's rule
(``reduction`` "mean", "sum" or "none").

The losses that matter for numerical stability (``cross_entropy``, ``nll_loss``,
``binary_cross_entropy_with_logits``, ``binary_cross_entropy``) are each ONE Function
with a hand-written backward next to its forward; ``mse_loss`` and ``l1_loss`` are
compositions of engine ops.
"""
from __future__ import annotations

from typing import Any

from minigrad import backend, ops
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.nn._checks import check_tensor
from minigrad.ops.indexing import int_array
from minigrad.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _tensor(x: Any, like: Tensor, op: str = "loss", what: str = "target") -> Tensor:
    """A loss's target/weight: other data becomes an untracked tensor of ``like``'s dtype
    and device (a float64 NumPy target does not promote a float32 loss); a tensor must
    have ``like``'s dtype already, as PyTorch insists."""
    if isinstance(x, Tensor):
        if x.dtype != like.dtype:
            raise TypeError(f"{op}: {what} has dtype {x.dtype} but the input {like.dtype}; "
                            f"convert one of them (.float(), .double())")
        return x
    return Tensor._wrap(backend.as_array(x, dtype=like.dtype, device=like.device))


def _floating_input(op: str, x: Any) -> Tensor:
    check_tensor(op, "the input", x)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating, got dtype {x.dtype}")
    return x


def _elementwise_target(op: str, input: Tensor, target: Any, reduction: str) -> Tensor:
    """The target of a loss taken element by element (the binary cross-entropies): a
    tensor like the floating input, of the input's shape (PyTorch's message)."""
    _check_reduction(op, reduction)
    target = _tensor(target, _floating_input(op, input), op)
    if input.shape != target.shape:
        raise ValueError(f"{op}: target size {target.shape} must be the same as input size "
                         f"{input.shape}")
    return target


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce(op: str, loss: Tensor, reduction: str) -> Tensor:
    _check_reduction(op, reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ------------------------------------------------------------------ class losses
def _class_targets(op: str, x: Tensor, target: Any, ignore_index: int):
    """Check (input, target) and flatten them to (M, C) rows and (M,) class ids.

    Input (N, C) or (N, C, d1, ...) with target (N,) or (N, d1, ...); a single sample
    (C,) with a 0-d target also works. Returns (flat target, valid mask, target shape).
    """
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating, got dtype {x.dtype}")
    t = int_array(target, op, "target (class indices)")
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    want = () if x.ndim == 1 else (x.shape[0], *x.shape[2:])
    if tuple(t.shape) != want:
        layout = "()" if x.ndim == 1 else "(N,)" if x.ndim == 2 else "(N, d1, ...)"
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} needs a target of shape "
                         f"{layout} = {want}, got {tuple(t.shape)}")
    n_classes = x.shape[0 if x.ndim == 1 else 1]
    t = backend.to_device(t, x.device).reshape(-1)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bool(bad.any()):
        values = backend.to_numpy(t[bad])[:5].tolist()
        raise IndexError(f"{op}: target values must be in [0, {n_classes}) (or "
                         f"ignore_index={ignore_index}), got {values}")
    xp = get_array_module(t)
    return xp.where(valid, t, 0), valid, want


def _rows(z):
    """(N, C, d1, ...) -> (N*d1*..., C): the class axis last, one row per prediction."""
    if z.ndim == 1:
        return z.reshape(1, -1)
    if z.ndim == 2:
        return z
    xp = get_array_module(z)
    return xp.moveaxis(z, 1, -1).reshape(-1, z.shape[1])


def _unrows(g, shape):
    """Inverse of ``_rows`` for a gradient."""
    if len(shape) <= 2:
        return g.reshape(shape)
    xp = get_array_module(g)
    moved = (shape[0], *shape[2:], shape[1])
    return xp.ascontiguousarray(xp.moveaxis(g.reshape(moved), -1, 1))


class _ClassLoss(Function):
    """Shared reduction of per-row losses and their gradient scale (PyTorch semantics:
    "mean" divides by the number of non-ignored targets; all ignored gives nan)."""

    def __init__(self, target, valid, reduction: str, out_shape):
        self.target, self.valid = target, valid
        self.reduction, self.out_shape = reduction, out_shape
        self.every = bool(valid.all())   # no target ignored: no masking needed

    def _reduce(self, losses):
        xp = get_array_module(losses)
        if not self.every:
            losses = xp.where(self.valid, losses, 0)
        if self.reduction == "none":
            return losses.reshape(self.out_shape)
        total = losses.sum()
        if self.reduction == "sum":
            return total
        count = len(losses) if self.every else int(self.valid.sum())
        return total / count if count else xp.full((), xp.nan, dtype=losses.dtype)

    def _scale(self, g):
        """d(output)/d(row loss), (M, 1), zero on ignored rows."""
        xp = get_array_module(g)
        if self.every and self.reduction != "none":   # one number for every row
            return g if self.reduction == "sum" else g / max(len(self.valid), 1)
        if self.reduction == "none":
            s = g.reshape(-1)
        elif self.reduction == "sum":
            s = xp.broadcast_to(g, self.valid.shape)
        else:
            count = len(self.valid) if self.every else int(self.valid.sum())
            s = xp.broadcast_to(g / max(count, 1), self.valid.shape)
        return (s if self.every else s * self.valid)[:, None]


class CrossEntropy(_ClassLoss):
    """loss_i = logsumexp(z_i) - z_i[t_i]; d loss_i / d z_i = softmax(z_i) - onehot(t_i).

    Forward subtracts each row's max before exp (log-softmax stays finite for logits
    of 1e4); backward is the famous (softmax - onehot) / N, computed in one go.
    """

    def forward(self, x):
        xp = get_array_module(x)
        z = _rows(x)
        z = z - z.max(axis=1, keepdims=True)
        e = xp.exp(z)
        s = e.sum(axis=1, keepdims=True)
        rows = xp.arange(len(z))
        losses = xp.log(s[:, 0]) - z[rows, self.target]
        self.saved = e / s, x.shape
        return self._reduce(losses).astype(x.dtype, copy=False)

    def backward(self, g):
        p, shape = self.saved
        xp = get_array_module(p)
        gz = p.copy()
        gz[xp.arange(len(p)), self.target] -= 1
        gz *= self._scale(g)
        return _unrows(gz, shape)


class NLLLoss(_ClassLoss):
    """loss_i = -x_i[t_i] (x holds log-probabilities); the gradient is -1 at the target."""

    def forward(self, x):
        xp = get_array_module(x)
        z = _rows(x)
        self.saved = z.shape, x.shape
        return self._reduce(-z[xp.arange(len(z)), self.target]).astype(x.dtype, copy=False)

    def backward(self, g):
        (m, c), shape = self.saved
        xp = get_array_module(g)
        gz = xp.zeros((m, c), dtype=g.dtype)
        gz[xp.arange(m), self.target] = -1
        gz *= self._scale(g)
        return _unrows(gz, shape)


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean",
                  ignore_index: int = -100) -> Tensor:
    """Softmax cross-entropy of ``input`` logits (N, C) or (N, C, d1, ...) against
    integer class ``target`` (N,) or (N, d1, ...); ``reduction`` "mean" (over the
    targets that are not ``ignore_index``), "sum" or "none"."""
    _check_reduction("cross_entropy", reduction)
    t, valid, shape = _class_targets("cross_entropy", input, target, ignore_index)
    return CrossEntropy(t, valid, reduction, shape)(input)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean",
             ignore_index: int = -100) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (as cross_entropy's)."""
    _check_reduction("nll_loss", reduction)
    t, valid, shape = _class_targets("nll_loss", input, target, ignore_index)
    return NLLLoss(t, valid, reduction, shape)(input)


# ------------------------------------------------------------------ other losses
def _broadcasts(op: str, what: str, w: Tensor, x: Tensor) -> None:
    """A per-element or per-class weight must broadcast to the input's shape."""
    fits = w.ndim <= x.ndim and all(a in (1, b) for a, b in zip(w.shape[::-1], x.shape[::-1]))
    if not fits:
        raise ValueError(f"{op}: {what} of shape {w.shape} does not broadcast to the input's "
                         f"shape {x.shape}")


def _same_shape(op: str, x: Tensor, y: Tensor) -> None:
    if x.shape != y.shape:
        raise ValueError(f"{op}: input shape {x.shape} and target shape {y.shape} differ "
                         "(minigrad does not broadcast losses: it hides shape bugs)")


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean (or summed) squared error; target may itself require grad."""
    target = _tensor(target, _floating_input("mse_loss", input), "mse_loss")
    _same_shape("mse_loss", input, target)
    d = input - target
    return _reduce("mse_loss", d * d, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean (or summed) absolute error; the gradient at a zero difference is 0."""
    target = _tensor(target, _floating_input("l1_loss", input), "l1_loss")
    _same_shape("l1_loss", input, target)
    return _reduce("l1_loss", ops.abs(input - target), reduction)


class BCEWithLogits(Function):
    """loss = (1 - y) x + c * softplus(-x), c = 1 + (pos_weight - 1) y, written stably as
    softplus(-x) = log1p(exp(-|x|)) + max(-x, 0). Without pos_weight: dx = sigmoid(x) - y.
    """

    def __init__(self, pos_weight):
        self.pos_weight = pos_weight

    def forward(self, x, y):
        xp = get_array_module(x)
        sp = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)  # softplus(-x)
        c = 1 if self.pos_weight is None else 1 + (self.pos_weight - 1) * y
        self.saved = x, y, sp, c
        return (1 - y) * x + c * sp

    def backward(self, g):
        x, y, sp, c = self.saved
        xp = get_array_module(g)
        s = 1 / (1 + xp.exp(-xp.abs(x)))  # sigmoid(|x|), stable
        sig = xp.where(x >= 0, s, 1 - s)  # sigmoid(x)
        gx = g * ((1 - y) - c * (1 - sig))
        gy = None
        if self.needs_input_grad[1]:
            dc = 0 if self.pos_weight is None else self.pos_weight - 1
            gy = g * (-x + dc * sp)
        return gx, gy


def binary_cross_entropy_with_logits(input: Tensor, target: Any,
                                     weight: Any = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    """-[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))], stable for any logit ``x``.
    ``weight`` scales each element; ``pos_weight`` (per class) scales the positive term."""
    op = "binary_cross_entropy_with_logits"
    target = _elementwise_target(op, input, target, reduction)
    pw = None
    if pos_weight is not None:
        pw = _tensor(pos_weight, input, op, "pos_weight")
        _broadcasts(op, "pos_weight", pw, input)
        pw = pw.array
    loss = BCEWithLogits(pw)(input, target)
    if weight is not None:
        weight = _tensor(weight, input, op, "weight")
        _broadcasts(op, "weight", weight, input)
        loss = loss * weight
    return _reduce("binary_cross_entropy_with_logits", loss, reduction)


class BCE(Function):
    """Binary cross-entropy of probabilities x against targets y, PyTorch's way:

        loss = -(y * max(log x, -100) + (1 - y) * max(log(1 - x), -100))

    The clamp keeps x = 0 or 1 finite (a loss of at most 100 per element). Backward:
    dx = (x - y) / max(x (1 - x), 1e-12) (PyTorch's epsilon, finite at 0 and 1) and
    dy = log(1 - x) - log(x), unclamped (infinite at 0 and 1, as PyTorch's).
    """

    def forward(self, x, y):
        xp = get_array_module(x)
        # log of 0 is -100 here, computed without NumPy's divide-by-zero warning
        log_x = xp.where(x > 0, xp.log(xp.where(x > 0, x, 1)), -100)
        log_1mx = xp.where(x < 1, xp.log1p(-xp.where(x < 1, x, 0)), -100)
        self.saved = x, y
        return (y - 1) * xp.maximum(log_1mx, -100) - y * xp.maximum(log_x, -100)

    def backward(self, g):
        x, y = self.saved
        xp = get_array_module(g)
        gx = g * (x - y) / xp.maximum(x * (1 - x), 1e-12)
        gy = None
        if self.needs_input_grad[1]:
            inf = xp.asarray(xp.inf, dtype=x.dtype)
            log_x = xp.where(x > 0, xp.log(xp.where(x > 0, x, 1)), -inf)
            log_1mx = xp.where(x < 1, xp.log1p(-xp.where(x < 1, x, 0)), -inf)
            gy = g * (log_1mx - log_x)
        return gx, gy


def _check_probabilities(op: str, what: str, p: Tensor) -> None:
    """Every element in [0, 1] (NaN is not), as PyTorch checks input and target."""
    a = p.array
    bad = ~((a >= 0) & (a <= 1))
    if bool(bad.any()):
        values = backend.to_numpy(a[bad]).reshape(-1)[:5].tolist()
        raise ValueError(f"{op}: all elements of {what} should be between 0 and 1, got "
                         f"{values} (probabilities: apply sigmoid first, or use "
                         "binary_cross_entropy_with_logits on logits)")


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    """-w [y log x + (1 - y) log(1 - x)] for probabilities ``input`` x (after a sigmoid)
    and targets y in [0, 1], each log clamped at -100 as PyTorch does. On logits use
    ``binary_cross_entropy_with_logits``: the same loss, stable without the clamp."""
    op = "binary_cross_entropy"
    target = _elementwise_target(op, input, target, reduction)
    _check_probabilities(op, "input", input)
    _check_probabilities(op, "target", target)
    loss = BCE()(input, target)
    if weight is not None:
        weight = _tensor(weight, input, op, "weight")
        _broadcasts(op, "weight", weight, input)
        loss = loss * weight
    return _reduce(op, loss, reduction)
