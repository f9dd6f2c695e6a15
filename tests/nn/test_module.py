"""Module behaviour seen through the layers: registration, naming, state dicts, modes,
dtype moves and repr."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(7, 3)
        self.body = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.2), nn.Tanh())
        self.scale = nn.Parameter(np.ones(4, dtype=np.float32))
        self.head = nn.Linear(4, 2)
        self.not_a_param = mg.zeros(2)

    def forward(self, ids):
        return self.head(self.body(self.emb(ids)) * self.scale)


def test_registration_and_named_parameters_order():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "emb.weight", "body.0.weight", "body.0.bias", "head.weight", "head.bias"]
    assert [n for n, _ in net.named_modules()] == ["", "emb", "body", "body.0", "body.1",
                                                   "body.2", "head"]
    assert [n for n, _ in net.named_children()] == ["emb", "body", "head"]
    assert len(list(net.parameters())) == 6
    net.head = nn.Identity()  # replacing a child drops its parameters
    assert "head.weight" not in dict(net.named_parameters())


def test_shared_parameter_is_listed_once():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, a)
    assert len(list(seq.parameters())) == 2


def test_state_dict_round_trip_through_mg_save(tmp_path):
    mg.manual_seed(0)
    src, dst = Net(), Net()
    sd = src.state_dict()
    assert isinstance(sd, OrderedDict) and all(isinstance(v, np.ndarray) for v in sd.values())
    sd["scale"][0] = 99  # a copy: changing it leaves the model alone
    assert src.scale.numpy()[0] == 1
    mg.save(src.state_dict(), tmp_path / "net.mg")
    dst.load_state_dict(mg.load(tmp_path / "net.mg"))
    for (n, a), (_, b) in zip(src.named_parameters(), dst.named_parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=n)
    src.eval(), dst.eval()
    ids = np.array([[1, 2], [3, 6]])
    np.testing.assert_array_equal(src(ids).numpy(), dst(ids).numpy())


def test_failed_load_state_dict_leaves_the_module_untouched():
    net = Net()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    good = Net().state_dict()
    bad_shape = dict(good, **{"head.weight": np.zeros((3, 3), np.float32)})
    with pytest.raises(ValueError, match=r"head.weight.*\(3, 3\).*\(2, 4\)"):
        net.load_state_dict(bad_shape)
    missing = {k: v for k, v in good.items() if k != "emb.weight"}
    with pytest.raises(KeyError, match="emb.weight"):
        net.load_state_dict(missing)
    with pytest.raises(KeyError, match="extra"):
        net.load_state_dict(dict(good, extra=np.zeros(1)))
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_train_eval_reach_every_submodule():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    x = np.array([[1, 2]])
    np.testing.assert_array_equal(net(x).numpy(), net(x).numpy())  # no dropout in eval
    net.train()
    assert net.body[1].training


def test_eval_mode_switches_every_submodule_and_gives_each_its_own_mode_back():
    net = Net()
    net.body.eval()                       # a part kept in eval mode inside a training net
    before = {name: m.training for name, m in net.named_modules()}
    x = np.array([[1, 2]])
    with nn.eval_mode(net) as inside:
        assert inside is net and not any(m.training for m in net.modules())
        np.testing.assert_array_equal(net(x).numpy(), net(x).numpy())  # dropout off
    assert {name: m.training for name, m in net.named_modules()} == before
    assert net.training and not net.body[1].training
    net.eval()                            # already in eval mode: stays so
    with mg.nn.eval_mode(net):
        pass
    assert not any(m.training for m in net.modules())


def test_eval_mode_restores_the_mode_when_the_block_raises_and_nests():
    net = Net()
    with pytest.raises(ZeroDivisionError):
        with nn.eval_mode(net):
            1 / 0
    assert all(m.training for m in net.modules())
    with nn.eval_mode(net.body):
        assert not net.body[1].training and net.head.training
        with nn.eval_mode(net):
            assert not net.head.training
        assert net.head.training and not net.body.training   # the inner block's modes
    assert all(m.training for m in net.modules())


def test_to_float64_keeps_the_parameter_objects():
    net = Net()
    params = list(net.parameters())
    net.emb.weight.grad = mg.ones(7, 3)
    assert net.to(mg.float64) is net
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert net.emb.weight.grad.dtype == np.float64
    assert net(np.array([0, 1])).dtype == np.float64
    net.float()
    assert net.head.weight.dtype == np.float32


def test_repr_nests_children():
    text = repr(Net())
    assert text.startswith("Net(\n  (emb): Embedding(7, 3)\n  (body): Sequential(\n")
    assert "    (0): Linear(in_features=3, out_features=4, bias=True)\n" in text
    assert "    (1): Dropout(p=0.2)\n" in text
    assert text.endswith("  (head): Linear(in_features=4, out_features=2, bias=True)\n)")


def test_zero_grad_and_requires_grad():
    net = Net()
    net.eval()
    net(np.array([1, 2])).sum().backward()
    assert net.head.weight.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
