"""state_grad_norms(): ||dL/dh_t||, ||dL/dc_t|| and ||dL/dx_t|| per step and sequence,
checked against the same network unrolled by hand from cells with retain_grad (and
against PyTorch's cells when it is installed)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.utils import state_grad_norms
from minigrad.nn.utils.rnn import pack_sequence, pad_sequence

T, B, F, H = 6, 3, 4, 5
CELLS = {nn.RNN: nn.RNNCell, nn.LSTM: nn.LSTMCell, nn.GRU: nn.GRUCell}


def _norm(g):
    return np.sqrt((g.numpy() ** 2).sum(axis=-1))


def _unrolled_by_hand(m, x):
    """The layer rebuilt from composite cells (one per layer and direction), every
    state kept: returns the output (T, B, D*H) and per [k * D + d] the lists of h_t
    (and c_t). Composite, so that c_t's retained gradient is the whole dL/dc_t (a
    fused cell's c output sees only what later steps send back)."""
    d_count = 2 if m.bidirectional else 1
    lstm = isinstance(m, nn.LSTM)
    inputs, kept = list(mg.unbind(x, 0)), []
    for k in range(m.num_layers):
        outs = []
        for d in range(d_count):
            sfx = f"_l{k}" + ("_reverse" if d else "")
            cell = CELLS[type(m)](inputs[0].shape[1], H, dtype="float64", fused=False)
            cell.load_state_dict({name: getattr(m, name + sfx).numpy()
                                  for name, _ in cell.named_parameters()})
            hs, cs = [None] * T, [None] * T
            h = c = mg.zeros(B, H, dtype="float64")
            for t in (range(T - 1, -1, -1) if d else range(T)):
                if lstm:
                    h, c = cell(inputs[t], (h, c))
                    c.retain_grad()
                else:
                    h = cell(inputs[t], h)
                h.retain_grad()
                hs[t], cs[t] = h, c
            kept.append((hs, cs))
            outs.append(hs)
        inputs = [mg.cat([o[t] for o in outs], axis=1) for t in range(T)]
    return mg.stack(inputs), kept


def _last_step_loss(out, state):
    w = mg.tensor(np.random.default_rng(7).standard_normal(out.shape[-1]))
    return (out[-1] * w).sum()


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composite"])
@pytest.mark.parametrize("layers,bidir", [(1, False), (2, True)])
@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_norms_equal_those_of_the_network_unrolled_by_hand(cls, layers, bidir, fused):
    mg.manual_seed(0)
    m = cls(F, H, num_layers=layers, bidirectional=bidir, dtype="float64", fused=fused)
    xs = np.random.default_rng(1).standard_normal((T, B, F))
    norms = state_grad_norms(m, mg.tensor(xs), _last_step_loss)

    x = mg.tensor(xs, requires_grad=True)
    out, kept = _unrolled_by_hand(m, x)
    np.testing.assert_allclose(out.numpy(), m(mg.tensor(xs))[0].numpy(), atol=1e-12)
    _last_step_loss(out, None).backward()
    np.testing.assert_allclose(norms.x, _norm(x.grad), rtol=1e-10, atol=1e-14)
    assert len(norms.states) == len(kept) == layers * (2 if bidir else 1)
    for got, (hs, cs) in zip(norms.states, kept):
        np.testing.assert_allclose(got["h"], np.stack([_norm(h.grad) for h in hs]),
                                   rtol=1e-10, atol=1e-14)
        if cls is nn.LSTM:
            np.testing.assert_allclose(got["c"], np.stack([_norm(c.grad) for c in cs]),
                                       rtol=1e-10, atol=1e-14)
        else:
            assert set(got) == {"h"}
        assert got["h"].shape == (T, B)


def test_norms_match_pytorch_cells_unrolled_with_retain_grad():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.LSTMCell(F, H).double()
    ours = nn.LSTM(F, H, dtype="float64")
    ours.load_state_dict({k + "_l0": v.numpy() for k, v in theirs.state_dict().items()})
    xs = np.random.default_rng(3).standard_normal((T, B, F))
    x_t = torch.tensor(xs, requires_grad=True)
    h = c = torch.zeros(B, H, dtype=torch.float64)
    hs, cs = [], []
    for t in range(T):
        h, c = theirs(x_t[t], (h, c))
        h.retain_grad()
        c.retain_grad()
        hs.append(h)
        cs.append(c)
    (h ** 2).sum().backward()                     # a loss at the last step only
    norms = state_grad_norms(ours, mg.tensor(xs), lambda out, s: (out[-1] ** 2).sum())
    for got, want in ((norms.states[0]["h"], [h.grad for h in hs]),
                      (norms.states[0]["c"], [c.grad for c in cs]), (norms.x, x_t.grad)):
        want = np.stack([w.norm(dim=-1).numpy() for w in want])
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    assert (np.diff(norms.states[0]["h"].mean(axis=1)) > 0).all()   # fading back in time


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_lengths_and_packed_give_the_norms_of_each_sequence_run_alone(cls):
    mg.manual_seed(4)
    m = cls(F, H, bidirectional=True, dtype="float64")
    lengths = [4, 6, 2]
    seqs = [mg.randn(n, F, dtype="float64") for n in lengths]

    def loss(out, state):
        return (state[0] if isinstance(state, tuple) else state).sum()   # on h_n

    by_lengths = state_grad_norms(m, pad_sequence(seqs), loss, lengths=lengths)
    packed = state_grad_norms(m, pack_sequence(seqs, enforce_sorted=False), loss)
    for b, n in enumerate(lengths):
        alone = state_grad_norms(m, seqs[b].unsqueeze(1), loss)
        for got in (by_lengths, packed):
            np.testing.assert_allclose(got.x[:n, b:b + 1], alone.x, rtol=1e-10)
            assert not got.x[n:, b].any()
            for d in range(2):
                for name in alone.states[d]:
                    np.testing.assert_allclose(got.states[d][name][:n, b:b + 1],
                                               alone.states[d][name], rtol=1e-10)
                    assert not got.states[d][name][n:, b].any()


def test_batch_first_gives_time_major_norms_and_leaves_the_model_alone():
    mg.manual_seed(5)
    m = nn.GRU(F, H, batch_first=True, dtype="float64")
    x = mg.randn(B, T, F, dtype="float64", requires_grad=True)
    m(x)[0].sum().backward()
    before = {k: p.grad.numpy().copy() for k, p in m.named_parameters()}
    x.grad = None
    norms = state_grad_norms(m, x, lambda out, state: _last_step_loss(out.transpose(0, 1), state))
    assert norms.x.shape == norms.states[0]["h"].shape == (T, B)
    assert x.grad is None
    for k, p in m.named_parameters():
        np.testing.assert_array_equal(p.grad.numpy(), before[k])
    m2 = nn.GRU(F, H, dtype="float64")
    m2.load_state_dict(m.state_dict())
    same = state_grad_norms(m2, mg.tensor(x.numpy().swapaxes(0, 1)), _last_step_loss)
    np.testing.assert_allclose(norms.x, same.x, rtol=1e-12)
    np.testing.assert_allclose(norms.states[0]["h"], same.states[0]["h"], rtol=1e-12)


def test_bad_use_gets_a_clear_error():
    m = nn.RNN(F, H)
    with pytest.raises(ValueError, match=r"loss_fn\(out, state\) must return a one-element"):
        state_grad_norms(m, mg.randn(T, B, F), lambda out, state: out)
    with pytest.raises(TypeError, match="Linear is not a recurrent layer"):
        state_grad_norms(nn.Linear(F, H), mg.randn(T, B, F), lambda out, state: out.sum())
    with pytest.raises(TypeError, match="x must be a Tensor or a PackedSequence"):
        state_grad_norms(m, np.zeros((T, B, F)), lambda out, state: out.sum())
