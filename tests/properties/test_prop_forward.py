"""Property: forward results agree with NumPy, for random shapes, broadcasting, dtypes
(float32, float64 and, where an op takes them, integers) and values; and the result
keeps its dtype the way NumPy 2 and PyTorch do (float32 stays float32)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import axis_args, broadcast_pair, shapes

import minigrad as mg

FLOATS = st.sampled_from([np.float32, np.float64])


def arrays(dtype, shape, low=-3.0, high=3.0):
    if np.dtype(dtype).kind in "iu":
        return hnp.arrays(dtype, shape, elements=st.integers(int(low), int(high)))
    low, high = float(np.float32(low)), float(np.float32(high))  # exact in float32
    return hnp.arrays(dtype, shape, elements=st.floats(low, high, width=32))


def close(got, want):
    got = got.numpy()
    want = np.asarray(want)
    assert got.shape == want.shape
    tol = 1e-5 if np.result_type(want) == np.float32 or got.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


UNARY = {  # name: (minigrad, NumPy, low, high)
    "exp": (mg.exp, np.exp, -3, 3), "log": (mg.log, np.log, 0.1, 3),
    "sqrt": (mg.sqrt, np.sqrt, 0, 3), "tanh": (mg.tanh, np.tanh, -3, 3),
    "sigmoid": (mg.sigmoid, lambda a: 1 / (1 + np.exp(-a)), -10, 10),
    "relu": (mg.relu, lambda a: np.maximum(a, 0), -3, 3), "abs": (mg.abs, np.abs, -3, 3),
    "sin": (mg.sin, np.sin, -3, 3), "cos": (mg.cos, np.cos, -3, 3),
    "log1p": (mg.log1p, np.log1p, -0.5, 3),
    "softplus": (mg.softplus, lambda a: np.logaddexp(0, a), -10, 10),
    "neg": (mg.neg, np.negative, -3, 3),
}


@settings(max_examples=200)
@given(st.sampled_from(sorted(UNARY)), FLOATS, shapes(), st.data())
def test_unary_ops_agree_with_numpy_and_keep_the_dtype(name, dtype, shape, data):
    fn, ref, low, high = UNARY[name]
    a = data.draw(arrays(dtype, shape, low, high))
    y = fn(mg.tensor(a))
    assert y.dtype == dtype
    close(y, ref(a.astype(np.float64)).astype(dtype))


BINARY = {"add": (lambda a, b: a + b, np.add), "sub": (lambda a, b: a - b, np.subtract),
          "mul": (lambda a, b: a * b, np.multiply), "maximum": (mg.maximum, np.maximum),
          "minimum": (mg.minimum, np.minimum), "lt": (lambda a, b: a < b, np.less),
          "eq": (lambda a, b: a == b, np.equal)}


@settings(max_examples=200)
@given(st.sampled_from(sorted(BINARY)), st.sampled_from([np.float32, np.float64, np.int64]),
       st.sampled_from([np.float32, np.float64, np.int64]), broadcast_pair(), st.data())
def test_binary_ops_broadcast_and_promote_as_numpy(name, da, db, pair, data):
    fn, ref = BINARY[name]
    a, b = data.draw(arrays(da, pair[0])), data.draw(arrays(db, pair[1]))
    y, want = fn(mg.tensor(a), mg.tensor(b)), ref(a, b)
    assert y.dtype == want.dtype
    close(y, want)


@settings(max_examples=100)
@given(FLOATS, st.data())
def test_matmul_agrees_with_numpy(dtype, data):
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    batch = data.draw(st.sampled_from([(), (2,), (1, 3)]))
    a, b = data.draw(arrays(dtype, batch + (n, k))), data.draw(arrays(dtype, (k, m)))
    close(mg.tensor(a) @ mg.tensor(b), a @ b)


@settings(max_examples=200)
@given(st.sampled_from(["sum", "mean", "max", "min", "logsumexp"]), FLOATS, shapes(),
       st.data())
def test_reductions_agree_with_numpy(name, dtype, shape, data):
    a = data.draw(arrays(dtype, shape))
    axis, keepdims = data.draw(axis_args(len(shape)))
    y = getattr(mg, name)(mg.tensor(a), axis=axis, keepdims=keepdims)
    a64 = a.astype(np.float64)
    if name == "logsumexp":
        m = a64.max(axis=axis, keepdims=True)
        want = np.log(np.exp(a64 - m).sum(axis=axis, keepdims=True)) + m
        if not keepdims:
            want = want.squeeze(axis) if axis is not None else want.reshape(())
    else:
        want = getattr(np, name)(a64, axis=axis, keepdims=keepdims)
    assert y.dtype == dtype
    close(y, np.asarray(want).astype(dtype))


@settings(max_examples=100)
@given(st.sampled_from(["softmax", "log_softmax"]), FLOATS, shapes(min_dims=1), st.data())
def test_softmax_family_agrees_with_numpy(name, dtype, shape, data):
    a = data.draw(arrays(dtype, shape, -20, 20))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    want = softmax(a.astype(np.float64), axis)
    y = getattr(mg, name)(mg.tensor(a), axis=axis)
    close(y, (want if name == "softmax" else np.log(want)).astype(dtype))


@settings(max_examples=150)
@given(FLOATS, shapes(min_dims=1), st.data())
def test_shape_ops_agree_with_numpy(dtype, shape, data):
    a = data.draw(arrays(dtype, shape))
    x = mg.tensor(a)
    perm = data.draw(st.permutations(range(len(shape))))
    close(x.permute(*perm), a.transpose(perm))
    close(x.reshape(-1), a.reshape(-1))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    close(mg.cat([x, x * 2], axis=axis), np.concatenate([a, a * 2], axis=axis))
    close(mg.stack([x, -x], axis=axis), np.stack([a, -a], axis=axis))
    for got, want in zip(x.unbind(axis), np.moveaxis(a, axis, 0)):
        close(got, want)
    idx = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=4))
    close(x[np.array(idx)], a[np.array(idx)])


REAL_VALUED = ("exp", "log", "sqrt", "tanh", "sigmoid", "sin", "cos", "log1p", "softplus")


@settings(max_examples=150)
@given(st.sampled_from(REAL_VALUED), st.sampled_from([np.int64, np.int32, np.uint8, np.bool_]),
       shapes(), st.data())
def test_real_valued_functions_of_integers_give_the_default_float(name, dtype, shape, data):
    """PyTorch's rule (sigmoid of uint8 is float32 of the right numbers, not NumPy's
    float16, and never the wrapped-around negation of unsigned integers)."""
    fn, ref, low, high = UNARY[name]
    low = 1 if name == "log" else 0 if dtype is np.uint8 else int(np.ceil(low))
    if dtype is np.bool_:
        elements = st.just(True) if name == "log" else st.booleans()
    else:
        elements = st.integers(low, max(low, int(high)))
    a = data.draw(hnp.arrays(dtype, shape, elements=elements))
    y = fn(mg.tensor(a))
    assert y.dtype == np.float32
    close(y, ref(a.astype(np.float64)).astype(np.float32))
