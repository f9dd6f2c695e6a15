"""pad_sequence / pack_padded_sequence / pad_packed_sequence / pack_sequence and packed
input to the recurrent layers: PyTorch's layout and numbers, gradients through packing."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence,
                                   pad_packed_sequence, pad_sequence)

rng = np.random.default_rng(0)
LENGTHS = [3, 5, 1, 4]  # unsorted on purpose


def seqs(lengths=LENGTHS, features=2):
    return [mg.tensor(rng.standard_normal((n, features)), requires_grad=True) for n in lengths]


def test_pad_sequence_pads_at_the_end():
    a, b = mg.tensor([[1.0], [2.0]]), mg.tensor([[3.0]])
    assert pad_sequence([a, b]).numpy()[:, :, 0].tolist() == [[1, 3], [2, 0]]
    assert pad_sequence([a, b], batch_first=True, padding_value=-1).numpy()[:, :, 0].tolist() \
        == [[1, 2], [3, -1]]
    with pytest.raises(ValueError, match="pad_sequence: all sequences need the same trailing"):
        pad_sequence([mg.ones(2, 3), mg.ones(2, 4)])


def test_packed_layout_is_time_major_longest_first():
    xs = [mg.tensor([[10.0], [11.0], [12.0]]), mg.tensor([[20.0], [21.0]])]
    p = pack_sequence(xs)
    assert p.batch_sizes.tolist() == [2, 2, 1] and p.sorted_indices is None
    assert p.data.numpy()[:, 0].tolist() == [10, 20, 11, 21, 12]


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_then_pad_gives_back_the_padded_batch_in_the_original_order(batch_first):
    padded = pad_sequence(seqs(), batch_first=batch_first)
    packed = pack_padded_sequence(padded, LENGTHS, batch_first=batch_first,
                                  enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [4, 3, 3, 2, 1]
    back, lengths = pad_packed_sequence(packed, batch_first=batch_first, total_length=6)
    assert lengths.numpy().tolist() == LENGTHS
    axis = 1 if batch_first else 0
    np.testing.assert_array_equal(np.take(back.numpy(), range(5), axis=axis), padded.numpy())
    assert not np.take(back.numpy(), [5], axis=axis).any()  # total_length padding


def test_gradients_flow_through_packing():
    xs = seqs([2, 3], features=2)

    def f(a, b):
        out, _ = pad_packed_sequence(pack_sequence([a, b], enforce_sorted=False))
        return out * mg.tensor(np.arange(12.0).reshape(3, 2, 2))

    assert mg.gradcheck(f, xs)


def test_errors_name_the_lengths():
    x = mg.zeros(5, 3, 2)
    with pytest.raises(ValueError, match=r"lengths \[2, 4, 1\] are not in decreasing order.*"
                                         r"enforce_sorted=False"):
        pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, 5\].*\[6, 1, 1\]"):
        pack_padded_sequence(x, [6, 1, 1])
    with pytest.raises(ValueError, match="lengths must be 3 integers"):
        pack_padded_sequence(x, [2.0, 1.0, 1.0])
    with pytest.raises(TypeError, match="pad_packed_sequence: expected a PackedSequence"):
        pad_packed_sequence(x)


@pytest.mark.parametrize("layer", [nn.LSTM, nn.GRU, nn.RNN])
def test_a_layer_runs_packed_input_like_its_lengths_path(layer):
    """The packed route (state rows drop out as sequences end) and the masked padded
    route give the same numbers, up to round-off: their matmuls see other batch sizes."""
    m = layer(2, 3, num_layers=2, bidirectional=True, dtype="float64")
    xs = seqs()
    packed = pack_sequence(xs, enforce_sorted=False)
    h0 = mg.randn(4, 4, 3, dtype="float64")
    hx = (h0, h0 * 0.5) if layer is nn.LSTM else h0
    out_p, state_p = m(packed, hx)
    assert isinstance(out_p, PackedSequence) and out_p.data.shape == (13, 6)
    assert out_p.batch_sizes is packed.batch_sizes
    padded, lengths = pad_packed_sequence(packed)
    out_l, state_l = m(padded, hx, lengths=lengths)
    np.testing.assert_allclose(pad_packed_sequence(out_p)[0].numpy(), out_l.numpy(),
                               rtol=0, atol=1e-14)
    for a, b in zip(*(s if isinstance(s, tuple) else (s,) for s in (state_p, state_l))):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-14)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("layer", [nn.LSTM, nn.GRU, nn.RNN])
def test_packed_route_takes_no_padded_detour(layer, fused):
    """Packed data goes straight through: no step runs rows of ended sequences and no
    padded (T, B, *) tensor appears anywhere in the graph."""
    m = layer(2, 3, bidirectional=True, dtype="float64", fused=fused)
    packed = pack_sequence(seqs(), enforce_sorted=False)
    leaf = mg.tensor(packed.data.numpy(), requires_grad=True)     # the walk stops here
    out, _ = m(packed._replace(data=leaf))
    seen, stack, shapes = set(), [out.data.grad_fn], []
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        shapes += [tuple(x.shape) for x in fn.inputs if isinstance(x, mg.Tensor)]
        stack += [x.grad_fn for x in fn.inputs if isinstance(x, mg.Tensor)]
    assert not any(len(s) == 3 for s in shapes)             # nothing padded
    assert (2, 2) not in shapes and (13, 2) in shapes       # the packed input rows, as given


def test_packed_input_errors_name_the_layer():
    m = nn.GRU(2, 3, dtype="float64")
    p = pack_sequence(seqs(), enforce_sorted=False)
    with pytest.raises(ValueError, match=r"GRU: a PackedSequence carries its lengths"):
        m(p, lengths=[3, 5, 1, 4])
    with pytest.raises(ValueError, match=r"GRU: a PackedSequence's data must be \(sum of "
                                         r"lengths, 2\), got \(13, 3\)"):
        m(PackedSequence(mg.zeros(13, 3, dtype="float64"), p.batch_sizes))
    with pytest.raises(ValueError, match=r"GRU: batch_sizes \[4, 3\] do not describe"):
        m(p._replace(batch_sizes=p.batch_sizes[:2]))
    with pytest.raises(ValueError, match=r"GRU: expected h_0 of shape \(1, 4, 3\)"):
        m(p, mg.zeros(1, 3, 3, dtype="float64"))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_packed_layers_match_pytorch_when_installed(name, batch_first):
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(2, 3, num_layers=2, bidirectional=True,
                                     batch_first=batch_first).double()
    ours = getattr(nn, name)(2, 3, num_layers=2, bidirectional=True, batch_first=batch_first,
                             dtype="float64")
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    arrays = [rng.standard_normal((n, 2)) for n in LENGTHS]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    m_in = [mg.tensor(a, requires_grad=True) for a in arrays]
    p_t = trnn.pack_sequence(t_in, enforce_sorted=False)
    p_m = pack_sequence(m_in, enforce_sorted=False)
    np.testing.assert_array_equal(p_m.data.numpy(), p_t.data.detach().numpy())
    assert p_m.batch_sizes.tolist() == p_t.batch_sizes.tolist()
    assert p_m.sorted_indices.tolist() == p_t.sorted_indices.tolist()  # distinct lengths
    assert p_m.unsorted_indices.tolist() == p_t.unsorted_indices.tolist()
    (out_t, st_t), (out_m, st_m) = theirs(p_t), ours(p_m)
    st_t, st_m = (st_t if name == "LSTM" else (st_t,)), (st_m if name == "LSTM" else (st_m,))
    np.testing.assert_allclose(out_m.data.numpy(), out_t.data.detach().numpy(), atol=1e-10)
    for a, b in zip(st_m, st_t):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), atol=1e-10)
    w = rng.standard_normal(out_t.data.shape)
    (out_t.data * torch.tensor(w)).sum().backward()
    (out_m.data * mg.tensor(w)).sum().backward()
    for a, b in zip(m_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-10)
    grads = dict(ours.named_parameters())
    for k, p in theirs.named_parameters():
        np.testing.assert_allclose(grads[k].grad.numpy(), p.grad.numpy(), atol=1e-10)
