"""fused="sequence": a layer direction's whole time loop as one node
(nn/recurrent/fused_sequence.py). The same numbers as one node per step, bit for bit;
float64 gradients by finite differences; per-step nodes wherever the steps are looked
at or are not a plain chain; one box in the drawn graph."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.recurrent.fused_sequence import FusedSequence
from minigrad.nn.utils import record_states

T, B, F, H = 5, 3, 4, 6
KINDS = [(nn.RNN, {}), (nn.RNN, {"nonlinearity": "relu"}), (nn.LSTM, {}),
         (nn.LSTM, {"peephole": True}), (nn.GRU, {}), (nn.GRU, {"bias": False})]
SHAPES = [{}, {"bidirectional": True, "num_layers": 2}, {"batch_first": True}]


def _ids(kind):
    cls, kw = kind
    return cls.__name__ + "".join(f",{k}={v}" for k, v in kw.items())


def _run(cls, kw, fused, shape=None, lengths=None, seed=0):
    """Output, final states, and the gradients of input, initial states and
    parameters, for one weighted loss of everything the layer returns."""
    mg.manual_seed(1)
    m = cls(F, H, dtype="float64", fused=fused, **kw, **(shape or {}))
    rng = np.random.default_rng(seed)
    d = m.num_layers * (2 if m.bidirectional else 1)
    x = mg.tensor(rng.standard_normal((B, T, F) if m.batch_first else (T, B, F)),
                  requires_grad=True)
    hx = [mg.tensor(rng.standard_normal((d, B, H)), requires_grad=True)
          for _ in m.spec.state_names]
    out, state = m(x, tuple(hx) if len(hx) == 2 else hx[0], lengths=lengths)
    state = list(state) if isinstance(state, tuple) else [state]
    loss = (out * mg.tensor(rng.standard_normal(out.shape))).sum()
    for s in state:
        loss = loss + (s * mg.tensor(rng.standard_normal(s.shape))).sum()
    loss.backward()
    return ([out.numpy(), *(s.numpy() for s in state), x.grad.numpy(),
             *(h.grad.numpy() for h in hx)] + [p.grad.numpy() for p in m.parameters()])


@pytest.mark.parametrize("shape", SHAPES, ids=["one-layer", "2-layer-bidirectional",
                                               "batch-first"])
@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_one_node_per_sequence_gives_the_per_step_numbers_bit_for_bit(kind, shape):
    for a, b in zip(_run(*kind, "sequence", shape), _run(*kind, True, shape)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_one_node_per_sequence_gradcheck(kind):
    cls, kw = kind
    mg.manual_seed(1)
    m = cls(F, H, dtype="float64", fused="sequence", bidirectional=True, **kw)
    x = mg.tensor(np.random.default_rng(0).standard_normal((T, 2, F)), requires_grad=True)

    def f(x, *params):
        out, _ = m(x)
        return out

    assert mg.gradcheck(f, [x, *m.parameters()])


def _nodes(root):
    """The graph's nodes, each once."""
    seen, stack = {}, [root.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen[id(fn)] = fn
        stack.extend(x.grad_fn for x in fn.inputs if isinstance(x, mg.Tensor))
    return list(seen.values())


def test_the_graph_has_one_node_per_layer_direction_and_draws_as_one_box(tmp_path):
    lstm = nn.LSTM(F, H, num_layers=2, bidirectional=True, fused="sequence")
    out, _ = lstm(mg.randn(T, B, F))
    nodes = _nodes(out.sum())
    sequences = [fn for fn in nodes if isinstance(fn, FusedSequence)]
    assert len(sequences) == 4 and not any("Cell" in fn.name for fn in nodes)
    assert sequences[0].name == f"FusedSequence[LSTM, T={T}]"
    path = mg.viz.save(out.sum(), tmp_path / "graph.svg")
    assert "FusedSequence" in path.read_text()


def test_without_a_graph_it_runs_and_gives_the_same_output():
    with mg.no_grad():
        seq = _layer_out("sequence")
        step = _layer_out(True)
    np.testing.assert_array_equal(seq, step)


def _layer_out(fused, reverse_too=True):
    mg.manual_seed(1)
    m = nn.GRU(F, H, dtype="float64", fused=fused, bidirectional=reverse_too)
    out, _ = m(mg.tensor(np.random.default_rng(0).standard_normal((T, B, F))))
    return out.numpy()


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_masks_and_recording_fall_back_to_per_step_nodes_with_the_same_numbers(cls):
    for a, b in zip(_run(cls, {}, "sequence", lengths=[T, 2, 4]),
                    _run(cls, {}, True, lengths=[T, 2, 4])):
        np.testing.assert_array_equal(a, b)
    m = cls(F, H, fused="sequence")
    with record_states() as rec:
        out, _ = m(mg.randn(T, B, F))
    assert rec[m][0]["h"].shape == (T, B, H)
    assert not any(isinstance(fn, FusedSequence) for fn in _nodes(out.sum()))


def test_a_packed_sequence_runs_per_step_and_matches():
    seqs = [mg.tensor(np.random.default_rng(k).standard_normal((n, F))) for k, n in
            enumerate((5, 3, 2))]
    outs = []
    for fused in ("sequence", True):
        mg.manual_seed(1)
        m = nn.LSTM(F, H, dtype="float64", fused=fused)
        packed = nn.utils.rnn.pack_sequence(seqs)
        out, (h, c) = m(packed)
        outs.append([out.data.numpy(), h.numpy(), c.numpy()])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


def test_a_retained_graph_backpropagates_twice_the_same():
    mg.manual_seed(1)
    lstm = nn.LSTM(F, H, dtype="float64", fused="sequence")
    out, _ = lstm(mg.randn(T, B, F, dtype="float64"))
    loss = (out * out).sum()
    loss.backward(retain_graph=True)
    first = [p.grad.numpy().copy() for p in lstm.parameters()]
    loss.backward()
    for a, p in zip(first, lstm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), 2 * a, rtol=1e-12)
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_a_write_into_the_output_under_no_grad_is_refused_at_backward():
    lstm = nn.LSTM(F, H, fused="sequence")
    out, _ = lstm(mg.randn(T, B, F))
    with mg.no_grad():
        out[1] *= 2.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (out * out).sum().backward()


def test_the_switch_and_the_cells_take_sequence():
    with nn.recurrent.use_fused("sequence"):
        assert nn.recurrent.fused_default() == "sequence"
        a = _layer_out(None)
    np.testing.assert_array_equal(a, _layer_out(True))
    cell = nn.LSTMCell(F, H, fused="sequence")       # one step: as fused=True
    h, c = cell(mg.randn(B, F))
    assert h.grad_fn.name == "LSTMCellFused"
