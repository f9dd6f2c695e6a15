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
    ``scheduler``, ``trainer``, ``extra`` and ``rng`` (generator state)."""

    def restore(self, model: Any = None, optimizer: Any = None, scheduler: Any = None,
                rng: bool = True) -> Checkpoint:
        """Load the saved state into the objects given (and the random generator)."""
        if model is not None:
            model.load_state_dict(self["model"])
        if optimizer is not None and self["optimizer"] is not None:
            optimizer.load_state_dict(self["optimizer"])
        if scheduler is not None and self["scheduler"] is not None:
            scheduler.load_state_dict(self["scheduler"])
        if rng:
            mg.backend.set_rng_state(self["rng"])
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
        return Checkpoint({k: raw[k] for k in ("model", "optimizer", "scheduler", "trainer",
                                              "extra", "rng")})
    except KeyError as e:
        raise ValueError(f"{path}: damaged checkpoint (no {e.args[0]!r})") from None
