"""record_states(): per-step gates and states of RNN/LSTM/GRU layers, as (T, B, H) numpy
arrays, equal for fused and composite cells and equal to the gates computed by hand."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.recurrent import record
from minigrad.nn.utils import record_states
from minigrad.nn.utils.rnn import pack_sequence

T, B, F, H = 5, 3, 4, 6
NAMES = {"RNN": ["h"], "LSTM": ["i", "f", "g", "o", "c", "h"], "GRU": ["r", "z", "n", "h"]}
KINDS = [(nn.RNN, {}), (nn.RNN, {"nonlinearity": "relu"}), (nn.LSTM, {}),
         (nn.LSTM, {"peephole": True}), (nn.GRU, {})]


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _names(cls):
    return NAMES[cls.__name__]


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composite"])
@pytest.mark.parametrize("layers,bidir,batch_first", [(1, False, False), (2, True, True),
                                                      (3, False, True), (2, True, False)])
@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_one_dict_per_layer_and_direction_of_time_major_arrays(cls, layers, bidir,
                                                               batch_first, fused):
    m = cls(F, H, num_layers=layers, bidirectional=bidir, batch_first=batch_first,
            fused=fused)
    x = mg.randn(*((B, T, F) if batch_first else (T, B, F)))
    with record_states() as rec:
        out, state = m(x)
    d = 2 if bidir else 1
    assert len(rec[m]) == layers * d and list(rec) == [m]
    for entry in rec[m]:
        assert sorted(entry) == sorted(_names(cls))
        assert all(a.shape == (T, B, H) and isinstance(a, np.ndarray) for a in entry.values())
    out = out.numpy().swapaxes(0, 1) if batch_first else out.numpy()
    h_n = (state[0] if isinstance(state, tuple) else state).numpy()
    last = (layers - 1) * d
    np.testing.assert_array_equal(rec[m][last]["h"], out[:, :, :H])
    np.testing.assert_array_equal(rec[m][last]["h"][-1], h_n[last])
    if bidir:
        np.testing.assert_array_equal(rec[m][last + 1]["h"], out[:, :, H:])
        # the reverse direction ends at t = 0
        np.testing.assert_array_equal(rec[m][last + 1]["h"][0], h_n[last + 1])
    if cls is nn.LSTM:
        np.testing.assert_array_equal(rec[m][0]["c"][-1], state[1].numpy()[0])


def _record(m, x, **kw):
    with record_states() as rec:
        m(x, **kw)
    return rec[m]


@pytest.mark.parametrize("input_kind", ["padded", "lengths", "packed"])
@pytest.mark.parametrize("cls,kw", KINDS)
def test_fused_and_composite_record_the_same_values(cls, kw, input_kind):
    mg.manual_seed(0)
    fused = cls(F, H, num_layers=2, bidirectional=True, dtype="float64", fused=True, **kw)
    composite = cls(F, H, num_layers=2, bidirectional=True, dtype="float64", fused=False,
                    **kw)
    composite.load_state_dict(fused.state_dict())
    x = mg.randn(T, B, F, dtype="float64")
    call = {"lengths": [3, 5, 1]} if input_kind == "lengths" else {}
    if input_kind == "packed":
        x = pack_sequence([mg.randn(n, F, dtype="float64") for n in (3, 5, 1)],
                          enforce_sorted=False)
    for a, b in zip(_record(fused, x, **call), _record(composite, x, **call)):
        assert a.keys() == b.keys()
        for name in a:
            np.testing.assert_allclose(a[name], b[name], rtol=0, atol=1e-13, err_msg=name)


def _by_hand(m, sd, x, sfx="_l0", reverse=False):
    """The recorded values of one layer and direction, computed in NumPy from its
    weights (PyTorch's equations; peephole as documented)."""
    w_ih, w_hh = sd["weight_ih" + sfx], sd["weight_hh" + sfx]
    b_ih, b_hh = sd["bias_ih" + sfx], sd["bias_hh" + sfx]
    h = np.zeros((x.shape[1], w_hh.shape[1]))
    c = np.zeros_like(h)
    rows = {}
    for t in (range(len(x) - 1, -1, -1) if reverse else range(len(x))):
        xg, hg = x[t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        if isinstance(m, nn.GRU):
            (xr, xz, xn), (hr, hz, hn) = np.split(xg, 3, 1), np.split(hg, 3, 1)
            r, z = _sig(xr + hr), _sig(xz + hz)
            n = np.tanh(xn + r * hn)
            h = (1 - z) * n + z * h
            step = {"r": r, "z": z, "n": n, "h": h}
        elif isinstance(m, nn.LSTM):
            ai, af, ag, ao = np.split(xg + hg, 4, 1)
            p = sd.get("weight_peephole" + sfx, np.zeros((3, h.shape[1])))
            i, f, g = _sig(ai + p[0] * c), _sig(af + p[1] * c), np.tanh(ag)
            c = f * c + i * g
            o = _sig(ao + p[2] * c)
            h = o * np.tanh(c)
            step = {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
        else:
            a = xg + hg
            h = np.tanh(a) if m.nonlinearity == "tanh" else np.maximum(a, 0)
            step = {"h": h}
        for name, v in step.items():
            rows.setdefault(name, [None] * len(x))[t] = v
    return {name: np.stack(v) for name, v in rows.items()}


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composite"])
@pytest.mark.parametrize("cls,kw", KINDS)
def test_recorded_gates_equal_the_gates_computed_by_hand(cls, kw, fused):
    """Layer 1 of a 2-layer bidirectional layer, both directions, from layer 0's
    recorded outputs: the indexing [k * directions + d] and every value."""
    mg.manual_seed(1)
    m = cls(F, H, num_layers=2, bidirectional=True, dtype="float64", fused=fused, **kw)
    sd = m.state_dict()
    x = np.random.default_rng(2).standard_normal((T, B, F))
    rec = _record(m, mg.tensor(x))
    x1 = np.concatenate([rec[0]["h"], rec[1]["h"]], axis=2)   # layer 1 reads layer 0's h
    for j, (inp, sfx, rev) in enumerate([(x, "_l0", False), (x, "_l0_reverse", True),
                                         (x1, "_l1", False), (x1, "_l1_reverse", True)]):
        want = _by_hand(m, sd, inp, sfx, rev)
        assert want.keys() == rec[j].keys()
        for name in want:
            np.testing.assert_allclose(rec[j][name], want[name], rtol=0, atol=1e-12,
                                       err_msg=f"{m.mode} entry {j} {name}")


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_lengths_and_packed_record_each_sequence_as_run_alone_and_zeros_after(cls):
    mg.manual_seed(2)
    m = cls(F, H, bidirectional=True, dtype="float64")
    lengths = [3, 5, 1]
    seqs = [mg.randn(n, F, dtype="float64") for n in lengths]
    padded = mg.nn.utils.rnn.pad_sequence(seqs)
    by_lengths = _record(m, padded, lengths=lengths)
    packed = _record(m, pack_sequence(seqs, enforce_sorted=False))
    for b, n in enumerate(lengths):
        alone = _record(m, seqs[b].unsqueeze(1))
        for d in range(2):
            for name, a in alone[d].items():
                for rec in (by_lengths, packed):
                    np.testing.assert_allclose(rec[d][name][:n, b:b + 1], a, rtol=0,
                                               atol=1e-13)
                    assert not rec[d][name][n:, b].any()


def test_several_calls_in_one_block_are_kept_in_order():
    gru, lstm = nn.GRU(F, H), nn.LSTM(F, H)
    x1, x2 = mg.randn(T, B, F), mg.randn(2, 1, F)
    with record_states() as rec:
        gru(x1)
        gru(x2)
        with record_states() as inner:        # nested blocks both record
            lstm(x1)
    assert [c[0]["h"].shape for c in rec.calls(gru)] == [(T, B, H), (2, 1, H)]
    assert rec[gru] is rec.calls(gru)[-1]                 # rec[layer]: the last call
    assert lstm in rec and lstm in inner and gru not in inner and len(rec) == 2
    with pytest.raises(KeyError, match="record_states: GRU was not called inside"):
        inner[gru]
    assert rec.calls(nn.RNN(F, H)) == []


def test_off_by_default_and_after_the_block():
    m = nn.LSTM(F, H)
    with record_states() as rec:
        pass
    assert record.active() == []
    _, (h_n, _) = m(mg.randn(T, B, F))
    assert len(rec) == 0
    assert h_n.grad_fn.inputs[0].grad_fn.probe is None       # the steps got no probe


def test_unbatched_and_no_grad_calls_record_too():
    m = nn.RNN(F, H)
    with record_states() as rec, mg.no_grad():
        out, _ = m(mg.randn(T, F))
    assert rec[m][0]["h"].shape == (T, 1, H)
    np.testing.assert_array_equal(rec[m][0]["h"][:, 0], out.numpy())
