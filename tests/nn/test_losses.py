"""The loss modules give exactly what the functional losses give, options included."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

rng = np.random.default_rng(0)


def t(*shape):
    return mg.tensor(rng.standard_normal(shape), dtype="float64", requires_grad=True)


@pytest.mark.parametrize("module, functional, target", [
    (nn.CrossEntropyLoss(), F.cross_entropy, np.array([0, 2, 1, 2])),
    (nn.CrossEntropyLoss(ignore_index=2, reduction="sum"),
     lambda x, y: F.cross_entropy(x, y, "sum", ignore_index=2), np.array([0, 2, 1, 2])),
    (nn.NLLLoss(reduction="none"), lambda x, y: F.nll_loss(x, y, "none"),
     np.array([1, 1, 0, 2])),
    (nn.MSELoss(), F.mse_loss, rng.standard_normal((4, 3))),
    (nn.L1Loss(reduction="sum"), lambda x, y: F.l1_loss(x, y, "sum"),
     rng.standard_normal((4, 3))),
    (nn.BCEWithLogitsLoss(pos_weight=np.array([1.0, 2.0, 3.0])),
     lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=np.array([1.0, 2, 3])),
     (rng.random((4, 3)) > 0.5).astype(np.float64)),
])
def test_module_equals_functional(module, functional, target):
    x = t(4, 3)
    got, want = module(x, target), functional(x, target)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    got.sum().backward()
    g = x.grad.numpy().copy()
    x.grad = None
    want.sum().backward()
    np.testing.assert_array_equal(g, x.grad.numpy())


def test_bad_reduction_is_refused_when_the_loss_is_built():
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of"):
        nn.MSELoss(reduction="avg")


def test_repr():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss(reduction='mean')"
