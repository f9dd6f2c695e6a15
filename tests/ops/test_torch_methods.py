"""The Tensor methods of everyday PyTorch code: topk, sort, max/min(dim), t, narrow,
contiguous, index_select, new_*, type, __index__, to(...). Differentiable ones pass a
float64 gradcheck and match PyTorch (values, indices and gradients)."""
import numpy as np
import pytest

import minigrad as mg

rng = np.random.default_rng(0)
A = rng.permutation(24).reshape(2, 3, 4).astype(np.float64) / 7 - 1  # distinct values

OPS = {
    "topk": (lambda x: x.topk(2, dim=1)[0], lambda x: x.topk(2, dim=1)[0]),
    "topk_smallest": (lambda x: x.topk(3, -1, False)[0], lambda x: x.topk(3, -1, False)[0]),
    "sort": (lambda x: x.sort(dim=2)[0], lambda x: x.sort(dim=2)[0]),
    "sort_descending": (lambda x: x.sort(0, True)[0], lambda x: x.sort(0, True)[0]),
    "max_dim": (lambda x: x.max(1)[0], lambda x: x.max(1)[0]),
    "min_dim_keepdim": (lambda x: x.min(dim=2, keepdim=True)[0],
                        lambda x: x.min(dim=2, keepdim=True)[0]),
    "t": (lambda x: x[0].t(), lambda x: x[0].t()),
    "narrow": (lambda x: x.narrow(2, 1, 2), lambda x: x.narrow(2, 1, 2)),
    "contiguous": (lambda x: x.transpose(0, 2).contiguous(),
                   lambda x: x.transpose(0, 2).contiguous()),
    "index_select": (lambda x: x.index_select(1, mg.tensor([2, 0, 2])),
                     lambda x: x.index_select(1, __import__("torch").tensor([2, 0, 2]))),
    "view_as": (lambda x: x.view_as(mg.zeros(4, 6)),
                lambda x: x.view_as(__import__("torch").zeros(4, 6))),
    "repeat": (lambda x: x.repeat(2, 1, 1, 3), lambda x: x.repeat(2, 1, 1, 3)),
    "add_alpha": (lambda x: x.add(x * x, alpha=-0.5), lambda x: x.add(x * x, alpha=-0.5)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradient_against_finite_differences(name):
    x = mg.tensor(A, requires_grad=True)
    assert mg.gradcheck(OPS[name][0], [x])


@pytest.mark.parametrize("name", sorted(OPS))
def test_values_and_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = OPS[name]
    x, tx = mg.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-15)
    g = rng.standard_normal(y.shape)
    (y * mg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15)


def test_indices_match_pytorch():
    torch = pytest.importorskip("torch")
    x, tx = mg.tensor(A), torch.tensor(A)
    for ours, theirs in [(x.topk(2, dim=1), tx.topk(2, dim=1)), (x.sort(2), tx.sort(2)),
                         (x.max(0), tx.max(0)), (mg.min(x, 2), torch.min(tx, 2))]:
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        values, indices = ours  # unpacks as PyTorch's return types
        assert values is ours.values and indices.dtype == mg.int64
    np.testing.assert_array_equal(mg.max(x, mg.zeros(4)).numpy(), np.maximum(A, 0))


def test_tutorial_spellings():
    out = mg.tensor([[0.1, 0.7, 0.2]]).log()
    top_n, top_i = out.topk(1)
    assert top_i[0].item() == 1 and "abc"[top_i[0][0]] == "b"  # __index__
    assert list(range(mg.tensor(3))) == [0, 1, 2]
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        "abc"[mg.tensor(1.0)]
    w = mg.zeros(2, 3, dtype="float64")
    h = w.new_zeros(4, 1, 5)
    assert h.shape == (4, 1, 5) and h.dtype == mg.float64 and not h.requires_grad
    assert w.new_ones((2,)).tolist() == [1, 1] and w.new_full((1,), 7).tolist() == [7]
    assert w.new_tensor([1, 2]).dtype == mg.float64 and w.new_empty(3).shape == (3,)
    ids = mg.tensor([1, 2, 3]).type(mg.int64)
    assert ids.type() == "torch.LongTensor" and w.type() == "torch.DoubleTensor"
    assert ids.type("torch.FloatTensor").dtype == mg.float32
    assert w.to("cpu", mg.float32).dtype == mg.float32 and w.to(ids).dtype == mg.int64
    assert w.to(dtype=mg.int32).dtype == mg.int32 and w.to("cpu") is w
    assert w.long().dtype == mg.int64 and w.half().dtype == mg.float16
    assert (w.t().contiguous().array.flags.c_contiguous and w.contiguous() is w)
    assert not w.is_cuda and w.is_floating_point() and not ids.is_floating_point()


def test_bad_arguments_name_the_op():
    x = mg.tensor(A)
    with pytest.raises(ValueError, match=r"topk: k=5 is out of range for dim 1 of size 3"):
        x.topk(5, dim=1)
    with pytest.raises(IndexError, match=r"narrow: start \(2\) \+ length \(3\) exceeds "
                                         r"dimension size \(4\)"):
        x.narrow(2, 2, 3)
    with pytest.raises(ValueError, match="t: expects a tensor of at most 2 dims"):
        x.t()
    with pytest.raises(IndexError, match=r"index_select: indices must be in \[0, 3\)"):
        x.index_select(1, mg.tensor([3]))
