"""Bad input, family "losses": cross_entropy, nll_loss, mse_loss, l1_loss, BCE on
probabilities and on logits, and their modules: targets of the wrong kind, shape or range."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg
import minigrad.nn.functional as F

LOGITS = mg.randn(4, 3)
GOOD = np.array([0, 1, 2, 1])


CASES = [
    case("class target out of range", lambda: F.cross_entropy(LOGITS, np.array([0, 1, 3, 1])),
         IndexError, "cross_entropy", "[0, 3)", "[3]"),
    case("negative class target", lambda: F.cross_entropy(LOGITS, np.array([0, -1, 2, 1])),
         IndexError, "cross_entropy", "[-1]"),
    case("too few targets", lambda: F.cross_entropy(LOGITS, np.array([0, 1])), ValueError,
         "cross_entropy", "(4, 3)", "(2,)"),
    case("one-hot targets", lambda: F.cross_entropy(LOGITS, np.eye(3, dtype=int)[GOOD]),
         ValueError, "cross_entropy", "(4,)", "(4, 3)"),
    case("float one-hot targets", lambda: F.cross_entropy(LOGITS, np.eye(3)[GOOD]), TypeError,
         "cross_entropy", "integers"),
    case("arguments swapped", lambda: F.cross_entropy(mg.tensor(GOOD), LOGITS), TypeError,
         "cross_entropy", "floating"),
    case("logits of a 0-d tensor", lambda: F.cross_entropy(mg.tensor(1.0), np.array(0)),
         ValueError, "cross_entropy", "class dimension"),
    case("unknown reduction", lambda: F.cross_entropy(LOGITS, GOOD, reduction="avg"),
         ValueError, "cross_entropy", "'avg'"),
    case("unknown reduction of a module", lambda: mg.nn.CrossEntropyLoss(reduction="avg"),
         ValueError, "CrossEntropyLoss", "'avg'"),
    case("nll target out of range", lambda: F.nll_loss(LOGITS, np.array([0, 1, 5, 1])),
         IndexError, "nll_loss", "[5]"),
    case("mse of shapes (4, 1) and (4,)", lambda: F.mse_loss(mg.ones(4, 1), mg.ones(4)),
         ValueError, "mse_loss", "(4, 1)", "(4,)"),
    case("mse of a NumPy input", lambda: F.mse_loss(np.ones(4), mg.ones(4)), TypeError,
         "mse_loss", "ndarray"),
    case("mse with an unknown reduction", lambda: F.mse_loss(mg.ones(4), mg.ones(4), "max"),
         ValueError, "mse_loss", "'max'"),
    case("l1 of shapes (4, 1) and (4,)", lambda: F.l1_loss(mg.ones(4, 1), mg.ones(4)),
         ValueError, "l1_loss", "(4, 1)"),
    case("BCE of shapes (4, 1) and (4,)",
         lambda: F.binary_cross_entropy_with_logits(mg.ones(4, 1), mg.ones(4)), ValueError,
         "binary_cross_entropy_with_logits", "(4,)", "(4, 1)"),
    case("BCE pos_weight of the wrong size",
         lambda: F.binary_cross_entropy_with_logits(mg.ones(4, 3), mg.ones(4, 3),
                                                    pos_weight=mg.ones(2)),
         ValueError, "pos_weight", "(2,)", "(4, 3)"),
    case("BCE weight of the wrong size",
         lambda: F.binary_cross_entropy_with_logits(mg.ones(4, 3), mg.ones(4, 3),
                                                    weight=mg.ones(2)),
         ValueError, "weight", "(2,)", "(4, 3)"),
    case("BCE module with an unknown reduction",
         lambda: mg.nn.BCEWithLogitsLoss(reduction="x"), ValueError, "BCEWithLogitsLoss"),
    case("BCE of a probability above 1",
         lambda: F.binary_cross_entropy(mg.tensor([0.5, 1.5]), mg.ones(2)), ValueError,
         "binary_cross_entropy", "input should be between 0 and 1", "[1.5]"),
    case("BCE of logits (negative values)",
         lambda: F.binary_cross_entropy(mg.tensor([-2.0, 0.3]), mg.ones(2)), ValueError,
         "binary_cross_entropy", "[-2.0]", "with_logits"),
    case("BCE of a NaN probability",
         lambda: F.binary_cross_entropy(mg.tensor([float("nan")]), mg.ones(1)), ValueError,
         "binary_cross_entropy", "[nan]"),
    case("BCE of a target outside [0, 1]",
         lambda: F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([2.0])), ValueError,
         "binary_cross_entropy", "target should be between 0 and 1", "[2.0]"),
    case("BCE on probabilities of shapes (4, 1) and (4,)",
         lambda: F.binary_cross_entropy(mg.ones(4, 1) / 2, mg.ones(4)), ValueError,
         "binary_cross_entropy", "(4,)", "(4, 1)"),
    case("BCE on probabilities with a weight of the wrong size",
         lambda: F.binary_cross_entropy(mg.ones(4, 3) / 2, mg.ones(4, 3), weight=mg.ones(2)),
         ValueError, "binary_cross_entropy", "weight", "(2,)", "(4, 3)"),
    case("BCE on integer probabilities",
         lambda: F.binary_cross_entropy(mg.tensor([0, 1]), mg.tensor([0, 1])), TypeError,
         "binary_cross_entropy", "floating"),
    case("BCELoss with an unknown reduction", lambda: mg.nn.BCELoss(reduction="avg"),
         ValueError, "BCELoss", "'avg'"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)
