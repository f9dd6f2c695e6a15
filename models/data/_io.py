"""Small file helpers shared by the data modules: atomic writes and clear read errors.

An atomic write goes to a temporary file in the target's folder and then replaces the
target with ``os.replace`` (atomic on POSIX and Windows), so a killed save leaves the
previous file intact, never a half-written one.
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: temp file + fsync + os.replace."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the mode the old file had
        mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def read_text(path: str | os.PathLike, what: str) -> str:
    """Read a UTF-8 file; a missing or undecodable file gives one clear line naming it."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"{what}: no such file: {path}") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{what}: {path} is a directory, not a file") from None
    except OSError as e:
        raise OSError(f"{what}: cannot read {path}: {e.strerror or e}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ValueError(f"{what}: {path} is not UTF-8 text (invalid byte "
                         f"0x{raw[e.start]:02x} at offset {e.start}, line {line})") from None


def read_json(path: str | os.PathLike, what: str) -> Any:
    text = read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{what}: {os.fspath(path)} is not valid JSON "
                         f"(line {e.lineno}: {e.msg})") from None
