"""Engine overhead, measured against peers in the same run.

1. Per-op overhead: forward + backward of a 10,000-op chain y = y * 1.0001 + 0.0001
   on a 1-element float32 tensor, in microseconds per op. Bare NumPy ufuncs on the
   same data give the floor (no graph at all).
2. The ops of a small RNN step, each alone in a chain of 2,000 (fwd + bwd, us per op):
   (1, 32) @ (32, 32), (1, 32) + (32,) (a broadcast bias) and tanh of (1, 32).
3. BPTT through a 10,000-step tanh RNN built from primitive ops (batch 1, hidden 32):
   h_t = tanh(x_t W_x + h_{t-1} W_h + b); seconds for forward, backward and both.

Each peer runs in a fresh process: importing torch creates ~170k Python objects that
the garbage collector then scans while minigrad builds its graph (a 3x slowdown that
says nothing about either engine), so no peer shares an interpreter with another.
Figures are medians of ``--repeat`` runs; the BLAS threads (OMP_NUM_THREADS, and
torch.set_num_threads for PyTorch) are printed.

    python benchmarks/bench_engine.py [--repeat 5] [--quick] [--json out/bench/engine.json]
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
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ["OMP_NUM_THREADS"])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np

import minigrad as mg
from figures import write_json

torch = None  # optional: imported only in the process that measures PyTorch

N_OPS = 10_000
N_SMALL = 2_000
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


def small_ops(lib) -> dict:
    """us per op (forward + backward) of each op of an RNN step, chained N_SMALL times."""
    rng = np.random.default_rng(0)
    w = lib.tensor((rng.standard_normal((HIDDEN, HIDDEN)) * 0.1).astype(np.float32),
                   requires_grad=True)
    b = lib.tensor(np.zeros(HIDDEN, np.float32), requires_grad=True)
    ops = {"matmul (1,32)@(32,32)": lambda h: h @ w, "add (1,32)+(32,)": lambda h: h + b,
           "tanh (1,32)": lambda h: lib.tanh(h)}
    out = {}
    for name, op in ops.items():
        h = lib.tensor(np.full((1, HIDDEN), 0.1, np.float32), requires_grad=True)
        t0 = time.perf_counter()
        y = h
        for _ in range(N_SMALL):
            y = op(y)
        y.sum().backward()
        out[name] = (time.perf_counter() - t0) / N_SMALL * 1e6
    return out


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
    if isinstance(runs[0], dict):
        return {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    if isinstance(runs[0], tuple):
        return tuple(statistics.median(r[i] for r in runs) for i in range(len(runs[0])))
    return statistics.median(runs)


PEERS = {"chain_minigrad": lambda: chain(mg), "chain_torch": lambda: chain(torch),
         "chain_numpy": chain_numpy,
         "small_minigrad": lambda: small_ops(mg), "small_torch": lambda: small_ops(torch),
         "rnn_minigrad": lambda: rnn(mg), "rnn_torch": lambda: rnn(torch)}


def measure(peer: str, repeat: int) -> None:
    """Run one peer in this (fresh) process and print its median as JSON."""
    global torch
    if peer.endswith("torch"):
        import torch as _torch  # optional, and only in this peer's own process
        torch = _torch
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    PEERS[peer]()  # warm-up: imports, first allocations
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
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--peer", choices=sorted(PEERS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    repeat = args.repeat or (2 if args.quick else 7)
    if args.peer:
        return measure(args.peer, repeat)
    has_torch = subprocess.run([sys.executable, "-c", "import torch"],
                               capture_output=True).returncode == 0
    threads = int(os.environ["OMP_NUM_THREADS"])
    out = {"threads": threads, "repeat": repeat, "quick": args.quick,
           "torch": has_torch, "numpy": np.__version__}
    torch_or = (lambda peer, r: run_peer(peer, r)) if has_torch else (lambda peer, r: None)
    skipped = "(not installed: skipped)"

    print(f"threads {threads}; medians of {repeat} runs, each peer in its own process")
    print(f"\nper-op overhead, {N_OPS}-op chain, forward+backward")
    ours, theirs = run_peer("chain_minigrad", repeat), torch_or("chain_torch", repeat)
    bare = run_peer("chain_numpy", repeat)
    out["chain"] = {"minigrad": ours, "torch": theirs, "numpy": bare}
    print(f"  minigrad      {ours:6.2f} us/op")
    print(f"  PyTorch CPU   {theirs:6.2f} us/op   minigrad/PyTorch = {ours / theirs:.2f}x"
          if theirs else f"  PyTorch CPU   {skipped}")
    print(f"  bare NumPy    {bare:6.2f} us/op   (forward only, no graph)")

    print(f"\nthe ops of an RNN step, each in a {N_SMALL}-op chain, forward+backward (us/op)")
    ours, theirs = run_peer("small_minigrad", repeat), torch_or("small_torch", repeat)
    out["small_ops"] = {"minigrad": ours, "torch": theirs}
    for name, us in ours.items():
        print(f"  {name:24s} minigrad {us:6.2f}   " + (
            f"PyTorch {theirs[name]:6.2f}   minigrad/PyTorch = {us / theirs[name]:.2f}x"
            if theirs else f"PyTorch {skipped}"))

    rep = max(1, repeat // 2)
    print(f"\n{STEPS}-step tanh RNN from primitive ops (batch 1, hidden {HIDDEN}, "
          f"median of {rep})")
    f, b = run_peer("rnn_minigrad", rep)
    print(f"  minigrad      forward {f:5.2f} s   backward {b:5.2f} s   both {f + b:5.2f} s")
    out["rnn"] = {"minigrad": {"forward": f, "backward": b}, "torch": None}
    theirs = torch_or("rnn_torch", rep)
    if theirs:
        tf, tb = theirs
        out["rnn"]["torch"] = {"forward": tf, "backward": tb}
        print(f"  PyTorch CPU   forward {tf:5.2f} s   backward {tb:5.2f} s   both {tf + tb:5.2f} s")
        print(f"  minigrad/PyTorch: forward {f / tf:.2f}x, backward {b / tb:.2f}x, "
              f"forward+backward {(f + b) / (tf + tb):.2f}x")
    else:
        print(f"  PyTorch CPU   {skipped}")
    if args.json:
        write_json(args.json, out)


if __name__ == "__main__":
    main()
