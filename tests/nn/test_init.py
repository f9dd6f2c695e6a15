"""minigrad.nn.init: in place, seeded, the right spreads; calculate_gain."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import init


def p(*shape, dtype=mg.float64):
    return mg.nn.Parameter(np.zeros(shape, dtype=dtype))


def test_calculate_gain_matches_pytorch_values():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    torch = pytest.importorskip("torch")
    for name in ("linear", "tanh", "relu", "leaky_relu", "selu"):
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))


def test_initialisers_work_in_place_and_return_the_tensor():
    w = p(3, 4)
    data = w.array
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
               init.kaiming_uniform_, init.kaiming_normal_, init.orthogonal_):
        assert fn(w) is w and w.array is data
        assert w.array.any() and w.grad_fn is None
    assert init.constant_(w, 0.5) is w and (w.numpy() == 0.5).all()
    assert (init.zeros_(w).numpy() == 0).all() and (init.ones_(w).numpy() == 1).all()
    f32 = p(2, 2, dtype=mg.float32)
    assert init.normal_(f32).dtype == np.float32


def test_initialisers_are_seeded():
    mg.manual_seed(5)
    a = init.xavier_uniform_(p(4, 4)).numpy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(a, init.xavier_uniform_(p(4, 4)).numpy())


def test_spreads():
    mg.manual_seed(0)
    fan_in, fan_out = 300, 200
    w = p(fan_out, fan_in)
    a = math.sqrt(6 / (fan_in + fan_out))
    x = init.xavier_uniform_(w).numpy()
    assert np.abs(x).max() <= a and np.abs(x).max() > 0.99 * a
    assert init.xavier_normal_(w, gain=2).numpy().std() == pytest.approx(
        2 * math.sqrt(2 / (fan_in + fan_out)), rel=0.02)
    bound = math.sqrt(3) * math.sqrt(2) / math.sqrt(fan_in)
    x = init.kaiming_uniform_(w, nonlinearity="relu").numpy()
    assert np.abs(x).max() <= bound and np.abs(x).max() > 0.99 * bound
    assert init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu").numpy().std() == \
        pytest.approx(math.sqrt(2 / fan_out), rel=0.02)
    x = init.uniform_(w, -0.1, 0.3).numpy()
    assert x.min() >= -0.1 and x.max() < 0.3
    assert init.normal_(w, 1.0, 0.5).numpy().mean() == pytest.approx(1.0, abs=0.01)
    # 3-D tensors: receptive field multiplies the fans (PyTorch's convention)
    w3 = p(4, 6, 5)
    x = init.xavier_uniform_(w3).numpy()
    assert np.abs(x).max() <= math.sqrt(6 / (30 + 20))


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (4, 2, 3)])
def test_orthogonal(shape):
    w = init.orthogonal_(p(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    rows, cols = w.shape
    if rows <= cols:
        np.testing.assert_allclose(w @ w.T, 4 * np.eye(rows), atol=1e-12)
    else:
        np.testing.assert_allclose(w.T @ w, 4 * np.eye(cols), atol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match=r"xavier_uniform_.*2 or more dims.*\(5,\)"):
        init.xavier_uniform_(p(5))
    with pytest.raises(ValueError, match="mode must be"):
        init.kaiming_normal_(p(2, 2), mode="fan_avg")
    with pytest.raises(TypeError, match="Tensor or Parameter"):
        init.zeros_(np.zeros(3))
