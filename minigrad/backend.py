"""The one place that talks to NumPy and CuPy.

Every other module of the engine asks this one for the array module of the data it
holds (``get_array_module``), so swapping NumPy for CuPy is a property of the data,
not of the code. CuPy is imported lazily, only when a CUDA array is asked for, so a
machine without it never pays for (or trips over) the import.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
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
        import cupy  # optional: imported only when a CUDA array is asked for
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
    if _cupy is None:  # CuPy was never imported, so no array can be a CuPy one
        return np
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
        try:
            arr = np.asarray(data) if dtype is None else np.asarray(data, dtype=as_dtype(dtype))
        except ValueError:
            ragged = ragged_at(data)
            if ragged is None:
                raise
            raise ValueError(f"tensor: the nested lists are ragged: {ragged}; every row of a "
                             "tensor needs the same length") from None
        if dtype is None and arr.dtype.kind == "f" and not isinstance(data, np.generic):
            arr = arr.astype(_default_dtype)  # Python floats: the default dtype
        arr = xp.asarray(arr) if xp is not np else arr
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"tensor: data of dtype {arr.dtype} is not numeric "
                        f"(got {type(data).__name__}); a tensor holds bool, int or float")
    if dtype is not None:
        arr = arr.astype(as_dtype(dtype), copy=False)
    return arr


def ragged_at(data: Any) -> str | None:
    """Where nested lists stop being rectangular ("row [1] has 1 element, row [0] has 2"),
    or None if they are not ragged. Walked level by level, without recursion."""
    level = [((), data)]
    while level:
        level = [(at, to_numpy(x).tolist() if is_array(x) or hasattr(x, "__array__") else x)
                 for at, x in level]  # arrays and tensors inside lists count as lists
        seqs = [(at, x) for at, x in level if isinstance(x, list | tuple)]
        if not seqs:
            return None
        if len(seqs) != len(level):
            at = next(at for at, x in level if not isinstance(x, list | tuple))
            return f"row {list(at)} is a number where its neighbours are lists"
        (at0, first), *rest = seqs
        for at, x in rest:
            if len(x) != len(first):
                return f"row {list(at)} has length {len(x)}, row {list(at0)} {len(first)}"
        level = [((*at, i), v) for at, x in seqs for i, v in enumerate(x)]
    return None


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


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader finds the old file or the new one,
    never a mix: every file minigrad and ``models`` write goes through here.

    The bytes go to a temporary file in the same folder (a rename is atomic only within
    one file system), are forced to the disk (``fsync``), and the temporary file is then
    renamed over ``path`` (``os.replace``: atomic on POSIX and Windows). A process killed
    before the rename leaves the previous file untouched; an error removes the temporary
    file. A missing folder is created. The new file gets the permissions of any newly
    created file, 0o666 minus the umask, also when it replaces a file that had others
    (one rule: the kernel applies the umask, as ``open(path, "w")`` would on a new file).
    A failure (read-only folder, full disk, ...) raises one OSError that names ``path``.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    except OSError as e:
        raise _write_error(path, e) from None
    try:
        with open(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise _write_error(path, e) from None
        raise
    if os.name == "posix":  # make the rename itself durable
        with contextlib.suppress(OSError):
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def _write_error(path: str, e: OSError) -> OSError:
    message = f"cannot write {path}: {e.strerror or e}"
    return OSError(e.errno, message) if e.errno else OSError(message)


def zip_arrays(manifest: dict, arrays: list[Any]) -> bytes:
    """The bytes of a minigrad file: a zip of ``0.npy``, ``1.npy``, ... and a JSON
    manifest (``np.lib.format`` arrays, never pickled)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(_MANIFEST, json.dumps(manifest))
        for i, arr in enumerate(arrays):
            one = io.BytesIO()
            np.lib.format.write_array(one, to_numpy(arr), allow_pickle=False)
            z.writestr(f"{i}.npy", one.getvalue())
    return buf.getvalue()


def unzip_arrays(path: str) -> tuple[dict, list[np.ndarray]]:
    """Read what ``zip_arrays`` wrote: (manifest, arrays); never unpickles. A missing
    file raises FileNotFoundError, anything unreadable ValueError naming the path."""
    try:
        with zipfile.ZipFile(path) as z:
            manifest = json.loads(z.read(_MANIFEST))
            names = set(z.namelist())
            arrays = []
            while f"{len(arrays)}.npy" in names:
                with z.open(f"{len(arrays)}.npy") as f:
                    arrays.append(np.lib.format.read_array(f, allow_pickle=False))
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ValueError(f"mg.load: {path} is not a readable minigrad file ({e})") from None
    if not isinstance(manifest, dict):
        raise ValueError(f"mg.load: {path} is not a readable minigrad file (bad manifest)")
    return manifest, arrays
