"""RNN / LSTM / GRU and their cells against PyTorch in float64: outputs, final states
and every gradient (input, initial states, all parameters) to 1e-8, with PyTorch's
weights loaded through load_state_dict."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

T, B, F, H = 5, 3, 4, 6
ATOL = 1e-8
PAIRS = {"RNN": (mg.nn.RNN, torch.nn.RNN), "LSTM": (mg.nn.LSTM, torch.nn.LSTM),
         "GRU": (mg.nn.GRU, torch.nn.GRU)}
CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(bias=False),
    dict(batch_first=True, init=False),
    dict(num_layers=2, bidirectional=True, init=False),
]


def _close(a, b, what):
    np.testing.assert_allclose(np.asarray(a), b.detach().numpy(), rtol=0, atol=ATOL,
                               err_msg=what)


def _flat(state):
    return list(state) if isinstance(state, tuple) else [state]


def _close_gradients(ours, theirs, inputs):
    """The gradients of every (ours, theirs) input pair and of every parameter agree."""
    for a, b in inputs:
        _close(a.grad.numpy(), b.grad, "input or initial state gradient")
    ours_params = dict(ours.named_parameters())
    for k, p in theirs.named_parameters():
        _close(ours_params[k].grad.numpy(), p.grad, f"gradient of {k}")


def _compare_layer(name, cfg, fused, nonlinearity=None, lengths=None):
    cfg = dict(cfg)
    init = cfg.pop("init", True)
    if nonlinearity:
        cfg["nonlinearity"] = nonlinearity
    ours_cls, theirs_cls = PAIRS[name]
    torch.manual_seed(0)
    theirs = theirs_cls(F, H, **cfg).double()
    ours = ours_cls(F, H, **cfg, dtype="float64", fused=fused)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    d = (2 if cfg.get("bidirectional") else 1) * cfg.get("num_layers", 1)
    xs = rng.standard_normal((B, T, F) if cfg.get("batch_first") else (T, B, F))
    x_t, x_m = torch.tensor(xs, requires_grad=True), mg.tensor(xs, requires_grad=True)
    states = [rng.standard_normal((d, B, H)) for _ in range(2 if name == "LSTM" else 1)]
    s_t = [torch.tensor(s, requires_grad=True) for s in states]
    s_m = [mg.tensor(s, requires_grad=True) for s in states]
    arg_t = (tuple(s_t) if name == "LSTM" else s_t[0]) if init else None
    arg_m = (tuple(s_m) if name == "LSTM" else s_m[0]) if init else None
    out_t, st_t = theirs(x_t, arg_t)
    out_m, st_m = ours(x_m, arg_m)
    w_out = rng.standard_normal(out_t.shape)
    w_st = [rng.standard_normal(s.shape) for s in _flat(st_t)]
    loss_t = (out_t * torch.tensor(w_out)).sum() + sum(
        (s * torch.tensor(w)).sum() for s, w in zip(_flat(st_t), w_st))
    loss_m = (out_m * mg.tensor(w_out)).sum() + sum(
        (s * mg.tensor(w)).sum() for s, w in zip(_flat(st_m), w_st))
    loss_t.backward()
    loss_m.backward()
    _close(out_m.numpy(), out_t, "output")
    for a, b in zip(_flat(st_m), _flat(st_t)):
        _close(a.numpy(), b, "final state")
    _close_gradients(ours, theirs, [(x_m, x_t)] + (list(zip(s_m, s_t)) if init else []))


@pytest.mark.parametrize("fused", [True, False, "sequence"],
                         ids=["fused", "composite", "sequence"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in
                                                                 c.items()) or "default")
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_layer_matches_torch(name, cfg, fused):
    _compare_layer(name, cfg, fused)


@pytest.mark.parametrize("fused", [True, False, "sequence"],
                         ids=["fused", "composite", "sequence"])
def test_relu_rnn_matches_torch(fused):
    _compare_layer("RNN", dict(num_layers=2, bidirectional=True), fused, nonlinearity="relu")


@pytest.mark.parametrize("fused", [True, False, "sequence"],
                         ids=["fused", "composite", "sequence"])
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_lengths_match_packed_sequences(name, fused):
    """lengths= gives PyTorch's pack_padded_sequence numbers (padded output zeros)."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    ours_cls, theirs_cls = PAIRS[name]
    torch.manual_seed(0)
    theirs = theirs_cls(F, H, num_layers=2, bidirectional=True).double()
    ours = ours_cls(F, H, num_layers=2, bidirectional=True, dtype="float64", fused=fused)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    lengths = [3, 5, 1]
    xs = np.random.default_rng(2).standard_normal((T, B, F))
    x_t, x_m = torch.tensor(xs, requires_grad=True), mg.tensor(xs, requires_grad=True)
    packed = pack_padded_sequence(x_t, torch.tensor(lengths), enforce_sorted=False)
    out_p, st_t = theirs(packed)
    out_t, _ = pad_packed_sequence(out_p, total_length=T)
    out_m, st_m = ours(x_m, lengths=lengths)
    _close(out_m.numpy(), out_t, "output")
    for a, b in zip(_flat(st_m), _flat(st_t)):
        _close(a.numpy(), b, "final state")
    w = np.random.default_rng(3).standard_normal(out_t.shape)
    ((out_t * torch.tensor(w)).sum() + _flat(st_t)[0].sum()).backward()
    ((out_m * mg.tensor(w)).sum() + _flat(st_m)[0].sum()).backward()
    _close(x_m.grad.numpy(), x_t.grad, "input gradient")
    ours_params = dict(ours.named_parameters())
    for k, p in theirs.named_parameters():
        _close(ours_params[k].grad.numpy(), p.grad, f"gradient of {k}")


CELLS = {"RNNCell": (mg.nn.RNNCell, torch.nn.RNNCell),
         "RNNCell-relu": (mg.nn.RNNCell, torch.nn.RNNCell),
         "LSTMCell": (mg.nn.LSTMCell, torch.nn.LSTMCell),
         "GRUCell": (mg.nn.GRUCell, torch.nn.GRUCell)}


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composite"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("init", [True, False])
@pytest.mark.parametrize("name", list(CELLS))
def test_cell_matches_torch(name, init, bias, fused):
    ours_cls, theirs_cls = CELLS[name]
    kw = {"nonlinearity": "relu"} if name.endswith("relu") else {}
    torch.manual_seed(0)
    theirs = theirs_cls(F, H, bias=bias, **kw).double()
    ours = ours_cls(F, H, bias=bias, **kw, dtype="float64", fused=fused)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(4)
    xs = rng.standard_normal((B, F))
    x_t, x_m = torch.tensor(xs, requires_grad=True), mg.tensor(xs, requires_grad=True)
    lstm = name == "LSTMCell"
    states = [rng.standard_normal((B, H)) for _ in range(2 if lstm else 1)]
    s_t = [torch.tensor(s, requires_grad=True) for s in states]
    s_m = [mg.tensor(s, requires_grad=True) for s in states]
    if init:
        out_t = theirs(x_t, tuple(s_t) if lstm else s_t[0])
        out_m = ours(x_m, tuple(s_m) if lstm else s_m[0])
    else:
        out_t, out_m = theirs(x_t), ours(x_m)
    ws = [rng.standard_normal((B, H)) for _ in _flat(out_t)]
    sum((o * torch.tensor(w)).sum() for o, w in zip(_flat(out_t), ws)).backward()
    sum((o * mg.tensor(w)).sum() for o, w in zip(_flat(out_m), ws)).backward()
    for a, b in zip(_flat(out_m), _flat(out_t)):
        _close(a.numpy(), b, "output")
    _close_gradients(ours, theirs, [(x_m, x_t)] + (list(zip(s_m, s_t)) if init else []))


def test_cell_unbatched_matches_torch():
    torch.manual_seed(0)
    theirs = torch.nn.GRUCell(F, H).double()
    ours = mg.nn.GRUCell(F, H, dtype="float64")
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    xs = np.random.default_rng(5).standard_normal(F)
    _close(ours(mg.tensor(xs)).numpy(), theirs(torch.tensor(xs)), "unbatched output")
