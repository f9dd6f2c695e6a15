"""Fused layers keep their sequence-sized buffers between calls (nn/recurrent/buffers.py):
reused when nothing looks into them any more, never while anything does."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.recurrent.buffers import pool_for, release_buffers

T, B, F, H = 6, 3, 4, 5


def _x(seed=0):
    return mg.tensor(np.random.default_rng(seed).standard_normal((T, B, F)))


def _layer(cls=mg.nn.LSTM, **kw):
    mg.manual_seed(1)
    return cls(F, H, dtype="float64", fused=True, **kw)


def _kept(layer, name="h", w="weight_hh_l0"):
    """The pool's arrays for ``name`` (a new list: the caller's references count)."""
    return list(pool_for(getattr(layer, w)).kept.get(name, []))


def _train_step(layer, x):
    out, _ = layer(x)
    (out * out).sum().backward()


def test_the_next_training_step_writes_into_the_same_buffers():
    lstm = _layer()
    _train_step(lstm, _x())
    names = ("c", "tanh_c", "h")             # the gates and dXG live in the layer's XG
    first = {name: [id(a) for a in _kept(lstm, name)] for name in names}  # ids: no references
    assert all(len(v) == 1 for v in first.values())
    _train_step(lstm, _x(1))
    assert {name: [id(a) for a in _kept(lstm, name)] for name in names} == first


def test_a_buffer_still_in_use_is_not_handed_out_and_its_numbers_do_not_change():
    """The first call's graph is alive during the second call: its backward gives the
    numbers of a fresh layer, as if the second call had not happened."""
    lstm, fresh = _layer(), _layer()
    out1, (h1, c1) = lstm(_x())
    out2, _ = lstm(_x(1))                               # while out1's graph lives
    assert _kept(lstm)[0] is not _kept(lstm)[1]
    (out1 * out1).sum().backward()
    out_f, (h_f, c_f) = fresh(_x())
    (out_f * out_f).sum().backward()
    for a, b in ((out1, out_f), (h1, h_f), (c1, c_f)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for (name, p), q in zip(lstm.named_parameters(), fresh.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy(), err_msg=name)
    del out2


def test_a_loop_holding_last_steps_loss_alternates_between_two_sets():
    lstm, seen = _layer(), []
    loss = None
    for step in range(4):
        out, _ = lstm(_x(step))          # last step's loss (and graph) is still alive here
        loss = (out * out).sum()
        loss.backward()
        seen.append(id(_kept(lstm)[-1] if step < 2 else None))
        assert len(_kept(lstm)) <= 2
    assert seen[0] != seen[1] and {id(a) for a in _kept(lstm)} == set(seen[:2])


@pytest.mark.parametrize("cls", [mg.nn.RNN, mg.nn.LSTM, mg.nn.GRU])
def test_reused_buffers_give_the_composite_gradients_both_directions(cls):
    fused = _layer(cls, bidirectional=True)
    mg.manual_seed(1)
    composite = cls(F, H, dtype="float64", fused=False, bidirectional=True)
    for seed in (0, 1):                  # the second call runs on reused buffers
        grads = []
        for m in (fused, composite):
            m.zero_grad()
            _train_step(m, _x(seed))
            grads.append([p.grad.numpy() for p in m.parameters()])
        for a, b in zip(*grads):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_no_buffers_without_a_graph_and_release_frees_them():
    lstm = _layer()
    with mg.no_grad():
        lstm(_x())
    assert _kept(lstm) == []
    _train_step(lstm, _x())
    assert _kept(lstm)
    release_buffers()
    assert _kept(lstm) == []


@pytest.mark.parametrize("cls, kw", [(mg.nn.RNN, {}), (mg.nn.LSTM, {}), (mg.nn.GRU, {}),
                                     (mg.nn.LSTM, {"peephole": True})],
                         ids=["rnn", "lstm", "gru", "peephole-lstm"])
def test_a_retained_graph_of_a_layer_backpropagates_twice_the_same(cls, kw):
    """Without retain_graph the steps write dXG over XG (where an LSTM built its gates);
    with it, dXG goes to a buffer of its own, so the second backward finds the gates."""
    layer = _layer(cls, **kw)
    out, _ = layer(_x())
    loss = (out * out).sum()
    loss.backward(retain_graph=True)
    first = [p.grad.numpy().copy() for p in layer.parameters()]
    loss.backward()
    for a, p in zip(first, layer.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), 2 * a, rtol=1e-12)
    layer.zero_grad()
    out, _ = layer(_x())
    (out * out).sum().backward()
    for a, p in zip(first, layer.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), a, rtol=0, atol=1e-13)




@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_output_rows_are_hs_buffer_and_guarded_like_it(bidirectional):
    """In a plain chain the layer's output is the rows its steps wrote (no copy; both
    directions are joined by a copy); a write into them under no_grad, which the
    backward would read, is refused."""
    lstm, fresh = _layer(bidirectional=bidirectional), _layer(bidirectional=bidirectional)
    out, _ = lstm(_x())
    assert np.shares_memory(out.array, _kept(lstm)[0]) != bidirectional
    ref, _ = fresh(_x())
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    with mg.no_grad():
        out[0] += 1.0
    if bidirectional:           # a copy: the steps' saved rows are untouched
        (out * out).sum().backward()
        return
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (out * out).sum().backward()


def test_a_masked_layer_copies_its_outputs_out_of_the_steps_rows():
    """With lengths= the outputs are masked products, not the steps' rows: joined by cat."""
    lstm = _layer()
    out, _ = lstm(_x(), lengths=[T, 2, 4])
    kept = _kept(lstm)
    assert kept and not np.shares_memory(out.array, kept[0])
