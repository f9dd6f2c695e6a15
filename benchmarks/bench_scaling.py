"""How one training step scales: time and peak memory against the sequence length T
and the hidden size H, and a 50,000-step unrolled RNN.

1. LSTM LM training step (as bench_rnn.py's: V96 E64 B32, mean CE, SGD; minigrad's
   fused cells) for T = 64, 256, 1024, 4096 at H = 256, and H = 128 ... 1024 at T = 64.
   Time: the median of a few steps after a warm-up; it should grow linearly in T (the
   ms per time step is printed, and its ratio to T = 64's). Peak memory: the most
   NumPy memory (``tracemalloc``) alive during one step beyond what the model and
   batch hold before training, against the activations a BPTT must keep:
   gates (4H), c, tanh(c) and h (3H) per row, the embeddings (E) and the softmax
   probabilities (V): T * B * (7H + E + V) floats. The hand-written NumPy BPTT of
   bench_rnn.py is measured the same way, for reference.
2. The tanh RNN of bench_engine.py (B 1, H 32, from primitive ops) unrolled for
   10,000 and 50,000 steps: forward + backward time and peak traced memory (Python
   objects and arrays), per step.

Every configuration runs in its own child process (a fresh allocator and garbage
collector); memory is measured in a run of its own, since tracing slows Python down.

    python benchmarks/bench_scaling.py [--quick] [--json out/bench/scaling.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ["OMP_NUM_THREADS"])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np

import rnn_peers
from figures import write_json

TS, HS = [64, 256, 1024, 4096], [128, 256, 512, 1024]
RNN_STEPS = [10_000, 50_000]


def lstm_step(peer: str, t: int, h: int):
    """bench_rnn.py's LSTM step at sequence length t and hidden size h."""
    rnn_peers.T, rnn_peers.H = t, h
    return rnn_peers.PEERS[f"lstm/{peer}"]()


def must_keep_mb(t: int, h: int) -> float:
    return t * rnn_peers.B * (7 * h + rnn_peers.E + rnn_peers.V) * 4 / 2**20


def time_lstm(peer: str, t: int, h: int, repeat: int) -> dict:
    step = lstm_step(peer, t, h)
    step()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        runs.append(time.perf_counter() - t0)
    return {"ms": statistics.median(runs) * 1e3}


def memory_lstm(peer: str, t: int, h: int, repeat: int) -> dict:
    tracemalloc.start()
    step = lstm_step(peer, t, h)          # weights, batch: what the model holds anyway
    before = tracemalloc.get_traced_memory()[0]
    step()                                # warm-up: fused layers keep their buffers
    tracemalloc.reset_peak()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"peak_mb": (peak - before) / 2**20, "must_keep_mb": must_keep_mb(t, h)}


def rnn_graph(steps: int):
    """bench_engine.py's primitive-op tanh RNN: forward + backward of ``steps`` steps."""
    import minigrad as mg
    rng = np.random.default_rng(0)
    xs = mg.tensor(rng.standard_normal((steps, 1, 8)).astype(np.float32)).unbind(0)
    wx = mg.tensor((rng.standard_normal((8, 32)) * 0.3).astype(np.float32), requires_grad=True)
    wh = mg.tensor((rng.standard_normal((32, 32)) * 0.3).astype(np.float32), requires_grad=True)
    b = mg.zeros(32, requires_grad=True)

    def run():
        h = mg.zeros(1, 32)
        for x in xs:
            h = mg.tanh(x @ wx + h @ wh + b)
        h.sum().backward()
    return run


def time_rnn(steps: int, repeat: int) -> dict:
    run = rnn_graph(steps)
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        runs.append(time.perf_counter() - t0)
    return {"s": statistics.median(runs)}


def memory_rnn(steps: int, repeat: int) -> dict:
    tracemalloc.start()
    run = rnn_graph(steps)
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"peak_mb": (peak - before) / 2**20}


KINDS = {"time_lstm": time_lstm, "memory_lstm": memory_lstm,
         "time_rnn": time_rnn, "memory_rnn": memory_rnn}


def child(kind: str, args: list, repeat: int) -> dict | None:
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps([kind, args]),
                           "--repeat", str(repeat)], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  ({kind} {args} failed: {proc.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def lstm_rows(peer: str, configs: list, repeat: int) -> list:
    rows = []
    for t, h in configs:
        r = child("time_lstm", [peer, t, h], max(1, repeat if t * h <= 256 * 256 else 1))
        m = child("memory_lstm", [peer, t, h], 1)
        if r is None or m is None:
            continue
        rows.append({"T": t, "H": h, **r, **m, "ms_per_t": r["ms"] / t,
                     "memory_ratio": m["peak_mb"] / m["must_keep_mb"]})
    return rows


def print_lstm(title: str, rows: list) -> None:
    print(title)
    base = rows[0]["ms_per_t"] if rows else 1
    for r in rows:
        print(f"  T {r['T']:5d}  H {r['H']:5d}  {r['ms']:9.1f} ms  {r['ms_per_t']:7.3f} ms/step"
              f" ({r['ms_per_t'] / base:4.2f}x the first)  peak {r['peak_mb']:8.1f} MB  "
              f"BPTT keeps {r['must_keep_mb']:7.1f} MB  ratio {r['memory_ratio']:4.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)
    if args.child:
        kind, cargs = json.loads(args.child)
        print(json.dumps(KINDS[kind](*cargs, repeat)))
        return
    ts, hs = (TS[:3], HS[:2]) if args.quick else (TS, HS)
    threads = int(os.environ["OMP_NUM_THREADS"])
    print(f"threads {threads}, float32, B {rnn_peers.B}, V {rnn_peers.V}, E {rnn_peers.E}; "
          f"medians of {repeat} steps (1 above T*H = 64*1024); each configuration in its "
          "own process")
    out: dict = {"threads": threads, "repeat": repeat, "quick": args.quick, "B": rnn_peers.B}
    for peer in ("minigrad fused", "hand NumPy"):
        by_t = lstm_rows(peer, [(t, 256) for t in ts], repeat)
        by_h = lstm_rows(peer, [(64, h) for h in hs], repeat)
        print_lstm(f"\nLSTM LM step, {peer}, T grows (H 256)", by_t)
        print_lstm(f"LSTM LM step, {peer}, H grows (T 64)", by_h)
        out[peer] = {"by_T": by_t, "by_H": by_h}
    print("\ntanh RNN from primitive ops (B 1, H 32), forward + backward")
    rnn = []
    for steps in RNN_STEPS:
        r, m = child("time_rnn", [steps], repeat), child("memory_rnn", [steps], 1)
        if r is None or m is None:
            continue
        rnn.append({"steps": steps, **r, **m})
        print(f"  {steps:6d} steps  {r['s']:6.2f} s  ({r['s'] / steps * 1e6:5.1f} us/step)  "
              f"peak {m['peak_mb']:7.1f} MB  ({m['peak_mb'] * 2**20 / steps / 1024:4.2f} KB/step)")
    out["rnn"] = rnn
    if args.json:
        write_json(args.json, out)


if __name__ == "__main__":
    main()
