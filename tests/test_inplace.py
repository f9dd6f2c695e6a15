"""In-place writes: allowed outside a graph (into the memory, views see them), refused
with PyTorch's message where a backward would use changed numbers (the version
counter), and recorded as out-of-place ops inside a graph (exact gradients)."""
import numpy as np
import pytest

import minigrad as mg

REFUSED = "one of the variables needed for gradient computation has been modified by an " \
          "inplace operation"


def w3(seed=0):
    return mg.tensor(np.random.default_rng(seed).standard_normal(3), requires_grad=True)


# ------------------------------------------------------------------ outside a graph
def test_one_hot_rows_and_counts_are_written_in_place_through_views():
    t = mg.zeros(2, 1, 4)
    t[1][0][2] = 1          # the tutorial's one-hot: a write through two views
    np.testing.assert_array_equal(t.numpy()[1, 0], [0, 0, 1, 0])
    confusion = mg.zeros(3, 3)
    for i, j in [(0, 1), (0, 1), (2, 2)]:
        confusion[i][j] += 1
    np.testing.assert_array_equal(confusion.numpy(), [[0, 2, 0], [0, 0, 0], [0, 0, 1]])
    confusion[0] = confusion[0] / confusion[0].sum()   # a row written from a tensor
    np.testing.assert_array_equal(confusion.numpy()[0], [0, 1, 0])


def test_every_write_bumps_the_version_shared_by_all_views():
    x = mg.zeros(2, 3)
    view, alias = x[0], x.detach()
    assert x._version == 0
    view.add_(1)
    x.mul_(2)
    alias[1, 1] = 5
    assert x._version == view._version == alias._version == x.data._version == 3
    np.testing.assert_array_equal(x.numpy(), [[2, 2, 2], [0, 5, 0]])


def test_the_p_data_update_of_hand_written_sgd_changes_the_parameter():
    p = mg.nn.Parameter(mg.ones(2))
    (p * p).sum().backward()
    p.data.add_(p.grad, alpha=-0.25)
    np.testing.assert_array_equal(p.numpy(), [0.5, 0.5])
    assert p.requires_grad and p.is_leaf


def test_in_place_ops_match_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).uniform(0.5, 2, (2, 3))
    b = np.random.default_rng(2).uniform(0.5, 2, (3,))
    for name, args in [("add_", (b,)), ("sub_", (b,)), ("mul_", (b,)), ("div_", (b,)),
                       ("pow_", (2.0,)), ("clamp_", (0.8, 1.5)), ("fill_", (3.0,)),
                       ("copy_", (b,)), ("exp_", ()), ("log_", ()), ("tanh_", ()),
                       ("sigmoid_", ()), ("sqrt_", ()), ("neg_", ()), ("zero_", ())]:
        ours, theirs = mg.tensor(a), torch.tensor(a)
        mine = [mg.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
        ref = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
        assert getattr(ours, name)(*mine) is ours
        getattr(theirs, name)(*ref)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15, err_msg=name)
    ours, theirs = mg.tensor(a), torch.tensor(a)
    ours.add_(mg.tensor(b), alpha=-0.5)
    theirs.add_(torch.tensor(b), alpha=-0.5)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)
    for m, t in [(mg.zeros(3).unsqueeze_(0), torch.zeros(3).unsqueeze_(0)),
                 (mg.zeros(2, 3).t_(), torch.zeros(2, 3).t_()),
                 (mg.zeros(1, 3).squeeze_(), torch.zeros(1, 3).squeeze_())]:
        assert m.shape == tuple(t.shape)


def test_random_fills_draw_from_minigrad_generator():
    mg.manual_seed(3)
    a = mg.zeros(1000).uniform_(-0.1, 0.1).numpy()
    assert -0.1 <= a.min() and a.max() < 0.1 and abs(a.mean()) < 0.01
    b = mg.zeros(1000, dtype="float64").normal_(2.0, 0.5).numpy()
    assert abs(b.mean() - 2.0) < 0.1 and abs(b.std() - 0.5) < 0.05
    mg.manual_seed(3)
    np.testing.assert_array_equal(mg.zeros(1000).uniform_(-0.1, 0.1).numpy(), a)


def test_bad_in_place_writes_say_what_is_wrong():
    with pytest.raises(RuntimeError, match=r"add_: output with shape \[3\] doesn't match the "
                                           r"broadcast shape \[2, 3\]"):
        mg.zeros(3).add_(mg.ones(2, 3))
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        mg.tensor([1, 2]).add_(0.5)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        mg.zeros(3).expand(2, 3).fill_(1)
    counts = mg.tensor([1, 2])
    counts += 1  # int stays int
    assert counts.dtype == mg.int64 and counts.tolist() == [2, 3]


# ------------------------------------------------------------------ the version check
def test_writing_a_saved_input_after_the_forward_refuses_the_backward():
    w, x = w3(), mg.ones(3)
    y = (w * x).sum()     # Mul keeps x for dL/dw
    x[0] = 5
    with pytest.raises(RuntimeError, match=REFUSED + r".*float32 tensor of shape \(3,\) saved "
                                                     r"by Mul is at version 1"):
        y.backward()


def test_writing_a_saved_output_refuses_the_backward():
    w = w3()
    h = mg.tanh(w)        # Tanh keeps its output
    y = (h * 2).sum()
    with mg.no_grad():
        h.mul_(3)
    with pytest.raises(RuntimeError, match=REFUSED + ".*saved by Tanh"):
        y.backward()


@pytest.mark.parametrize("view", [lambda x: x[1], lambda x: x.t(), lambda x: x.view(6),
                                  lambda x: x.detach(), lambda x: x.data])
def test_writing_a_view_of_a_saved_tensor_refuses_the_backward(view):
    w = mg.tensor(np.ones((2, 3)), requires_grad=True)
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    y = (w * x).sum()
    view(x).add_(1)
    with pytest.raises(RuntimeError, match=REFUSED):
        y.backward()


def test_writes_before_the_forward_or_into_unsaved_tensors_are_allowed():
    w, x = w3(), mg.ones(3)
    x[0] = 5                       # before: the forward reads the new value
    y = (w * x).sum() + (w + x).sum()
    z = mg.ones(3)
    s = (w + z).sum()              # Add keeps nothing
    z.fill_(7)
    y.backward()
    s.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [5 + 1 + 1, 2 + 1, 2 + 1])


def test_an_optimizer_step_between_forward_and_backward_is_refused():
    lin = mg.nn.Linear(3, 1)
    opt = mg.optim.SGD(lin.parameters(), lr=0.1)
    lin(mg.ones(2, 3)).sum().backward()
    opt.step()
    out = lin(mg.ones(2, 3)).sum()
    opt.step()                     # the weights out just used are now different
    with pytest.raises(RuntimeError, match=REFUSED):
        out.backward()


def test_p_data_written_between_forward_and_backward_is_refused_unlike_pytorch():
    # PyTorch's .data does not share the version counter and gives a gradient computed
    # from the new weight without a word; minigrad's counter is on the memory
    p = mg.nn.Parameter(mg.ones(2))
    out = (p * p).sum()
    p.data.mul_(3)
    with pytest.raises(RuntimeError, match=REFUSED):
        out.backward()


def test_pytorch_refuses_the_same_cases_with_the_same_words():
    torch = pytest.importorskip("torch")
    w = torch.ones(3, requires_grad=True)
    x = torch.ones(3)
    y = (w * x).sum()
    x[0] = 5
    with pytest.raises(RuntimeError, match=REFUSED):
        y.backward()
    h = torch.tanh(w)
    y = (h * 2).sum()
    with torch.no_grad():
        h.mul_(3)
    with pytest.raises(RuntimeError, match=REFUSED):
        y.backward()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation"):
        w.add_(1)


# ------------------------------------------------------------------ inside a graph
def test_a_leaf_that_requires_grad_is_refused_with_pytorchs_message():
    w = w3()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="a leaf Variable"):
        w[0] = 2.0
    with mg.no_grad():
        w[0] = 2.0                 # outside the graph: the update of an optimizer
    assert w.numpy()[0] == 2.0


def test_accumulating_a_loss_in_place_gives_pytorchs_gradient():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).standard_normal(3)
    grads = []
    for lib in (mg, torch):
        w = lib.tensor(a, requires_grad=True)
        loss = lib.zeros(1, dtype=lib.float64)   # torch.Tensor([0]) in the tutorial
        held = loss
        for k in range(3):
            loss += (w * (k + 1)).tanh().sum()
        assert loss is held and loss.shape == (1,)
        loss.backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14)


def test_in_place_ops_inside_a_graph_pass_gradcheck():
    rng = np.random.default_rng(5)
    a, b = (mg.tensor(rng.uniform(0.5, 2, (2, 3)), requires_grad=True) for _ in range(2))
    v = mg.tensor(rng.standard_normal(3), requires_grad=True)

    def f(a, b, v):
        h = a * 1.0
        h.mul_(b)
        h.add_(v, alpha=0.5)
        h.div_(b + 1)
        h.tanh_()
        h[1] = v * 2              # SetItem: dh[1] -> v, the rest of h unchanged
        h[0, [2, 0]] = v[:2]      # an integer-array index
        h[h > 0.5] = 0.25         # a mask, a constant
        h.clamp_(-0.9, 0.9)
        h.copy_(h * a)
        return h

    assert mg.gradcheck(f, [a, b, v])


def test_setitem_inside_a_graph_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    hs = rng.standard_normal((4, 2, 3))
    grads = []
    for lib in (mg, torch):
        steps = lib.tensor(hs, requires_grad=True)
        out = lib.zeros(4, 2, 3, dtype=lib.float64)  # outputs[t] = h_t, as in seq2seq code
        for t in range(4):
            out[t] = steps[t].tanh() * (t + 1)
        out[:, 0, 1:] = 0.5
        (out ** 2).sum().backward()
        grads.append(steps.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14)


def test_views_inside_a_graph_and_repeated_indices_are_refused():
    h = w3() * 2
    with pytest.raises(RuntimeError, match="in-place change of a view .* inside a graph"):
        h[0:2].add_(1)
    with pytest.raises(IndexError, match="names an element more than once"):
        h[[0, 0]] = w3(1)[:2]
    h[[0, 2]] = w3(1)[:2]          # distinct indices are fine


def test_hooks_and_retain_grad_follow_the_tensor_to_its_new_value():
    w = w3()
    h = w * 2
    h.retain_grad()
    h.mul_(3)
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.numpy())
    np.testing.assert_allclose(w.grad.numpy(), 72 * w.numpy())


def test_ops_that_read_a_tensor_before_its_in_place_change_keep_the_old_version():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(7).uniform(0.5, 2, (2, 3))
    grads = []
    for lib in (mg, torch):
        w = lib.tensor(a, requires_grad=True)
        h = w * 2
        y = h * 3 + h           # reads h before the writes
        h.mul_(w)               # h = 2 w^2
        h.unsqueeze_(0)         # a new shape, too
        z = (y + h).sum() + (h * h).sum()
        z.backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14)
