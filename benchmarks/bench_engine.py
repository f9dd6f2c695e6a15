"""Engine overhead, measured against peers in the same run.

1. Per-op overhead: forward + backward of a 10,000-op chain y = y * 1.0001 + 0.0001
   on a 1-element float32 tensor, in microseconds per op. Bare NumPy ufuncs on the
   same data give the floor (no graph at all).
2. BPTT through a 10,000-step tanh RNN built from primitive ops (batch 1, hidden 32):
   h_t = tanh(x_t W_x + h_{t-1} W_h + b); seconds for forward and for backward.

Each peer runs in a fresh process: importing torch creates ~170k Python objects that
the garbage collector then scans while minigrad builds its graph (a 3x slowdown that
says nothing about either engine), so no peer shares an interpreter with another.

    python benchmarks/bench_engine.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402

torch = None  # optional: imported only in the process that measures PyTorch

N_OPS = 10_000
STEPS, HIDDEN = 10_000, 32


def chain(lib) -> float:
    """The same code runs on minigrad and on torch: their surfaces match here."""
    x = lib.ones(1, dtype=lib.float32, requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(N_OPS // 2):
        y = y * 1.0001 + 0.0001
    y.sum().backward()
    return (time.perf_counter() - t0) / N_OPS * 1e6


def chain_numpy() -> float:
    y = np.ones(1, dtype=np.float32)
    t0 = time.perf_counter()
    for _ in range(N_OPS // 2):
        y = y * np.float32(1.0001) + np.float32(0.0001)
    return (time.perf_counter() - t0) / N_OPS * 1e6


def rnn_inputs():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((STEPS, 1, 8)).astype(np.float32)
    wx = (rng.standard_normal((8, HIDDEN)) * 0.3).astype(np.float32)
    wh = (rng.standard_normal((HIDDEN, HIDDEN)) * 0.3).astype(np.float32)
    return xs, wx, wh


def rnn(lib) -> tuple[float, float]:
    xs, wx, wh = rnn_inputs()
    Wx, Wh = lib.tensor(wx, requires_grad=True), lib.tensor(wh, requires_grad=True)
    b = lib.zeros(HIDDEN, requires_grad=True)
    steps = lib.tensor(xs).unbind(0)
    t0 = time.perf_counter()
    h = lib.zeros(1, HIDDEN)
    for x in steps:
        h = lib.tanh(x @ Wx + h @ Wh + b)
    loss = h.sum()
    t1 = time.perf_counter()
    loss.backward()
    return t1 - t0, time.perf_counter() - t1


def median(fn, repeat: int):
    runs = [fn() for _ in range(repeat)]
    if isinstance(runs[0], tuple):
        return tuple(statistics.median(r[i] for r in runs) for i in range(len(runs[0])))
    return statistics.median(runs)


PEERS = {"chain_minigrad": lambda: chain(mg), "chain_torch": lambda: chain(torch),
         "chain_numpy": chain_numpy,
         "rnn_minigrad": lambda: rnn(mg), "rnn_torch": lambda: rnn(torch)}


def measure(peer: str, repeat: int) -> None:
    """Run one peer in this (fresh) process and print its median as JSON."""
    global torch
    if peer.endswith("torch"):
        import torch as _torch  # optional, and only in this peer's own process
        torch = _torch
        torch.set_num_threads(2)
    print(json.dumps(median(PEERS[peer], repeat)))


def run_peer(peer: str, repeat: int):
    """Median of ``peer`` measured in a child process; None if it cannot run."""
    proc = subprocess.run([sys.executable, __file__, "--peer", peer, "--repeat", str(repeat)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--peer", choices=sorted(PEERS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer:
        return measure(args.peer, args.repeat)
    has_torch = subprocess.run([sys.executable, "-c", "import torch"],
                               capture_output=True).returncode == 0
    print(f"per-op overhead, {N_OPS}-op chain, forward+backward (median of {args.repeat}, "
          "each peer in its own process)")
    ours = run_peer("chain_minigrad", args.repeat)
    print(f"  minigrad      {ours:6.2f} us/op")
    if has_torch:
        theirs = run_peer("chain_torch", args.repeat)
        print(f"  PyTorch CPU   {theirs:6.2f} us/op   minigrad/PyTorch = {ours / theirs:.2f}x")
    else:
        print("  PyTorch CPU   (not installed)")
    print(f"  bare NumPy    {run_peer('chain_numpy', args.repeat):6.2f} us/op"
          "   (forward only, no graph)")

    rep = max(1, args.repeat // 2)
    print(f"\n{STEPS}-step tanh RNN from primitive ops (batch 1, hidden {HIDDEN}, median of {rep})")
    f, b = run_peer("rnn_minigrad", rep)
    print(f"  minigrad      forward {f:5.2f} s   backward {b:5.2f} s")
    if has_torch:
        tf, tb = run_peer("rnn_torch", rep)
        print(f"  PyTorch CPU   forward {tf:5.2f} s   backward {tb:5.2f} s   "
              f"backward ratio minigrad/PyTorch = {b / tb:.2f}x")


if __name__ == "__main__":
    main()
