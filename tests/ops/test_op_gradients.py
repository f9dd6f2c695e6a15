"""Every differentiable op against finite differences, in float64, broadcasting included."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg


def t(*shape, low=-2.0, high=2.0, seed=0, grad=True):
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.uniform(low, high, size=shape), requires_grad=grad)


def check(fn, *inputs):
    assert mg.gradcheck(fn, list(inputs))


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": mg.maximum,
    "minimum": mg.minimum,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)),
                                   ((4,), (2, 3, 4)), ((), (2, 3))])
def test_binary_op_gradient_with_broadcasting(name, sa, sb):
    a = t(*sa, seed=1)
    b = t(*sb, low=0.5, high=2.0, seed=2)  # away from 0 for div, away from a for max/min
    check(BINARY[name], a, b)


@pytest.mark.parametrize("scalar", [2.5, -1.5])
def test_binary_ops_with_python_scalars_on_either_side(scalar):
    a = t(3, 2, low=0.5, high=2.0)
    for fn in (lambda x: x + scalar, lambda x: scalar - x, lambda x: x * scalar,
               lambda x: scalar / x, lambda x: x / scalar, lambda x: x ** scalar,
               lambda x: abs(scalar) ** x, lambda x: -x):
        check(fn, a)


def test_pow_gradient_for_both_base_and_exponent():
    check(lambda a, b: a ** b, t(3, 4, low=0.5, high=2.0, seed=1), t(4, low=-1, high=2, seed=2))


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)),
                                   ((4,), (4,)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)),
                                   ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul_gradient_batched_and_1d(sa, sb):
    check(lambda a, b: a @ b, t(*sa, seed=1), t(*sb, seed=2))


UNARY = {
    "exp": (mg.exp, -2, 2), "log": (mg.log, 0.5, 3), "sqrt": (mg.sqrt, 0.5, 3),
    "tanh": (mg.tanh, -2, 2), "sigmoid": (mg.sigmoid, -4, 4), "relu": (mg.relu, -2, 2),
    "abs": (mg.abs, -2, 2), "clip": (lambda x: mg.clip(x, -0.5, 0.7), -2, 2),
    "clip_low": (lambda x: x.clip(min=0.1), -2, 2),
    "log1p": (mg.log1p, -0.5, 3), "sin": (mg.sin, -3, 3), "cos": (mg.cos, -3, 3),
    "leaky_relu": (lambda x: mg.leaky_relu(x, 0.1), -2, 2), "softplus": (mg.softplus, -6, 6),
    "masked_fill": (lambda x: x.masked_fill(np.array([True, False, False, True, False]), 2.0),
                    -2, 2),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_gradient(name):
    fn, low, high = UNARY[name]
    x = t(4, 5, low=low, high=high)
    # keep finite differences away from kinks (relu/abs at 0, clip at its ends)
    x.array[np.abs(x.array) < 0.05] = 0.3
    for edge in (-0.5, 0.7, 0.1):
        x.array[np.abs(x.array - edge) < 0.05] = edge + 0.2
    check(fn, x)


REDUCE = {"sum": mg.sum, "mean": mg.mean, "max": mg.max, "min": mg.min,
          "logsumexp": mg.logsumexp, "prod": mg.prod, "var": mg.var, "std": mg.std,
          "norm": mg.norm, "norm_1": lambda a, **kw: mg.norm(a, 1, **kw),
          "norm_inf": lambda a, **kw: mg.norm(a, float("inf"), **kw),
          "norm_3": lambda a, **kw: mg.norm(a, 3, **kw)}


@pytest.mark.parametrize("name", sorted(REDUCE))
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), (-1, False),
                                           ((0, 2), False), ((0, 2), True)])
def test_reduction_gradient(name, axis, keepdims):
    x = t(3, 4, 2, seed=3)
    check(lambda a: REDUCE[name](a, axis=axis, keepdims=keepdims), x)


def test_max_ties_share_the_gradient_equally():
    x = mg.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1, 0, 0]])


@pytest.mark.parametrize("fn", [mg.softmax, mg.log_softmax])
@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_family_gradient(fn, axis):
    check(lambda a: fn(a, axis=axis), t(3, 5, seed=4))


def test_shape_op_gradients():
    x = t(2, 3, 4)
    check(lambda a: a.reshape(4, -1), x)
    check(lambda a: a.reshape((6, 4)), x)
    check(lambda a: a.transpose(), x)
    check(lambda a: a.transpose(0, 2), x)
    check(lambda a: a.permute(1, 2, 0), x)
    check(lambda a: t(3, 2, seed=9, grad=False) @ a[0].T[:2], x)
    check(lambda a: a.flatten(), x)
    check(lambda a: a.flatten(1), x)
    check(lambda a: a.unsqueeze(1).squeeze(1), x)
    check(lambda a: a[:, :1].squeeze(1), x)
    check(lambda a: a.clone() * a, x)
    check(lambda a: a[:, :1].expand(2, 5, 4), x)
    check(lambda a: a[0].broadcast_to((3, 3, 4)), x)


def test_getitem_gradients_slices_integer_arrays_and_masks():
    x = t(5, 4)
    check(lambda a: a[1:4, ::2], x)
    check(lambda a: a[-1], x)
    check(lambda a: a[2, 3], x)
    check(lambda a: a[[0, 2, 2, 4]], x)  # repeated rows: gradients add up
    check(lambda a: a[np.array([1, 1, 3]), np.array([0, 0, 2])], x)
    mask = x.array > 0
    check(lambda a: a[mask], x)
    check(lambda a: a[mg.tensor(mask)], x)
    check(lambda a: a[..., None, 1], x)


def test_getitem_repeated_indices_accumulate():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 0, 1])


def test_cat_stack_split_chunk_unbind_gradients():
    a, b = t(2, 3, seed=1), t(4, 3, seed=2)
    check(lambda p, q: mg.cat([p, q], axis=0), a, b)
    check(lambda p, q: mg.cat([p.T, q.T], axis=1), a, b)
    c, d = t(2, 3, seed=3), t(2, 3, seed=4)
    check(lambda p, q: mg.stack([p, q], axis=1), c, d)
    x = t(7, 2, seed=5)
    check(lambda p: mg.split(p, 3)[1] * 2 + mg.split(p, 3)[2].sum(), x)
    check(lambda p: mg.split(p, [2, 5], axis=0)[1], x)
    check(lambda p: mg.chunk(p, 2, axis=1)[0], x)
    check(lambda p: mg.stack(mg.unbind(p)[::-1]), x)
    check(lambda p: mg.unbind(p, axis=1)[1], x)  # unused outputs get zero gradient


def test_where_gradient_routes_to_the_chosen_side():
    a, b = t(3, 4, seed=1), t(4, seed=2)
    cond = a.array > 0
    check(lambda p, q: mg.where(cond, p, q), a, b)
    check(lambda p: mg.where(cond, p, 0.0), a)


def test_embedding_gradient_adds_rows_used_twice():
    w = t(5, 3)
    ids = np.array([[0, 2], [2, 4]])
    check(lambda m: mg.embedding(m, ids), w)
    w.grad = None
    mg.embedding(w, ids).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1, 0, 2, 0, 1])


def test_one_hot_builds_float_rows():
    oh = mg.one_hot(np.array([2, 0]), 3)
    np.testing.assert_array_equal(oh.numpy(), [[0, 0, 1], [1, 0, 0]])
    assert oh.dtype == np.float32


def test_astype_gradient_returns_to_the_input_dtype():
    x = mg.tensor([1.0, 2.0], dtype="float32", requires_grad=True)
    (x.to("float64") * 3).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])


@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.data())
def test_broadcasting_gradients_for_random_shapes(shape, data):
    # pick the second shape by dropping leading axes and setting some to 1
    drop = data.draw(st.integers(0, len(shape) - 1))
    other = [1 if data.draw(st.booleans()) else n for n in shape[drop:]]
    a, b = t(*shape, seed=1), t(*other, low=0.5, high=2.0, seed=2)
    check(lambda p, q: p * q + p / q - q, a, b)
    check(lambda p, q: q - p, a, b)
