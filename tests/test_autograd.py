"""The backward engine: ordering, accumulation, freeing, hooks, modes."""
import gc
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function


def test_shared_leaf_accumulates_every_use():
    w = mg.tensor([2.0], requires_grad=True)
    y = w * w * w + w  # dy/dw = 3w^2 + 1 = 13
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [13.0])


def test_grads_accumulate_across_backward_calls_like_pytorch():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    (w * 4).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [7, 7])


def test_leaf_grad_is_a_private_copy_even_when_gradients_are_shared():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.array *= 10  # an in-place clip of one gradient must not touch the other
    np.testing.assert_array_equal(b.grad.numpy(), [1, 1])


def test_diamond_graph_sums_both_paths():
    x = mg.tensor(3.0, requires_grad=True, dtype="float64")
    a = x * 2
    y = a * a + a.exp()  # dy/dx = 2 * (2a + e^a) with a = 6
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 2 * (12 + np.exp(6)))


def test_second_backward_through_freed_graph_names_retain_graph():
    x = mg.tensor([1.0], requires_grad=True)
    y = (x.tanh() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mg.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0])


def test_backward_on_non_scalar_needs_a_grad_argument():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"single-element.*\(2,\)"):
        (x * 2).backward()
    (x * 2).backward(mg.tensor([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2, 20])


def test_backward_grad_argument_of_wrong_shape_is_refused():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(np.ones(3, dtype=np.float32))


def test_backward_without_grad_tracking_explains():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


def test_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = mg.tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
        y = (x * 2).tanh()
        loss = (y @ y).sum()
        node = weakref.ref(loss.grad_fn)
        inner = weakref.ref(y.grad_fn)
        del y
        loss.backward()
        del loss
        assert node() is None and inner() is None
    finally:
        gc.enable()


def test_ten_thousand_step_unrolled_rnn_backpropagates_and_frees(tmp_path):
    """A 10,000-step tanh RNN from primitive ops: 50,000+ nodes, no recursion."""
    gc.disable()
    try:
        rng = np.random.default_rng(0)
        steps = 10_000
        Wx = mg.tensor(rng.standard_normal((4, 32)) * 0.3, dtype="float32", requires_grad=True)
        Wh = mg.tensor(rng.standard_normal((32, 32)) * 0.3, dtype="float32", requires_grad=True)
        b = mg.zeros(32, requires_grad=True)
        xs = mg.unbind(mg.tensor(rng.standard_normal((steps, 1, 4)), dtype="float32"))
        h = mg.zeros(1, 32)
        first = None
        for x in xs:
            h = mg.tanh(x @ Wx + h @ Wh + b)
            first = first or weakref.ref(h.grad_fn)
        loss = h.sum()
        loss.backward()
        assert Wh.grad.shape == (32, 32) and np.isfinite(Wh.grad.numpy()).all()
        assert np.abs(Wx.grad.numpy()).sum() > 0
        del loss, h, x, xs
        assert first() is None  # the whole unrolled graph is gone
    finally:
        gc.enable()


def test_detach_cuts_the_graph_for_truncated_bptt():
    w = mg.tensor([2.0], requires_grad=True)
    h = w * 3
    h2 = h.detach() * w
    h2.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [6.0])  # only the direct path
    assert h.detach().grad_fn is None and not h.detach().requires_grad


def test_retain_grad_keeps_intermediate_gradients():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6, 12])
    assert (x * 2).grad is None


def test_hooks_see_and_can_replace_gradients():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    remove = x.register_hook(lambda g: g * 0 + 1)  # replace the leaf's gradient
    (h * h).sum().backward()
    np.testing.assert_allclose(seen[0], [6, 12])
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1])
    remove()
    x.grad = None
    h = x * 3
    (h * h).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [18, 36])


def test_no_grad_context_and_decorator_record_nothing():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2
    assert y.grad_fn is None and not y.requires_grad

    @mg.no_grad()
    def f(t):
        return t * 2

    assert f(x).grad_fn is None
    assert (x * 2).grad_fn is not None  # recording is back on


def test_scopes_nest_and_tag_every_op():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.scope("layer 0"), mg.scope("t=3"):
        y = x * 2
    z = y + 1
    assert y.grad_fn.scope == ("layer 0", "t=3")
    assert z.grad_fn.scope == ()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN is the point
def test_detect_anomaly_names_the_op_and_the_user_line_in_forward():
    x = mg.tensor([-1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"forward of Log.*test_autograd.py:\d+.*mg.log"):
        with mg.autograd.detect_anomaly():
            mg.log(x).sum()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN is the point
def test_detect_anomaly_catches_nan_in_backward():
    x = mg.tensor([0.0], requires_grad=True)
    with mg.autograd.detect_anomaly():
        y = mg.sqrt(x).sum()  # forward is fine (0); backward divides by zero
        with pytest.raises(RuntimeError, match="backward of Sqrt"):
            y.backward()


def test_record_grad_norms_stores_one_norm_per_edge_only_when_asked():
    x = mg.tensor([3.0, 4.0], requires_grad=True)
    y = x * 1.0
    loss = (y * 2).sum()
    loss.backward(retain_graph=True)
    assert loss.grad_fn.grad_norms is None
    with mg.autograd.record_grad_norms():
        loss.backward()
    mul_node = loss.grad_fn.inputs[0].grad_fn
    assert mul_node.grad_norms[0] == pytest.approx(np.sqrt(8.0))  # grad (2, 2) into y
    assert y.grad_fn.grad_norms[0] == pytest.approx(np.sqrt(8.0))


def test_python_scalars_keep_float32():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 1.0001 + 0.0001) / 3 - 2 ** x
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_backward_from_a_leaf_sets_its_own_grad():
    x = mg.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_in_place_accumulation_never_touches_a_gradient_shared_by_two_inputs():
    """o gets two contributions (one accumulated buffer); o = p + q hands that buffer to
    both p and q; p then gets one more contribution, which must not leak into q."""
    x = mg.tensor([1.0], dtype="float64", requires_grad=True)
    p, q = x * 2, x * 3
    o = p + q
    r2 = (p * 5) * 1
    loss = ((o + o) + r2).sum()  # dL/dx = 2 * (2 + 3) + 5 * 2 = 20
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0])


class _Twice(Function):
    """y = 2x; its backward returns a fresh array and notes its id (not the array)."""

    def forward(self, x):
        return 2 * x

    def backward(self, g):
        out = 2 * g
        self.returned = id(out)
        return out


def test_a_leaf_keeps_a_fresh_gradient_nobody_else_holds_without_copying_it():
    x = mg.tensor(np.ones((3, 4)), requires_grad=True)
    node = _Twice()
    node(x).sum().backward()
    assert id(x.grad.array) == node.returned
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 2.0))


class _Kept(Function):
    """A backward that returns an array it also keeps (as a cache might)."""

    def forward(self, x):
        return 2 * x

    def backward(self, g):
        self.kept = 2 * g
        return self.kept


def test_a_gradient_held_elsewhere_is_copied_into_the_leaf():
    x = mg.tensor(np.ones(3), requires_grad=True)
    node = _Kept()
    node(x).sum().backward()
    node.kept[...] = -7.0
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_a_seed_gradient_and_a_hooks_result_are_copied_into_the_leaf():
    x = mg.tensor(np.ones(3), requires_grad=True)
    seed = np.full(3, 5.0)
    x.backward(seed)
    seed[...] = 0.0
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0, 5.0])
    y = mg.tensor(np.ones(3), requires_grad=True)
    stored = np.full(3, 3.0)
    y.register_hook(lambda g: stored)
    (2 * y).sum().backward()
    stored[...] = 0.0
    np.testing.assert_array_equal(y.grad.numpy(), [3.0, 3.0, 3.0])


def test_a_fresh_gradient_of_another_dtype_is_cast_not_kept():
    x = mg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)

    class Wide(Function):
        def forward(self, a):
            return a * 2

        def backward(self, g):
            return (2 * g).astype(np.float64)

    Wide()(x).sum().backward()
    assert x.grad.dtype == mg.float32


def test_a_leafs_gradient_is_laid_out_like_the_leaf():
    """Linear's dW comes out of its matmul transposed; the leaf's .grad is row-major
    like the weight (PyTorch's layout contract), so an optimizer's arithmetic on it
    beside row-major state takes NumPy's contiguous loops."""
    lin = mg.nn.Linear(5, 3)
    lin(mg.randn(4, 5)).sum().backward()
    assert lin.weight.grad.array.flags.c_contiguous
    w = mg.tensor(np.ones((4, 3)).T, requires_grad=True)      # a column-major leaf
    (w * 2).sum().backward()
    assert w.grad.array.strides == w.array.strides
