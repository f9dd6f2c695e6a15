"""The table format of the bad-input suite: one row per mistake a user makes.

    case("reshape -2", lambda: mg.ones(6).reshape(-2, 3), ValueError, "reshape", "-2")

says: this call must raise a ValueError (or a subclass) whose message contains every
one of the given strings (the op or layer, and the shapes or values at fault). A row
made with ``answer`` instead expects no error but the right result (a mistake that
PyTorch answers correctly, e.g. ``sigmoid`` of a uint8 tensor, where minigrad used to
answer garbage).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest


def case(name: str, call: Callable[[], Any], error: type[BaseException], *needles: str,
         marks: Any = ()):
    """A mistake that must raise ``error`` with a message containing ``needles``."""
    return pytest.param(call, error, needles, id=name, marks=marks)


def message(e: BaseException) -> str:
    """The text a user reads (KeyError's str() would add quotes)."""
    return e.args[0] if isinstance(e, KeyError) and e.args else str(e)


def check(call: Callable[[], Any], error: type[BaseException], needles: tuple) -> None:
    with pytest.raises(error) as info:
        call()
    text = message(info.value)
    missing = [n for n in needles if n not in text]
    assert not missing, f"{type(info.value).__name__}: {text!r} lacks {missing}"


def answer(name: str, call: Callable[[], Any], expected: Any, dtype: Any = None):
    """A mistake PyTorch answers: ``call()`` must give ``expected`` (and ``dtype``)."""
    return pytest.param(call, expected, dtype, id=name)


def check_answer(call: Callable[[], Any], expected: Any, dtype: Any) -> None:
    got = call()
    values = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-7)
    if dtype is not None:
        assert values.dtype == np.dtype(dtype), values.dtype
