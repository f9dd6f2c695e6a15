"""Property: every op's gradient agrees with finite differences in float64, for random
shapes, broadcasting combinations, axes and values (mg.gradcheck: central differences,
element by element)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import axis_args, broadcast_pair, leaf, shapes, values

import minigrad as mg
import minigrad.nn.functional as F

UNARY = {  # name: (function, low, high, kinks to keep away from)
    "exp": (mg.exp, -2, 2, ()), "log": (mg.log, 0.2, 3, ()), "sqrt": (mg.sqrt, 0.2, 3, ()),
    "tanh": (mg.tanh, -3, 3, ()), "sigmoid": (mg.sigmoid, -5, 5, ()),
    "relu": (mg.relu, -2, 2, (0,)), "abs": (mg.abs, -2, 2, (0,)), "neg": (mg.neg, -2, 2, ()),
    "log1p": (mg.log1p, -0.8, 3, ()), "sin": (mg.sin, -3, 3, ()), "cos": (mg.cos, -3, 3, ()),
    "softplus": (mg.softplus, -8, 8, ()),
    "leaky_relu": (lambda x: mg.leaky_relu(x, 0.2), -2, 2, (0,)),
    "clip": (lambda x: x.clip(-0.5, 0.7), -2, 2, (-0.5, 0.7)),
    "square": (lambda x: x * x, -2, 2, ()), "pow 3": (lambda x: x ** 3, -2, 2, ()),
    "reciprocal": (lambda x: 1 / x, 0.3, 3, ()),
}


@settings(max_examples=200)
@given(st.sampled_from(sorted(UNARY)), st.data())
def test_unary_ops(name, data):
    fn, low, high, kinks = UNARY[name]
    x = data.draw(values(data.draw(shapes()), low, high, kinks))
    assert mg.gradcheck(fn, [leaf(x)])


BINARY = {  # name: (function, range of b)
    "add": (lambda a, b: a + b, (-2, 2)), "sub": (lambda a, b: a - b, (-2, 2)),
    "mul": (lambda a, b: a * b, (-2, 2)), "div": (lambda a, b: a / b, (0.3, 2)),
    "pow": (lambda a, b: (a * a + 0.5) ** b, (-2, 2)),
    "maximum": (mg.maximum, (-2, 2)), "minimum": (mg.minimum, (-2, 2)),
    "where": (lambda a, b: mg.where(a > 0, a, b), (-2, 2)),
}


@settings(max_examples=200)
@given(st.sampled_from(sorted(BINARY)), broadcast_pair(), st.data())
def test_binary_ops_with_broadcasting(name, pair, data):
    fn, (low, high) = BINARY[name]
    a = data.draw(values(pair[0], away_from=(0,)))
    b = data.draw(values(pair[1], low, high))
    if name in ("maximum", "minimum"):  # no ties (the kink where a == b): a on a grid of
        a, b = np.round(a * 5) / 5, np.round(b * 5) / 5 + 0.1  # 0.2, b between its points
    assert mg.gradcheck(fn, [leaf(a), leaf(b)])


@st.composite
def matmul_shapes(draw):
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    kind = draw(st.sampled_from(["vv", "mv", "vm", "mm", "batched"]))
    if kind == "vv":
        return (k,), (k,)
    if kind == "mv":
        return (n, k), (k,)
    if kind == "vm":
        return (k,), (k, m)
    if kind == "mm":
        return (n, k), (k, m)
    (ba, bb), _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2))
    return ba + (n, k), bb + (k, m)


@settings(max_examples=100)
@given(matmul_shapes(), st.data())
def test_matmul_batched_and_1d(pair, data):
    a, b = (data.draw(values(s)) for s in pair)
    assert mg.gradcheck(lambda x, y: x @ y, [leaf(a), leaf(b)])


REDUCTIONS = {"sum": mg.sum, "mean": mg.mean, "max": mg.max, "min": mg.min,
              "logsumexp": mg.logsumexp}


@settings(max_examples=200)
@given(st.sampled_from(sorted(REDUCTIONS)), shapes(), st.data())
def test_reductions_over_random_axes(name, shape, data):
    axis, keepdims = data.draw(axis_args(len(shape)))
    x = data.draw(values(shape))
    if name in ("max", "min"):  # ties split the gradient: distinct values, 0.1 apart at least
        x = np.argsort(np.argsort(x.reshape(-1))).reshape(shape) * 0.1 - 1.0
    fn = REDUCTIONS[name]
    assert mg.gradcheck(lambda t: fn(t, axis=axis, keepdims=keepdims), [leaf(x)])


@settings(max_examples=100)
@given(st.sampled_from(["softmax", "log_softmax"]), shapes(min_dims=1), st.data())
def test_softmax_family_over_a_random_axis(name, shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(values(shape, -4, 4))
    fn = getattr(mg, name)
    assert mg.gradcheck(lambda t: fn(t, axis=axis), [leaf(x)])


@st.composite
def shape_op(draw):
    """A shape op with arguments that fit a random input shape."""
    shape = draw(shapes(min_dims=1))
    nd = len(shape)
    kind = draw(st.sampled_from(["reshape", "permute", "transpose", "flatten", "unsqueeze",
                                 "squeeze", "expand", "getitem", "advanced", "split",
                                 "unbind", "cat", "stack"]))
    if kind == "reshape":
        return shape, lambda x: x.reshape(-1, *shape[1:]) if nd > 1 else x.reshape(1, -1)
    if kind == "permute":
        perm = draw(st.permutations(range(nd)))
        return shape, lambda x: x.permute(*perm)
    if kind == "transpose":
        a, b = draw(st.integers(-nd, nd - 1)), draw(st.integers(-nd, nd - 1))
        return shape, lambda x: x.transpose(a, b)
    if kind == "flatten":
        s = draw(st.integers(0, nd - 1))
        e = draw(st.integers(s, nd - 1))
        return shape, lambda x: x.flatten(s, e)
    if kind == "unsqueeze":
        a = draw(st.integers(-nd - 1, nd))
        return shape, lambda x: x.unsqueeze(a)
    if kind == "squeeze":
        return shape, lambda x: x.unsqueeze(0).squeeze(0) * x
    if kind == "expand":
        lead = draw(st.integers(1, 2))
        return shape, lambda x: x.expand(lead, *shape)
    if kind == "getitem":
        start = draw(st.integers(0, shape[0] - 1))
        return shape, lambda x: x[start:, ...] if nd > 1 else x[start:]
    if kind == "advanced":  # repeated indices add up in backward
        idx = draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=5))
        return shape, lambda x: x[np.array(idx)]
    if kind == "split":
        size = draw(st.integers(1, shape[0]))
        return shape, lambda x: mg.cat([p * (i + 1) for i, p in enumerate(x.split(size))])
    if kind == "unbind":
        axis = draw(st.integers(-nd, nd - 1))
        return shape, lambda x: mg.stack([p * (i + 1) for i, p in enumerate(x.unbind(axis))])
    if kind == "cat":
        axis = draw(st.integers(-nd, nd - 1))
        return shape, lambda x: mg.cat([x, x * 2, x], axis=axis)
    axis = draw(st.integers(-nd - 1, nd))
    return shape, lambda x: mg.stack([x, -x], axis=axis)


@settings(max_examples=200)
@given(shape_op(), st.data())
def test_shape_ops(op, data):
    shape, fn = op
    assert mg.gradcheck(fn, [leaf(data.draw(values(shape)))])


@st.composite
def class_problem(draw):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    extra = draw(st.sampled_from([(), (2,)]))
    logits = draw(values((n, c, *extra), -3, 3))
    target = draw(hnp.arrays(np.int64, (n, *extra), elements=st.integers(0, c - 1)))
    if draw(st.booleans()):  # some positions ignored
        mask = draw(hnp.arrays(np.bool_, target.shape))
        target = np.where(mask, -100, target)
    return logits, target, draw(st.sampled_from(["mean", "sum", "none"]))


@settings(max_examples=150)
@given(class_problem(), st.sampled_from(["cross_entropy", "nll_loss"]))
def test_class_losses(problem, name):
    logits, target, reduction = problem
    loss = getattr(F, name)
    if reduction == "mean" and (target == -100).all():
        reduction = "sum"  # the mean of nothing is nan, as in PyTorch
    assert mg.gradcheck(lambda x: loss(x, target, reduction=reduction), [leaf(logits)])


@settings(max_examples=150)
@given(shapes(min_dims=1), st.sampled_from(["mse", "l1", "bce"]),
       st.sampled_from(["mean", "sum", "none"]), st.data())
def test_regression_losses_in_both_arguments(shape, name, reduction, data):
    x = data.draw(values(shape, -3, 3))
    y = data.draw(values(shape, 0, 1) if name == "bce" else values(shape))
    if name == "l1":  # the kink where x == y
        y = np.where(np.abs(x - y) < 0.05, y + 0.2, y)
    fn = {"mse": F.mse_loss, "l1": F.l1_loss,
          "bce": lambda a, b, reduction: F.binary_cross_entropy_with_logits(
              a, b, reduction=reduction, pos_weight=mg.tensor(np.full(shape[-1], 1.5)))}[name]
    assert mg.gradcheck(lambda a, b: fn(a, b, reduction=reduction), [leaf(x), leaf(y)])


@settings(max_examples=100)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.booleans(), st.data())
def test_linear_and_layer_norm(batch, fin, fout, bias, data):
    x, w = data.draw(values((batch, fin))), data.draw(values((fout, fin)))
    b = data.draw(values((fout,)))
    args = [leaf(x), leaf(w)] + ([leaf(b)] if bias else [])
    assert mg.gradcheck(lambda *a: F.linear(*a), args)
    if fin > 1:  # a single feature normalises to exactly 0: nothing to differentiate
        g = data.draw(values((fin,)))
        assert mg.gradcheck(lambda x, g: F.layer_norm(x, fin, g, None), [leaf(x), leaf(g)])


@settings(max_examples=100)
@given(st.integers(1, 4), st.integers(1, 3), st.data())
def test_embedding_with_repeated_ids(rows, dim, data):
    w = data.draw(values((rows, dim)))
    ids = data.draw(hnp.arrays(np.int64, data.draw(shapes(1, 2)),
                               elements=st.integers(0, rows - 1)))
    assert mg.gradcheck(lambda t: mg.embedding(t, ids), [leaf(w)])
