"""One training step of two recurrent models, minigrad against its peers, same run.

1. Character LSTM language model: vocab 96, embedding 64, hidden 256, batch 32,
   64 steps; Embedding -> LSTM -> Linear, mean cross-entropy over all 2048 tokens,
   plain SGD, float32. Timed: forward + backward + update.
2. min-char-rnn-shaped vanilla RNN: vocab 96, batch 1, hidden 100, 25 steps,
   one-hot input, summed cross-entropy, gradient values clipped to [-5, 5], Adagrad.
   Besides the hoisted hand NumPy baseline, Karpathy's min-char-rnn code as published
   (per-step outer products, nothing hoisted) is timed for reference.

Peers: minigrad (fused cells, the default, and composite cells), PyTorch CPU
(nn.LSTM / nn.RNN, and a Python loop over nn.LSTMCell / per-step tensor ops) when
installed, and a hand-written NumPy forward + BPTT (one gate matmul per step; the
input projection and the weight gradients hoisted out of the time loop).

Threads: 2 (OMP_NUM_THREADS for NumPy's BLAS, torch.set_num_threads for PyTorch).
Each peer runs in its own child process, as in bench_engine.py: PyTorch's OpenMP
threads and OpenBLAS's threads spin-wait, and in one process on 2 cores they starve
each other (a 10-100x slowdown seen here), and importing torch leaves ~170k objects for
the garbage collector to rescan while minigrad builds graphs. Ratios compare medians
measured in this same run.

    python benchmarks/bench_rnn.py [--quick] [--repeat N] [--rounds R] [--default-malloc]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ["OMP_NUM_THREADS"])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
import minigrad.optim  # noqa: E402,F401
from minigrad import nn  # noqa: E402

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


# ------------------------------------------------------------------ timing
def timed(step, repeat: int, warmup: int = 2) -> tuple[float, float]:
    """(median ms, loss of the first step): the first losses of all peers agree when
    they compute the same thing from the same weights and batch."""
    first = step()
    for _ in range(warmup - 1):
        step()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) * 1e3, first


def matmul_rate(repeat: int) -> float:
    """GFLOP/s of NumPy float32 matmuls of the LSTM step's shapes (same threads)."""
    rng = np.random.default_rng(0)
    h = rng.standard_normal((B, H)).astype(np.float32)
    w = rng.standard_normal((4 * H, H)).astype(np.float32)
    g = rng.standard_normal((B, 4 * H)).astype(np.float32)

    def three():
        for _ in range(T):
            h @ w.T
            g @ w
            g.T @ h
    ms = timed(three, repeat, 1)[0]
    return 3 * T * 2 * B * H * 4 * H / (ms * 1e-3) / 1e9


def lstm_flops() -> float:
    per_step = 3 * 2 * B * H * 4 * H                   # h W_hh^T, da W_hh, da^T h
    proj = 3 * 2 * T * B * E * 4 * H                   # x W_ih^T and its two gradients
    head = 3 * 2 * T * B * H * V                       # logits and their two gradients
    return T * per_step + proj + head


def report(title, rows, base_name):
    base = dict(rows)[base_name][0]
    print(title)
    for name, (ms, loss) in rows:
        print(f"  {name:24s} {ms:8.2f} ms   {ms / base:5.2f}x {base_name}"
              f"   (first loss {loss:.5f})")
    return {name: ms for name, (ms, _) in rows}


PEERS = {
    "lstm/hand NumPy": lambda: (lambda p=lstm_params(), ib=lm_batch():
                                numpy_lstm_step(p, *ib)),
    "lstm/minigrad fused": lambda: minigrad_lstm(True),
    "lstm/minigrad composite": lambda: minigrad_lstm(False),
    "lstm/PyTorch nn.LSTM": lambda: torch_lstm(False),
    "lstm/PyTorch LSTMCell loop": lambda: torch_lstm(True),
    "rnn/hand NumPy": numpy_rnn,
    "rnn/NumPy min-char-rnn": numpy_min_char_rnn,
    "rnn/minigrad fused": lambda: minigrad_rnn(True),
    "rnn/minigrad composite": lambda: minigrad_rnn(False),
    "rnn/PyTorch nn.RNN": lambda: torch_rnn(False),
    "rnn/PyTorch per-step ops": lambda: torch_rnn(True),
}


def measure(peer: str, repeat: int) -> None:
    """In a child process: time one peer, print {"ms": median, "loss": first loss}."""
    global torch
    if "PyTorch" in peer:
        import torch as _torch  # noqa: PLC0415
        torch = _torch
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    gc.collect()
    gc.freeze()
    if peer == "matmul":
        print(json.dumps({"rate": matmul_rate(repeat)}))
        return
    ms, loss = timed(PEERS[peer](), repeat)
    print(json.dumps({"ms": ms, "loss": loss}))


#: glibc's malloc hands every block over 128 KiB straight to mmap and back, so code that
#: allocates big temporaries each step (hand NumPy: ~40 ms instead of ~30 here) pays for
#: page faults, not arithmetic. All peers run with these settings (PyTorch has its own
#: caching allocator anyway); pass --default-malloc to see the difference.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


def run_peer(peer: str, repeat: int, env: dict | None = None) -> dict | None:
    proc = subprocess.run([sys.executable, __file__, "--peer", peer, "--repeat", str(repeat)],
                          capture_output=True, text=True, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(model: str, names: list[str], repeat: int, rounds: int, env: dict) -> list:
    """Peers take turns for ``rounds`` rounds; each keeps its lowest median (the run
    least disturbed by whatever else this shared machine was doing)."""
    best: dict = {}
    for _ in range(rounds):
        for name in names:
            r = run_peer(f"{model}/{name}", repeat, env)
            if r is not None and (name not in best or r["ms"] < best[name][0]):
                best[name] = (r["ms"], r["loss"])
    return [(name, best[name]) for name in names if name in best]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="few repeats (a smoke run)")
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--default-malloc", action="store_true",
                    help="leave glibc's malloc thresholds alone (see MALLOC_ENV)")
    ap.add_argument("--peer", choices=[*PEERS, "matmul"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    rep = args.repeat or (3 if args.quick else 15)
    rounds = args.rounds or (1 if args.quick else 3)
    env = {} if args.default_malloc else MALLOC_ENV
    if args.peer:
        return measure(args.peer, rep)
    has_torch = subprocess.run([sys.executable, "-c", "import torch"],
                               capture_output=True).returncode == 0
    print(f"threads {os.environ['OMP_NUM_THREADS']}, float32; per peer the best of {rounds} "
          f"round(s) of a median of {rep} steps (x10 for the RNN), each in its own process; "
          f"numpy {np.__version__}; malloc " + ("default" if args.default_malloc else
                                                 "without mmap/trim churn (see MALLOC_ENV)")
          + ("" if has_torch else "; torch not installed"))
    names = ["hand NumPy", "minigrad fused", "minigrad composite"]
    names += ["PyTorch nn.LSTM", "PyTorch LSTMCell loop"] if has_torch else []
    d = report(f"\nLSTM LM step (V{V} E{E} H{H} B{B} T{T}, mean CE, SGD)",
               table("lstm", names, rep, rounds, env), "hand NumPy")
    print(f"  composite / fused = {d['minigrad composite'] / d['minigrad fused']:.2f}x")
    if has_torch:
        print(f"  fused / PyTorch LSTMCell loop = "
              f"{d['minigrad fused'] / d['PyTorch LSTMCell loop']:.2f}x, "
              f"fused / nn.LSTM = {d['minigrad fused'] / d['PyTorch nn.LSTM']:.2f}x")
    rate = run_peer("matmul", max(3, rep // 3), env)["rate"]
    gflop = lstm_flops() / 1e9
    print(f"  matmuls: {gflop:.2f} GFLOP per step; NumPy does these shapes at "
          f"{rate:.0f} GFLOP/s -> {gflop / rate * 1e3:.1f} ms of matmul per step")

    names = ["hand NumPy", "NumPy min-char-rnn", "minigrad fused", "minigrad composite"]
    names += ["PyTorch nn.RNN", "PyTorch per-step ops"] if has_torch else []
    d = report(f"\nmin-char-rnn step (V{RV} H{RH} B1 T{RT}, one-hot, summed CE, clip 5, "
               "Adagrad)", table("rnn", names, rep * 10, rounds, env), "hand NumPy")
    print(f"  composite / fused = {d['minigrad composite'] / d['minigrad fused']:.2f}x")
    if has_torch:
        print(f"  fused / PyTorch per-step ops = "
              f"{d['minigrad fused'] / d['PyTorch per-step ops']:.2f}x, "
              f"fused / nn.RNN = {d['minigrad fused'] / d['PyTorch nn.RNN']:.2f}x")


if __name__ == "__main__":
    main()
