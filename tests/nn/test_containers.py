"""ModuleList / ModuleDict / Sequential register their members (parameters, state_dict
names as PyTorch's), and Module.apply visits every module, children first."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3)])
        self.heads = nn.ModuleDict({"sentiment": nn.Linear(3, 2), "topic": nn.Linear(3, 5)})

    def forward(self, x, task):
        for layer in self.layers:
            x = mg.tanh(layer(x))
        return self.heads[task](x)


def test_members_are_registered_under_pytorch_names():
    net = Heads()
    assert list(net.state_dict()) == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
        "heads.sentiment.weight", "heads.sentiment.bias",
        "heads.topic.weight", "heads.topic.bias"]
    assert len(list(net.parameters())) == 8


def test_gradients_reach_members_and_the_optimizer_updates_them():
    net = Heads()
    opt = mg.optim.SGD(net.parameters(), lr=0.1)
    before = net.layers[0].weight.numpy().copy()
    net(mg.ones(4, 3), "topic").sum().backward()
    assert net.layers[0].weight.grad is not None
    assert net.heads["sentiment"].weight.grad is None  # not used for this task
    opt.step()
    assert not np.array_equal(net.layers[0].weight.numpy(), before)


def test_module_list_behaves_like_a_list():
    a, b, c = nn.Linear(1, 1), nn.Linear(1, 2), nn.Linear(1, 3)
    ml = nn.ModuleList([a])
    ml.append(b).extend([c])
    assert list(ml) == [a, b, c] and len(ml) == 3 and ml[-1] is c
    assert list(ml[1:]) == [b, c] and isinstance(ml[1:], nn.ModuleList)
    ml.insert(0, c)
    assert list(ml) == [c, a, b, c]
    assert [n for n, _ in ml.named_children()] == ["0", "1", "2", "3"]
    ml[1] = b
    assert ml[1] is b
    with pytest.raises(IndexError, match="ModuleList: index 4 out of range for 4 modules"):
        ml[4]
    with pytest.raises(TypeError, match="ModuleList: '4' is a list, not a Module"):
        ml.append([])


def test_sequential_slices_keep_names_and_run_in_order():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and [n for n, _ in tail.named_children()] == ["1", "2"]
    x = mg.ones(5, 2)
    np.testing.assert_allclose(seq(x).numpy(), tail(seq[0](x)).numpy())
    tail.append(nn.Identity())  # named "3": the slice's "2" stays
    assert [n for n, _ in tail.named_children()] == ["1", "2", "3"]


def test_module_dict_behaves_like_a_dict():
    md = nn.ModuleDict()
    md["a"] = nn.Linear(1, 1)
    md.update({"b": nn.Tanh()})
    assert list(md) == ["a", "b"] and "a" in md and len(md) == 2
    assert [k for k, _ in md.items()] == list(md.keys())
    del md["a"]
    assert list(md) == ["b"] and list(md.state_dict()) == []
    with pytest.raises(KeyError, match=r"ModuleDict: no module 'a' \(keys: \['b'\]\)"):
        md["a"]
    with pytest.raises(KeyError, match="without '.'"):
        md["x.y"] = nn.Tanh()
    with pytest.raises(KeyError, match=r"cannot add a module named 'keys': it would hide "
                                       r"ModuleDict\.keys"):
        md["keys"] = nn.Tanh()
    with pytest.raises(KeyError, match="would hide Sequential.forward"):
        nn.Sequential(OrderedDict(forward=nn.Tanh()))
    with pytest.raises(TypeError, match="ModuleDict: 'c' is a int, not a Module"):
        md["c"] = 3


def test_apply_visits_children_before_parents_like_pytorch():
    inner = nn.Sequential(nn.Linear(2, 2))
    net = nn.Sequential(inner, nn.Tanh())
    seen = []
    assert net.apply(seen.append) is net
    assert seen == [inner[0], inner, net[1], net]


def test_apply_order_equals_pytorch_when_installed():
    torch = pytest.importorskip("torch")
    tn = torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(2, 2)), torch.nn.Tanh(),
                             torch.nn.ModuleList([torch.nn.Linear(1, 1)]))
    mn = nn.Sequential(nn.Sequential(nn.Linear(2, 2)), nn.Tanh(),
                       nn.ModuleList([nn.Linear(1, 1)]))
    t_order, m_order = [], []
    tn.apply(lambda m: t_order.append(type(m).__name__))
    mn.apply(lambda m: m_order.append(type(m).__name__))
    assert m_order == t_order


def test_apply_for_custom_initialisation():
    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    net = Heads().apply(init)
    assert all(not p.numpy().any() for n, p in net.named_parameters() if n.endswith("weight"))
