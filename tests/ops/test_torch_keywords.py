"""PyTorch's keyword names (dim=, keepdim=) work wherever an op takes an axis, and give
exactly what NumPy's names (axis=, keepdims=) give."""
import numpy as np
import pytest

import minigrad as mg

x = mg.tensor(np.arange(24.0).reshape(2, 3, 4), dtype="float64")


@pytest.mark.parametrize("op", ["sum", "mean", "logsumexp"])
def test_reductions(op):
    got = getattr(x, op)(dim=1, keepdim=True)
    want = getattr(x, op)(axis=1, keepdims=True)
    assert got.shape == (2, 1, 4)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(getattr(mg, op)(x, dim=(0, 2)).numpy(),
                                  getattr(mg, op)(x, axis=(0, 2)).numpy())


@pytest.mark.parametrize("op", ["softmax", "log_softmax", "argmax", "argmin"])
def test_axis_ops(op):
    np.testing.assert_array_equal(getattr(x, op)(dim=1).numpy(), getattr(x, op)(1).numpy())


def test_shape_ops():
    assert mg.cat([x, x], dim=2).shape == (2, 3, 8)
    assert mg.stack([x, x], dim=1).shape == (2, 2, 3, 4)
    assert [t.shape for t in x.split(2, dim=2)] == [(2, 3, 2), (2, 3, 2)]
    assert [t.shape for t in x.chunk(3, dim=1)] == [(2, 1, 4)] * 3
    assert len(x.unbind(dim=2)) == 4
    assert x.unsqueeze(dim=0).squeeze(dim=0).shape == (2, 3, 4)


def test_gradients_flow_the_same():
    a = mg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    (a.softmax(dim=0) * a.sum(dim=1, keepdim=True)).sum().backward()
    g = a.grad.numpy().copy()
    a.grad = None
    (a.softmax(axis=0) * a.sum(axis=1, keepdims=True)).sum().backward()
    np.testing.assert_array_equal(g, a.grad.numpy())


def test_both_names_at_once_is_an_error():
    with pytest.raises(TypeError, match="sum: give axis= or dim=, not both"):
        x.sum(axis=0, dim=1)
    with pytest.raises(TypeError, match="mean: give keepdims= or keepdim=, not both"):
        x.mean(keepdims=True, keepdim=True)


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_with_dim_give_values_and_indices_as_pytorch_and_axis_gives_values(op):
    # PyTorch's x.max(dim=1) / x.max(1) is (values, indices); NumPy's x.max(axis=1) is the
    # values: each spelling keeps its library's meaning, never a third one
    for values, indices in (getattr(x, op)(dim=1), getattr(x, op)(1), getattr(mg, op)(x, 1)):
        np.testing.assert_array_equal(values.numpy(), getattr(x.numpy(), op)(axis=1))
        np.testing.assert_array_equal(indices.numpy(), getattr(x.numpy(), "arg" + op)(axis=1))
    kept = getattr(x, op)(dim=1, keepdim=True)
    assert kept.values.shape == kept.indices.shape == (2, 1, 4)
    assert getattr(x, op)(axis=1, keepdim=True).shape == (2, 1, 4)
    with pytest.raises(TypeError, match=f"{op}: give axis= .* or dim= .*, not both"):
        getattr(x, op)(1, axis=1)


def test_same_answers_as_pytorch_when_installed():
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x.numpy())
    np.testing.assert_allclose(x.logsumexp(dim=2, keepdim=True).numpy(),
                               tx.logsumexp(dim=2, keepdim=True).numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.mean(dim=(0, 1)).numpy(), tx.mean(dim=(0, 1)).numpy())
    np.testing.assert_array_equal(x.argmax(dim=1).numpy(), tx.argmax(dim=1).numpy())
    np.testing.assert_allclose(mg.cat(list(x.chunk(3, dim=1)), dim=1).numpy(), x.numpy())
