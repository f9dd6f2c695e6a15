"""The names PyTorch code uses for types: ``torch.Tensor`` and the legacy typed
constructors (``torch.LongTensor([1, 2])``, ``torch.FloatTensor(2, 3)``), dtypes as
``torch.long``, and ``torch.device``.

minigrad has one tensor class, ``minigrad.Tensor``, whose dtype is data, as in modern
PyTorch. The legacy names are classes only in what code asks of them:
``isinstance(h, torch.Tensor)`` holds for every minigrad tensor,
``isinstance(t, torch.LongTensor)`` for int64 ones, and calling one builds a tensor.
"""
from __future__ import annotations

import builtins
from typing import Any

from minigrad import backend, creation
from minigrad.dtypes import LEGACY_TYPES
from minigrad.tensor import Tensor as _Tensor

# dtypes under PyTorch's names: NumPy's types, so x.dtype == torch.float32 holds
float32 = float = backend.float32
float64 = double = backend.float64
float16 = half = backend.float16
int64 = long = backend.int64
int32 = int = backend.int32
int16 = short = backend.as_dtype("int16").type
int8 = backend.as_dtype("int8").type
uint8 = backend.as_dtype("uint8").type
bool = backend.bool_


class _LegacyType(type):
    """The metaclass of torch.Tensor, torch.LongTensor, ...: instance checks look at a
    minigrad tensor's dtype, calls build one the legacy way."""
    legacy_dtype: Any = None  # None: any dtype for isinstance, the default one to build

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _Tensor) and (cls.legacy_dtype is None
                                             or obj.dtype == cls.legacy_dtype)

    def __subclasscheck__(cls, sub: type) -> bool:
        return isinstance(sub, type) and issubclass(sub, _Tensor)

    def __call__(cls, *args: Any, device: Any = None) -> _Tensor:
        """``T(2, 3)``: zeros of that shape (PyTorch leaves them uninitialised);
        ``T([1, 2])``, ``T(array)`` or ``T(tensor)``: a copy of the data."""
        dtype = cls.legacy_dtype or backend.default_dtype()
        if all(isinstance(a, builtins.int) and not isinstance(a, builtins.bool) for a in args):
            return creation.zeros(*args, dtype=dtype, device=device)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}(): give sizes (2, 3) or one sequence of data, "
                            f"got {args!r}")
        return creation.tensor(args[0], dtype=dtype, device=device)


def _legacy(name: str, dtype: Any) -> type:
    return _LegacyType(name, (), {"legacy_dtype": dtype, "__module__": "torch",
                                  "__doc__": f"torch.{name}: minigrad tensors of dtype "
                                             f"{dtype or 'any'} (a legacy constructor)"})


Tensor = _legacy("Tensor", None)
_BY_NAME = {name: _legacy(name, backend.as_dtype(dt).type) for dt, name in LEGACY_TYPES.items()}
FloatTensor, DoubleTensor, HalfTensor = (_BY_NAME[n] for n in
                                         ("FloatTensor", "DoubleTensor", "HalfTensor"))
LongTensor, IntTensor, ShortTensor = (_BY_NAME[n] for n in
                                      ("LongTensor", "IntTensor", "ShortTensor"))
CharTensor, ByteTensor, BoolTensor = (_BY_NAME[n] for n in
                                      ("CharTensor", "ByteTensor", "BoolTensor"))


class device(str):
    """``torch.device("cuda", 0)``, ``torch.device("cpu")``: a device name that is also a
    ``str``, so every minigrad call taking 'cpu' or 'cuda:0' takes it as it is."""
    type: str
    index: Any

    def __new__(cls, type: Any, index: Any = None) -> device:
        if isinstance(type, device) and index is None:
            return type
        text = str(type) if index is None else f"{type}:{index}"
        name, _, idx = text.partition(":")
        if name not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device "
                               f"string: {text} (minigrad runs on NumPy or CuPy)")
        obj = super().__new__(cls, text)
        obj.type, obj.index = name, (builtins.int(idx) if idx else None)
        return obj

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return str.__str__(self)
