"""One training loop for every model in ``models``.

    trainer = Trainer(model, mg.optim.Adam(model.parameters(), lr=2e-3), task,
                      clip_norm=1.0, patience=3, out_dir="runs/lm")
    history = trainer.fit(epochs=10, max_minutes=2)      # list of dicts, one per epoch

What is being learned is a *task* (``models.task``: the protocol, and
``SupervisedTask`` for (x, y) arrays; ``models.lm.LMTask`` for a language model over a
token stream). The trainer does the rest: a tqdm progress bar with the running loss
and the speed, gradient clipping, validation after each epoch, early stopping,
checkpoints written atomically (``checkpoint.mg`` after every epoch and when a run is
cut short by ``max_steps`` / ``max_minutes`` / Ctrl-C, ``best.mg`` at each new best
validation loss) and ``resume`` that goes on bit for bit: the same numbers as a run
never stopped.
"""
from __future__ import annotations

import math
import os
import sys
import time
from typing import Any, Callable, Iterable

import numpy as np

import minigrad as mg
from minigrad.nn.utils import clip_grad_norm_
from models.checkpoint import load_checkpoint, save_checkpoint
from models.optional import require
from models.task import SupervisedTask, Task

# the tasks live in models.task
__all__ = ["Trainer", "Task", "SupervisedTask", "current_lr", "decay_to"]


def current_lr(optimizer: Any) -> float:
    """The learning rate of the optimizer's first param group."""
    return float(optimizer.param_groups[0]["lr"])


def decay_to(optimizer: Any, final_lr: float, epochs: int):
    """An ExponentialLR that takes the optimizer's learning rate down (or up) to
    ``final_lr`` over ``epochs`` epochs, for ``Trainer(scheduler=...)``, which steps it
    after each epoch: lr_e = lr_0 * gamma ** e with gamma = (final_lr / lr_0) ** (1 / epochs)."""
    lr = current_lr(optimizer)
    if not (final_lr > 0 and lr > 0 and epochs >= 1):
        raise ValueError(f"decay_to: need final_lr > 0, a positive learning rate and "
                         f"epochs >= 1, got final_lr={final_lr}, lr={lr}, epochs={epochs}")
    return mg.optim.lr_scheduler.ExponentialLR(optimizer, (final_lr / lr) ** (1.0 / epochs))


def _clip(parameters: list, max_norm: float | None) -> float:
    """Clip with ``mg.nn.utils.clip_grad_norm_``; returns the norm before clipping."""
    return float(clip_grad_norm_(parameters, math.inf if max_norm is None else max_norm))


class Trainer:
    """Runs epochs of ``task`` on ``model`` with ``optimizer``; see the module docstring.

    clip_norm: clip the global gradient norm to this (None: measure, don't clip).
    scheduler: an LR scheduler stepped once per epoch (``.step()``).
    patience:  stop after this many epochs without a better validation loss.
    out_dir:   where checkpoints go (None: no checkpoints).
    extra:     a dict saved in every checkpoint (model config, tokenizer, ...).
    progress:  show the tqdm bar (on stderr).
    """

    def __init__(self, model: Any, optimizer: Any, task: Task, *, clip_norm: float | None = None,
                 scheduler: Any = None, patience: int | None = None, min_delta: float = 0.0,
                 out_dir: str | os.PathLike | None = None, extra: dict | None = None,
                 progress: bool = True, log: Callable[[str], None] | None = None):
        _check_parts(model, optimizer, task, clip_norm, patience)
        self.model, self.optimizer, self.task = model, optimizer, task
        self.clip_norm, self.scheduler = clip_norm, scheduler
        self.patience, self.min_delta = patience, float(min_delta)
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        self.extra = dict(extra or {})
        self.progress = progress
        self.log = log or (lambda msg: print(msg, file=sys.stderr))
        self.params = list(model.parameters())
        # everything below is saved in checkpoints
        self.epoch = 0             # completed epochs
        self.step = 0              # optimizer steps taken, all epochs
        self.pos = 0               # batches done in the current (unfinished) epoch
        self.epoch_rng: Any = None  # generator state when the current epoch began
        self.sums: dict = {}       # running sums of the current epoch
        self.history: list[dict] = []
        self.step_losses: list[float] = []  # every step's loss (for the plots)
        self.best = math.inf
        self.bad_epochs = 0
        self.stopped_early = False

    # ------------------------------------------------------------ checkpoints
    def checkpoint_path(self, name: str = "checkpoint.mg") -> str | None:
        return None if self.out_dir is None else os.path.join(self.out_dir, name)

    def state_dict(self) -> dict:
        task_state = self.task.state_dict() if hasattr(self.task, "state_dict") else None
        return {"epoch": self.epoch, "step": self.step, "pos": self.pos,
                "epoch_rng": self.epoch_rng, "sums": self.sums, "history": self.history,
                "step_losses": np.asarray(self.step_losses, dtype=np.float64),
                "best": self.best, "bad_epochs": self.bad_epochs,
                "stopped_early": self.stopped_early, "task": task_state}

    def load_state_dict(self, d: dict) -> None:
        self.epoch, self.step, self.pos = int(d["epoch"]), int(d["step"]), int(d["pos"])
        self.epoch_rng, self.sums = d["epoch_rng"], dict(d["sums"])
        self.history = list(d["history"])
        self.step_losses = [float(v) for v in d["step_losses"]]
        self.best, self.bad_epochs = float(d["best"]), int(d["bad_epochs"])
        self.stopped_early = bool(d["stopped_early"])
        if d.get("task") is not None and hasattr(self.task, "load_state_dict"):
            self.task.load_state_dict(d["task"])

    def save(self, path: str | os.PathLike | None = None) -> str:
        """Write a checkpoint (to ``out_dir/checkpoint.mg`` by default); returns its path."""
        path = os.fspath(path) if path is not None else self.checkpoint_path()
        if path is None:
            raise ValueError("Trainer.save: no path and no out_dir")
        save_checkpoint(path, model=self.model, optimizer=self.optimizer,
                        scheduler=self.scheduler, trainer=self.state_dict(), extra=self.extra)
        return path

    def resume(self, path: str | os.PathLike | None = None) -> Trainer:
        """Load model, optimizer, scheduler, generator and loop state from a checkpoint
        (``out_dir/checkpoint.mg`` by default); ``fit`` then goes on from there."""
        path = os.fspath(path) if path is not None else self.checkpoint_path()
        if path is None:
            raise ValueError("Trainer.resume: no path and no out_dir")
        load_checkpoint(path).restore(self.model, self.optimizer, self.scheduler, trainer=self)
        return self

    # ------------------------------------------------------------ the loop
    def fit(self, epochs: int | None, *, max_steps: int | None = None,
            max_minutes: float | None = None) -> list[dict]:
        """Train until ``epochs`` epochs are complete (counting those of a resumed run;
        None: no limit), early stopping triggers, or this call has taken ``max_steps``
        steps or ``max_minutes`` minutes. Returns the history."""
        if epochs is None and max_steps is None and max_minutes is None:
            raise ValueError("Trainer.fit: give epochs, max_steps or max_minutes")
        _check_limits(epochs, max_steps, max_minutes)
        start, steps_here = time.perf_counter(), 0
        deadline = None if max_minutes is None else start + 60.0 * max_minutes
        try:
            while (epochs is None or self.epoch < epochs) and not self.stopped_early:
                if self.pos == 0 and _limit(max_steps, steps_here, deadline):
                    return self.history  # the epoch's end was saved already
                cut = self._run_epoch(epochs, max_steps, steps_here, deadline)
                steps_here = cut[1]
                if cut[0]:  # stopped inside the epoch
                    self._end_of_run(partial=True)
                    return self.history
                self._end_of_epoch()
        except KeyboardInterrupt:
            if self.out_dir is not None:
                self.save()
                self.log(f"interrupted: checkpoint saved to {self.checkpoint_path()} "
                         f"(resume with --resume)")
            raise
        return self.history

    def _run_epoch(self, epochs: int | None, max_steps: int | None, steps_here: int,
                   deadline: float | None) -> tuple[bool, int]:
        self.model.train()
        batches = self._epoch_batches()
        total = self.task.num_batches() if hasattr(self.task, "num_batches") else None
        desc = f"epoch {self.epoch + 1}" + ("" if epochs is None else f"/{epochs}")
        bar = _progress(total, self.pos, desc, self.progress)
        t0, items0 = time.perf_counter(), self.sums.get("n", 0)
        try:
            for batch in batches:
                if _limit(max_steps, steps_here, deadline):
                    return True, steps_here
                loss, n = self._train_step(batch)
                steps_here += 1
                if bar is not None:
                    rate = (self.sums["n"] - items0) / max(time.perf_counter() - t0, 1e-9)
                    bar.set_postfix_str(f"loss={self.sums['loss'] / self.sums['n']:.4f}, "
                                        f"{_si(rate)} items/s", refresh=False)
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        return False, steps_here

    def _epoch_batches(self) -> Iterable:
        """This epoch's batches; after a resume inside an epoch, the same batches the
        interrupted run would have seen next (replayed with the epoch's generator)."""
        if self.pos == 0:
            self.epoch_rng = mg.backend.get_rng_state()
            self.sums = {}
            self.task.start_epoch()
            return self.task.batches()
        now = mg.backend.get_rng_state()
        mg.backend.set_rng_state(self.epoch_rng)
        it = iter(self.task.batches())
        for _ in range(self.pos):
            next(it)
        mg.backend.set_rng_state(now)
        return it

    def _train_step(self, batch: Any) -> tuple[float, int]:
        self.optimizer.zero_grad()
        loss, n, metrics = self.task.step(self.model, batch)
        loss.backward()
        norm = _clip(self.params, self.clip_norm)
        self.optimizer.step()
        value = float(loss.item())
        s = self.sums
        s["loss"] = s.get("loss", 0.0) + value * n
        s["n"] = s.get("n", 0) + n
        s["grad_norm"] = s.get("grad_norm", 0.0) + norm
        s["steps"] = s.get("steps", 0) + 1
        for k, v in metrics.items():
            s["m_" + k] = s.get("m_" + k, 0.0) + float(v)
        self.step += 1
        self.pos += 1
        self.step_losses.append(value)
        return value, n

    def _summary(self, partial: bool) -> dict:
        s = self.sums
        n = max(s.get("n", 0), 1)
        entry: dict = {"epoch": self.epoch + 1, "step": self.step,
                       "train_loss": s.get("loss", math.nan) / n}
        for k, v in s.items():
            if k.startswith("m_"):
                entry["train_" + k[2:]] = v / n
        entry["grad_norm"] = s.get("grad_norm", math.nan) / max(s.get("steps", 0), 1)
        entry["lr"] = current_lr(self.optimizer)
        val = self.evaluate()
        if val:
            entry.update({"val_" + k: float(v) for k, v in val.items()})
        if partial:
            entry["partial"] = True
        return entry

    def evaluate(self) -> dict | None:
        """The task's validation metrics (model in eval mode, no graph)."""
        if not hasattr(self.task, "evaluate"):
            return None
        with mg.nn.eval_mode(self.model), mg.no_grad():
            return self.task.evaluate(self.model)

    def _report(self, entry: dict) -> None:
        keys = [k for k in entry if k not in ("epoch", "step", "partial", "lr")]
        text = ", ".join(f"{k} {entry[k]:.4f}" for k in keys)
        tag = " (partial)" if entry.get("partial") else ""
        self.log(f"epoch {entry['epoch']}{tag}: {text}")

    def _end_of_epoch(self) -> None:
        entry = self._summary(partial=False)
        self.epoch += 1
        self.pos, self.sums, self.epoch_rng = 0, {}, None
        if self.scheduler is not None:
            self.scheduler.step()
        val = entry.get("val_loss")
        improved = val is not None and val < self.best - self.min_delta
        if improved:
            self.best, self.bad_epochs = val, 0
        elif val is not None:
            self.bad_epochs += 1
            if self.patience is not None and self.bad_epochs >= self.patience:
                self.stopped_early = True
                entry["stopped_early"] = True
        self.history.append(entry)
        self._report(entry)
        if self.out_dir is not None:
            self.save()
            if improved:
                self.save(self.checkpoint_path("best.mg"))
        if self.stopped_early:
            self.log(f"early stopping: no better validation loss for {self.bad_epochs} "
                     f"epochs (best {self.best:.4f})")

    def _end_of_run(self, partial: bool) -> None:
        entry = self._summary(partial=partial)
        self.history.append(entry)
        self._report(entry)
        if self.out_dir is not None:
            self.save()


def _check_parts(model: Any, optimizer: Any, task: Any, clip_norm: Any, patience: Any) -> None:
    """The Trainer's arguments, checked up front (not at the first step, or never: an
    optimizer made for another model would let a run train nothing, silently)."""
    if not isinstance(model, mg.nn.Module):
        raise TypeError(f"Trainer: model must be an mg.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, mg.optim.Optimizer):
        raise TypeError(f"Trainer: optimizer must be an mg.optim optimizer, got "
                        f"{type(optimizer).__name__}")
    missing = [m for m in ("batches", "start_epoch", "step") if not hasattr(task, m)]
    if missing:
        raise TypeError(f"Trainer: task must have batches(), start_epoch() and step() "
                        f"(see models.task); a {type(task).__name__} lacks {missing}")
    mine = {id(p) for p in model.parameters()}
    if not any(id(p) in mine for g in optimizer.param_groups for p in g["params"]):
        raise ValueError("Trainer: the optimizer holds none of the model's parameters (was "
                         "it made for another model?)")
    if clip_norm is not None and not (isinstance(clip_norm, int | float) and clip_norm > 0):
        raise ValueError(f"Trainer: clip_norm must be a number > 0 (or None), got {clip_norm!r}")
    if patience is not None and not (isinstance(patience, int) and patience >= 1):
        raise ValueError(f"Trainer: patience must be an integer >= 1 (or None), got "
                         f"{patience!r}")


def _check_limits(epochs: Any, max_steps: Any, max_minutes: Any) -> None:
    for what, v, low in (("epochs", epochs, 0), ("max_steps", max_steps, 1)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < low):
            raise ValueError(f"Trainer.fit: {what} must be an integer >= {low} (or None), "
                             f"got {v!r}")
    if max_minutes is not None and not (isinstance(max_minutes, int | float)
                                        and max_minutes > 0):
        raise ValueError(f"Trainer.fit: max_minutes must be a number > 0 (or None), got "
                         f"{max_minutes!r}")


def _limit(max_steps: int | None, steps: int, deadline: float | None) -> bool:
    return (max_steps is not None and steps >= max_steps) or \
        (deadline is not None and time.perf_counter() >= deadline)


def _progress(total: int | None, initial: int, desc: str, enabled: bool):
    if not enabled:
        return None
    tqdm = require("tqdm.auto", "the progress bar (pass progress=False to go without)").tqdm
    return tqdm(total=total, initial=initial, desc=desc, unit="batch", file=sys.stderr,
                dynamic_ncols=True, leave=True, mininterval=0.5)


def _si(x: float) -> str:
    return f"{x / 1000:.1f}k" if x >= 1000 else f"{x:.0f}"
