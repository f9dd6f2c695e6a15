"""The reductions and tests of values of everyday PyTorch code: norm, var, std, prod,
cumsum, flip, sign, all/any, isnan/isinf/isfinite, isclose/allclose, mT.

Each call is written once and run on a minigrad tensor and on a PyTorch one (the two
spell it the same). Differentiable ones pass a float64 gradcheck and match PyTorch's
values and gradients, also at the edges PyTorch defines: a norm at 0, a product with
zeros, the variance of one element."""
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.torch as mtorch

rng = np.random.default_rng(0)
A = rng.permutation(24).reshape(2, 3, 4).astype(np.float64) / 7 - 1  # distinct, one is 0
inf = float("inf")

METHODS = {
    "norm": lambda x: x.norm(),
    "norm_dim_keepdim": lambda x: x.norm(p=2, dim=1, keepdim=True),
    "norm_1": lambda x: x.norm(1, dim=2),
    "norm_inf": lambda x: (x + 0.01).norm(p=inf, dim=(0, 2)),  # A has ties in |x|: -1/7, 1/7
    "norm_-inf": lambda x: (x + 0.01).norm(-inf, 1),
    "norm_3": lambda x: x.norm(3, dim=-1),
    "norm_0.5_through_a_zero": lambda x: x.norm(0.5),
    "norm_fro": lambda x: x.norm("fro", dim=(1, 2)),
    "var": lambda x: x.var(),
    "var_dim_keepdim": lambda x: x.var(dim=1, keepdim=True),
    "var_biased": lambda x: x.var(2, unbiased=False),
    "var_correction": lambda x: x.var(dim=(0, 2), correction=2),
    "std": lambda x: x.std(),
    "std_dim": lambda x: x.std(dim=0),
    "std_positional": lambda x: x.std(1, False, True),
    "prod_through_a_zero": lambda x: x.prod(),
    "prod_dim": lambda x: x.prod(dim=2, keepdim=True),
    "cumsum": lambda x: x.cumsum(dim=1),
    "cumsum_last": lambda x: x.cumsum(-1),
    "flip": lambda x: x.flip(0, 2),
    "flip_list": lambda x: x.flip([1]),
    "sign_times_x": lambda x: x.sign() * x,
    "mT": lambda x: x.mT,
}
FUNCTIONS = {  # the module-level spellings: torch.norm(x, ...) and so on
    "norm": lambda torch, x: torch.norm(x, p=1, dim=1),
    "std": lambda torch, x: torch.std(x, dim=2, keepdim=True),
    "var": lambda torch, x: torch.var(x, 0, correction=0),
    "prod": lambda torch, x: torch.prod(x, 1),
    "cumsum": lambda torch, x: torch.cumsum(x, dim=0),
    "flip": lambda torch, x: torch.flip(x, dims=(1, 2)),
    "sign": lambda torch, x: torch.sign(x + 0.01) + x,  # 0.01: away from the jump at 0
}


def same(ours, theirs, rtol=1e-12):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=1e-15)


def against_pytorch(ours, theirs, data):
    """Values and the gradient of sum(y * g) for a fixed random g, in float64."""
    torch = pytest.importorskip("torch")
    x, tx = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    same(y, ty)
    g = rng.standard_normal(y.shape)
    (y * mg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    same(x.grad, torch.zeros_like(tx) if tx.grad is None else tx.grad)  # None: 0 (p=0 norm)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_gradient_against_finite_differences(name):
    assert mg.gradcheck(METHODS[name], [mg.tensor(A, requires_grad=True)])


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_gradient_against_finite_differences(name):
    assert mg.gradcheck(lambda x: FUNCTIONS[name](mtorch, x), [mg.tensor(A, requires_grad=True)])


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_values_and_gradients_match_pytorch(name):
    against_pytorch(METHODS[name], METHODS[name], A)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_values_and_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    fn = FUNCTIONS[name]
    against_pytorch(lambda x: fn(mtorch, x), lambda x: fn(torch, x), A)


# ------------------------------------------------------------------ the edges
ZEROS = np.array([[0.0, 0.0, 0.0], [3.0, -4.0, 0.0]])  # a zero row, a row with a zero


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, inf, -inf, 0])
def test_norm_gradient_at_zero_is_zero_as_in_pytorch(p):
    x = mg.tensor(ZEROS, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy divide warning on the way
        x.norm(p, dim=1).sum().backward()
    assert np.all(x.grad.numpy()[0] == 0) and np.all(np.isfinite(x.grad.numpy()))
    assert x.grad.numpy()[1, 2] == 0
    if p == 2:
        np.testing.assert_allclose(x.grad.numpy()[1], [0.6, -0.8, 0])
    against_pytorch(lambda t: t.norm(p, dim=1), lambda t: t.norm(p, dim=1), ZEROS)


def test_norm_inf_ties_share_the_gradient_as_in_pytorch():
    x = mg.tensor([3.0, -3.0, 1.0], requires_grad=True)
    x.norm(inf).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, -0.5, 0])
    against_pytorch(lambda t: t.norm(inf), lambda t: t.norm(inf), [3.0, -3.0, 1.0])


PRODUCTS = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0]])  # 1, 2, 0 zeros


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = mg.tensor(PRODUCTS, requires_grad=True)
    x.prod(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 6, 0], [0, 0, 0], [6, 3, 2]])
    assert mg.gradcheck(lambda t: t.prod(0), [mg.tensor(PRODUCTS, requires_grad=True)])
    against_pytorch(lambda t: t.prod(dim=1), lambda t: t.prod(dim=1), PRODUCTS)
    against_pytorch(lambda t: t.prod(0), lambda t: t.prod(0), PRODUCTS)
    against_pytorch(lambda t: t.prod(), lambda t: t.prod(), PRODUCTS)  # three zeros


@pytest.mark.parametrize("op", ["var", "std"])
def test_one_element_gives_nan_and_one_warning_naming_the_op(op):
    x = mg.tensor([5.0], dtype="float64", requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = getattr(x, op)()
        y.backward()
    assert [w.category for w in caught] == [UserWarning]  # ours; none from NumPy
    assert f"{op}: degrees of freedom is <= 0" in str(caught[0].message)
    assert np.isnan(y.item()) and np.isnan(x.grad.item())
    assert getattr(x, op)(unbiased=False).item() == 0
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ty = getattr(torch.tensor([5.0], dtype=torch.float64), op)()
    assert np.isnan(ty.item())


@pytest.mark.parametrize("data,correction", [([1.0, 2.0], 3), ([], 1), ([1.0, 2.0], -1),
                                             ([1.0, 2.0, 4.0], 0.5), ([2.0, 2.0], 2)])
def test_var_and_std_corrections_give_pytorchs_numbers(data, correction):
    torch = pytest.importorskip("torch")
    for op in ("var", "std"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ours = getattr(mg.tensor(data, dtype="float64"), op)(correction=correction)
        assert all(w.category is UserWarning for w in caught)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = getattr(torch.tensor(data, dtype=torch.float64), op)(correction=correction)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_std_of_a_constant_has_gradient_zero_as_in_pytorch():
    x = mg.tensor([2.0, 2.0, 2.0], dtype="float64", requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.std().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0])
    against_pytorch(lambda t: t.std(), lambda t: t.std(), [2.0, 2.0, 2.0])


def test_sign_has_gradient_zero_and_maps_nan_to_zero_as_pytorch():
    x = mg.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    y = x.sign()
    assert y.requires_grad and y.dtype == mg.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0])
    np.testing.assert_array_equal(mg.sign(mg.tensor([np.nan, -0.5])).numpy(), [0, -1])
    assert mg.sign(mg.tensor([True, False])).dtype == mg.bool_
    torch = pytest.importorskip("torch")
    data = [np.nan, -np.inf, -0.0, 2.5]
    same(mtorch.sign(mtorch.tensor(data)), torch.sign(torch.tensor(data)))


# ------------------------------------------------------------------ answers in bools
BOOLS = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
TESTS = {
    "all": lambda x: x.all(),
    "all_dim": lambda x: x.all(dim=1),
    "any_dim_keepdim": lambda x: x.any(0, keepdim=True),
    "any": lambda x: (x * 0).any(),
    "isnan": lambda x: (x / x).isnan(),  # 0 / 0
    "isinf": lambda x: (1 / x).isinf(),
    "isfinite": lambda x: (1 / x).isfinite(),
    "isclose": lambda x: x.isclose(x + 1e-7),
}


@pytest.mark.parametrize("name", sorted(TESTS))
def test_tests_give_untracked_bools_equal_to_pytorchs(name):
    x = mg.tensor(BOOLS, dtype="float64", requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 0 / 0 and 1 / 0 that make nan and inf
        y = TESTS[name](x)
    assert y.dtype == mg.bool_ and not y.requires_grad and y.grad_fn is None
    torch = pytest.importorskip("torch")
    ty = TESTS[name](torch.tensor(BOOLS, dtype=torch.float64))
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("a,b,kw", [([1.0, 2.0], [1.0, 2.0 + 1e-6], {}),
                                    ([1.0, 2.0], [1.0, 2.1], {}),
                                    ([1.0, 2.0], [1.0, 2.1], {"atol": 0.2}),
                                    ([1.0, np.nan], [1.0, np.nan], {}),
                                    ([1.0, np.nan], [1.0, np.nan], {"equal_nan": True}),
                                    ([[1.0], [1.0]], [1.0], {})])  # broadcasts
def test_allclose_and_isclose_agree_with_pytorch(a, b, kw):
    torch = pytest.importorskip("torch")
    ours = mtorch.allclose(mtorch.tensor(a), mtorch.tensor(b), **kw)
    assert ours is torch.allclose(torch.tensor(a), torch.tensor(b), **kw)
    assert mg.tensor(a).allclose(mg.tensor(b), **kw) is ours
    np.testing.assert_array_equal(mtorch.isclose(mtorch.tensor(a), mtorch.tensor(b), **kw),
                                  torch.isclose(torch.tensor(a), torch.tensor(b), **kw))


# ------------------------------------------------------------------ dtypes and 0-d
def test_dtypes_follow_pytorch():
    torch = pytest.importorskip("torch")
    for dtype in ("int32", "int64", "bool"):
        ours, theirs = mg.tensor([1, 0, 1], dtype=dtype), torch.tensor([1, 0, 1])
        theirs = theirs.to(getattr(torch, dtype))
        for call in (lambda t: t.prod(), lambda t: t.cumsum(0), lambda t: t.flip(0),
                     lambda t: t.all(), lambda t: t.any(), lambda t: t.sign()):
            y, ty = call(ours), call(theirs)
            assert str(y.dtype) == str(ty.dtype).replace("torch.", ""), (dtype, y.dtype)
            np.testing.assert_array_equal(y.numpy(), ty.numpy())
    x = mg.tensor([3.0, 4.0])  # float32 stays float32
    assert x.norm().dtype == x.std().dtype == x.var().dtype == x.prod().dtype == mg.float32
    assert mg.tensor([3, 4]).norm().item() == 5  # integers taken as floats


def test_zero_dimensional_tensors_as_pytorch():
    torch = pytest.importorskip("torch")
    x, tx = mg.tensor(3.0, dtype="float64"), torch.tensor(3.0, dtype=torch.float64)
    for call in (lambda t: t.norm(), lambda t: t.norm(dim=0), lambda t: t.prod(),
                 lambda t: t.cumsum(0), lambda t: t.cumsum(-1), lambda t: t.flip(0),
                 lambda t: t.all(0), lambda t: t.any(), lambda t: t.std(unbiased=False)):
        y, ty = call(x), call(tx)
        assert y.shape == tuple(ty.shape)
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
    xg = mg.tensor(3.0, dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda t: t.cumsum(0) * t.norm(), [xg])


def test_functions_are_minigrads_own():
    for name in ("norm", "var", "std", "prod", "cumsum", "flip", "sign", "all", "any",
                 "isnan", "isinf", "isfinite", "isclose", "allclose"):
        assert getattr(mtorch, name) is getattr(mg, name)
