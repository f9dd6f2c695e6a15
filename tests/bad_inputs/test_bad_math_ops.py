"""Bad input, family "math ops": arithmetic and matmul, elementwise functions,
comparisons, clip/where/masked_fill, reductions and the softmax family."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg


def t(*shape):
    return mg.ones(*shape)


CASES = [
    case("add of shapes that do not broadcast", lambda: t(2, 3) + t(4), ValueError, "add",
         "(2, 3)", "(4,)"),
    case("mul of shapes that do not broadcast", lambda: t(2, 3) * t(4), ValueError, "mul"),
    case("div of shapes that do not broadcast", lambda: t(2, 3) / t(2), ValueError, "div",
         "(2, 3)", "(2,)"),
    case("add a string", lambda: t(2) + "a", TypeError, "not numeric", "str"),
    case("add None", lambda: t(2) + None, TypeError, "NoneType"),
    case("add a ragged list", lambda: t(2) + [1, [2]], ValueError, "ragged"),
    case("matmul of mismatched inner dims", lambda: t(2, 3) @ t(4, 2), ValueError, "matmul",
         "(2, 3)", "(4, 2)", "3 != 4"),
    case("matmul of mismatched vectors", lambda: t(3) @ t(4), ValueError, "matmul",
         "(3,)", "(4,)"),
    case("matmul of a 0-d tensor", lambda: mg.tensor(1.0) @ t(2), ValueError, "matmul",
         "at least 1 dimension"),
    case("matmul of mismatched batches", lambda: t(2, 3, 4) @ t(5, 4, 2), ValueError,
         "matmul", "batch", "(2, 3, 4)", "(5, 4, 2)"),
    case("integer to a negative power", lambda: mg.tensor([2]) ** -1, ValueError, "pow",
         "negative"),
    case("maximum of shapes that do not broadcast", lambda: mg.maximum(t(2), t(3)),
         ValueError, "maximum", "(2,)", "(3,)"),
    case("compare with a string", lambda: t(2) == "a", TypeError, "not numeric"),
    case("compare shapes that do not broadcast", lambda: t(2) < t(3), ValueError, "less",
         "(2,)", "(3,)"),
    case("clip without bounds", lambda: t(2).clip(), ValueError, "clip", "min and max"),
    case("clip with min above max", lambda: t(2).clip(2, 1), ValueError, "clip", "min 2",
         "max 1"),
    case("clip to a string", lambda: t(2).clip("a"), TypeError, "clip", "'a'"),
    case("clip to bounds of another shape", lambda: t(2).clip(mg.zeros(3)), ValueError,
         "clip", "(2,)", "(3,)"),
    case("where with an integer condition", lambda: mg.where(np.array([1, 0]), t(2), t(2)),
         TypeError, "where", "boolean", "int64"),
    case("where of shapes that do not broadcast",
         lambda: mg.where(np.array([True, False]), t(3), t(3)), ValueError, "where", "(2,)",
         "(3,)"),
    case("masked_fill with a mask of another shape",
         lambda: t(2).masked_fill(np.array([True, False, True]), 0), ValueError,
         "masked_fill", "(3,)", "(2,)"),
    case("masked_fill with an integer mask", lambda: t(2).masked_fill(np.array([1, 0]), 0),
         TypeError, "masked_fill", "boolean"),
    case("masked_fill with a string", lambda: t(2).masked_fill(np.array([True, False]), "a"),
         TypeError, "masked_fill", "'a'"),
    case("leaky_relu with a string slope", lambda: mg.leaky_relu(t(2), "a"), TypeError,
         "leaky_relu", "negative_slope"),
    case("sum over an axis out of range", lambda: t(2, 3).sum(axis=2), ValueError, "sum",
         "axis 2", "2 dims"),
    case("sum over a float axis", lambda: t(2, 3).sum(axis=1.0), TypeError, "sum", "1.0"),
    case("sum over a string axis", lambda: t(2, 3).sum(axis="a"), TypeError, "sum", "'a'"),
    case("sum over one axis twice", lambda: t(2, 3).sum(axis=(0, 0)), ValueError, "sum",
         "(0, 0)", "twice"),
    case("sum with axis= and dim=", lambda: t(2, 3).sum(axis=0, dim=0), TypeError, "sum",
         "not both"),
    case("mean over an axis out of range", lambda: t(2).mean(axis=-2), ValueError, "mean",
         "-2"),
    case("max of nothing", lambda: mg.zeros(0).max(), ValueError, "max", "(0,)", "empty"),
    case("max over a missing axis", lambda: t(2, 3).max(axis=3), ValueError, "max", "axis 3"),
    case("argmax over a missing axis", lambda: t(2, 3).argmax(axis=3), ValueError, "argmax",
         "axis 3"),
    case("argmax of nothing", lambda: mg.zeros(0).argmax(), ValueError, "argmax", "empty"),
    case("argmin over a float axis", lambda: t(2, 3).argmin(axis=0.5), TypeError, "argmin",
         "0.5"),
    case("softmax over a missing axis", lambda: t(2, 3).softmax(axis=2), ValueError,
         "softmax", "axis 2"),
    case("softmax of nothing", lambda: mg.zeros(0).softmax(), ValueError, "softmax", "empty"),
    case("log_softmax over a missing axis", lambda: t(3).log_softmax(axis=1), ValueError,
         "log_softmax", "axis 1"),
    case("logsumexp of nothing", lambda: mg.zeros(0).logsumexp(), ValueError, "logsumexp",
         "empty"),
    case("logsumexp over a missing axis", lambda: t(2).logsumexp(axis=1), ValueError,
         "logsumexp", "axis 1"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)
