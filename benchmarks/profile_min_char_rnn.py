"""Where the microseconds of a min-char-rnn training step go (bench_rnn.py's step).

Times each phase of minigrad's fused step (zero_grad, the RNN layer's forward, the
head, the loss, backward, clipping, Adagrad) over many steps in one process, then the
same layer forward and backward alone, under no_grad, and the NumPy calls one time
step makes written inline (matmul, add, tanh; their backward): the difference is the
cost of a graph node per time step. Not a peer comparison: bench_rnn.py does that.

    python benchmarks/profile_min_char_rnn.py [--steps 2000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import timeit

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ["OMP_NUM_THREADS"])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from rnn_peers import LR, RH, RT, RV, numpy_rnn, rnn_batch

PHASES = ("zero_grad", "RNN forward", "head", "loss", "backward", "clip", "Adagrad")


def phases(steps: int) -> dict:
    """us per training step spent in each phase (the loop of rnn_peers.minigrad_rnn)."""
    rnn, head = mg.nn.RNN(RV, RH, fused=True), mg.nn.Linear(RH, RV)
    params = [*rnn.parameters(), *head.parameters()]
    opt = mg.optim.Adagrad(params, lr=LR)
    ids, targets = rnn_batch()
    x = mg.one_hot(ids, RV).reshape(RT, 1, RV)
    spent = dict.fromkeys(PHASES, 0.0)
    for i in range(steps + 50):
        if i == 50:                                   # after a warm-up
            spent = dict.fromkeys(PHASES, 0.0)
        marks = [time.perf_counter()]
        opt.zero_grad()
        marks.append(time.perf_counter())
        out, _ = rnn(x)
        marks.append(time.perf_counter())
        logits = head(out.reshape(RT, RH))
        marks.append(time.perf_counter())
        loss = F.cross_entropy(logits, targets, reduction="sum")
        marks.append(time.perf_counter())
        loss.backward()
        marks.append(time.perf_counter())
        mg.optim.clip_grad_value_(params, 5.0)
        marks.append(time.perf_counter())
        opt.step()
        marks.append(time.perf_counter())
        for name, a, b in zip(PHASES, marks, marks[1:]):
            spent[name] += b - a
    return {k: v / steps * 1e6 for k, v in spent.items()}


def layer_alone(steps: int) -> dict:
    """us for the RNN layer's forward (with a graph, and under no_grad) and backward."""
    rnn = mg.nn.RNN(RV, RH, fused=True)
    x = mg.one_hot(rnn_batch()[0], RV).reshape(RT, 1, RV)
    fwd = bwd = 0.0
    for i in range(steps + 50):
        t0 = time.perf_counter()
        out, _ = rnn(x)
        t1 = time.perf_counter()
        out.sum().backward()
        if i >= 50:
            fwd, bwd = fwd + t1 - t0, bwd + time.perf_counter() - t1
    with mg.no_grad():
        t0 = time.perf_counter()
        for _ in range(steps):
            rnn(x)
        bare = time.perf_counter() - t0
    return {"forward": fwd / steps * 1e6, "backward": bwd / steps * 1e6,
            "forward, no_grad": bare / steps * 1e6}


def numpy_time_step(n: int = 20_000) -> dict:
    """us of one time step's NumPy calls written inline: the arithmetic floor."""
    rng = np.random.default_rng(0)
    h, xg = (rng.standard_normal((1, RH)).astype(np.float32) for _ in range(2))
    w = rng.standard_normal((RH, RH)).astype(np.float32)
    a = np.empty((1, RH), np.float32)

    def forward():
        np.matmul(h, w.T, out=a)
        a.__iadd__(xg)
        np.tanh(a, out=a)

    def backward():
        da = h * (1 - a * a)
        return da @ w
    return {"forward": timeit.timeit(forward, number=n) / n * 1e6,
            "backward": timeit.timeit(backward, number=n) / n * 1e6}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    p = phases(args.steps)
    hand = numpy_rnn()
    hand()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        hand()
    hand_us = (time.perf_counter() - t0) / args.steps * 1e6
    print(f"min-char-rnn step (V{RV} H{RH} B1 T{RT}), threads {os.environ['OMP_NUM_THREADS']}: "
          f"minigrad fused {sum(p.values()):.0f} us, hand NumPy {hand_us:.0f} us")
    for name, us in p.items():
        print(f"  {name:12s} {us:7.1f} us")
    layer, floor = layer_alone(args.steps), numpy_time_step()
    print(f"the RNN layer alone, {RT} time steps:")
    for name, us in layer.items():
        print(f"  {name:17s} {us:7.1f} us  ({us / RT:5.2f} us per time step)")
    print("one time step's NumPy calls written inline: "
          f"forward {floor['forward']:.2f} us, backward {floor['backward']:.2f} us")
    node = (layer["forward"] + layer["backward"]) / RT - floor["forward"] - floor["backward"]
    print(f"=> a graph node per time step costs ~{node:.1f} us beyond its arithmetic "
          f"(forward + backward), {node * RT:.0f} us of the {sum(p.values()):.0f} us step")


if __name__ == "__main__":
    main()
