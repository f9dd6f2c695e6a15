"""minigrad.torch: PyTorch's names and module paths over minigrad's own objects."""
import importlib

import numpy as np
import pytest

import minigrad as mg
import minigrad.torch as torch
import minigrad.torch.nn as nn
import minigrad.torch.nn.functional as F
import minigrad.torch.optim as optim


@pytest.mark.parametrize("path,name,expected", [
    ("minigrad.torch.nn.modules.rnn", "LSTM", mg.nn.LSTM),
    ("minigrad.torch.nn.modules.linear", "Linear", mg.nn.Linear),
    ("minigrad.torch.nn.modules.sparse", "Embedding", mg.nn.Embedding),
    ("minigrad.torch.nn.modules.loss", "NLLLoss", mg.nn.NLLLoss),
    ("minigrad.torch.nn.modules.activation", "LogSoftmax", mg.nn.LogSoftmax),
    ("minigrad.torch.nn.modules.container", "Sequential", mg.nn.Sequential),
    ("minigrad.torch.nn.modules.module", "Module", mg.nn.Module),
    ("minigrad.torch.nn.modules", "GRU", mg.nn.GRU),
    ("minigrad.torch.nn.parameter", "Parameter", mg.nn.Parameter),
    ("minigrad.torch.nn.utils.rnn", "pad_sequence", mg.nn.utils.rnn.pad_sequence),
    ("minigrad.torch.nn.utils", "clip_grad_norm_", mg.nn.utils.clip_grad_norm_),
    ("minigrad.torch.nn.init", "uniform_", mg.nn.init.uniform_),
    ("minigrad.torch.optim.lr_scheduler", "StepLR", mg.optim.lr_scheduler.StepLR),
    ("minigrad.torch.optim", "LBFGS", mg.optim.LBFGS),
])
def test_pytorchs_module_paths_hold_minigrads_objects(path, name, expected):
    assert getattr(importlib.import_module(path), name) is expected


def test_the_same_classes_not_copies():
    assert nn.LSTM is mg.nn.LSTM and F is mg.nn.functional and optim is mg.optim
    assert torch.no_grad is mg.no_grad and torch.cat is mg.cat


def test_legacy_types_and_dtypes():
    t = torch.LongTensor([1, 2, 3])
    assert t.dtype == torch.long == torch.int64 and isinstance(t, torch.LongTensor)
    assert isinstance(t, torch.Tensor) and not isinstance(t, torch.FloatTensor)
    assert isinstance(nn.Parameter(torch.zeros(1)), torch.Tensor)
    assert not isinstance(np.zeros(1), torch.Tensor)
    assert torch.Tensor([0]).dtype == torch.float32 and torch.FloatTensor(2, 3).shape == (2, 3)
    assert torch.DoubleTensor(np.ones(2, dtype=np.float32)).dtype == torch.double
    assert torch.zeros(2).type(torch.LongTensor).dtype == torch.long
    mg.set_default_dtype(mg.float64)
    try:
        assert torch.Tensor([0]).dtype == torch.float64 == torch.get_default_dtype()
    finally:
        mg.set_default_dtype(mg.float32)
    with pytest.raises(TypeError, match=r"FloatTensor\(\): give sizes"):
        torch.FloatTensor([1], [2])


def test_device_is_a_name_every_call_takes():
    d = torch.device("cpu")
    assert d == "cpu" and d.type == "cpu" and d.index is None and repr(d) == "device(type='cpu')"
    assert torch.device("cuda", 0) == "cuda:0" and torch.device("cuda:1").index == 1
    x = torch.zeros(2, device=d).to(d)
    assert x.device == d and nn.Linear(2, 2).to(d).weight.device == "cpu"
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type"):
        torch.device("mps")
    assert torch.cuda.is_available() == mg.cuda_available()
    assert torch.backends.mps.is_available() is False


def test_grad_switches():
    w = torch.ones(2, requires_grad=True)
    with torch.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert (w * 2).requires_grad
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)
    v = torch.autograd.Variable(torch.zeros(2), requires_grad=True)
    assert v.requires_grad and torch.is_tensor(v) and torch.numel(v) == 2


def test_creation_functions():
    torch.manual_seed(0)
    r = torch.randint(3, 7, (100,))
    assert r.dtype == torch.long and 3 <= int(r.min()) and int(r.max()) < 7
    assert torch.randint(5, (2, 2)).shape == (2, 2)
    assert sorted(torch.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    draws = torch.multinomial(torch.tensor([0.0, 1.0, 3.0]), 2000, replacement=True)
    counts = np.bincount(draws.numpy(), minlength=3)
    assert counts[0] == 0 and 0.2 < counts[1] / 2000 < 0.3
    assert torch.multinomial(torch.ones(2, 4), 1).shape == (2, 1)
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement"):
        torch.multinomial(torch.tensor([1.0, 1.0, 0.0]), 3)
    x = torch.ones(2, 3, dtype=torch.double)
    assert torch.zeros_like(x).dtype == torch.double and torch.full_like(x, 2).sum().item() == 12
    assert torch.empty(2, 2).shape == (2, 2) and torch.as_tensor(x) is x
    assert torch.max(x, 1)[1].tolist() == [0, 0] and torch.mm(x, x.t()).shape == (2, 2)


def test_data_loader_batches_and_shuffles():
    from minigrad.torch.utils.data import DataLoader, Dataset, TensorDataset
    xs, ys = torch.arange(10).reshape(5, 2), torch.tensor([0, 1, 0, 1, 1])
    loader = DataLoader(TensorDataset(xs, ys), batch_size=2)
    batches = list(loader)
    assert len(loader) == len(batches) == 3 and batches[-1][0].shape == (1, 2)
    assert batches[0][0].tolist() == [[0, 1], [2, 3]] and batches[0][1].tolist() == [0, 1]
    assert len(DataLoader(TensorDataset(xs, ys), batch_size=2, drop_last=True)) == 2
    torch.manual_seed(0)
    order = [int(b[1][0]) for b in DataLoader(TensorDataset(torch.arange(6), torch.arange(6)),
                                               batch_size=1, shuffle=True)]
    assert sorted(order) == list(range(6)) and order != list(range(6))

    class Words(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {"ids": torch.tensor([i, i]), "n": i, "word": "abc"[i]}

    batch = next(iter(DataLoader(Words(), batch_size=3)))
    assert batch["ids"].shape == (3, 2) and batch["n"].tolist() == [0, 1, 2]
    assert batch["word"] == ["a", "b", "c"]


def test_comparison_methods_and_bmm():
    pred, labels = torch.tensor([1, 0, 2]), torch.tensor([1, 1, 2])
    assert pred.eq(labels).sum().item() == 2 and (pred == labels).long().sum().item() == 2
    assert pred.ne(labels).tolist() == [False, True, False] and pred.gt(0).sum().item() == 2
    assert torch.bmm(torch.ones(2, 3, 4), torch.ones(2, 4, 5)).shape == (2, 3, 5)
    with pytest.raises(ValueError, match="bmm: expects two 3-D tensors"):
        torch.bmm(torch.ones(3, 4), torch.ones(4, 5))
