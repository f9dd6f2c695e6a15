"""Small file helpers shared by the data modules: text and JSON files written
atomically (through ``minigrad.backend.atomic_write``: a killed save leaves the previous
file intact, never a half-written one) and read with clear errors.
"""
from __future__ import annotations

import json
import os
from typing import Any

from minigrad.backend import atomic_write


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8 with "\\n" line ends, atomically."""
    atomic_write(path, text.encode("utf-8"))


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
        return raw.decode("utf-8-sig")  # a byte-order mark (Windows editors) is not text
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
