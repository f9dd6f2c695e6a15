"""minigrad.nn.functional: gradients (float64 finite differences), PyTorch's values,
stability and errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def t(*shape, low=-2.0, high=2.0, seed=0, grad=True):
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.uniform(low, high, size=shape), requires_grad=grad)


def ids(*shape, high, seed=0):
    return np.random.default_rng(seed).integers(0, high, size=shape)


def check(fn, *inputs):
    assert mg.gradcheck(fn, list(inputs))


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_gradient(reduction, ignore):
    target = ids(5, high=4)
    if ignore:
        target[[1, 3]] = -100
    check(lambda x: F.cross_entropy(x, target, reduction=reduction), t(5, 4))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradient_with_extra_dims_and_custom_ignore_index(reduction):
    target = ids(2, 3, 2, high=4, seed=1)
    target[0, 1, 0] = 7
    check(lambda x: F.cross_entropy(x, target, reduction=reduction, ignore_index=7),
          t(2, 4, 3, 2, seed=1))


def test_cross_entropy_gradient_unbatched():
    check(lambda x: F.cross_entropy(x, np.array(2)), t(5))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_gradient(reduction):
    target = ids(4, 3, high=5)
    target[2, 1] = -100
    check(lambda x: F.nll_loss(F.log_softmax(x, dim=1), target, reduction=reduction),
          t(4, 5, 3))
    check(lambda x: F.nll_loss(x, target[:, 0], reduction=reduction), t(4, 5, seed=2))


def test_cross_entropy_backward_is_softmax_minus_onehot_over_n():
    x = t(6, 3)
    target = ids(6, high=3)
    F.cross_entropy(x, target).backward()
    p = np.exp(x.numpy()) / np.exp(x.numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), (p - np.eye(3)[target]) / 6, atol=1e-12)
    assert x.grad_fn is None  # one fused node: the loss's grad_fn is CrossEntropy
    assert F.cross_entropy(x, target).grad_fn.name == "CrossEntropy"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_gradient(reduction):
    y = mg.tensor(np.random.default_rng(3).uniform(0, 1, size=(3, 4)), requires_grad=True)
    check(lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction),
          t(3, 4), y)
    w = np.random.default_rng(4).uniform(0.5, 2, size=(4,))
    pw = np.array([0.5, 1.0, 2.0, 3.0])
    check(lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw,
                                                          reduction=reduction), t(3, 4), y)


def test_bce_with_logits_gradient_at_zero_logit_is_sigmoid_minus_target():
    x = mg.zeros(3, dtype=mg.float64, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, np.array([0.0, 1.0, 0.5])).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.array([0.5, -0.5, 0.0]) / 3)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_l1_gradients(reduction):
    check(lambda a, b: F.mse_loss(a, b, reduction=reduction), t(3, 4), t(3, 4, seed=1))
    check(lambda a, b: F.l1_loss(a, b, reduction=reduction), t(3, 4), t(3, 4, seed=1))


def test_linear_gradient():
    check(F.linear, t(5, 3), t(4, 3, seed=1), t(4, seed=2))
    check(F.linear, t(2, 5, 3), t(4, 3, seed=1))
    check(F.linear, t(3), t(4, 3, seed=1), t(4, seed=2))


@pytest.mark.parametrize("shape", [(5, 3), (1, 3), (2, 5, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_is_one_node_with_the_composite_numbers(shape, bias):
    """F.linear is one node (the graph keeps y, not x W^T and then y); its values and
    gradients are those of x @ W.T + b: the same NumPy calls for 1-D and 2-D inputs
    (equal bit for bit), a batched matmul summed in another order for 3-D."""
    rng = np.random.default_rng(0)
    x0, w0, b0 = rng.standard_normal(shape), rng.standard_normal((4, 3)), rng.standard_normal(4)
    g0 = rng.standard_normal(shape[:-1] + (4,))
    results = []
    for fused in (True, False):
        x, w = mg.tensor(x0, requires_grad=True), mg.tensor(w0, requires_grad=True)
        b = mg.tensor(b0, requires_grad=True) if bias else None
        y = F.linear(x, w, b) if fused else (x @ w.T + b if bias else x @ w.T)
        if fused:
            assert y.grad_fn.name == "Linear"
        y.backward(g0)
        results.append([y.numpy(), x.grad.numpy(), w.grad.numpy()]
                       + ([b.grad.numpy()] if bias else []))
    atol = 0 if len(shape) <= 2 else 1e-12
    for a, c in zip(*results):
        np.testing.assert_allclose(a, c, rtol=0, atol=atol)


def test_embedding_gradient_with_repeated_ids():
    w = t(6, 3)
    check(lambda w: F.embedding(np.array([[1, 4, 1], [0, 1, 5]]), w), w)


def test_embedding_padding_idx_gradient():
    ids_ = np.array([[1, 2, 1], [2, 0, 2]])
    mask = mg.tensor((ids_ != 2).astype(np.float64)[..., None])
    # with the padding positions masked out, finite differences agree everywhere
    check(lambda w: F.embedding(ids_, w, padding_idx=2) * mask, t(4, 3))
    # and the padding row gets no gradient even when the output uses it
    w = t(4, 3)
    F.embedding(ids_, w, padding_idx=2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[2], 0)
    np.testing.assert_array_equal(w.grad.numpy()[1], 2)


def test_softmax_and_log_softmax():
    x = t(3, 4)
    check(lambda x: F.softmax(x, dim=0), x)
    check(lambda x: F.log_softmax(x, dim=-1), x)
    np.testing.assert_allclose(F.softmax(x, dim=1).numpy().sum(1), 1)


def test_dropout_gradient_matches_its_mask_and_eval_is_identity():
    x = t(50, 20)
    mg.manual_seed(0)
    y = F.dropout(x, 0.3, training=True)
    y.sum().backward()
    kept = y.numpy() != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(y.numpy()[kept], x.numpy()[kept] / 0.7)
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.7)
    assert F.dropout(x, 0.3, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).numpy().any()
    with pytest.raises(ValueError, match="p must be in"):
        F.dropout(x, 1.5)


def test_dropout_is_reproducible_with_manual_seed():
    x = mg.ones(10, 10)
    mg.manual_seed(7)
    a = F.dropout(x, 0.5).numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(a, F.dropout(x, 0.5).numpy())


def test_one_hot():
    y = F.one_hot(np.array([0, 2, 1]))
    assert y.dtype == np.int64 and y.shape == (3, 3)
    np.testing.assert_array_equal(y.numpy(), np.eye(3)[[0, 2, 1]])
    assert F.one_hot(mg.tensor(np.array([[1], [0]])), 4, dtype=mg.float32).shape == (2, 1, 4)
    with pytest.raises(IndexError, match=r"\[0, 3\).*\[5\]"):
        F.one_hot(np.array([0, 5]), 3)


# ------------------------------------------------------------------ semantics
def test_cross_entropy_mean_with_ignore_index_divides_by_the_counted_targets():
    x = t(4, 3, grad=False)
    target = np.array([0, -100, 2, -100])
    per = F.cross_entropy(x, target, reduction="none").numpy()
    assert per[1] == 0 and per[3] == 0
    assert F.cross_entropy(x, target).item() == pytest.approx(per.sum() / 2)
    assert F.cross_entropy(x, target, reduction="sum").item() == pytest.approx(per.sum())


def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient():
    x = t(3, 4)
    loss = F.cross_entropy(x, np.full(3, -100))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_stays_finite_for_extreme_logits(dtype):
    x = mg.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], dtype=dtype),
                  requires_grad=True)
    loss = F.cross_entropy(x, np.array([1, 2]))
    assert loss.dtype == dtype
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(1e4, rel=1e-6)
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, -0.5, 0], [0, 0, 0]], atol=1e-6)
    z = F.binary_cross_entropy_with_logits(
        mg.tensor(np.array([1e4, -1e4], dtype=dtype), requires_grad=True),
        np.array([0.0, 1.0], dtype=dtype), reduction="none")
    np.testing.assert_allclose(z.numpy(), [1e4, 1e4])


def test_losses_keep_float32():
    x = mg.randn(4, 3)
    assert F.cross_entropy(x, np.array([0, 1, 2, 0])).dtype == np.float32
    assert F.mse_loss(x, mg.zeros(4, 3)).dtype == np.float32
    assert F.binary_cross_entropy_with_logits(x, mg.zeros(4, 3)).dtype == np.float32


# ------------------------------------------------------------------ errors
def test_class_loss_errors_name_the_values_and_shapes():
    x = t(3, 4, grad=False)
    with pytest.raises(IndexError, match=r"cross_entropy.*\[0, 4\).*\[4, -1\]"):
        F.cross_entropy(x, np.array([4, 0, -1]))
    with pytest.raises(ValueError, match=r"cross_entropy.*\(3, 4\).*\(3,\).*\(2,\)"):
        F.cross_entropy(x, np.array([0, 1]))
    with pytest.raises(TypeError, match="cross_entropy.*integer.*float"):
        F.cross_entropy(x, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"\(2, 4, 5\).*\(2, 5\).*\(2, 4\)"):
        F.cross_entropy(t(2, 4, 5, grad=False), np.zeros((2, 4), dtype=int))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, np.array([0, 1, 2]), reduction="avg")
    with pytest.raises(IndexError, match=r"nll_loss.*\[9\]"):
        F.nll_loss(x, np.array([0, 9, 1]))


def test_other_errors():
    with pytest.raises(ValueError, match=r"linear.*\(2, 5\).*in_features=3"):
        F.linear(t(2, 5), t(4, 3))
    with pytest.raises(IndexError, match=r"embedding.*\[0, 4\).*\[7\]"):
        F.embedding(np.array([1, 7]), t(4, 3))
    with pytest.raises(TypeError, match="embedding.*integers"):
        F.embedding(np.array([1.0]), t(4, 3))
    with pytest.raises(ValueError, match=r"mse_loss.*\(3,\).*\(3, 1\)"):
        F.mse_loss(t(3), t(3, 1))
    with pytest.raises(ValueError, match=r"target size \(2,\).*input size \(3,\)"):
        F.binary_cross_entropy_with_logits(t(3), np.zeros(2))


# ------------------------------------------------------------------ against PyTorch
def test_losses_equal_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = t(6, 5, 2).numpy()
    target = ids(6, 2, high=5)
    target[1, 0] = -100
    for reduction in ("mean", "sum", "none"):
        ours = F.cross_entropy(mg.tensor(x), target, reduction=reduction).numpy()
        ref = tf.cross_entropy(torch.tensor(x), torch.tensor(target), reduction=reduction)
        np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-12)
        logp = np.log(np.exp(x) / np.exp(x).sum(1, keepdims=True))
        ours = F.nll_loss(mg.tensor(logp), target, reduction=reduction).numpy()
        ref = tf.nll_loss(torch.tensor(logp), torch.tensor(target), reduction=reduction)
        np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-12)
        a, b = t(4, 3, grad=False).numpy(), t(4, 3, seed=1, low=0, high=1).numpy()
        for fn in ("mse_loss", "l1_loss"):
            np.testing.assert_allclose(
                getattr(F, fn)(mg.tensor(a), mg.tensor(b), reduction=reduction).numpy(),
                getattr(tf, fn)(torch.tensor(a), torch.tensor(b), reduction=reduction).numpy(),
                rtol=1e-12)
        w, pw = np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 0.2])
        ours = F.binary_cross_entropy_with_logits(mg.tensor(a * 10), mg.tensor(b), weight=w,
                                                  pos_weight=pw, reduction=reduction)
        ref = tf.binary_cross_entropy_with_logits(
            torch.tensor(a * 10), torch.tensor(b), weight=torch.tensor(w),
            pos_weight=torch.tensor(pw), reduction=reduction)
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12)


def test_loss_gradients_equal_pytorch():
    torch = pytest.importorskip("torch")
    x = t(5, 4, 3)
    target = ids(5, 3, high=4)
    target[0, 0] = -100
    F.cross_entropy(x, target).backward()
    xt = torch.tensor(x.numpy(), requires_grad=True)
    torch.nn.functional.cross_entropy(xt, torch.tensor(target)).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_numpy_targets_take_the_input_dtype():
    x = mg.randn(4, 3)
    y = np.zeros((4, 3))  # float64
    for loss in (F.mse_loss(x, y), F.l1_loss(x, y), F.binary_cross_entropy_with_logits(
            x, y, weight=np.ones(3))):
        assert loss.dtype == np.float32
