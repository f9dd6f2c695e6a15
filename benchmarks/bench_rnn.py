"""One training step of two recurrent models, minigrad against its peers, same run
(the peers' code is in rnn_peers.py; this file times them and prints the ratios).

1. Character LSTM language model: vocab 96, embedding 64, hidden 256, batch 32,
   64 steps; Embedding -> LSTM -> Linear, mean cross-entropy over all 2048 tokens,
   plain SGD, float32. Timed: forward + backward + update.
2. min-char-rnn-shaped vanilla RNN: vocab 96, batch 1, hidden 100, 25 steps,
   one-hot input, summed cross-entropy, gradient values clipped to [-5, 5], Adagrad.
   Besides the hoisted hand NumPy baseline, Karpathy's min-char-rnn code as published
   (per-step outer products, nothing hoisted) is timed for reference.

Peers: minigrad (fused cells, one node per step, the default; ``fused="sequence"``,
one node per layer direction; composite cells), PyTorch CPU
(nn.LSTM / nn.RNN, and a Python loop over nn.LSTMCell / per-step tensor ops) when
installed, and a hand-written NumPy forward + BPTT (one gate matmul per step; the
input projection and the weight gradients hoisted out of the time loop).

Threads: 2 (OMP_NUM_THREADS for NumPy's BLAS, torch.set_num_threads for PyTorch).
Each peer runs in its own child process, as in bench_engine.py: PyTorch's OpenMP
threads and OpenBLAS's threads spin-wait, and in one process on 2 cores they starve
each other (a 10-100x slowdown seen here), and importing torch leaves ~170k objects for
the garbage collector to rescan while minigrad builds graphs. Ratios compare medians
measured in this same run. Each peer also reports its minor page faults per step
(``getrusage``): a count that does not depend on what else the machine is doing.

Allocator: glibc's malloc as a library user gets it (the row the targets apply to).
``--tuned-malloc`` runs every peer with glibc's mmap and trim thresholds raised
(``MALLOC_ENV``), which spares code that frees big arrays every step the page faults
of getting them back.

    python benchmarks/bench_rnn.py [--quick] [--repeat N] [--rounds R] [--tuned-malloc]
                                   [--json out/bench/rnn.json]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ["OMP_NUM_THREADS"])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np

from figures import write_json
import rnn_peers
from rnn_peers import B, E, H, PEERS, T, V, RH, RT, RV

# ------------------------------------------------------------------ timing
def timed(step, repeat: int, warmup: int = 2) -> tuple[float, float, float]:
    """(median ms, loss of the first step, minor page faults per timed step): the first
    losses of all peers agree when they compute the same thing from the same weights
    and batch."""
    first = step()
    for _ in range(warmup - 1):
        step()
    runs = []
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        runs.append(time.perf_counter() - t0)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return statistics.median(runs) * 1e3, first, faults / repeat


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
    """Print one table; returns {peer: {"ms", "loss", "faults"}}."""
    found = dict(rows)
    print(title)
    if base_name not in found:
        print(f"  ({base_name} did not run: no ratios)")
    base = found.get(base_name, {"ms": float("nan")})["ms"]
    for name, r in rows:
        print(f"  {name:24s} {r['ms']:8.2f} ms   {r['ms'] / base:5.2f}x {base_name}"
              f"   {r['faults']:7.0f} page faults/step   (first loss {r['loss']:.5f})")
    return found


def ratio(d: dict, a: str, b: str):
    """a's median over b's, or None when either did not run."""
    return d[a]["ms"] / d[b]["ms"] if a in d and b in d else None


def measure(peer: str, repeat: int) -> None:
    """In a child process: time one peer, print {"ms": median, "loss": first loss}."""
    if "PyTorch" in peer:
        import torch  # optional, and only in this peer's own process
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        rnn_peers.torch = torch
    gc.collect()
    gc.freeze()
    if peer == "matmul":
        print(json.dumps({"rate": matmul_rate(repeat)}))
        return
    ms, loss, faults = timed(PEERS[peer](), repeat)
    print(json.dumps({"ms": ms, "loss": loss, "faults": faults}))


#: With ``--tuned-malloc``, for every peer: glibc's malloc then keeps freed memory
#: instead of handing blocks over 128 KiB straight back to mmap and trimming its heap,
#: so code that frees big temporaries each step does not page-fault them back in.
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
            if r is not None and (name not in best or r["ms"] < best[name]["ms"]):
                best[name] = r
    return [(name, best[name]) for name in names if name in best]


def _fmt(x) -> str:
    return "skipped" if x is None else f"{x:.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="few repeats (a smoke run)")
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--tuned-malloc", action="store_true",
                    help="raise glibc's mmap/trim thresholds for every peer (MALLOC_ENV)")
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--peer", choices=[*PEERS, "matmul"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    rep = args.repeat or (3 if args.quick else 15)
    rounds = args.rounds or (1 if args.quick else 3)
    env = MALLOC_ENV if args.tuned_malloc else {}
    if args.peer:
        return measure(args.peer, rep)
    has_torch = subprocess.run([sys.executable, "-c", "import torch"],
                               capture_output=True).returncode == 0
    malloc = "tuned (MALLOC_ENV)" if args.tuned_malloc else "glibc default"
    print(f"threads {os.environ['OMP_NUM_THREADS']}, float32; per peer the best of {rounds} "
          f"round(s) of a median of {rep} steps (x10 for the RNN), each in its own process; "
          f"numpy {np.__version__}; malloc {malloc}"
          + ("" if has_torch else "; torch not installed: its peers skipped"))
    out = {"threads": int(os.environ["OMP_NUM_THREADS"]), "malloc": malloc,
           "repeat": rep, "rounds": rounds, "quick": args.quick,
           "torch": has_torch, "numpy": np.__version__}
    names = ["hand NumPy", "minigrad fused", "minigrad sequence", "minigrad composite"]
    names += ["PyTorch nn.LSTM", "PyTorch LSTMCell loop"] if has_torch else []
    d = report(f"\nLSTM LM step (V{V} E{E} H{H} B{B} T{T}, mean CE, SGD)",
               table("lstm", names, rep, rounds, env), "hand NumPy")
    rate = run_peer("matmul", max(3, rep // 3), env)["rate"]
    gflop = lstm_flops() / 1e9
    lstm = {"peers": d, "gflop": gflop, "matmul_gflops": rate, "matmul_ms": gflop / rate * 1e3,
            "fused/hand": ratio(d, "minigrad fused", "hand NumPy"),
            "sequence/hand": ratio(d, "minigrad sequence", "hand NumPy"),
            "composite/fused": ratio(d, "minigrad composite", "minigrad fused"),
            "fused/LSTMCell loop": ratio(d, "minigrad fused", "PyTorch LSTMCell loop"),
            "fused/nn.LSTM": ratio(d, "minigrad fused", "PyTorch nn.LSTM")}
    print(f"  fused / hand NumPy = {_fmt(lstm['fused/hand'])}, fused / PyTorch LSTMCell loop = "
          f"{_fmt(lstm['fused/LSTMCell loop'])}, fused / nn.LSTM = {_fmt(lstm['fused/nn.LSTM'])}"
          f", composite / fused = {_fmt(lstm['composite/fused'])}")
    print(f"  matmuls: {gflop:.2f} GFLOP per step; NumPy does these shapes at "
          f"{rate:.0f} GFLOP/s -> {lstm['matmul_ms']:.1f} ms of matmul per step")

    names = ["hand NumPy", "NumPy min-char-rnn", "minigrad fused", "minigrad sequence",
             "minigrad composite"]
    names += ["PyTorch nn.RNN", "PyTorch per-step ops"] if has_torch else []
    d = report(f"\nmin-char-rnn step (V{RV} H{RH} B1 T{RT}, one-hot, summed CE, clip 5, "
               "Adagrad)", table("rnn", names, rep * 10, rounds, env), "hand NumPy")
    rnn = {"peers": d, "fused/hand": ratio(d, "minigrad fused", "hand NumPy"),
           "sequence/hand": ratio(d, "minigrad sequence", "hand NumPy"),
           "sequence/nn.RNN": ratio(d, "minigrad sequence", "PyTorch nn.RNN"),
           "composite/fused": ratio(d, "minigrad composite", "minigrad fused"),
           "fused/per-step ops": ratio(d, "minigrad fused", "PyTorch per-step ops"),
           "fused/nn.RNN": ratio(d, "minigrad fused", "PyTorch nn.RNN")}
    print(f"  sequence / hand NumPy = {_fmt(rnn['sequence/hand'])}, sequence / nn.RNN = "
          f"{_fmt(rnn['sequence/nn.RNN'])}")
    print(f"  fused / hand NumPy = {_fmt(rnn['fused/hand'])}, fused / PyTorch per-step ops = "
          f"{_fmt(rnn['fused/per-step ops'])}, fused / nn.RNN = {_fmt(rnn['fused/nn.RNN'])}"
          f", composite / fused = {_fmt(rnn['composite/fused'])}")
    if args.json:
        write_json(args.json, {**out, "lstm": lstm, "rnn": rnn})


if __name__ == "__main__":
    main()
