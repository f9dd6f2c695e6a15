"""F.binary_cross_entropy and nn.BCELoss on probabilities: a float64 gradcheck, PyTorch's
values and gradients (its log clamped at -100, its 1e-12 in the backward), also at
p = 0 and p = 1, and agreement with the logits form away from the clamp."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

rng = np.random.default_rng(0)
P = rng.uniform(0.05, 0.95, (4, 3))
Y = rng.uniform(0.0, 1.0, (4, 3))
W = rng.uniform(0.5, 2.0, (3,))
# the edges: p = 0 and 1 against targets 0, 1 and in between, and p next to them
P_EDGE = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1e-10, 1 - 1e-9, 0.5])
Y_EDGE = np.array([0.0, 1.0, 0.3, 0.0, 1.0, 0.6, 0.2, 0.5, 1.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_against_finite_differences(reduction, weighted):
    x, y = mg.tensor(P, requires_grad=True), mg.tensor(Y, requires_grad=True)
    w = mg.tensor(W) if weighted else None
    assert mg.gradcheck(lambda x, y: F.binary_cross_entropy(x, y, w, reduction), [x, y])


def _both(p, y, dtype, weight=None, reduction="mean"):
    """(x, target, loss) in minigrad and in PyTorch, both targets requiring grad."""
    torch = pytest.importorskip("torch")
    tdtype = getattr(torch, dtype)
    x, t = (mg.tensor(a, dtype=dtype, requires_grad=True) for a in (p, y))
    tx, tt = (torch.tensor(a, dtype=tdtype, requires_grad=True) for a in (p, y))
    w = None if weight is None else mg.tensor(weight, dtype=dtype)
    tw = None if weight is None else torch.tensor(weight, dtype=tdtype)
    return ((x, t, F.binary_cross_entropy(x, t, w, reduction)),
            (tx, tt, torch.nn.functional.binary_cross_entropy(tx, tt, tw, reduction=reduction)))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_values_and_gradients_match_pytorch(dtype, reduction):
    (x, t, ours), (tx, tt, theirs) = _both(P, Y, dtype, weight=W, reduction=reduction)
    rtol = 1e-14 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol)
    g = rng.standard_normal(ours.shape)
    (ours * mg.tensor(g, dtype=dtype)).sum().backward()
    (theirs * theirs.new_tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=rtol)
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=rtol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_and_gradients_at_zero_and_one_match_pytorch(dtype):
    (x, t, ours), (tx, tt, theirs) = _both(P_EDGE, Y_EDGE, dtype, reduction="none")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6)
    assert ours.numpy().max() <= 100.0 + 1e-9   # the clamp: log 0 counts as -100
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(np.isinf(t.grad.numpy()), np.isinf(tt.grad.numpy()))
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-6)


def test_bce_loss_module_matches_the_function_and_pytorch():
    torch = pytest.importorskip("torch")
    x = mg.tensor(P, requires_grad=True)
    loss = mg.nn.BCELoss(weight=mg.tensor(W), reduction="sum")(x, mg.tensor(Y))
    theirs = torch.nn.BCELoss(weight=torch.tensor(W), reduction="sum")(
        torch.tensor(P), torch.tensor(Y))
    np.testing.assert_allclose(loss.item(), theirs.item(), rtol=1e-14)
    assert loss.item() == F.binary_cross_entropy(x, mg.tensor(Y), mg.tensor(W), "sum").item()
    assert repr(mg.nn.BCELoss()) == "BCELoss(reduction='mean')"


def test_on_sigmoid_outputs_it_equals_the_logits_form():
    z = mg.tensor(rng.standard_normal((5, 2)), requires_grad=True)
    y = mg.tensor(rng.uniform(0, 1, (5, 2)))
    a = F.binary_cross_entropy(mg.sigmoid(z), y)
    a.backward()
    grad_a = z.grad.numpy().copy()
    z.grad = None
    b = F.binary_cross_entropy_with_logits(z, y)
    b.backward()
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
    np.testing.assert_allclose(grad_a, z.grad.numpy(), rtol=1e-10)


def test_no_warnings_at_zero_and_one(recwarn):
    F.binary_cross_entropy(mg.tensor(P_EDGE, requires_grad=True),
                           mg.tensor(Y_EDGE, requires_grad=True)).backward()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
