"""The peers timed by bench_rnn.py: one training step of each model, written for
hand NumPy, minigrad (fused, sequence and composite cells) and PyTorch, from the same
weights and batch (their first losses agree). Each ``PEERS`` entry builds a step function.

PyTorch is imported by bench_rnn.py only in the child process that measures it, and set
here as ``torch``.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
import minigrad.optim
from minigrad import nn

torch = None  # imported only in the child processes that measure PyTorch

V, E, H, B, T = 96, 64, 256, 32, 64        # LSTM language model
RV, RH, RT = 96, 100, 25                   # min-char-rnn
LR = 0.1


def sigmoid(x):
    """Stable and fast: sigma(x) = (1 + tanh(x / 2)) / 2."""
    y = np.tanh(x * 0.5)
    y += 1
    y *= 0.5
    return y


def lstm_params(seed=0):
    rng = np.random.default_rng(seed)
    k = 1 / np.sqrt(H)
    u = lambda *s: rng.uniform(-k, k, s).astype(np.float32)  # noqa: E731
    return {"emb": rng.standard_normal((V, E)).astype(np.float32),
            "w_ih": u(4 * H, E), "w_hh": u(4 * H, H), "b_ih": u(4 * H), "b_hh": u(4 * H),
            "w_out": u(V, H), "b_out": u(V)}


def lm_batch(seed=1):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))


# ------------------------------------------------------------------ LSTM LM: hand NumPy
def numpy_lstm_step(p, ids, targets):
    """Forward + BPTT by hand, then SGD. One (B,H)x(H,4H) matmul per step each way."""
    x = p["emb"][ids]                                          # (T, B, E)
    xg = (x.reshape(T * B, E) @ p["w_ih"].T + (p["b_ih"] + p["b_hh"])).reshape(T, B, 4 * H)
    hs = np.zeros((T + 1, B, H), np.float32)                   # hs[t] = h_{t-1}
    cs = np.zeros((T + 1, B, H), np.float32)
    acts = np.empty((T, B, 4 * H), np.float32)
    tcs = np.empty((T, B, H), np.float32)
    w_hh = p["w_hh"]
    for t in range(T):
        a = hs[t] @ w_hh.T
        a += xg[t]
        a[:, :2 * H] = sigmoid(a[:, :2 * H])
        np.tanh(a[:, 2 * H:3 * H], out=a[:, 2 * H:3 * H])
        a[:, 3 * H:] = sigmoid(a[:, 3 * H:])
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        np.multiply(f, cs[t], out=cs[t + 1])
        cs[t + 1] += i * g
        np.tanh(cs[t + 1], out=tcs[t])
        np.multiply(o, tcs[t], out=hs[t + 1])
        acts[t] = a
    hout = hs[1:].reshape(T * B, H)
    logits = hout @ p["w_out"].T + p["b_out"]
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    prob = e / e.sum(axis=1, keepdims=True)
    n = T * B
    tflat = targets.reshape(-1)
    loss = -np.log(prob[np.arange(n), tflat]).mean()
    dlogits = prob
    dlogits[np.arange(n), tflat] -= 1
    dlogits /= n
    grads = {"w_out": dlogits.T @ hout, "b_out": dlogits.sum(0)}
    dhs = (dlogits @ p["w_out"]).reshape(T, B, H)
    da = np.empty((T, B, 4 * H), np.float32)
    dh_next = np.zeros((B, H), np.float32)
    dc_next = np.zeros((B, H), np.float32)
    for t in range(T - 1, -1, -1):
        a = acts[t]
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        dh = dhs[t] + dh_next
        tc = tcs[t]
        dc = dc_next + dh * o * (1 - tc * tc)
        d = da[t]
        d[:, :H] = dc * g * i * (1 - i)
        d[:, H:2 * H] = dc * cs[t] * f * (1 - f)
        d[:, 2 * H:3 * H] = dc * i * (1 - g * g)
        d[:, 3 * H:] = dh * tc * o * (1 - o)
        dh_next = d @ w_hh
        dc_next = dc * f
    da2 = da.reshape(T * B, 4 * H)
    grads["w_hh"] = da2.T @ hs[:-1].reshape(T * B, H)          # hoisted: one matmul
    grads["w_ih"] = da2.T @ x.reshape(T * B, E)
    grads["b_ih"] = grads["b_hh"] = da2.sum(0)
    gemb = np.zeros_like(p["emb"])
    np.add.at(gemb, ids.reshape(-1), (da2 @ p["w_ih"]))
    grads["emb"] = gemb
    for k, g_ in grads.items():
        p[k] -= LR * g_
    return float(loss)


# ------------------------------------------------------------------ LSTM LM: minigrad
def minigrad_lstm(fused):
    p = lstm_params()
    emb, lstm, head = nn.Embedding(V, E), nn.LSTM(E, H, fused=fused), nn.Linear(H, V)
    emb.load_state_dict({"weight": p["emb"]})
    lstm.load_state_dict({"weight_ih_l0": p["w_ih"], "weight_hh_l0": p["w_hh"],
                          "bias_ih_l0": p["b_ih"], "bias_hh_l0": p["b_hh"]})
    head.load_state_dict({"weight": p["w_out"], "bias": p["b_out"]})
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]
    opt = mg.optim.SGD(params, lr=LR)
    ids, targets = lm_batch()
    targets = targets.reshape(-1)

    def step():
        opt.zero_grad()
        out, _ = lstm(emb(ids))
        loss = F.cross_entropy(head(out.reshape(T * B, H)), targets)
        loss.backward()
        opt.step()
        return loss.item()
    return step


# ------------------------------------------------------------------ LSTM LM: PyTorch
def torch_lstm(cell_loop):
    p = {k: torch.tensor(v, requires_grad=True) for k, v in lstm_params().items()}
    ids, targets = (torch.tensor(a) for a in lm_batch())
    if cell_loop:
        m = torch.nn.LSTMCell(E, H)
    else:
        m = torch.nn.LSTM(E, H)
        m.load_state_dict({"weight_ih_l0": p["w_ih"], "weight_hh_l0": p["w_hh"],
                           "bias_ih_l0": p["b_ih"], "bias_hh_l0": p["b_hh"]})
    with torch.no_grad():
        for name, q in m.named_parameters():
            q.copy_(p[{"weight_ih": "w_ih", "weight_hh": "w_hh", "bias_ih": "b_ih",
                       "bias_hh": "b_hh"}[name.removesuffix("_l0")]])
    params = [p["emb"], *m.parameters(), p["w_out"], p["b_out"]]
    opt = torch.optim.SGD(params, lr=LR)

    def step():
        opt.zero_grad()
        x = p["emb"][ids]
        if cell_loop:
            h = c = torch.zeros(B, H)
            outs = []
            for t in range(T):
                h, c = m(x[t], (h, c))
                outs.append(h)
            out = torch.stack(outs)
        else:
            out, _ = m(x)
        logits = out.reshape(T * B, H) @ p["w_out"].T + p["b_out"]
        loss = torch.nn.functional.cross_entropy(logits, targets.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()
    return step


# ------------------------------------------------------------------ min-char-rnn
def rnn_params(seed=0):
    rng = np.random.default_rng(seed)
    return {"w_xh": (rng.standard_normal((RH, RV)) * 0.01).astype(np.float32),
            "w_hh": (rng.standard_normal((RH, RH)) * 0.01).astype(np.float32),
            "b_h": np.zeros(RH, np.float32),
            "w_hy": (rng.standard_normal((RV, RH)) * 0.01).astype(np.float32),
            "b_y": np.zeros(RV, np.float32)}


def rnn_batch(seed=1):
    rng = np.random.default_rng(seed)
    return rng.integers(0, RV, RT), rng.integers(0, RV, RT)


def numpy_rnn():
    p = rnn_params()
    mem = {k: np.zeros_like(v) for k, v in p.items()}
    ids, targets = rnn_batch()

    def step():
        xg = p["w_xh"][:, ids].T + p["b_h"]                    # one-hot @ W_xh^T: columns
        hs = np.zeros((RT + 1, RH), np.float32)
        for t in range(RT):
            hs[t + 1] = np.tanh(xg[t] + p["w_hh"] @ hs[t])
        logits = hs[1:] @ p["w_hy"].T + p["b_y"]
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        prob = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(prob[np.arange(RT), targets]).sum()
        dy = prob
        dy[np.arange(RT), targets] -= 1
        g = {"w_hy": dy.T @ hs[1:], "b_y": dy.sum(0)}
        dhs = dy @ p["w_hy"]
        da = np.empty((RT, RH), np.float32)
        dh_next = np.zeros(RH, np.float32)
        for t in range(RT - 1, -1, -1):
            da[t] = (dhs[t] + dh_next) * (1 - hs[t + 1] * hs[t + 1])
            dh_next = da[t] @ p["w_hh"]
        g["w_hh"] = da.T @ hs[:-1]
        g["b_h"] = da.sum(0)
        gx = np.zeros_like(p["w_xh"])
        np.add.at(gx.T, ids, da)
        g["w_xh"] = gx
        for k, d in g.items():
            np.clip(d, -5, 5, out=d)
            mem[k] += d * d
            p[k] -= LR * d / np.sqrt(mem[k] + 1e-8)
        return float(loss)
    return step


def numpy_min_char_rnn():
    """Karpathy's min-char-rnn lossFun as published: column vectors, dicts per step,
    per-step outer products for the weight gradients (nothing hoisted)."""
    p = rnn_params()
    wxh, whh, whb, why, by = (p["w_xh"], p["w_hh"], p["b_h"].reshape(-1, 1), p["w_hy"],
                              p["b_y"].reshape(-1, 1))
    params = [wxh, whh, whb, why, by]
    mem = [np.zeros_like(q) for q in params]
    ids, targets = rnn_batch()

    def step():
        xs, hs, ps = {}, {-1: np.zeros((RH, 1), np.float32)}, {}
        loss = 0.0
        for t in range(RT):
            xs[t] = np.zeros((RV, 1), np.float32)
            xs[t][ids[t]] = 1
            hs[t] = np.tanh(wxh @ xs[t] + whh @ hs[t - 1] + whb)
            ys = why @ hs[t] + by
            e = np.exp(ys - ys.max())
            ps[t] = e / e.sum()
            loss += -np.log(ps[t][targets[t], 0])
        grads = [np.zeros_like(q) for q in params]
        dwxh, dwhh, dbh, dwhy, dby = grads
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(RT)):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            dwhy += dy @ hs[t].T
            dby += dy
            dh = why.T @ dy + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dwxh += dhraw @ xs[t].T
            dwhh += dhraw @ hs[t - 1].T
            dhnext = whh.T @ dhraw
        for q, d, m in zip(params, grads, mem):
            np.clip(d, -5, 5, out=d)
            m += d * d
            q -= LR * d / np.sqrt(m + 1e-8)
        return float(loss)
    return step


def minigrad_rnn(fused):
    p = rnn_params()
    rnn, head = nn.RNN(RV, RH, fused=fused), nn.Linear(RH, RV)
    rnn.load_state_dict({"weight_ih_l0": p["w_xh"], "weight_hh_l0": p["w_hh"],
                         "bias_ih_l0": p["b_h"], "bias_hh_l0": np.zeros(RH, np.float32)})
    head.load_state_dict({"weight": p["w_hy"], "bias": p["b_y"]})
    params = [*rnn.parameters(), *head.parameters()]
    opt = mg.optim.Adagrad(params, lr=LR)
    ids, targets = rnn_batch()
    x = mg.one_hot(ids, RV).reshape(RT, 1, RV)

    def step():
        opt.zero_grad()
        out, _ = rnn(x)
        loss = F.cross_entropy(head(out.reshape(RT, RH)), targets, reduction="sum")
        loss.backward()
        mg.optim.clip_grad_value_(params, 5.0)
        opt.step()
        return loss.item()
    return step


def torch_rnn(per_step):
    p = {k: torch.tensor(v, requires_grad=True) for k, v in rnn_params().items()}
    ids, targets = (torch.tensor(a) for a in rnn_batch())
    x = torch.nn.functional.one_hot(ids, RV).float()
    if per_step:
        params = list(p.values())
    else:
        m = torch.nn.RNN(RV, RH)
        with torch.no_grad():
            m.weight_ih_l0.copy_(p["w_xh"])
            m.weight_hh_l0.copy_(p["w_hh"])
            m.bias_ih_l0.zero_()
            m.bias_hh_l0.zero_()
        params = [*m.parameters(), p["w_hy"], p["b_y"]]
    opt = torch.optim.Adagrad(params, lr=LR)

    def step():
        opt.zero_grad()
        if per_step:
            h = torch.zeros(1, RH)
            outs = []
            for t in range(RT):
                h = torch.tanh(x[t:t + 1] @ p["w_xh"].T + h @ p["w_hh"].T + p["b_h"])
                outs.append(h)
            out = torch.cat(outs)
        else:
            out, _ = m(x.reshape(RT, 1, RV))
            out = out.reshape(RT, RH)
        logits = out @ p["w_hy"].T + p["b_y"]
        loss = torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
        loss.backward()
        torch.nn.utils.clip_grad_value_(params, 5.0)
        opt.step()
        return loss.item()
    return step


PEERS = {
    "lstm/hand NumPy": lambda: (lambda p=lstm_params(), ib=lm_batch():
                                numpy_lstm_step(p, *ib)),
    "lstm/minigrad fused": lambda: minigrad_lstm(True),
    "lstm/minigrad composite": lambda: minigrad_lstm(False),
    "lstm/minigrad sequence": lambda: minigrad_lstm("sequence"),
    "lstm/PyTorch nn.LSTM": lambda: torch_lstm(False),
    "lstm/PyTorch LSTMCell loop": lambda: torch_lstm(True),
    "rnn/hand NumPy": numpy_rnn,
    "rnn/NumPy min-char-rnn": numpy_min_char_rnn,
    "rnn/minigrad fused": lambda: minigrad_rnn(True),
    "rnn/minigrad composite": lambda: minigrad_rnn(False),
    "rnn/minigrad sequence": lambda: minigrad_rnn("sequence"),
    "rnn/PyTorch nn.RNN": lambda: torch_rnn(False),
    "rnn/PyTorch per-step ops": lambda: torch_rnn(True),
}
