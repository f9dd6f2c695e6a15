"""Fused steps (one node, hand-written backward) against finite differences and against
the composite steps built from primitive ops: same numbers to float64 round-off."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import cells as old_switch
from minigrad.nn.recurrent import composite, fused as fused_steps, spec as specs
from minigrad.ops.elementwise import _sigmoid

B, F, H = 3, 4, 5
SPECS = {s.kind: s for s in (specs.RNN_TANH, specs.RNN_RELU, specs.LSTM, specs.LSTM_PEEPHOLE,
                             specs.GRU)}
KINDS = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]


def _step(kind, fused):
    return SPECS[kind].step(fused)


def _inputs(kind, bias=True, seed=0):
    """Step inputs (xg, h, [c], W_hh, [b_hh]) as float64 tensors requiring grad."""
    rng = np.random.default_rng(seed)
    g = SPECS[kind].gates * H
    arrays = [rng.standard_normal((B, g)), rng.standard_normal((B, H))]
    if SPECS[kind].cell_state:
        arrays.append(rng.standard_normal((B, H)))
    arrays.append(rng.standard_normal((g, H)) * 0.5)
    if bias:
        arrays.append(rng.standard_normal(g) * 0.5)
    return [mg.tensor(a, requires_grad=True) for a in arrays]


def _outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("kind", KINDS)
def test_step_gradcheck(kind, fused, bias):
    step = _step(kind, fused)
    assert mg.gradcheck(step, _inputs(kind, bias))


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("cls,kw", [(mg.nn.RNNCell, {}),
                                    (mg.nn.RNNCell, {"nonlinearity": "relu"}),
                                    (mg.nn.LSTMCell, {}), (mg.nn.GRUCell, {})])
def test_cell_module_gradcheck(cls, kw, fused):
    """Through the module: x and every parameter (weight_ih, bias_ih included)."""
    mg.manual_seed(1)
    cell = cls(F, H, dtype="float64", fused=fused, **kw)
    x = mg.randn(B, F, dtype="float64", requires_grad=True)
    h = mg.randn(B, H, dtype="float64", requires_grad=True)
    c = mg.randn(B, H, dtype="float64", requires_grad=True)
    lstm = cls is mg.nn.LSTMCell
    params = list(cell.parameters())
    inputs = [x, h, c] if lstm else [x, h]
    assert mg.gradcheck(lambda *a: cell(a[0], (a[1], a[2]) if lstm else a[1]),
                        inputs + params)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", KINDS)
def test_fused_and_composite_agree(kind, bias):
    results = []
    for fused in (True, False):
        inputs = _inputs(kind, bias, seed=3)
        outs = _outputs(_step(kind, fused)(*inputs))
        rng = np.random.default_rng(7)
        loss = sum((o * mg.tensor(rng.standard_normal(o.shape))).sum() for o in outs)
        loss.backward()
        results.append(([o.numpy() for o in outs], [t.grad.numpy() for t in inputs]))
    (outs_f, grads_f), (outs_c, grads_c) = results
    for a, b in zip(outs_f + grads_f, outs_c + grads_c):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_one_node_per_step():
    """The fused LSTM step is a single node with two outputs; the composite one is many."""
    xg, h, c, w, b = _inputs("LSTM")
    h1, c1 = fused_steps.lstm_cell_fused(xg, h, c, w, b)
    assert h1.grad_fn is c1.grad_fn and h1.grad_fn.name == "LSTMCellFused"
    h2, _ = composite.lstm_cell(xg, h, c, w, b)
    assert h2.grad_fn.name != "LSTMCellFused"


def test_unused_cell_state_gets_zero_gradient():
    """Only h is used: the engine fills dc with zeros and the fused backward copes."""
    inputs = _inputs("LSTM")
    h1, _ = fused_steps.lstm_cell_fused(*inputs)
    h1.sum().backward()
    assert all(t.grad is not None for t in inputs)


def test_fused_sigmoid_is_stable():
    x = np.array([-1000.0, -50.0, -1.0, 0.0, 2.0, 50.0, 1000.0])
    with np.errstate(all="raise"):
        s = fused_steps.sigmoid_(x.copy())
    np.testing.assert_allclose(s, _sigmoid(x), rtol=0, atol=1e-15)
    big = np.full((2, 4), 1e4, dtype=np.float32)
    with np.errstate(all="raise"):
        assert np.all(fused_steps.sigmoid_(big) == 1)


def test_float32_stays_float32():
    inputs = [mg.tensor(t.numpy().astype(np.float32), requires_grad=True)
              for t in _inputs("LSTM")]
    h, c = fused_steps.lstm_cell_fused(*inputs)
    (h.sum() + c.sum()).backward()
    assert h.dtype == c.dtype == np.float32
    assert all(t.grad.dtype == np.float32 for t in inputs)


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_shapes_name_the_cell_and_shapes(kind):
    inputs = _inputs(kind)
    inputs[0] = mg.tensor(np.zeros((B, 7)))
    with pytest.raises(ValueError, match=r"(RNN|LSTM|GRU)CellFused.*\(3, 7\)"):
        _step(kind, True)(*inputs)


def test_cell_modules_shapes_and_errors():
    cell = mg.nn.LSTMCell(F, H)
    assert cell.weight_ih.shape == (4 * H, F) and cell.weight_hh.shape == (4 * H, H)
    assert cell.bias_ih.shape == cell.bias_hh.shape == (4 * H,)
    assert cell.weight_ih.dtype == np.float32
    h, c = cell(mg.randn(B, F))
    assert h.shape == c.shape == (B, H)
    h, c = cell(mg.randn(F))                            # unbatched
    assert h.shape == c.shape == (H,)
    with pytest.raises(ValueError, match=r"LSTMCell: expected input of shape.*4.*\(3, 6\)"):
        cell(mg.randn(B, 6))
    with pytest.raises(ValueError, match=r"LSTMCell: expected hidden state of shape \(3, 5\)"):
        cell(mg.randn(B, F), (mg.randn(B, 4), mg.randn(B, H)))
    gru = mg.nn.GRUCell(F, H, bias=False, dtype="float64")
    assert gru.bias_ih is None and [n for n, _ in gru.named_parameters()] == \
        ["weight_ih", "weight_hh"]
    assert gru(mg.randn(B, F, dtype="float64")).dtype == np.float64
    bound = 1 / np.sqrt(H)
    assert np.abs(mg.nn.RNNCell(F, H).weight_hh.numpy()).max() <= bound
    with pytest.raises(ValueError, match="nonlinearity"):
        mg.nn.RNNCell(F, H, nonlinearity="sigmoid")


def test_global_switch():
    cell = mg.nn.LSTMCell(F, H)
    x = mg.randn(B, F)
    assert cell(x)[0].grad_fn.name == "LSTMCellFused"
    with mg.nn.recurrent.use_fused(False):
        assert cell(x)[0].grad_fn.name != "LSTMCellFused"
        assert mg.nn.LSTMCell(F, H, fused=True)(x)[0].grad_fn.name == "LSTMCellFused"
    assert mg.nn.recurrent.fused_default() is True
    old = mg.nn.recurrent.set_fused_default(False)
    try:
        assert old is True and cell(x)[0].grad_fn.name != "LSTMCellFused"
    finally:
        mg.nn.recurrent.set_fused_default(True)
    assert old_switch.use_fused is mg.nn.recurrent.use_fused     # the old spelling
    assert old_switch.set_fused_default is mg.nn.recurrent.set_fused_default


def _peephole_inputs(bias=True, seed=0):
    inputs = _inputs("LSTM", bias, seed)
    rng = np.random.default_rng(seed + 100)
    w_peep = mg.tensor(rng.standard_normal((3, H)) * 0.5, requires_grad=True)
    return inputs[:4] + [w_peep] + inputs[4:]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("fused", [True, False])
def test_peephole_step_gradcheck(fused, bias):
    assert mg.gradcheck(_step("LSTM_PEEPHOLE", fused), _peephole_inputs(bias))


def test_peephole_fused_and_composite_agree():
    results = []
    for fused in (True, False):
        inputs = _peephole_inputs(seed=4)
        h, c = _step("LSTM_PEEPHOLE", fused)(*inputs)
        rng = np.random.default_rng(8)
        ((h * mg.tensor(rng.standard_normal(h.shape))).sum()
         + (c * mg.tensor(rng.standard_normal(c.shape))).sum()).backward()
        results.append([h.numpy(), c.numpy(), *(t.grad.numpy() for t in inputs)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_peephole_with_zero_weights_is_the_plain_lstm():
    inputs = _peephole_inputs()
    inputs[4] = mg.zeros(3, H, dtype="float64")
    h1, c1 = fused_steps.peephole_lstm_cell_fused(*inputs)
    h2, c2 = fused_steps.lstm_cell_fused(*inputs[:4], inputs[5])
    np.testing.assert_allclose(h1.numpy(), h2.numpy(), atol=1e-15)
    np.testing.assert_allclose(c1.numpy(), c2.numpy(), atol=1e-15)


def test_peephole_cell_module():
    cell = mg.nn.LSTMCell(F, H, peephole=True, dtype="float64")
    assert cell.weight_peephole.shape == (3, H)
    assert "weight_peephole" not in dict(mg.nn.LSTMCell(F, H).named_parameters())
    x = mg.randn(B, F, dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda x, *p: cell(x), [x, *cell.parameters()])


@pytest.mark.parametrize("kind", KINDS + ["LSTM_PEEPHOLE"])
def test_batch_of_one(kind):
    """B = 1 takes the outer-product path for dW_hh: same numbers as composite."""
    rng = np.random.default_rng(9)
    g = SPECS[kind].gates * H
    shapes = [(1, g), (1, H)] + ([(1, H)] if SPECS[kind].cell_state else []) + [(g, H)]
    shapes += [(n, H) for _, n in SPECS[kind].extra_weights]
    shapes += [(g,)]
    arrays = [rng.standard_normal(s) * 0.5 for s in shapes]
    assert mg.gradcheck(_step(kind, True),
                        [mg.tensor(a, requires_grad=True) for a in arrays])
    grads = []
    for fused in (True, False):
        inputs = [mg.tensor(a, requires_grad=True) for a in arrays]
        outs = _outputs(_step(kind, fused)(*inputs))
        sum(o.sum() for o in outs).backward()
        grads.append([t.grad.numpy() for t in inputs])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
