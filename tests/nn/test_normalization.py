"""LayerNorm and the small activations: gradients by finite differences, numbers and
parameter names against PyTorch when it is installed."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

rng = np.random.default_rng(0)


def t(*shape, grad=True):
    return mg.tensor(rng.standard_normal(shape), requires_grad=grad)


def test_layer_norm_normalises_the_last_axes():
    y = F.layer_norm(t(3, 4, 5), (4, 5))
    flat = y.numpy().reshape(3, -1)
    np.testing.assert_allclose(flat.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(flat.var(axis=1), 1, rtol=1e-4)  # eps keeps it just below 1


def test_layer_norm_gradients():
    x, w, b = t(3, 5), t(5), t(5)
    assert mg.gradcheck(lambda x, w, b: F.layer_norm(x, 5, w, b), [x, w, b])
    scale = t(2, 5, grad=False)  # so that the sum's gradient is not identically 0
    assert mg.gradcheck(lambda x: F.layer_norm(x, (2, 5)) * scale, [t(2, 5)])


def test_layer_norm_module():
    ln = nn.LayerNorm(5, dtype="float64")
    assert list(ln.state_dict()) == ["weight", "bias"]
    assert ln.weight.dtype == np.float64 and (ln.weight.numpy() == 1).all()
    assert nn.LayerNorm(5, elementwise_affine=False).weight is None
    assert repr(ln) == "LayerNorm((5,), eps=1e-05, elementwise_affine=True)"
    x = t(2, 5)
    ln(x).sum().backward()
    assert ln.weight.grad.shape == (5,) and ln.bias.grad.shape == (5,)


def test_layer_norm_errors():
    with pytest.raises(ValueError, match=r"layer_norm: input of shape \(2, 5\) does not end "
                                         r"in the normalized shape \(4,\)"):
        F.layer_norm(t(2, 5), 4)
    with pytest.raises(ValueError, match="LayerNorm: normalized_shape must be positive"):
        nn.LayerNorm(0)


def test_activation_modules():
    x = mg.tensor([-2.0, 0.5])
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(x).numpy(), [-0.4, 0.5])
    np.testing.assert_allclose(nn.Softplus()(x).numpy(), np.log1p(np.exp([-2.0, 0.5])),
                               rtol=1e-6)
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"


def test_masked_fill_errors():
    x = mg.ones(2, 3)
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(2,\) does not "
                                         r"broadcast to the tensor's shape \(2, 3\)"):
        x.masked_fill(np.array([True, False]), 0.0)
    with pytest.raises(TypeError, match="masked_fill: mask must be boolean, got int64"):
        x.masked_fill(np.array([1, 0, 1]), 0.0)
    assert x.masked_fill(np.array([[True], [False]]), 0.0).numpy().tolist() == [[0, 0, 0],
                                                                               [1, 1, 1]]


def test_against_pytorch_when_installed():
    torch = pytest.importorskip("torch")
    ref = torch.nn.LayerNorm((3, 4)).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(rng.standard_normal((3, 4))))
        ref.bias.copy_(torch.tensor(rng.standard_normal((3, 4))))
    ln = nn.LayerNorm((3, 4), dtype="float64")
    ln.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    xs = rng.standard_normal((2, 3, 4))
    tx = torch.tensor(xs, requires_grad=True)
    x = mg.tensor(xs, requires_grad=True)
    (ref(tx) ** 2).sum().backward()
    (ln(x) ** 2).sum().backward()
    np.testing.assert_allclose(ln(x).numpy(), ref(tx).detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ln.weight.grad.numpy(), ref.weight.grad.numpy(), atol=1e-10)
    v = torch.tensor(xs)
    for mine, theirs in [(mg.softplus, torch.nn.functional.softplus),
                         (lambda a: mg.leaky_relu(a, 0.3),
                          lambda a: torch.nn.functional.leaky_relu(a, 0.3)),
                         (lambda a: mg.log1p(a.abs()), lambda a: torch.log1p(a.abs())),
                         (mg.sin, torch.sin), (mg.cos, torch.cos)]:
        np.testing.assert_allclose(mine(mg.tensor(xs)).numpy(), theirs(v).numpy(), rtol=1e-12)
