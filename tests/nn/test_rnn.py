"""Sequence layers: shapes, errors, truncated BPTT, lengths, scopes, fused == composite."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

T, B, F, H = 5, 3, 4, 6
LAYERS = [mg.nn.RNN, mg.nn.LSTM, mg.nn.GRU]


def _h(state):
    return state[0] if isinstance(state, tuple) else state


@pytest.mark.parametrize("cls", LAYERS)
@pytest.mark.parametrize("layers,bidir,batch_first", [(1, False, False), (2, False, True),
                                                      (2, True, False), (3, True, True)])
def test_shapes(cls, layers, bidir, batch_first):
    m = cls(F, H, num_layers=layers, bidirectional=bidir, batch_first=batch_first)
    d = 2 if bidir else 1
    x = mg.randn(*((B, T, F) if batch_first else (T, B, F)))
    out, state = m(x)
    assert out.shape == ((B, T, d * H) if batch_first else (T, B, d * H))
    states = state if isinstance(state, tuple) else (state,)
    assert all(s.shape == (layers * d, B, H) for s in states)
    out1, state1 = m(mg.randn(T, F))                     # unbatched
    assert out1.shape == (T, d * H) and _h(state1).shape == (layers * d, H)


def test_parameter_names_and_shapes_are_pytorchs():
    m = mg.nn.LSTM(F, H, num_layers=2, bidirectional=True)
    shapes = {k: v.shape for k, v in m.state_dict().items()}
    for k in range(2):
        fan_in = F if k == 0 else 2 * H
        for sfx in ("", "_reverse"):
            assert shapes.pop(f"weight_ih_l{k}{sfx}") == (4 * H, fan_in)
            assert shapes.pop(f"weight_hh_l{k}{sfx}") == (4 * H, H)
            assert shapes.pop(f"bias_ih_l{k}{sfx}") == (4 * H,)
            assert shapes.pop(f"bias_hh_l{k}{sfx}") == (4 * H,)
    assert not shapes
    assert set(mg.nn.GRU(F, H, bias=False).state_dict()) == {"weight_ih_l0", "weight_hh_l0"}
    assert mg.nn.GRU(F, H).weight_hh_l0.shape == (3 * H, H)
    assert mg.nn.RNN(F, H, dtype="float64").weight_ih_l0.dtype == np.float64


def test_clear_errors():
    lstm = mg.nn.LSTM(F, H, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: expected input of shape \(seq_len, batch, 4\)"
                                         r".*got \(5, 3, 7\)"):
        lstm(mg.randn(T, B, 7))
    with pytest.raises(ValueError, match=r"LSTM: expected input.*got \(5,\)"):
        lstm(mg.randn(T))
    with pytest.raises(ValueError, match=r"batch, seq_len, 4"):
        mg.nn.GRU(F, H, batch_first=True)(mg.randn(1, 2, 3, F))
    with pytest.raises(ValueError, match=r"LSTM: expected h_0 of shape \(2, 3, 6\).*\(1, 3, 6\)"):
        lstm(mg.randn(T, B, F), (mg.randn(1, B, H), mg.randn(2, B, H)))
    with pytest.raises(ValueError, match=r"GRU: expected h_0 of shape \(1, 3, 6\)"):
        mg.nn.GRU(F, H)(mg.randn(T, B, F), mg.randn(1, 2, H))
    with pytest.raises(TypeError, match=r"\(h_0, c_0\)"):
        lstm(mg.randn(T, B, F), mg.randn(2, B, H))
    with pytest.raises(ValueError, match="lengths must lie in"):
        mg.nn.RNN(F, H)(mg.randn(T, B, F), lengths=[5, 6, 1])
    with pytest.raises(ValueError, match="lengths must be 3 integers"):
        mg.nn.RNN(F, H)(mg.randn(T, B, F), lengths=[5, 4])
    with pytest.raises(ValueError, match="nonlinearity"):
        mg.nn.RNN(F, H, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout"):
        mg.nn.LSTM(F, H, dropout=1.5)


def _run_with_grads(m, x, h0=None):
    for p in m.parameters():
        p.grad = None
    x.grad = None
    out, state = m(x, h0)
    states = state if isinstance(state, tuple) else (state,)
    rng = np.random.default_rng(5)
    loss = (out * mg.tensor(rng.standard_normal(out.shape))).sum()
    for s in states:
        loss = loss + (s * mg.tensor(rng.standard_normal(s.shape))).sum()
    loss.backward()
    return [out.numpy(), *(s.numpy() for s in states), x.grad.numpy(),
            *(p.grad.numpy() for p in m.parameters())]


@pytest.mark.parametrize("kw", [{"mode": mg.nn.RNN, "nonlinearity": "relu"},
                                {"mode": mg.nn.RNN, "bias": False},
                                {"mode": mg.nn.LSTM, "num_layers": 2, "bidirectional": True},
                                {"mode": mg.nn.GRU, "num_layers": 2, "batch_first": True}])
def test_fused_and_composite_layers_agree(kw):
    kw = dict(kw)
    cls = kw.pop("mode")
    mg.manual_seed(0)
    fused = cls(F, H, dtype="float64", fused=True, **kw)
    composite = cls(F, H, dtype="float64", fused=False, **kw)
    composite.load_state_dict(fused.state_dict())
    x = mg.randn(T, B, F, dtype="float64", requires_grad=True)
    a = _run_with_grads(fused, x)
    b = _run_with_grads(composite, x)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=0, atol=1e-10)


def test_layer_gradcheck_small():
    mg.manual_seed(2)
    m = mg.nn.LSTM(2, 3, num_layers=2, bidirectional=True, dtype="float64")
    x = mg.randn(3, 2, 2, dtype="float64", requires_grad=True)
    h0 = mg.randn(4, 2, 3, dtype="float64", requires_grad=True)
    c0 = mg.randn(4, 2, 3, dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda x, h, c, *p: m(x, (h, c))[0], [x, h0, c0, *m.parameters()])


@pytest.mark.parametrize("cls", [mg.nn.LSTM, mg.nn.GRU])
def test_truncated_bptt_stops_at_the_cut(cls):
    mg.manual_seed(3)
    m = cls(F, H, dtype="float64")
    x1 = mg.randn(T, B, F, dtype="float64", requires_grad=True)
    x2 = mg.randn(T, B, F, dtype="float64", requires_grad=True)
    _, state = m(x1)
    carried = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
    out, _ = m(x2, carried)
    out.sum().backward()
    assert x1.grad is None and x2.grad is not None    # nothing flowed into chunk 1
    grads = [p.grad.numpy() for p in m.parameters()]
    # the same as starting chunk 2 from constant initial states
    for p in m.parameters():
        p.grad = None
    const = tuple(mg.tensor(s.numpy()) for s in carried) if isinstance(carried, tuple) \
        else mg.tensor(carried.numpy())
    m(x2, const)[0].sum().backward()
    for g, p in zip(grads, m.parameters()):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("cls", LAYERS)
def test_lengths_match_sequences_run_alone(cls, fused):
    """Padded batch with lengths= gives, per sequence, what that sequence alone gives:
    outputs (zero past the end), h_n and c_n, both directions, and the gradients."""
    mg.manual_seed(4)
    m = cls(F, H, num_layers=2, bidirectional=True, dtype="float64", fused=fused)
    lengths = [5, 2, 4]
    x = mg.randn(T, B, F, dtype="float64", requires_grad=True)
    out, state = m(x, lengths=lengths)
    h_n = _h(state)
    w = np.random.default_rng(0).standard_normal(out.shape)
    (out * mg.tensor(w)).sum().backward()
    for b, n in enumerate(lengths):
        xb = mg.tensor(x.numpy()[:n, b:b + 1], requires_grad=True)
        ob, sb = m(xb)
        np.testing.assert_allclose(out.numpy()[:n, b:b + 1], ob.numpy(), atol=1e-12)
        assert np.all(out.numpy()[n:, b] == 0)
        np.testing.assert_allclose(h_n.numpy()[:, b:b + 1], _h(sb).numpy(), atol=1e-12)
        if isinstance(state, tuple):
            np.testing.assert_allclose(state[1].numpy()[:, b:b + 1], sb[1].numpy(),
                                       atol=1e-12)
        (ob * mg.tensor(w[:n, b:b + 1])).sum().backward()
        np.testing.assert_allclose(x.grad.numpy()[:n, b:b + 1], xb.grad.numpy(), atol=1e-12)
        assert np.all(x.grad.numpy()[n:, b] == 0)


def test_scopes_on_every_step():
    m = mg.nn.GRU(F, H, num_layers=2, bidirectional=True)
    out, h_n = m(mg.randn(T, B, F))
    finals = h_n.grad_fn.inputs                  # the stack of the four final states
    scopes = [s.grad_fn.scope for s in finals]
    assert scopes == [("layer 0", "forward", f"t={T - 1}"), ("layer 0", "reverse", "t=0"),
                      ("layer 1", "forward", f"t={T - 1}"), ("layer 1", "reverse", "t=0")]
    # walk one direction's chain back: every step carries its own t
    node, seen = finals[2].grad_fn, []
    while node is not None and node.scope[:2] == ("layer 1", "forward"):
        seen.append(node.scope[2])
        h_prev = node.inputs[1]
        node = h_prev.grad_fn
    assert seen == [f"t={t}" for t in range(T - 1, -1, -1)]


def test_composite_steps_are_scoped_too():
    m = mg.nn.LSTM(F, H, fused=False)
    _, (h_n, _) = m(mg.randn(T, B, F))
    mul = h_n.grad_fn.inputs[0].grad_fn            # h = o * tanh(c)
    assert mul.name == "Mul" and mul.scope == ("layer 0", "forward", f"t={T - 1}")


def test_dropout_between_layers_only_in_training():
    mg.manual_seed(5)
    m = mg.nn.LSTM(F, H, num_layers=2, dropout=0.5)
    x = mg.randn(T, B, F)
    m.eval()
    a, b = m(x)[0].numpy(), m(x)[0].numpy()
    np.testing.assert_array_equal(a, b)
    m.train()
    assert not np.allclose(m(x)[0].numpy(), a)
    one = mg.nn.LSTM(F, H, dropout=0.5)           # one layer: nothing to drop between
    np.testing.assert_array_equal(one(x)[0].numpy(), one(x)[0].numpy())


def test_global_switch_selects_composite():
    def last_step(m):
        h_n = m(mg.randn(T, B, F))[1][0]
        return h_n.grad_fn.inputs[0].grad_fn.name

    m = mg.nn.LSTM(F, H)
    assert last_step(m) == "LSTMCellFused"
    with mg.nn.recurrent.use_fused(False):
        assert last_step(m) == "Mul"
    assert last_step(mg.nn.LSTM(F, H, fused=False)) == "Mul"


def test_initial_state_gradients_and_input_projection_node():
    m = mg.nn.RNN(F, H, num_layers=2)
    x = mg.randn(T, B, F, requires_grad=True)
    h0 = mg.randn(2, B, H, requires_grad=True)
    out, h_n = m(x, h0)
    (out.sum() + h_n.sum()).backward()
    assert h0.grad.shape == h0.shape and np.abs(h0.grad.numpy()).sum() > 0


def test_ten_thousand_steps():
    """A 10,000-step unrolled graph: the engine's backward is iterative."""
    m = mg.nn.RNN(2, 3)
    x = mg.randn(10_000, 1, 2, requires_grad=True)
    out, h_n = m(x)
    h_n.sum().backward()
    assert x.grad.shape == x.shape and m.weight_hh_l0.grad is not None
    assert np.isfinite(m.weight_hh_l0.grad.numpy()).all()


@pytest.mark.parametrize("cls", [mg.nn.RNN, mg.nn.LSTM])
def test_hidden_weight_gradient_in_one_matmul(cls):
    """In a fused layer dW_hh arrives once, on the sequence node's edge, and equals the
    composite layer's sum of T per-step shares; a frozen W_hh gets nothing."""
    mg.manual_seed(7)
    m = cls(F, H, dtype="float64")
    comp = cls(F, H, dtype="float64", fused=False)
    comp.load_state_dict(m.state_dict())
    x = mg.randn(T, B, F, dtype="float64")
    for layer in (m, comp):
        layer(x)[0].sum().backward()
    np.testing.assert_allclose(m.weight_hh_l0.grad.numpy(), comp.weight_hh_l0.grad.numpy(),
                               rtol=0, atol=1e-12)
    out = m(x)[0]
    cell = out.grad_fn.inputs[0].grad_fn.inputs[0].grad_fn     # reshape <- cat <- cell
    steps = cell.inputs[0].grad_fn
    assert steps.name == "SequenceSteps" and steps.inputs[1] is m.weight_hh_l0
    m.weight_hh_l0.requires_grad_(False)
    m.weight_hh_l0.grad = None
    m(x)[0].sum().backward()
    assert m.weight_hh_l0.grad is None and m.weight_ih_l0.grad is not None


def test_peephole_lstm_layer():
    mg.manual_seed(6)
    m = mg.nn.LSTM(F, H, num_layers=2, bidirectional=True, peephole=True, dtype="float64")
    assert m.weight_peephole_l1_reverse.shape == (3, H)
    assert "peephole=True" in repr(m)
    comp = mg.nn.LSTM(F, H, num_layers=2, bidirectional=True, peephole=True,
                      dtype="float64", fused=False)
    comp.load_state_dict(m.state_dict())
    x = mg.randn(T, B, F, dtype="float64", requires_grad=True)
    for u, v in zip(_run_with_grads(m, x), _run_with_grads(comp, x)):
        np.testing.assert_allclose(u, v, rtol=0, atol=1e-10)
    assert "weight_peephole_l0" not in mg.nn.LSTM(F, H).state_dict()


@pytest.mark.parametrize("make, x", [
    (lambda: nn.LSTM(3, 4), np.ones((2, 1, 3))),                      # float64 data
    (lambda: nn.GRU(3, 4), np.ones((2, 1, 3), dtype=np.int64)),       # integer data
    (lambda: nn.RNNCell(3, 4), np.ones((1, 3))),
    (lambda: nn.Linear(3, 4), np.ones((1, 3))),
])
def test_an_input_of_another_dtype_is_refused_not_promoted(make, x):
    # NumPy would quietly run the whole forward and backward in float64
    layer = make()
    with pytest.raises(TypeError, match=rf"the input has dtype {x.dtype} but the weights "
                                        r"are float32; convert the input \(x\.float\(\)"):
        layer(mg.tensor(x))
    out = layer(mg.tensor(x).float())
    assert (out[0] if isinstance(out, tuple) else out).dtype == np.float32


def test_a_state_of_another_dtype_is_refused():
    lstm = nn.LSTM(3, 4)
    h0 = mg.zeros(1, 2, 4, dtype="float64")
    with pytest.raises(TypeError, match="LSTM: h_0 has dtype float64 but the weights are"):
        lstm(mg.zeros(5, 2, 3), (h0, h0))
    with pytest.raises(TypeError, match="GRUCell: the hidden state has dtype float64"):
        nn.GRUCell(3, 4)(mg.zeros(2, 3), mg.zeros(2, 4, dtype="float64"))
