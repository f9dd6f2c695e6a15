"""The one place that talks to NumPy and CuPy.

Every other module of the engine asks this one for the array module of the data it
holds (``get_array_module``), so swapping NumPy for CuPy is a property of the data,
not of the code. CuPy is imported lazily, only when a CUDA array is asked for, so a
machine without it never pays for (or trips over) the import.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

ndarray = np.ndarray
SCALAR_TYPES = (np.generic,)  # what NumPy returns from a ufunc on a 0-d array
float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, bool_ = np.int32, np.int64, np.bool_

_cupy = None  # the cupy module once imported
_default_dtype = np.dtype(np.float32)
_default_device = "cpu"
_rng = np.random.default_rng()


# ----------------------------------------------------------------- array modules
def _import_cupy():
    """Import cupy and check that a GPU answers; one clear error if not."""
    global _cupy
    if _cupy is not None:
        return _cupy
    try:
        import cupy  # noqa: PLC0415  (optional dependency, imported on demand)
    except ImportError as e:
        raise RuntimeError(
            "device 'cuda' needs CuPy, which is not installed: "
            "pip install 'minigrad[cuda]' (or a cupy-cudaXX wheel for your CUDA)"
        ) from e
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # cupy raises its own CUDARuntimeError here
        raise RuntimeError(f"device 'cuda': CuPy is installed but no GPU is usable ({e})") from e
    if count == 0:
        raise RuntimeError("device 'cuda': CuPy is installed but no GPU was found")
    _cupy = cupy
    return cupy


def cuda_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    try:
        _import_cupy()
    except RuntimeError:
        return False
    return True


def get_array_module(*arrays: Any):
    """The module (numpy or cupy) that owns these arrays; numpy for plain scalars."""
    for a in arrays:
        if type(a) is np.ndarray or isinstance(a, np.generic):
            continue
        if _cupy is not None and isinstance(a, _cupy.ndarray):
            return _cupy
    return np


def is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) or (_cupy is not None and isinstance(x, _cupy.ndarray))


def device_of(array: Any) -> str:
    return "cuda" if _cupy is not None and isinstance(array, _cupy.ndarray) else "cpu"


def check_device(device: str | None) -> str:
    """Normalise a device name ('cpu', 'cuda', 'cuda:0') and check it is usable."""
    if device is None:
        return _default_device
    name = str(device).split(":")[0]
    if name not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {device!r}: use 'cpu' or 'cuda'")
    if name == "cuda":
        _import_cupy()
    return name


def xp_for(device: str | None):
    """The array module for a device name."""
    return _import_cupy() if check_device(device) == "cuda" else np


def to_device(array: Any, device: str):
    """Move an array to 'cpu' or 'cuda' (a no-op when it is already there)."""
    device = check_device(device)
    if device == device_of(array):
        return array
    if device == "cuda":
        return _import_cupy().asarray(array)
    return array.get()


def to_numpy(array: Any) -> np.ndarray:
    return array.get() if device_of(array) == "cuda" else np.asarray(array)


def set_default_device(device: str) -> None:
    """Where new tensors are created when no device is given."""
    global _default_device
    _default_device = check_device(device)


def default_device() -> str:
    return _default_device


# --------------------------------------------------------------------- dtypes
def as_dtype(dtype: Any) -> np.dtype:
    """Accept numpy dtypes, their names ('float64') and Python types."""
    try:
        return np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"not a dtype: {dtype!r}") from e


def set_default_dtype(dtype: Any) -> None:
    """The dtype of floating tensors made from Python numbers (float32 unless changed)."""
    global _default_dtype
    d = as_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"default dtype must be floating, got {d}")
    _default_dtype = d


def default_dtype() -> np.dtype:
    return _default_dtype


def is_floating(dtype: Any) -> bool:
    return np.dtype(dtype).kind == "f"


def result_type(*args: Any) -> np.dtype:
    """Type promotion with NumPy 2 rules: Python scalars never widen an array."""
    return np.result_type(*args)


def as_array(data: Any, dtype: Any = None, device: str | None = None):
    """Make a backend array from Python data, a NumPy/CuPy array or a scalar.

    Python floats (and lists of them) take the default dtype; arrays keep theirs, as
    ``torch.tensor`` does. Strings and objects are refused: a tensor holds numbers.
    """
    device = check_device(device) if device is not None else (
        device_of(data) if is_array(data) else _default_device)
    xp = xp_for(device) if device == "cuda" else np
    if is_array(data):
        arr = to_device(data, device)
    else:
        arr = np.asarray(data) if dtype is None else np.asarray(data, dtype=as_dtype(dtype))
        if dtype is None and arr.dtype.kind == "f" and not isinstance(data, np.generic):
            arr = arr.astype(_default_dtype)  # Python floats: the default dtype
        arr = xp.asarray(arr) if xp is not np else arr
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"tensor: data of dtype {arr.dtype} is not numeric "
                        f"(got {type(data).__name__}); a tensor holds bool, int or float")
    if dtype is not None:
        arr = arr.astype(as_dtype(dtype), copy=False)
    return arr


def format_array(x: Any, prefix: str = "") -> str:
    """The numbers of an array as text, for Tensor's repr; rows after the first are
    indented by ``len(prefix)`` so they line up under the first."""
    return np.array2string(to_numpy(x), separator=", ", threshold=200, edgeitems=3,
                           prefix=prefix)


def scalar_to_array(x: Any):
    """NumPy returns scalars from ufuncs on 0-d arrays; turn them back into arrays."""
    return np.asarray(x)


# -------------------------------------------------------------------- random
def manual_seed(seed: int) -> None:
    """Seed every generator minigrad draws from (NumPy, and CuPy once imported)."""
    global _rng
    _rng = np.random.default_rng(seed)
    if _cupy is not None:
        _cupy.random.seed(seed)


def rng() -> np.random.Generator:
    """The generator behind mg.randn, dropout masks and initialisers."""
    return _rng


def get_rng_state() -> dict:
    return _rng.bit_generator.state


def set_rng_state(state: dict) -> None:
    _rng.bit_generator.state = state


# ------------------------------------------------------------ saving to disk
_MANIFEST = "__minigrad__.json"


def save_arrays(flat: dict[str, Any], path: str, meta: dict) -> None:
    """Write arrays to a .npz-style zip atomically: a temp file renamed into place.

    A process killed mid-write leaves only a stray temp file; the previous ``path``
    stays whole because ``os.replace`` is atomic on POSIX and Windows.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".mg", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
                z.writestr(_MANIFEST, json.dumps(meta))
                for i, (key, arr) in enumerate(flat.items()):
                    buf = io.BytesIO()
                    np.lib.format.write_array(buf, to_numpy(arr), allow_pickle=False)
                    z.writestr(f"{i}.npy", buf.getvalue())
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a saved file should not be
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_arrays(path: str) -> tuple[list[np.ndarray], dict]:
    """Read what save_arrays wrote; never unpickles. Raises ValueError naming the path."""
    try:
        with zipfile.ZipFile(path) as z:
            meta = json.loads(z.read(_MANIFEST))
            arrays = []
            for i in range(len(meta["keys"])):
                with z.open(f"{i}.npy") as f:
                    arrays.append(np.lib.format.read_array(f, allow_pickle=False))
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, json.JSONDecodeError) as e:
        raise ValueError(f"mg.load: {path} is not a readable minigrad file ({e})") from None
    return arrays, meta
