"""Bad input, family "shape ops": reshape, permute, transpose, flatten, squeeze,
unsqueeze, expand, broadcast_to, cat, stack, split, chunk, unbind, flip, mT. The worst of these
used to answer: NumPy reads any negative size as -1 and wraps axes around."""
import pytest
from mistakes import case, check

import minigrad as mg


def t(*shape):
    return mg.ones(*shape)


CASES = [
    case("reshape with -2 for -1", lambda: t(6).reshape(-2, 3), ValueError, "reshape", "-2"),
    case("reshape inferring two sizes", lambda: t(6).reshape(-1, -1), ValueError, "reshape",
         "only one size can be inferred"),
    case("reshape to a float size", lambda: t(6).reshape(2.0, 3), TypeError, "reshape", "2.0"),
    case("reshape to a string", lambda: t(6).reshape("a"), TypeError, "reshape", "'a'"),
    case("reshape to the wrong count", lambda: t(2, 3).reshape(4, 2), ValueError, "reshape",
         "(2, 3)", "6 elements", "(4, 2)"),
    case("view to the wrong count", lambda: t(6).view(4, 2), ValueError, "(4, 2)"),
    case("permute with an axis out of range", lambda: t(2, 3).permute(0, 2), ValueError,
         "permute", "axis 2", "2 dims"),
    case("permute with -3 on 2 dims", lambda: t(2, 3).permute(1, -3), ValueError, "permute",
         "-3"),
    case("permute with too few axes", lambda: t(2, 3).permute(0), ValueError, "permute",
         "(0,)", "(2, 3)"),
    case("permute repeating an axis", lambda: t(2, 3).permute(0, 0), ValueError, "permute",
         "(0, 0)", "twice"),
    case("flatten with end_dim out of range", lambda: t(2, 3).flatten(0, 5), ValueError,
         "flatten", "axis 5"),
    case("flatten with start_dim out of range", lambda: t(2, 3).flatten(3), ValueError,
         "flatten", "axis 3"),
    case("flatten with start after end", lambda: t(2, 3, 4).flatten(2, 0), ValueError,
         "flatten", "start_dim 2", "end_dim 0"),
    case("transpose with -3 on 2 dims", lambda: t(2, 3).transpose(-3, 0), ValueError,
         "transpose", "-3"),
    case("transpose with axis 2 on 2 dims", lambda: t(2, 3).transpose(0, 2), ValueError,
         "transpose", "axis 2"),
    case("transpose with one axis of three", lambda: t(2, 3, 4).transpose(1), ValueError,
         "transpose", "(1,)"),
    case("squeeze an axis out of range", lambda: t(2, 1).squeeze(2), ValueError, "squeeze",
         "axis 2"),
    case("unsqueeze an axis out of range", lambda: t(2, 1).unsqueeze(4), ValueError,
         "unsqueeze", "axis 4"),
    case("expand a size that does not fit", lambda: t(2, 3).expand(4, 3), ValueError,
         "broadcast_to", "(2, 3)", "(4, 3)"),
    case("expand to fewer dims", lambda: t(2, 3).expand(3), ValueError, "expand", "(3,)",
         "(2, 3)"),
    case("expand -1 for a new leading dim", lambda: t(3).expand(-1, 3), ValueError, "expand",
         "-1", "leading"),
    case("expand with -2", lambda: t(1, 3).expand(-2, 3), ValueError, "expand", "-2"),
    case("broadcast_to with -1", lambda: t(2).broadcast_to((-1, 2)), ValueError,
         "broadcast_to", "-1"),
    case("cat of one tensor, not a list", lambda: mg.cat(t(2, 2)), TypeError, "cat",
         "list or tuple", "Tensor"),
    case("cat of a list with a number", lambda: mg.cat([t(2), 3]), TypeError, "cat",
         "item 1", "int"),
    case("cat of nothing", lambda: mg.cat([]), ValueError, "cat", "at least one"),
    case("cat of two ranks", lambda: mg.cat([t(2), t(2, 2)]), ValueError, "cat", "rank",
         "(2, 2)"),
    case("cat along a missing axis", lambda: mg.cat([t(2), t(2)], axis=1), ValueError, "cat",
         "axis 1"),
    case("cat of mismatched sizes", lambda: mg.cat([t(2, 3), t(2, 4)], axis=0), ValueError,
         "cat", "(2, 3)", "(2, 4)"),
    case("stack of one tensor", lambda: mg.stack(t(2)), TypeError, "stack", "Tensor"),
    case("stack of two shapes", lambda: mg.stack([t(2), t(3)]), ValueError, "stack",
         "same shape"),
    case("stack along axis 3 of 2", lambda: mg.stack([t(2), t(2)], axis=3), ValueError,
         "stack", "axis 3"),
    case("split into 0-sized pieces", lambda: t(4).split(0), ValueError, "split", "0"),
    case("split into float sizes", lambda: t(4).split(1.5), TypeError, "split", "1.5"),
    case("split with a negative size", lambda: t(4).split([5, -1]), ValueError, "split",
         "[5, -1]"),
    case("split sizes not adding up", lambda: t(3).split([1, 1]), ValueError, "split",
         "add up to 2", "3"),
    case("chunk into 0", lambda: t(4).chunk(0), ValueError, "chunk", "0"),
    case("chunk into -2", lambda: t(4).chunk(-2), ValueError, "chunk", "-2"),
    case("unbind a 0-d tensor", lambda: mg.tensor(1.0).unbind(0), ValueError, "unbind", "0-d"),
    case("unbind a missing axis", lambda: t(2).unbind(1), ValueError, "unbind", "axis 1"),
    case("flip one axis twice", lambda: t(2, 3).flip(0, 0), ValueError, "flip", "twice"),
    case("flip over a missing axis", lambda: t(2, 3).flip(2), ValueError, "flip", "axis 2"),
    case("flip with dims given twice", lambda: mg.flip(t(2), 0, dims=0), TypeError, "flip",
         "dims"),
    case("mT of a vector", lambda: t(3).mT, ValueError, "mT", "(3,)"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)
