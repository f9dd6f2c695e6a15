"""Checkpoints: everything a training run needs to stop and go on, in one file.

A checkpoint is one ``mg.save`` file (a zip of ``.npy`` arrays and a JSON manifest,
written atomically, so a killed save leaves the previous checkpoint whole; nothing is
ever unpickled on load). It holds::

    model       the model's state_dict (PyTorch names -> arrays)
    optimizer   the optimizer's state_dict (moments, step counts, hyper-parameters)
    scheduler   the LR scheduler's state_dict (or None)
    trainer     epoch, step, position inside the epoch, early-stopping counters,
                history, the state a language model carries between chunks
    rng         minigrad's random generator (dropout masks, shuffling)
    extra       what the caller adds: the model's config, the tokenizer, a scaler

Each is stored as the nested structure it is (``mg.save`` keeps dicts with integer
keys, tuples, None and every bit of a float), and comes back the same.
"""
from __future__ import annotations

import os
from typing import Any

import minigrad as mg

FORMAT = "minigrad.checkpoint"
VERSION = 2  # 1: before mg.save kept nested state (optimizer, trainer, extra as JSON text)


def save_checkpoint(path: str | os.PathLike, *, model: Any, optimizer: Any = None,
                    trainer: dict | None = None, extra: dict | None = None,
                    scheduler: Any = None) -> None:
    """Write one checkpoint file atomically (see the module docstring)."""
    if not hasattr(model, "state_dict"):
        raise TypeError(f"save_checkpoint: model must be a Module, got {type(model).__name__}")
    mg.save({
        "format": FORMAT, "version": VERSION,
        "model": model.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "trainer": trainer or {},
        "rng": mg.backend.get_rng_state(),
        "extra": extra or {},
    }, path)


class Checkpoint(dict):
    """What ``load_checkpoint`` returns: ``model`` (state_dict), ``optimizer``,
    ``scheduler``, ``trainer``, ``extra`` and ``rng`` (generator state); ``path`` is the
    file it came from."""
    path = "the checkpoint"

    def restore(self, model: Any = None, optimizer: Any = None, scheduler: Any = None,
                rng: bool = True, trainer: Any = None) -> Checkpoint:
        """Load the saved state into the objects given (and the random generator), all
        or nothing: when one part does not fit (another model, another kind of
        optimizer, a damaged entry), every object is put back as it was and one
        ValueError names the file and the part."""
        parts = [(name, obj, self[key]) for name, obj, key in (
            ("model", model, "model"), ("optimizer", optimizer, "optimizer"),
            ("scheduler", scheduler, "scheduler"), ("training loop state", trainer, "trainer"))
            if obj is not None and self[key] is not None]
        before = [(obj, obj.state_dict()) for _, obj, _ in parts]
        rng_before = mg.backend.get_rng_state()
        name = "random generator state"
        try:
            for name, obj, state in parts:
                obj.load_state_dict(state)
            name = "random generator state"
            if rng:
                mg.backend.set_rng_state(self["rng"])
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
            for obj, state in before:  # undo the parts that loaded
                obj.load_state_dict(state)
            mg.backend.set_rng_state(rng_before)
            why = f"no {e.args[0]!r}" if isinstance(e, KeyError) and len(e.args) == 1 \
                and isinstance(e.args[0], str) and " " not in e.args[0] else str(e)
            raise ValueError(f"{self.path}: the {name} does not fit ({why}); nothing was "
                             "restored") from None
        return self


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint``. A missing file raises
    FileNotFoundError, anything else that is not a checkpoint ValueError, each with a
    message that names the path."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no checkpoint file at {path}")
    raw = mg.load(path)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError(f"{path} is a minigrad file but not a training checkpoint")
    if raw.get("version") != VERSION:
        raise ValueError(f"{path} is a checkpoint of an older minigrad (version "
                         f"{raw.get('version')}; this one reads version {VERSION}): its "
                         "training state cannot be resumed, start a new run (the weights "
                         "still load with mg.load(path)['model'])")
    try:
        ckpt = Checkpoint({k: raw[k] for k in ("model", "optimizer", "scheduler", "trainer",
                                              "extra", "rng")})
    except KeyError as e:
        raise ValueError(f"{path}: damaged checkpoint (no {e.args[0]!r})") from None
    ckpt.path = path
    return ckpt
