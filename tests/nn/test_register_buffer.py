"""Module buffers (register_buffer): state that is not learned, in state_dict after each
module's parameters (PyTorch's keys and order), loaded, moved by .to() / .double(),
kept by torch.save / torch.load and by to_torch / from_torch, never in parameters()."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.torch as mtorch


def _build(nn, lib):
    """The same model in either library: parameters and buffers of every kind."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("running_mean", lib.zeros(3))
            self.lin = nn.Linear(3, 3)
            self.register_buffer("steps", lib.tensor(0))           # an integer count
            self.register_buffer("mask", lib.ones(3), persistent=False)
            self.register_buffer("absent", None)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("scale", lib.full((2, 3), 0.5))
            self.block = Block()
            self.head = nn.Linear(3, 2)

    return Net()


def test_state_dict_has_pytorch_keys_in_pytorch_order():
    torch = pytest.importorskip("torch")
    ours, theirs = _build(mg.nn, mg), _build(torch.nn, torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "scale", "block.running_mean", "block.steps", "block.lin.weight", "block.lin.bias",
        "head.weight", "head.bias"]  # a module's own tensors before its children's
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_state_dict_round_trips_through_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _build(mg.nn, mg), _build(torch.nn, torch)
    ours.block.running_mean[1] = 2.5
    ours.block.steps += 7
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    assert theirs.block.steps.item() == 7 and theirs.block.running_mean[1].item() == 2.5
    with torch.no_grad():
        theirs.scale.mul_(3)
    back = _build(mg.nn, mg)
    back.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for (k, a), (k2, b) in zip(back.state_dict().items(), theirs.state_dict().items()):
        assert k == k2 and a.dtype == b.numpy().dtype
        np.testing.assert_array_equal(a, b.numpy())


def test_buffers_are_attributes_not_parameters():
    m = _build(mg.nn, mg)
    assert m.block.steps is dict(m.named_buffers())["block.steps"]
    assert m.block.absent is None and "block.absent" not in dict(m.named_buffers())
    assert not any(b is p for b in m.buffers() for p in m.parameters())
    assert len(list(m.parameters())) == 4 and len(list(m.buffers())) == 4
    assert [n for n, _ in m.block.named_buffers(recurse=False)] == ["running_mean", "steps",
                                                                    "mask"]
    m.block.absent = mg.ones(2)                 # a declared buffer takes a tensor
    assert "block.absent" in m.state_dict()
    m.block.running_mean = None                 # and None
    assert "block.running_mean" not in m.state_dict()
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'steps'"):
        m.block.steps = 3
    del m.block.mask
    assert "block.mask" not in dict(m.named_buffers())
    m.block.absent = mg.nn.Parameter(mg.ones(2))  # a Parameter now: no longer a buffer
    assert "block.absent" in dict(m.named_parameters())
    assert "block.absent" not in dict(m.named_buffers())


def test_to_and_double_move_floating_buffers_and_keep_integer_ones():
    m = _build(mg.nn, mg)
    m.double()
    assert m.scale.dtype == mg.float64 and m.block.mask.dtype == mg.float64
    assert m.block.steps.dtype == mg.int64
    m.to(mg.float32)
    assert m.block.running_mean.dtype == mg.float32 and m.block.steps.dtype == mg.int64
    m.float().to("cpu")
    assert m.scale.device == "cpu"


def test_load_state_dict_checks_buffers_like_parameters():
    m = _build(mg.nn, mg)
    state = m.state_dict()
    del state["block.steps"]
    with pytest.raises(KeyError, match=r"missing keys \['block.steps'\]"):
        m.load_state_dict(state)
    state = m.state_dict()
    state["block.running_mean"] = np.ones(4)
    with pytest.raises(ValueError, match=r"block.running_mean has shape \(4,\)"):
        m.load_state_dict(state)
    np.testing.assert_array_equal(m.block.running_mean.numpy(), np.zeros(3))  # unchanged
    state = m.state_dict()
    state["block.mask"] = np.zeros(3)   # non-persistent: not part of the state
    with pytest.raises(KeyError, match="unexpected keys"):
        m.load_state_dict(state)
    assert m.load_state_dict(state, strict=False).unexpected_keys == ["block.mask"]


class Counter(mtorch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = mtorch.nn.Linear(2, 2)
        self.register_buffer("seen", mtorch.zeros(2))
        self.register_buffer("window", mtorch.ones(2), persistent=False)


def test_torch_save_keeps_buffers_and_their_persistence(tmp_path):
    m = Counter()
    m.seen[0] = 4.0
    mtorch.save(m, tmp_path / "m.pt")
    back = mtorch.load(tmp_path / "m.pt", weights_only=False)
    np.testing.assert_array_equal(back.seen.numpy(), [4, 0])
    np.testing.assert_array_equal(back.window.numpy(), [1, 1])
    assert back.seen is back._buffers["seen"]
    assert list(back.state_dict()) == ["seen", "lin.weight", "lin.bias"]


def test_to_torch_and_from_torch_carry_buffers():
    torch = pytest.importorskip("torch")

    class TorchCounter(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 2)
            self.register_buffer("seen", torch.zeros(2))
            self.register_buffer("window", torch.ones(2), persistent=False)

    m = Counter()
    m.seen[1], m.window[0] = 3.0, 5.0
    theirs = mtorch.to_torch(m, TorchCounter())
    assert theirs.seen.tolist() == [0, 3] and theirs.window.tolist() == [5, 1]
    theirs.seen.add_(1)
    back = mtorch.from_torch(theirs, Counter())
    np.testing.assert_array_equal(back.seen.numpy(), [1, 4])
    np.testing.assert_array_equal(back.window.numpy(), [5, 1])
    np.testing.assert_array_equal(back.lin.weight.numpy(), m.lin.weight.numpy())
