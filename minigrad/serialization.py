"""mg.save / mg.load: (nested) dicts of arrays on disk, safely.

Files are zip archives of ``.npy`` arrays plus a JSON manifest (keys and the Python
type of each leaf); loading never unpickles anything, so a file from a stranger can at
worst fail to load. Saving writes a temporary file and renames it over the target:
a crash mid-save leaves the previous file whole.
"""
from __future__ import annotations

import os
from typing import Any

from minigrad import backend
from minigrad.tensor import Tensor

_LEAF_TYPES = (int, float, bool, str)


def _flatten(obj: Any, prefix: str, out: dict, kinds: dict) -> None:
    if isinstance(obj, dict):
        if not obj and prefix:
            kinds[prefix] = "dict"
        for k, v in obj.items():
            if not isinstance(k, str) or "/" in k:
                raise TypeError(f"mg.save: keys must be strings without '/', got {k!r}")
            _flatten(v, f"{prefix}/{k}" if prefix else k, out, kinds)
        return
    if isinstance(obj, Tensor):
        obj = obj.array
    if backend.is_array(obj):
        out[prefix], kinds[prefix] = obj, "array"
    elif isinstance(obj, _LEAF_TYPES):  # kept in the JSON manifest itself
        kinds[prefix] = [type(obj).__name__, obj]
    elif isinstance(obj, list | tuple) and all(isinstance(v, int | float) for v in obj):
        out[prefix], kinds[prefix] = backend.as_array(list(obj), dtype=backend.float64
                                                      if any(isinstance(v, float) for v in obj)
                                                      else None), "list"
    else:
        raise TypeError(f"mg.save: cannot save {type(obj).__name__} at key {prefix!r}; "
                        "only dicts of arrays, tensors, numbers, strings and number lists")


def save(obj: dict, path: str | os.PathLike) -> None:
    """Write a (nested) dict of arrays/tensors/numbers/strings to ``path`` atomically."""
    if not isinstance(obj, dict):
        raise TypeError(f"mg.save: expected a dict, got {type(obj).__name__}")
    flat: dict = {}
    kinds: dict = {}
    _flatten(obj, "", flat, kinds)
    backend.save_arrays(flat, os.fspath(path),
                        {"format": "minigrad-1", "keys": list(flat), "kinds": kinds})


def load(path: str | os.PathLike) -> dict:
    """Read a file written by ``save``; arrays come back as NumPy arrays."""
    path = os.fspath(path)
    arrays, meta = backend.load_arrays(path)
    if meta.get("format") != "minigrad-1":
        raise ValueError(f"mg.load: {path} is not a minigrad file (format {meta.get('format')!r})")
    result: dict = {}
    kinds = meta["kinds"]
    leaves = dict(zip(meta["keys"], arrays))
    for key, kind in kinds.items():
        value: Any = leaves.get(key)
        if kind == "dict":
            value = {}
        elif isinstance(kind, list):
            value = kind[1]
        elif kind == "list":
            value = value.tolist()
        node = result
        *parents, last = key.split("/")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return result
