"""Properties of backward itself, for random ops, shapes and values:

* backward is linear in the incoming gradient: the gradient reached from
  a*g1 + b*g2 is a times the one from g1 plus b times the one from g2;
* the gradient of a sum of outputs is the sum of their gradients, and two backward
  calls accumulate into .grad exactly that sum (PyTorch's accumulation)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import leaf, shapes, values

import minigrad as mg
import minigrad.nn.functional as F

OPS = {  # name: x -> tensor (any output shape), smooth on [-2, 2]
    "tanh": mg.tanh, "sigmoid": mg.sigmoid, "exp": mg.exp, "softplus": mg.softplus,
    "x * x": lambda x: x * x, "x * sin x": lambda x: x * mg.sin(x),
    "softmax": lambda x: mg.softmax(x, axis=-1) if x.ndim else x * 2,
    "log_softmax": lambda x: mg.log_softmax(x, axis=-1) if x.ndim else x * 2,
    "logsumexp": lambda x: mg.logsumexp(x, axis=-1, keepdims=True) if x.ndim else x * 2,
    "sum keepdims": lambda x: x.sum(axis=0, keepdims=True) if x.ndim else x,
    "mean": lambda x: x.mean(axis=-1) if x.ndim else x,
    "broadcast mul": lambda x: x * mg.tensor(np.linspace(-1, 1, 3)).reshape(3, *[1] * x.ndim),
    "outer": lambda x: x.reshape(-1, 1) @ x.reshape(1, -1),
    "transpose": lambda x: x.T * x.T,
    "cat": lambda x: mg.cat([x.reshape(-1), mg.tanh(x).reshape(-1)]),
    "getitem repeat": lambda x: x.reshape(-1)[np.array([0, 0, -1])],
    "layer_norm": lambda x: F.layer_norm(x.reshape(1, -1), x.numel()) if x.numel() > 1
    else x * 3,
}


def vjp(fn, x, g):
    """The gradient with respect to x reached from the output gradient g."""
    t = leaf(x)
    fn(t).backward(g)
    return t.grad.numpy()


@settings(max_examples=200)
@given(st.sampled_from(sorted(OPS)), shapes(), st.floats(-3, 3), st.floats(-3, 3),
       st.data())
def test_backward_is_linear_in_the_incoming_gradient(name, shape, a, b, data):
    fn = OPS[name]
    x = data.draw(values(shape))
    out_shape = fn(leaf(x)).shape
    g1, g2 = data.draw(values(out_shape)), data.draw(values(out_shape))
    combined = vjp(fn, x, a * g1 + b * g2)
    separate = a * vjp(fn, x, g1) + b * vjp(fn, x, g2)
    np.testing.assert_allclose(combined, separate, rtol=1e-10, atol=1e-10)


@settings(max_examples=200)
@given(st.sampled_from(sorted(OPS)), st.sampled_from(sorted(OPS)), shapes(), st.data())
def test_the_gradient_of_a_sum_is_the_sum_of_the_gradients(f, g, shape, data):
    x = data.draw(values(shape))
    both = leaf(x)
    (OPS[f](both).sum() + OPS[g](both).sum()).backward()
    one, other = leaf(x), leaf(x)
    OPS[f](one).sum().backward()
    OPS[g](other).sum().backward()
    np.testing.assert_allclose(both.grad.numpy(), one.grad.numpy() + other.grad.numpy(),
                               rtol=1e-10, atol=1e-10)
    accumulated = leaf(x)  # two backward calls add into .grad
    OPS[f](accumulated).sum().backward()
    OPS[g](accumulated).sum().backward()
    np.testing.assert_allclose(accumulated.grad.numpy(), both.grad.numpy(),
                               rtol=1e-10, atol=1e-10)
