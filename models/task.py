"""What the Trainer trains on: the task protocol, and ``SupervisedTask`` for (x, y) arrays.

A *task* says what is being learned; ``models.train.Trainer`` does the rest (the loop,
clipping, validation, checkpoints). ``SupervisedTask`` below covers (x, y) arrays;
``models.lm.LMTask`` a language model over a token stream. Any object with these
methods is a task (``Task`` writes them down for type checkers and readers):

    batches()          an iterable of batches for one epoch (may shuffle: it draws
                       from minigrad's generator, whose state the checkpoint keeps)
    start_epoch()      forget what was carried over from the last epoch
    step(model, batch) -> (loss Tensor, number of items, {metric: sum over the items})

and, when it has them (the Trainer looks):

    num_batches()      how many batches an epoch has (for the progress bar)
    evaluate(model)    -> {"loss": ..., other metrics} on held-out data, or None
    state_dict(), load_state_dict(d)   what it carries between batches (checkpointed)
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F

__all__ = ["Task", "SupervisedTask"]


class Task(Protocol):
    """The methods every task has (see the module docstring for the optional ones)."""

    def batches(self) -> Iterable: ...

    def start_epoch(self) -> None: ...

    def step(self, model: Any, batch: Any) -> tuple[mg.Tensor, int, dict]: ...


class SupervisedTask:
    """Minibatches of (x, y) arrays, reshuffled each epoch.

    ``loss`` is "cross_entropy" (y: class ids; reports accuracy too) or "mse" (y:
    values), or a callable ``loss(output, y) -> Tensor``. ``time_major=True`` turns a
    batch of (B, T, F) sequences into (T, B, F) before the model sees it, the layout
    of minigrad's recurrent layers (``False`` hands x over as stored). ``compute``,
    a callable ``(model, x, y) -> (loss, {metric: sum})``, replaces all of that."""

    def __init__(self, x: Any, y: Any, *, batch_size: int = 32, shuffle: bool = True,
                 loss: str | Callable = "cross_entropy", val: tuple | None = None,
                 time_major: bool = False, compute: Callable | None = None):
        self.x, self.y = np.asarray(x), np.asarray(y)
        if len(self.x) != len(self.y):
            raise ValueError(f"SupervisedTask: x has {len(self.x)} samples, y {len(self.y)}")
        if batch_size < 1:
            raise ValueError(f"SupervisedTask: batch_size must be >= 1, got {batch_size}")
        self.batch_size, self.shuffle, self.loss = batch_size, shuffle, loss
        self.val = None if val is None else (np.asarray(val[0]), np.asarray(val[1]))
        self.time_major = time_major
        self.compute = compute

    def num_batches(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def start_epoch(self) -> None:
        pass

    def batches(self):
        n = len(self.x)
        order = mg.backend.rng().permutation(n) if self.shuffle else np.arange(n)
        for i in range(0, n, self.batch_size):
            idx = order[i:i + self.batch_size]
            yield self.x[idx], self.y[idx]

    def _inputs(self, x: np.ndarray) -> mg.Tensor:
        if self.time_major:
            x = np.swapaxes(x, 0, 1)
        return mg.tensor(x) if x.dtype.kind == "f" else x

    def loss_and_metrics(self, model: Any, x: np.ndarray,
                         y: np.ndarray) -> tuple[mg.Tensor, dict]:
        if self.compute is not None:
            return self.compute(model, x, y)
        out = model(self._inputs(x))
        if callable(self.loss):
            return self.loss(out, y), {}
        if self.loss == "cross_entropy":
            loss = F.cross_entropy(out, y)
            correct = float((out.array.argmax(axis=-1) == y).sum())
            return loss, {"accuracy": correct}
        if self.loss == "mse":
            diff = out - mg.tensor(y.reshape(out.shape).astype(out.dtype))
            return (diff * diff).mean(), {}
        raise ValueError(f"SupervisedTask: unknown loss {self.loss!r} "
                         f"(use 'cross_entropy', 'mse' or a function)")

    def step(self, model: Any, batch: tuple) -> tuple[mg.Tensor, int, dict]:
        x, y = batch
        loss, metrics = self.loss_and_metrics(model, x, y)
        return loss, len(y), metrics

    def evaluate(self, model: Any, x: Any = None, y: Any = None) -> dict | None:
        if x is None:
            if self.val is None:
                return None
            x, y = self.val
        x, y = np.asarray(x), np.asarray(y)
        total, sums = 0.0, {}
        size = max(self.batch_size, 256)
        with mg.no_grad():
            for i in range(0, len(x), size):
                xb, yb = x[i:i + size], y[i:i + size]
                loss, metrics = self.loss_and_metrics(model, xb, yb)
                total += float(loss.item()) * len(yb)
                for k, v in metrics.items():
                    sums[k] = sums.get(k, 0.0) + v
        n = max(len(y), 1)
        return {"loss": total / n, **{k: v / n for k, v in sums.items()}}
