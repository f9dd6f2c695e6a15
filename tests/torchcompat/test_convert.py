"""to_torch / from_torch: one call moves weights between minigrad and PyTorch, both
ways; the converted model gives the same outputs and the same gradients."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.torch import from_torch, to_torch

torch = pytest.importorskip("torch")
rng = np.random.default_rng(0)

BUILDERS = {
    "Linear": (lambda lib: lib.Linear(5, 3), (4, 5), "float"),
    "Embedding": (lambda lib: lib.Embedding(9, 5, padding_idx=0), (3, 4), "ids"),
    "LSTM": (lambda lib: lib.LSTM(5, 4, num_layers=2, bidirectional=True), (6, 2, 5), "float"),
    "GRU": (lambda lib: lib.GRU(5, 4, batch_first=True), (2, 6, 5), "float"),
    "RNN": (lambda lib: lib.RNN(5, 4, nonlinearity="relu", bias=False), (6, 2, 5), "float"),
    "LSTMCell": (lambda lib: lib.LSTMCell(5, 4), (3, 5), "float"),
    "GRUCell": (lambda lib: lib.GRUCell(5, 4), (3, 5), "float"),
    "RNNCell": (lambda lib: lib.RNNCell(5, 4), (3, 5), "float"),
    "Sequential": (lambda lib: lib.Sequential(lib.Linear(5, 6), lib.Tanh(), lib.LayerNorm(6),
                                              lib.Linear(6, 2), lib.LogSoftmax(dim=1)),
                   (4, 5), "float"),
}


def first(out):
    return out[0] if isinstance(out, tuple) else out


def run_both(ours, theirs, shape, kind, vocab=9):
    if kind == "ids":
        x = rng.integers(0, vocab, shape)
        mx, tx = mg.tensor(x), torch.tensor(x)
    else:
        x = rng.standard_normal(shape)
        mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = first(ours(mx)), first(theirs(tx))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = rng.standard_normal(y.shape)
    (y * mg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    grads = {n: p.grad.numpy() for n, p in ours.named_parameters()}
    for n, p in theirs.named_parameters():
        np.testing.assert_allclose(grads[n], p.grad.numpy(), rtol=1e-11, atol=1e-13, err_msg=n)
    if kind == "float":
        np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_to_torch_builds_a_twin_with_the_same_outputs_and_gradients(name):
    build, shape, kind = BUILDERS[name]
    ours = build(nn).double()
    theirs = to_torch(ours)
    assert type(theirs).__name__ == name and next(theirs.parameters()).dtype == torch.float64
    run_both(ours, theirs, shape, kind)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_from_torch_builds_a_twin_with_the_same_outputs_and_gradients(name):
    build, shape, kind = BUILDERS[name]
    theirs = build(torch.nn).double()
    ours = from_torch(theirs)
    assert type(ours) is getattr(nn, name) and next(ours.parameters()).dtype == mg.float64
    run_both(ours, theirs, shape, kind)


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(7, 4)
        self.rnn = nn.LSTM(4, 4)
        self.decoder = nn.Linear(4, 7)
        self.decoder.weight = self.encoder.weight

    def forward(self, ids):
        return self.decoder(self.rnn(self.encoder(ids))[0])


class TorchLM(torch.nn.Module):
    def __init__(self, tie=True):
        super().__init__()
        self.encoder = torch.nn.Embedding(7, 4)
        self.rnn = torch.nn.LSTM(4, 4)
        self.decoder = torch.nn.Linear(4, 7)
        if tie:
            self.decoder.weight = self.encoder.weight

    def forward(self, ids):
        return self.decoder(self.rnn(self.encoder(ids))[0])


def test_any_model_with_matching_names_trades_weights_both_ways_ties_included():
    ours, theirs = LM().double(), TorchLM().double()
    assert to_torch(ours, theirs) is theirs
    run_both(ours, theirs, (5, 2), "ids", vocab=7)
    theirs2, ours2 = TorchLM().double(), LM().double()
    assert from_torch(theirs2, ours2) is ours2 and ours2.decoder.weight is ours2.encoder.weight
    run_both(ours2, theirs2, (5, 2), "ids", vocab=7)


def test_a_built_twin_keeps_the_tie_and_training_mode():
    seq = nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 5))
    seq[1].weight = seq[0].weight
    seq.eval()
    twin = to_torch(seq)
    assert twin[1].weight is twin[0].weight and not twin.training
    back = from_torch(twin)
    assert back[1].weight is back[0].weight and not back.training


def test_mismatches_are_named():
    with pytest.raises(ValueError, match="tied parameters differ"):
        to_torch(LM(), TorchLM(tie=False))
    with pytest.raises(KeyError, match=r"only in the source \['weight', 'bias'\]"):
        to_torch(nn.Linear(2, 2), torch.nn.GRU(2, 2))
    with pytest.raises(ValueError, match=r"weight has shape \(2, 3\) in the source but "
                                         r"\(3, 2\) in the target"):
        to_torch(nn.Linear(3, 2), torch.nn.Linear(2, 3))
    with pytest.raises(TypeError, match="no built-in twin for LM; build the model on the other "
                                        "side .* target="):
        to_torch(LM())
    with pytest.raises(TypeError, match="PyTorch has no peephole LSTM"):
        to_torch(nn.LSTM(2, 2, peephole=True))
    with pytest.raises(TypeError, match="minigrad's LSTM has no proj_size"):
        from_torch(torch.nn.LSTM(3, 3, proj_size=2))
