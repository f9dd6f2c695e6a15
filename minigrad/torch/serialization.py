"""``torch.save(model, f)`` / ``torch.load(f)`` for whole objects, without pickle.

PyTorch pickles: loading a file runs whatever code the file names, which is why
PyTorch's own default became ``weights_only=True``. minigrad never unpickles. Here an
object is written as data: a JSON description (numbers, strings, lists, dicts, and
for a module its class's import path plus its attributes) next to the arrays, in an
``mg.save`` file. Loading rebuilds a module by creating an instance of the named class
*without calling anything* (``cls.__new__`` and its attributes filled in) and only
for classes the caller allows:

* minigrad's own classes (``minigrad.nn.LSTM``, ...) always;
* classes passed to ``add_safe_globals([MyModel])`` or ``with safe_globals([...])``
  (PyTorch's names), matched by import path or, failing that, by class name;
* with ``weights_only=False`` (the caller trusts the file), any Module subclass of a
  module that is already imported: the file never makes Python import anything.

Anything else gets an error that says which of these to use. Saved: modules (with
tied and shared parameters kept shared), tensors and parameters, NumPy arrays and
scalars, dtypes, devices, None, bools, numbers, strings, and lists, tuples, dicts
and sets of these (a module's buffers are tensors among its attributes). ``f`` is a
path or a file opened in binary mode.
"""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any, Iterator

from minigrad import backend
from minigrad import serialization as _mg_files
from minigrad.nn.module import Module
from minigrad.nn.recurrent.spec import BY_KIND, CellSpec
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor
from minigrad.torch.legacy import device

FORMAT = "minigrad-object-1"
_ALLOWED: dict[str, type] = {}  # class path -> class, from add_safe_globals


class LoadRefused(RuntimeError):
    """torch.load found a class it may not rebuild (the message says how to allow it)."""


def _path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


# ------------------------------------------------------------------ allow-list
def add_safe_globals(classes: list[type]) -> None:
    """Allow ``torch.load`` to rebuild these classes (PyTorch's name for it)."""
    for cls in classes:
        if not isinstance(cls, type):
            raise TypeError(f"add_safe_globals: expected classes, got {cls!r}")
        _ALLOWED[_path(cls)] = cls


def get_safe_globals() -> list[type]:
    return list(_ALLOWED.values())


def clear_safe_globals() -> None:
    _ALLOWED.clear()


@contextlib.contextmanager
def safe_globals(classes: list[type]) -> Iterator[None]:
    """``with safe_globals([MyModel]): model = torch.load(f)``: allowed in the block only."""
    before = dict(_ALLOWED)
    add_safe_globals(classes)
    try:
        yield
    finally:
        _ALLOWED.clear()
        _ALLOWED.update(before)


# ------------------------------------------------------------------ saving
class _Encoder:
    """Object -> JSON-able description; arrays go to ``self.arrays`` by number. Objects
    met twice (a tied Parameter, a shared layer) are written once and referred to."""

    def __init__(self):
        self.arrays: dict[str, Any] = {}
        self.seen: dict[int, int] = {}
        self.keep: list = []  # hold encoded objects so their ids stay unique

    def array(self, a: Any) -> str:
        key = str(len(self.arrays))
        self.arrays[key] = backend.to_numpy(a)
        return key

    def encode(self, obj: Any, where: str) -> Any:
        if obj is None or type(obj) in (bool, int, float, str):
            return obj
        if id(obj) in self.seen:
            return {"ref": self.seen[id(obj)]}
        if isinstance(obj, Module | Tensor) or backend.is_array(obj):
            self.seen[id(obj)] = len(self.seen)
            self.keep.append(obj)
            return {"id": self.seen[id(obj)], **self._shared(obj, where)}
        return self._value(obj, where)

    def _shared(self, obj: Any, where: str) -> dict:
        if isinstance(obj, Module):
            cls = type(obj)
            if "<locals>" in cls.__qualname__:
                raise TypeError(f"torch.save: {where} is a {cls.__qualname__}, a class made "
                                "inside a function; define it at the top of a module")
            return {"module": _path(cls),
                    "attrs": self._value(dict(obj.__dict__), f"{where}.__dict__")}
        if isinstance(obj, Tensor):
            return {"tensor": self.array(obj.array), "parameter": isinstance(obj, Parameter),
                    "requires_grad": obj.requires_grad, "device": obj.device}
        return {"array": self.array(obj)}

    def _value(self, obj: Any, where: str) -> Any:
        if isinstance(obj, device):
            return {"device": str(obj)}
        if isinstance(obj, CellSpec):  # a recurrent layer's kind of cell: saved by name
            return {"cell": obj.kind}
        for plain in (bool, int, float, str):  # subclasses (NumPy's float64): the plain type
            if isinstance(obj, plain):
                return plain(obj)
        if isinstance(obj, list | tuple):
            kind = "list" if isinstance(obj, list) else "tuple"
            return {kind: [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, set):  # a module's names of non-persistent buffers
            return {"set": [self.encode(v, f"{where} (an element)") for v in sorted(obj, key=repr)]}
        if isinstance(obj, dict):
            kind = "odict" if isinstance(obj, OrderedDict) else "dict"
            return {kind: [[self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                           for k, v in obj.items()]}
        if isinstance(obj, backend.SCALAR_TYPES):  # a NumPy scalar: np.int64(3)
            return {"scalar": self.array(backend.scalar_to_array(obj))}
        if _is_dtype(obj):
            return {"dtype": backend.as_dtype(obj).name}
        raise TypeError(f"torch.save: cannot save {where}, a {type(obj).__qualname__}: "
                        "minigrad saves modules, tensors, arrays, numbers, strings, None, "
                        "dtypes, kinds of recurrent cell and lists/tuples/dicts/sets of them, "
                        "never a pickle")


def _is_dtype(obj: Any) -> bool:
    """A NumPy dtype (np.dtype('float32')) or scalar type (np.float32, torch.long)."""
    if isinstance(obj, type):
        return issubclass(obj, backend.SCALAR_TYPES)
    return type(obj).__module__.startswith("numpy") and hasattr(obj, "kind") and \
        hasattr(obj, "char")


def save(obj: Any, f: Any) -> None:
    """Write ``obj`` (a model, a state_dict, a dict of anything listed above) to ``f``,
    a path or a binary file object. The path is written atomically (mg.save)."""
    enc = _Encoder()
    root = enc.encode(obj, type(obj).__name__)
    payload = {"format": FORMAT, "object": json.dumps(root), "arrays": enc.arrays}
    if hasattr(f, "write"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "object.mg")
            _mg_files.save(payload, path)
            with open(path, "rb") as src:
                f.write(src.read())
        return
    _mg_files.save(payload, f)


# ------------------------------------------------------------------ loading
class _Decoder:
    def __init__(self, arrays: dict, trust_imported: bool, location: str | None):
        self.arrays, self.trust, self.location = arrays, trust_imported, location
        self.made: dict[int, Any] = {}

    def decode(self, d: Any) -> Any:
        if not isinstance(d, dict):
            return d
        if "ref" in d:
            return self.made[d["ref"]]
        if "module" in d:
            cls = self._cls(d["module"])
            obj = cls.__new__(cls)  # no __init__: nothing runs, the attributes follow
            self.made[d["id"]] = obj
            obj.__dict__.update(self.decode(d["attrs"]))
            if isinstance(obj, Module):  # a file from before modules had buffers
                obj.__dict__.setdefault("_buffers", OrderedDict())
                obj.__dict__.setdefault("_non_persistent_buffers_set", set())
            return obj
        if "tensor" in d:
            data = self.arrays[d["tensor"]]
            dev = self.location or d["device"]
            t = Parameter(data, requires_grad=d["requires_grad"], device=dev) if d["parameter"] \
                else Tensor(data, requires_grad=d["requires_grad"], device=dev)
            self.made[d["id"]] = t
            return t
        if "array" in d:
            self.made[d["id"]] = self.arrays[d["array"]]
            return self.made[d["id"]]
        (kind, body), = d.items()
        if kind in ("list", "tuple", "set"):
            items = [self.decode(v) for v in body]
            return items if kind == "list" else tuple(items) if kind == "tuple" else set(items)
        if kind in ("dict", "odict"):
            pairs = ((self.decode(k), self.decode(v)) for k, v in body)
            return OrderedDict(pairs) if kind == "odict" else dict(pairs)
        if kind == "scalar":
            return self.arrays[body][()]
        if kind == "dtype":
            return backend.as_dtype(body).type
        if kind == "device":
            return device(body)
        if kind == "cell" and body in BY_KIND:
            return BY_KIND[body]
        raise ValueError(f"torch.load: unknown entry {kind!r} in the file")

    def _cls(self, path: str) -> type:
        """The class at ``path``, if the caller allows it (see the module doc)."""
        modname, _, qualname = path.partition(":")
        by_name = [c for c in _ALLOWED.values() if c.__qualname__ == qualname]
        cls = _ALLOWED.get(path) or (by_name[0] if len(by_name) == 1 else None)
        if cls is None and (modname == "minigrad" or modname.startswith("minigrad.")):
            cls = _lookup(importlib.import_module(modname), qualname)
        elif cls is None and self.trust and modname in sys.modules:
            cls = _lookup(sys.modules[modname], qualname)
        if not (isinstance(cls, type) and issubclass(cls, Module)):
            raise LoadRefused(_refusal(path, self.trust))
        return cls


def _lookup(module: Any, qualname: str) -> Any:
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj


def _refusal(path: str, trusted: bool) -> str:
    modname, _, name = path.partition(":")
    if trusted:
        return (f"torch.load: the file holds a {name} from module {modname!r}, which is not "
                f"imported (minigrad never imports what a file names): import it first, or "
                f"allow the class: torch.serialization.add_safe_globals([{name}])")
    return (f"torch.load: the file holds a {name} (from {modname!r}); minigrad never "
            f"unpickles and rebuilds only classes you allow. If you trust the file: "
            f"torch.load(f, weights_only=False), or allow this class: "
            f"torch.serialization.add_safe_globals([{name}]) or "
            f"`with torch.serialization.safe_globals([{name}]): torch.load(f)`; "
            f"or save model.state_dict() and load it with model.load_state_dict()")


def load(f: Any, map_location: Any = None, weights_only: bool | None = None,
         **_: Any) -> Any:
    """Read what ``save`` wrote (or an ``mg.save`` file: its dict) from a path or a binary
    file. ``map_location='cpu'``/``'cuda'`` moves tensors; other forms keep them where
    they were saved. ``weights_only=False`` trusts the file (see the module doc)."""
    if hasattr(f, "read"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "object.mg")
            with open(path, "wb") as dst:
                dst.write(f.read())
            return load(path, map_location, weights_only)
    path = os.fspath(f)
    try:
        payload = _mg_files.load(path)
    except ValueError as e:
        if zipfile.is_zipfile(path) and any(n.endswith("data.pkl")
                                            for n in zipfile.ZipFile(path).namelist()):
            raise ValueError(f"torch.load: {path} is a PyTorch (pickle) file, which minigrad "
                             "never unpickles. In PyTorch, save the weights as arrays "
                             "(model.state_dict()) or convert the model with "
                             "minigrad.torch.from_torch") from None
        raise ValueError(f"torch.load: {e}") from None
    if payload.get("format") != FORMAT:
        return payload
    location = str(map_location) if isinstance(map_location, str) else None
    arrays = payload.get("arrays", {})
    return _Decoder(arrays, weights_only is False, location).decode(json.loads(payload["object"]))


__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "LoadRefused"]
