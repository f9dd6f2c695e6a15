"""mg.save / mg.load: nested state on disk, safely; the one pack/unpack of nested state.

What can be saved: arrays and tensors, Python numbers (also inf and nan), strings,
bools, None, NumPy scalars, and lists, tuples and dicts of all of these, nested
(dict keys may be any of the hashable ones: ``{0: ...}`` stays an int key). That is
what a model's, an optimizer's, a scheduler's and a trainer's state are made of, so
each of them is saved as it is and ``mg.load`` gives back the same structure and the
same types: tuples stay tuples, ``np.float32(1.5)`` stays a float32 scalar and a float
keeps every bit (JSON writes the shortest repr that reads back to the same double).
Arrays (and tensors) come back as NumPy arrays.

A file is a zip archive of ``.npy`` arrays and a JSON manifest: ``pack`` turns the
structure into that manifest's ``value`` (JSON values, where each array becomes
``{"array": i}`` and every non-JSON kind a one-key object: ``{"tuple": [...]}``,
``{"dict": {...}}``, ``{"items": [[key, value], ...]}`` for non-string keys,
``{"scalar": i}``, ``{"float": "inf"}``), ``unpack`` turns it back. Loading never
unpickles anything, so a file from a stranger can at worst fail to load. Writing goes
through ``backend.atomic_write``: a crash mid-save leaves the previous file whole.
Files of the first format ("minigrad-1": string-keyed dicts of arrays, numbers and
strings) still load.
"""
from __future__ import annotations

import math
import os
from typing import Any

from minigrad import backend
from minigrad.tensor import Tensor

FORMAT = "minigrad-2"
_JSON_LEAVES = (str, int, bool, type(None))  # exact types: JSON keeps them as they are


def pack(obj: Any) -> tuple[Any, list]:
    """A nested structure -> (a JSON-able skeleton, the list of arrays it refers to)."""
    arrays: list = []

    def keep(a: Any, where: str) -> int:
        if a.dtype.hasobject:
            raise TypeError(f"mg.save: cannot save an array of Python objects at "
                            f"{where or 'the top level'}")
        arrays.append(a)
        return len(arrays) - 1

    def enc(x: Any, where: str) -> Any:
        if type(x) in _JSON_LEAVES:
            return x
        if type(x) is float:
            return x if math.isfinite(x) else {"float": repr(x)}
        if isinstance(x, backend.SCALAR_TYPES):  # np.float32(1.5): a 0-d array on disk
            return {"scalar": keep(backend.scalar_to_array(x), where)}
        if isinstance(x, Tensor):
            x = x.array
        if backend.is_array(x):
            return {"array": keep(x, where)}
        if type(x) is list:
            return [enc(v, f"{where}[{i}]") for i, v in enumerate(x)]
        if type(x) is tuple:
            return {"tuple": [enc(v, f"{where}[{i}]") for i, v in enumerate(x)]}
        if isinstance(x, dict):
            if all(type(k) is str for k in x):
                return {"dict": {k: enc(v, f"{where}[{k!r}]") for k, v in x.items()}}
            return {"items": [[enc(k, f"{where} (a key)"), enc(v, f"{where}[{k!r}]")]
                              for k, v in x.items()]}
        raise TypeError(f"mg.save: cannot save a {type(x).__name__} at "
                        f"{where or 'the top level'}; only arrays, tensors, numbers, strings, "
                        "None and lists, tuples and dicts of them")

    return enc(obj, ""), arrays


def unpack(value: Any, arrays: list) -> Any:
    """The inverse of ``pack``."""
    if type(value) is list:
        return [unpack(v, arrays) for v in value]
    if type(value) is not dict:
        return value
    (tag, v), = value.items()
    if tag == "dict":
        return {k: unpack(x, arrays) for k, x in v.items()}
    if tag == "items":
        return {unpack(k, arrays): unpack(x, arrays) for k, x in v}
    if tag == "tuple":
        return tuple(unpack(x, arrays) for x in v)
    if tag == "array":
        return arrays[v]
    if tag == "scalar":
        return arrays[v][()]
    if tag == "float":
        return float(v)
    raise ValueError(f"unknown entry {tag!r}")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (see the module docstring for what it may hold) to ``path``
    atomically."""
    _check_path("mg.save", path)
    value, arrays = pack(obj)
    backend.atomic_write(path, backend.zip_arrays({"format": FORMAT, "value": value}, arrays))


def _check_path(op: str, path: Any) -> None:
    if not isinstance(path, str | bytes | os.PathLike):
        raise TypeError(f"{op}: path must be a str or os.PathLike, got {type(path).__name__}")


def load(path: str | os.PathLike) -> Any:
    """Read a file written by ``save``; arrays come back as NumPy arrays."""
    _check_path("mg.load", path)
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"mg.load: no such file: {path}")
    manifest, arrays = backend.unzip_arrays(path)
    fmt = manifest.get("format")
    try:
        if fmt == FORMAT:
            return unpack(manifest["value"], arrays)
        if fmt == "minigrad-1":
            return _load_first_format(manifest, arrays)
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise ValueError(f"mg.load: {path} is damaged ({type(e).__name__}: {e})") from None
    raise ValueError(f"mg.load: {path} is not a minigrad file (format {fmt!r})")


def _load_first_format(manifest: dict, arrays: list) -> dict:
    """Files saved before nested state was packed: keys "a/b" name nested dicts, and
    each key's kind says "array", "list" (a number list kept as an array), "dict"
    (empty) or [type name, value] for a number or string kept in the manifest."""
    result: dict = {}
    leaves = dict(zip(manifest["keys"], arrays))
    for key, kind in manifest["kinds"].items():
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
