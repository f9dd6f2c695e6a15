"""Checkpoints: everything a training run needs to stop and go on, in one file.

A checkpoint is one ``mg.save`` file (a zip of ``.npy`` arrays and a JSON manifest,
written to a temporary file and renamed into place, so a killed save leaves the
previous checkpoint whole; nothing is ever unpickled on load). It holds::

    model       the model's state_dict (PyTorch names -> arrays)
    optimizer   the optimizer's state (moments, step counts, hyper-parameters)
    trainer     epoch, step, position inside the epoch, early-stopping counters,
                history, the state a language model carries between chunks
    rng         minigrad's random generator (dropout masks, shuffling)
    extra       what the caller adds: the model's config, the tokenizer, a scaler

Optimizer and trainer states are nested Python structures (lists of dicts, integer
keys, tuples). ``pack`` turns such a structure into a JSON skeleton plus a flat dict
of arrays, which ``mg.save`` stores as they are; ``unpack`` rebuilds it exactly.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

import minigrad as mg

FORMAT = "minigrad.checkpoint"
VERSION = 1


# ------------------------------------------------------------------ pack / unpack
def pack(obj: Any) -> tuple[str, dict[str, np.ndarray]]:
    """A nested structure -> (JSON text, {name: array}). Arrays (and Tensors) go to the
    dict by reference; dicts with non-string keys, tuples, numpy scalars, None and the
    Python leaves are encoded so that ``unpack`` gives back the same types."""
    arrays: dict[str, np.ndarray] = {}

    def enc(x: Any) -> Any:
        if isinstance(x, mg.Tensor):
            x = x.array
        if mg.backend.is_array(x):
            name = f"a{len(arrays)}"
            arrays[name] = mg.backend.to_numpy(x).copy()
            return {"__array__": name}
        if isinstance(x, np.generic):
            return {"__scalar__": x.dtype.str, "v": x.item()}
        if isinstance(x, bool | int | float | str) or x is None:
            if isinstance(x, float) and not np.isfinite(x):
                return {"__float__": repr(x)}
            return x
        if isinstance(x, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in x):
                return {k: enc(v) for k, v in x.items()}
            return {"__items__": [[enc(k), enc(v)] for k, v in x.items()]}
        if isinstance(x, tuple):
            return {"__tuple__": [enc(v) for v in x]}
        if isinstance(x, list):
            return [enc(v) for v in x]
        raise TypeError(f"checkpoint: cannot store a {type(x).__name__}")

    return json.dumps(enc(obj)), arrays


def unpack(text: str, arrays: dict) -> Any:
    def dec(x: Any) -> Any:
        if isinstance(x, list):
            return [dec(v) for v in x]
        if not isinstance(x, dict):
            return x
        if "__array__" in x:
            return np.asarray(arrays[x["__array__"]])
        if "__scalar__" in x:
            return np.dtype(x["__scalar__"]).type(x["v"])
        if "__float__" in x:
            return float(x["__float__"])
        if "__items__" in x:
            return {_hashable(dec(k)): dec(v) for k, v in x["__items__"]}
        if "__tuple__" in x:
            return tuple(dec(v) for v in x["__tuple__"])
        return {k: dec(v) for k, v in x.items()}

    return dec(json.loads(text))


def _hashable(k: Any) -> Any:
    return tuple(k) if isinstance(k, list) else k


def _packed(obj: Any) -> dict:
    text, arrays = pack(obj)
    return {"json": text, "arrays": arrays}


def _unpacked(d: dict) -> Any:
    return unpack(d["json"], d.get("arrays", {}))


# ------------------------------------------------------------------ files
def save_checkpoint(path: str | os.PathLike, *, model: Any, optimizer: Any = None,
                    trainer: dict | None = None, extra: dict | None = None,
                    scheduler: Any = None) -> None:
    """Write one checkpoint file atomically (see the module docstring)."""
    obj = {
        "format": FORMAT, "version": VERSION,
        "model": dict(model.state_dict()),
        "optimizer": _packed(optimizer.state_dict() if optimizer is not None else None),
        "scheduler": _packed(scheduler.state_dict() if scheduler is not None
                             and hasattr(scheduler, "state_dict") else None),
        "trainer": _packed(trainer or {}),
        "rng": json.dumps(mg.backend.get_rng_state()),
        "extra": _packed(extra or {}),
    }
    os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)
    mg.save(obj, path)


class Checkpoint(dict):
    """What ``load_checkpoint`` returns: ``model`` (state_dict), ``optimizer``,
    ``scheduler``, ``trainer``, ``extra`` (unpacked) and ``rng`` (generator state)."""

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
    if raw.get("format") != FORMAT:
        raise ValueError(f"{path} is a minigrad file but not a training checkpoint")
    try:
        return Checkpoint(
            model=raw["model"], optimizer=_unpacked(raw["optimizer"]),
            scheduler=_unpacked(raw["scheduler"]), trainer=_unpacked(raw["trainer"]),
            extra=_unpacked(raw["extra"]), rng=json.loads(raw["rng"]))
    except (KeyError, TypeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: damaged checkpoint ({type(e).__name__}: {e})") from None
