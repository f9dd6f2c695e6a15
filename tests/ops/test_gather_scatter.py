"""gather, scatter, scatter_add and their in-place forms: PyTorch's index rules (index no
larger than the input apart from dim), float64 gradchecks, PyTorch's values and
gradients, and the in-place safety of scatter_ / scatter_add_ (the version counter)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.torch as mtorch

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4, 5))
# index smaller than x apart from dim, with repeated places (gather reads them twice,
# scatter_add adds them); the scatter index names each place once
GATHER_IDX = {0: rng.integers(0, 3, (4, 3, 5)), 1: rng.integers(0, 4, (2, 6, 4)),
              2: rng.integers(0, 5, (3, 4, 7)), -1: rng.integers(0, 5, (1, 2, 2))}
SCATTER_IDX = {0: np.argsort(rng.random((3, 4, 5)), axis=0)[:2, :3],
               1: np.argsort(rng.random((3, 4, 5)), axis=1)[:, :2],
               2: np.argsort(rng.random((2, 4, 5)), axis=2)[:, :, :3]}
ADD_IDX = {0: rng.integers(0, 3, (3, 2, 5)), 2: rng.integers(0, 5, (2, 4, 6))}


def _x(a=X):
    return mg.tensor(a, requires_grad=True)


def _src(shape):
    return mg.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)


# (minigrad op, PyTorch op, index, src shape or None for a number)
CASES = {f"gather_dim{d}": ("gather", d, i, None) for d, i in GATHER_IDX.items()}
CASES.update({f"scatter_dim{d}": ("scatter", d, i, i.shape) for d, i in SCATTER_IDX.items()})
CASES.update({f"scatter_larger_src_dim{d}": ("scatter", d, i, (3, 4, 5))
              for d, i in SCATTER_IDX.items() if d != 2})
CASES["scatter_value"] = ("scatter_value", 1, SCATTER_IDX[1], None)
CASES.update({f"scatter_add_dim{d}": ("scatter_add", d, i, i.shape) for d, i in ADD_IDX.items()})


def _run(lib, kind, dim, idx, x, src):
    index = lib.tensor(idx)
    if kind == "gather":
        return x.gather(dim, index)
    if kind == "scatter":
        return x.scatter(dim, index, src)
    if kind == "scatter_value":
        return x.scatter(dim, index, value=2.5)
    return x.scatter_add(dim, index, src)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_against_finite_differences(name):
    kind, dim, idx, src_shape = CASES[name]
    x = _x()
    if src_shape is None:
        assert mg.gradcheck(lambda x: _run(mg, kind, dim, idx, x, None), [x])
    else:
        src = _src(src_shape)
        assert mg.gradcheck(lambda x, s: _run(mg, kind, dim, idx, x, s), [x, src])


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    kind, dim, idx, src_shape = CASES[name]
    if name.startswith("scatter_larger_src"):  # PyTorch has no gradient for a larger src
        src_shape = idx.shape
    x, tx = _x(), torch.tensor(X, requires_grad=True)
    src = tsrc = None
    if src_shape is not None:
        src = _src(src_shape)
        tsrc = torch.tensor(src.numpy(), requires_grad=True)
    y, ty = _run(mg, kind, dim, idx, x, src), _run(torch, kind, dim, idx, tx, tsrc)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    g = rng.standard_normal(y.shape)
    (y * mg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15)
    if src is not None:
        np.testing.assert_allclose(src.grad.numpy(), tsrc.grad.numpy(), rtol=1e-15)


def test_larger_src_gets_zero_gradient_outside_the_block_read():
    x, src = _x(), _src((3, 4, 5))
    idx = SCATTER_IDX[0]
    x.scatter(0, mg.tensor(idx), src).sum().backward()
    expected = np.zeros((3, 4, 5))
    expected[:2, :3] = 1
    np.testing.assert_array_equal(src.grad.numpy(), expected)


def test_the_torch_namespace_functions_and_in_place_forms_match_pytorch():
    torch = pytest.importorskip("torch")
    idx = SCATTER_IDX[1]
    assert np.array_equal(mtorch.gather(mg.tensor(X), 2, mg.tensor(GATHER_IDX[2])).numpy(),
                          torch.gather(torch.tensor(X), 2, torch.tensor(GATHER_IDX[2])).numpy())
    ours, theirs = mtorch.zeros(3, 4, 5), torch.zeros(3, 4, 5)
    assert ours.scatter_(1, mg.tensor(idx), 1.0) is ours
    theirs.scatter_(1, torch.tensor(idx), 1.0)
    src = rng.standard_normal(idx.shape).astype(np.float32)
    ours.scatter_add_(1, mg.tensor(idx), mg.tensor(src))
    theirs.scatter_add_(1, torch.tensor(idx), torch.tensor(src))
    ours.scatter_(1, mg.tensor(idx[:, :1]), mg.tensor(src[:, :1] * 3))
    theirs.scatter_(1, torch.tensor(idx[:, :1]), torch.tensor(src[:, :1] * 3))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert np.array_equal(mtorch.scatter_add(mg.zeros(3), 0, mg.tensor([0, 0, 2]),
                                             mg.ones(3)).numpy(), [2, 0, 1])


def test_one_hot_rows_by_scatter_outside_a_graph_are_written_in_place():
    targets = mg.tensor([2, 0, 3])
    one_hot = mg.zeros(3, 4)
    view = one_hot[1]
    before = one_hot._version
    one_hot.scatter_(1, targets.unsqueeze(1), 1.0)
    np.testing.assert_array_equal(one_hot.numpy(), np.eye(4)[[2, 0, 3]])
    assert view.numpy()[0] == 1 and one_hot._version == before + 1


# ------------------------------------------------------------------ in-place safety
REFUSED = "one of the variables needed for gradient computation has been modified by an " \
          "inplace operation"


def test_scatter_into_a_tensor_saved_for_backward_is_refused():
    """PyTorch's case: b was saved by the product, then written in place."""
    w = mg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = mg.tensor(rng.standard_normal((2, 3)))
    loss = (w * b).sum()
    b.scatter_(1, mg.tensor([[0], [2]]), 0.0)
    with pytest.raises(RuntimeError, match=REFUSED):
        loss.backward()
    w2, b2 = mg.tensor(w.numpy(), requires_grad=True), mg.tensor(b.numpy())
    loss2 = (w2 * b2).sum()
    b2.scatter_add_(0, mg.tensor([[1, 0, 1]]), mg.ones(1, 3, dtype=mg.float64))
    with pytest.raises(RuntimeError, match=REFUSED):
        loss2.backward()


def test_scatter_into_a_tensor_saved_for_backward_is_refused_by_pytorch_too():
    torch = pytest.importorskip("torch")
    w, b = torch.ones(2, 3, requires_grad=True), torch.ones(2, 3)
    loss = (w * b).sum()
    b.scatter_(1, torch.tensor([[0], [2]]), 0.0)
    with pytest.raises(RuntimeError, match=REFUSED):
        loss.backward()


def test_scatter_in_place_inside_a_graph_is_recorded_and_its_gradient_exact():
    torch = pytest.importorskip("torch")
    idx = SCATTER_IDX[2]
    x, tx = _x(), torch.tensor(X, requires_grad=True)
    src = _src(idx.shape)
    tsrc = torch.tensor(src.numpy(), requires_grad=True)
    y, ty = x * 2, tx * 2
    y.scatter_(2, mg.tensor(idx), src)
    ty.scatter_(2, torch.tensor(idx), tsrc)
    y.scatter_add_(0, mg.tensor(ADD_IDX[0]), x[:, :2] * 2)
    ty.scatter_add_(0, torch.tensor(ADD_IDX[0]), tx[:, :2] * 2)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-15)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(src.grad.numpy(), tsrc.grad.numpy(), rtol=1e-14)


def test_scatter_in_place_over_a_saved_output_keeps_the_gradient_exact():
    """exp saves its output; PyTorch refuses the backward after y.scatter_, minigrad
    records the write as its out-of-place twin (inplace.py), so the gradient is the
    out-of-place one."""
    idx, src = mg.tensor(SCATTER_IDX[2]), _src(SCATTER_IDX[2].shape)
    x = _x()
    y = x.exp()
    y.scatter_(2, idx, src)
    (y * y).sum().backward()
    x2, src2 = _x(), mg.tensor(src.numpy(), requires_grad=True)
    y2 = x2.exp().scatter(2, idx, src2)
    (y2 * y2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), x2.grad.numpy())
    np.testing.assert_array_equal(src.grad.numpy(), src2.grad.numpy())


def test_scatter_into_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="scatter_: a leaf Variable that requires grad"):
        _x().scatter_(0, mg.tensor(SCATTER_IDX[0]), 1.0)


def test_scatter_writing_one_place_twice_from_a_src_in_a_graph_is_refused():
    src = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(IndexError, match=r"scatter: index writes place \(0,\)"):
        mg.zeros(3).scatter(0, mg.tensor([0, 0]), src)
    with mg.no_grad():  # outside a graph PyTorch allows it (one of the values stays)
        out = mg.zeros(3).scatter(0, mg.tensor([0, 0]), src)
    assert out.numpy()[0] in (1.0, 2.0)
