"""Tied weights in state_dict (both names, as PyTorch; loads either way) and the
activation modules Softmax / LogSoftmax."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(5, 4)
        self.rnn = nn.GRU(4, 4)
        self.decoder = nn.Linear(4, 5)
        self.decoder.weight = self.encoder.weight


def test_state_dict_keeps_both_names_of_a_tied_weight_in_pytorchs_order():
    m = Tied()
    sd = m.state_dict()
    assert list(sd)[-2:] == ["decoder.weight", "decoder.bias"]
    assert "encoder.weight" in sd and sd["decoder.weight"] is sd["encoder.weight"]
    assert len(list(m.parameters())) == 1 + 4 + 1  # parameters() still lists it once


def test_a_tied_weight_loads_from_either_name_or_both():
    src, dst = Tied(), Tied()
    sd = src.state_dict()
    dst.load_state_dict(sd)
    np.testing.assert_array_equal(dst.decoder.weight.numpy(), src.encoder.weight.numpy())
    assert dst.decoder.weight is dst.encoder.weight
    for dropped in ("encoder.weight", "decoder.weight"):
        other = Tied()
        other.load_state_dict({k: v for k, v in sd.items() if k != dropped})
        np.testing.assert_array_equal(other.encoder.weight.numpy(), sd["encoder.weight"])
    bad = dict(sd, **{"decoder.weight": sd["encoder.weight"] + 1})
    with pytest.raises(ValueError, match="encoder.weight and decoder.weight name one tied "
                                         "parameter but hold different values"):
        Tied().load_state_dict(bad)
    missing = {k: v for k, v in sd.items() if "weight" not in k or "rnn" in k}
    with pytest.raises(KeyError, match=r"missing keys \['encoder.weight / decoder.weight'\]"):
        Tied().load_state_dict(missing)
    result = Tied().load_state_dict(missing, strict=False)
    assert result.missing_keys == ["encoder.weight / decoder.weight"]


def test_tied_state_dicts_cross_to_and_from_pytorch():
    torch = pytest.importorskip("torch")

    class TorchTied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.Embedding(5, 4)
            self.rnn = torch.nn.GRU(4, 4)
            self.decoder = torch.nn.Linear(4, 5)
            self.decoder.weight = self.encoder.weight

    t, m = TorchTied(), Tied()
    assert list(t.state_dict()) == list(m.state_dict())
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    t.load_state_dict({k: torch.from_numpy(v) for k, v in Tied().state_dict().items()})


X = np.random.default_rng(0).standard_normal((3, 4, 2))
SOFTMAXES = [(nn.Softmax, "softmax"), (nn.LogSoftmax, "log_softmax")]


@pytest.mark.parametrize("cls,fn", SOFTMAXES)
def test_softmax_modules_pass_gradcheck_and_keep_pytorchs_implicit_dim(cls, fn):
    for dim in (0, 1, -1):
        assert mg.gradcheck(cls(dim=dim), [mg.tensor(X, requires_grad=True)])
    with pytest.warns(UserWarning, match="implicit dimension choice"):
        np.testing.assert_allclose(cls()(mg.tensor(X)).numpy(),
                                   getattr(mg, fn)(mg.tensor(X), 0).numpy())


@pytest.mark.parametrize("cls", [nn.Softmax, nn.LogSoftmax])
def test_softmax_modules_match_pytorch(cls):
    torch = pytest.importorskip("torch")
    x = X
    ours, theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = cls(dim=1)(ours), getattr(torch.nn, cls.__name__)(dim=1)(theirs)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-14)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-13)
