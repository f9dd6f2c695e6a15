"""Numerically stable forms under extreme inputs."""
import warnings

import numpy as np
import pytest

import minigrad as mg


def test_log_softmax_and_logsumexp_with_huge_logits():
    x = mg.tensor([[1000.0, 0.0, -1000.0], [1e4, 1e4, 1e4]], dtype="float64", requires_grad=True)
    ls = mg.log_softmax(x, axis=1)
    np.testing.assert_allclose(ls.numpy()[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(mg.logsumexp(x, axis=1).numpy(), [1000.0, 1e4 + np.log(3)])
    ls.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_softmax_of_huge_logits_is_finite_and_normalised():
    y = mg.softmax(mg.tensor([3e4, 3e4 - 1.0, -3e4]))
    assert np.isfinite(y.numpy()).all()
    np.testing.assert_allclose(y.numpy().sum(), 1.0, rtol=1e-6)


def test_sigmoid_of_large_magnitudes_keeps_relative_precision():
    x = mg.tensor([-1000.0, -30.0, 30.0, 1000.0], dtype="float64", requires_grad=True)
    y = mg.sigmoid(x)
    tiny = np.exp(-30) / (1 + np.exp(-30))
    np.testing.assert_allclose(y.numpy(), [0.0, tiny, 1 - tiny, 1.0], rtol=1e-12)
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_logsumexp_of_all_minus_infinity_is_minus_infinity_not_nan():
    x = mg.tensor([-np.inf, -np.inf], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no NumPy warnings on the way
        y = mg.logsumexp(x)
        y.backward()
    assert y.item() == -np.inf
    assert y.dtype == x.dtype
    assert np.isnan(x.grad.numpy()).all()  # PyTorch's gradient here too


def test_softplus_and_log1p_at_extremes():
    x = mg.tensor([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype="float64", requires_grad=True)
    y = mg.softplus(x)
    np.testing.assert_allclose(y.numpy(), [0.0, np.exp(-30.0), np.log(2.0), 30.0, 1000.0],
                               rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, np.exp(-30.0), 0.5, 1.0, 1.0], rtol=1e-12)
    tiny = mg.tensor([1e-12], dtype="float64")
    assert mg.log1p(tiny).item() == pytest.approx(1e-12, rel=1e-12)
