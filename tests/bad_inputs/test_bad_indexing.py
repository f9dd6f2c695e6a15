"""Bad input, family "indexing": x[i], embedding lookups, one_hot, and the tensor's own
accessors (item, size, len, bool)."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg
import minigrad.nn.functional as F

CASES = [
    case("index out of range", lambda: mg.ones(2)[5], IndexError, "getitem", "5", "(2,)"),
    case("negative index out of range", lambda: mg.ones(3)[-4], IndexError, "getitem", "-4"),
    case("float index", lambda: mg.ones(2)[1.0], IndexError, "getitem", "1.0"),
    case("float tensor as index", lambda: mg.ones(2)[mg.tensor([0.0])], IndexError,
         "getitem"),
    case("too many indices", lambda: mg.ones(2)[0, 0], IndexError, "getitem", "(0, 0)"),
    case("mask of the wrong length", lambda: mg.ones(3)[np.array([True, False])], IndexError,
         "getitem", "(3,)"),
    case("list index out of range", lambda: mg.ones(3)[[0, 5]], IndexError, "getitem", "5"),
    case("string index", lambda: mg.ones(3)["a"], IndexError, "getitem", "'a'"),
    case("embedding id out of range", lambda: mg.embedding(mg.ones(3, 2), np.array([0, 7])),
         IndexError, "embedding", "[0, 3)", "[7]"),
    case("negative embedding id", lambda: mg.embedding(mg.ones(3, 2), np.array([-1])),
         IndexError, "embedding", "[-1]"),
    case("float embedding ids", lambda: mg.embedding(mg.ones(3, 2), [0.5]), TypeError,
         "embedding", "integers", "float"),
    case("embedding table of 1 dim", lambda: mg.embedding(mg.ones(3), np.array([0])),
         ValueError, "embedding", "2-D", "(3,)"),
    case("embedding padding_idx out of range",
         lambda: mg.embedding(mg.ones(3, 2), [0], padding_idx=5), ValueError, "embedding",
         "padding_idx 5"),
    case("one_hot id out of range", lambda: mg.one_hot(np.array([3]), 3), IndexError,
         "one_hot", "[3]"),
    case("one_hot of floats", lambda: mg.one_hot(np.array([0.5]), 2), TypeError, "one_hot",
         "integers"),
    case("one_hot of -1 classes", lambda: mg.one_hot(np.array([0]), -1), ValueError,
         "one_hot", "num_classes", "-1"),
    case("F.one_hot of -2 classes", lambda: F.one_hot(np.array([0]), -2), ValueError,
         "one_hot", "-2"),
    case("F.one_hot inferring from no ids", lambda: F.one_hot(np.array([], dtype=int)),
         ValueError, "one_hot", "empty"),
    case("item of two elements", lambda: mg.ones(2).item(), ValueError, "item", "(2,)"),
    case("float() of two elements", lambda: float(mg.ones(2)), ValueError, "(2,)"),
    case("bool() of two elements", lambda: bool(mg.ones(2)), ValueError, "ambiguous", "(2,)"),
    case("len of a 0-d tensor", lambda: len(mg.tensor(1.0)), TypeError, "0-d"),
    case("iterating a 0-d tensor", lambda: list(mg.tensor(1.0)), TypeError, "0-d"),
    case("size of a missing dim", lambda: mg.ones(2).size(1), IndexError, "size", "dim 1"),
    case("size of a float dim", lambda: mg.ones(2).size(0.5), TypeError, "size", "0.5"),
    case("format a vector as a number", lambda: f"{mg.ones(2):.3f}", ValueError, "format",
         "(2,)"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)
