"""Dtype and device arguments as PyTorch code spells them: ``torch.long``, 'float64',
``torch.LongTensor``, ``'torch.DoubleTensor'``, ``.to(device, dtype)``, ``(2, 3)`` or
``2, 3``. Everything becomes a NumPy-style dtype and a device name here."""
from __future__ import annotations

from typing import Any

from minigrad import backend

# PyTorch's legacy type names, for ``x.type()`` and ``torch.LongTensor``-style classes
LEGACY_TYPES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}
_FROM_LEGACY = {f"torch.{v}": k for k, v in LEGACY_TYPES.items()}


def as_dtype(dtype: Any):
    """A dtype from a dtype, its name, a legacy name ('torch.LongTensor') or a legacy
    class with a ``dtype`` (torch.LongTensor in ``minigrad.torch``)."""
    if isinstance(dtype, str) and dtype.replace(".cuda", "") in _FROM_LEGACY:
        dtype = _FROM_LEGACY[dtype.replace(".cuda", "")]
    elif isinstance(dtype, type) and hasattr(dtype, "legacy_dtype"):
        dtype = dtype.legacy_dtype or backend.default_dtype()  # torch.Tensor: the default
    return backend.as_dtype(dtype)


def is_device(x: Any) -> bool:
    return isinstance(x, str) and x.split(":")[0] in ("cpu", "cuda")


def to_args(op: str, args: tuple, kwargs: dict) -> tuple[Any, Any]:
    """(device, dtype) from PyTorch's ``to(...)`` arguments (a tensor among them already
    replaced by its device and dtype); None where not given."""
    device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("copy", None)
    if kwargs:
        raise TypeError(f"{op}: unexpected keyword(s) {sorted(kwargs)}")
    for a in args:
        if is_device(a):
            device = a
        elif a is not None:
            try:
                dtype = as_dtype(a)
            except TypeError:
                raise TypeError(f"{op}: {a!r} is neither a device ('cpu', 'cuda') nor a "
                                "dtype") from None
    if dtype is not None:
        dtype = as_dtype(dtype)
    return (None if device is None else str(device)), dtype


def size_arg(size: tuple) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` alike."""
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], tuple | list) else size
