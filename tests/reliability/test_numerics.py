"""Numerical stability: the softmax family, cross-entropy, sigmoid, tanh and the fused
cells stay finite and accurate for float32 inputs of magnitude 1e4; gradient clipping
keeps a vanilla RNN with exploding gradients (large recurrent weights, 200 steps)
trainable; anomaly mode names the first op that made a NaN, in forward and backward."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

EPS32 = float(np.finfo(np.float32).eps)


def big(*shape, seed=0):
    """float32 values of magnitude up to ~3e4 (and the float64 copy to compare with)."""
    x = (np.random.default_rng(seed).standard_normal(shape) * 1e4).astype(np.float32)
    return x, x.astype(np.float64)


def ref_log_softmax(x64, axis=-1):
    m = x64.max(axis=axis, keepdims=True)
    return x64 - m - np.log(np.exp(x64 - m).sum(axis=axis, keepdims=True))


def grads_of(fn, x):
    t = mg.tensor(x, requires_grad=True)
    y = fn(t)
    y.backward(np.random.default_rng(1).standard_normal(y.shape).astype(np.float32))
    return y, t.grad.numpy()


def test_softmax_log_softmax_and_logsumexp_of_1e4():
    x, x64 = big(6, 10)
    want = ref_log_softmax(x64)
    scale = np.abs(x64).max()
    y, g = grads_of(lambda t: mg.log_softmax(t, axis=-1), x)
    assert y.dtype == np.float32 and np.isfinite(y.numpy()).all() and np.isfinite(g).all()
    np.testing.assert_allclose(y.numpy(), want, atol=8 * EPS32 * scale)
    y, g = grads_of(lambda t: mg.softmax(t, axis=-1), x)
    assert np.isfinite(y.numpy()).all() and np.isfinite(g).all()
    np.testing.assert_allclose(y.numpy(), np.exp(want), atol=1e-6)
    np.testing.assert_allclose(y.numpy().sum(axis=-1), 1.0, rtol=1e-6)
    y, g = grads_of(lambda t: mg.logsumexp(t, axis=-1), x)
    lse = x64.max(axis=-1) + np.log(np.exp(x64 - x64.max(axis=-1, keepdims=True)).sum(-1))
    assert np.isfinite(g).all()
    np.testing.assert_allclose(y.numpy(), lse, rtol=4 * EPS32)


def test_cross_entropy_of_logits_of_1e4():
    x, x64 = big(8, 5, seed=2)
    target = np.random.default_rng(3).integers(0, 5, size=8)
    logits = mg.tensor(x, requires_grad=True)
    loss = F.cross_entropy(logits, target)
    loss.backward()
    want = -ref_log_softmax(x64)[np.arange(8), target].mean()
    assert np.isfinite(loss.item()) and np.isfinite(logits.grad.numpy()).all()
    np.testing.assert_allclose(loss.item(), want, rtol=8 * EPS32, atol=8 * EPS32 * 3e4)
    onehot = np.eye(5)[target]
    np.testing.assert_allclose(logits.grad.numpy(),
                               (np.exp(ref_log_softmax(x64)) - onehot) / 8, atol=1e-7)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_sigmoid_and_tanh_of_1e4(name):
    x, _ = big(50, seed=4)
    x[:4] = [1e4, -1e4, 3e4, -3e4]
    x64 = x.astype(np.float64)
    y, g = grads_of(getattr(mg, name), x)
    want = 1 / (1 + np.exp(-np.clip(x64, -700, 700))) if name == "sigmoid" else np.tanh(x64)
    assert np.isfinite(y.numpy()).all() and np.isfinite(g).all()
    np.testing.assert_allclose(y.numpy(), want, atol=1e-7)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composite"])
def test_recurrent_cells_stay_finite_and_accurate_on_inputs_of_1e4(kind, fused):
    """Every gate saturates; the float32 layer must still agree with its float64 twin."""
    mg.manual_seed(0)
    layer = getattr(mg.nn, kind)(3, 5, num_layers=2, fused=fused)
    twin = getattr(mg.nn, kind)(3, 5, num_layers=2, fused=fused, dtype="float64")
    twin.load_state_dict(layer.state_dict())
    x, x64 = big(12, 4, 3, seed=5)
    results = []
    for model, data in ((layer, x), (twin, x64)):
        t = mg.tensor(data, requires_grad=True)
        out, _ = model(t)
        (out * out).sum().backward()
        results.append((out.numpy(), t.grad.numpy(), model.weight_hh_l0.grad.numpy()))
    (out, gx, gw), (out64, gx64, gw64) = results
    for a in (out, gx, gw):
        assert np.isfinite(a).all()
    np.testing.assert_allclose(out, out64, atol=1e-5)
    np.testing.assert_allclose(gw, gw64, atol=1e-4, rtol=1e-3)


def _exploding_rnn(scale):
    """A tanh RNN whose recurrent matrix is `scale` times an orthogonal one: each step
    back multiplies the gradient by up to `scale`."""
    mg.manual_seed(0)
    rnn, head = mg.nn.RNN(4, 32), mg.nn.Linear(32, 4)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((32, 32)))
    rnn.weight_hh_l0.array[...] = (scale * q).astype(np.float32)
    return rnn, head, list(rnn.parameters()) + list(head.parameters())


def _train(scale, max_norm, steps=10, lr=0.5, **clip_kw):
    rnn, head, params = _exploding_rnn(scale)
    opt = mg.optim.SGD(params, lr=lr)
    rng = np.random.default_rng(1)
    norms, moves, losses = [], [], []
    for _ in range(steps):
        x = mg.tensor((rng.standard_normal((200, 8, 4)) * 0.01).astype(np.float32))
        loss = F.cross_entropy(head(rnn(x)[0][-1]), rng.integers(0, 4, size=8))
        opt.zero_grad()
        loss.backward()
        norms.append(mg.nn.utils.clip_grad_norm_(params, max_norm, **clip_kw))
        before = [p.numpy().astype(np.float64) for p in params]
        opt.step()
        moves.append(np.sqrt(sum(((p.numpy() - b) ** 2).sum()
                                 for p, b in zip(params, before))))  # in float64
        losses.append(loss.item())
    return norms, moves, losses, params


@pytest.mark.slow
def test_clipping_keeps_an_exploding_rnn_finite_over_200_steps():
    norms, moves, losses, params = _train(3.0, np.inf)  # measure only: no clipping
    assert norms[0] > 1e20            # the gradient explodes through 200 steps...
    assert moves[0] > 1e19            # ...and one unclipped step throws the weights away
    norms, moves, losses, params = _train(3.0, 1.0)
    assert min(norms) > 1e15          # still exploding at every step, but each update
    assert max(moves) <= 0.5 * 1.0 * (1 + 1e-5)  # moves the weights by at most lr * max_norm
    assert all(np.isfinite(p.numpy()).all() for p in params) and np.isfinite(losses).all()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_a_gradient_that_overflows_float32_stops_with_a_clear_error_when_asked():
    """With 5x the orthogonal matrix, the float32 gradient itself becomes inf within a
    few steps: no scale factor can repair it (inf * 0 is NaN, in PyTorch too), and
    error_if_nonfinite stops the run at that step instead of writing NaN weights."""
    with pytest.raises(RuntimeError, match="clip_grad_norm_.*inf|clip_grad_norm_.*nan"):
        _train(5.0, 1.0, steps=20, error_if_nonfinite=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN is the point
def test_anomaly_mode_names_the_first_op_that_made_a_nan_in_forward():
    lstm, head = mg.nn.LSTM(3, 4), mg.nn.Linear(4, 2)
    x = mg.tensor(np.full((5, 2, 3), 2.0, np.float32))
    with pytest.raises(RuntimeError) as e, mg.autograd.detect_anomaly():
        features = mg.log(x - 3.0)  # NaN here; every op after it would make NaN too
        head(lstm(features)[0]).sum()
    text = str(e.value)
    assert "forward of Log" in text and "mg.log(x - 3.0)" in text, text
    assert "test_numerics.py" in text


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_mode_names_the_first_op_that_made_a_nan_in_backward():
    lstm = mg.nn.LSTM(3, 4)
    x = mg.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32))
    with mg.autograd.detect_anomaly():
        out, _ = lstm(x)
        d = out - out.detach()              # zeros, with a graph behind them
        loss = mg.sqrt((d * d).sum()) + out.sum()  # sqrt at 0: its derivative is inf
        with pytest.raises(RuntimeError) as e:
            loss.backward()
    text = str(e.value)
    assert "backward of Sqrt" in text and "mg.sqrt((d * d).sum())" in text, text
