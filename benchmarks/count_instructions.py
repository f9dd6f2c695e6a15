"""Instructions per training step of a peer of rnn_peers.py, counted by callgrind.

On a shared machine a timing moves with whatever else runs; the number of instructions
a step executes does not (to a few parts in a thousand). This runs one peer for a few
steps and for more steps under ``valgrind --tool=callgrind`` (one thread) and prints
the difference per step, so start-up and imports cancel out. Instructions are not
time: BLAS code retires several per cycle, the interpreter fewer, so compare like with
like (two versions of the same peer) and let bench_rnn.py say how long steps take.
Needs valgrind (``apt install valgrind``).

    python benchmarks/count_instructions.py "rnn/minigrad sequence" ["rnn/hand NumPy" ...]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = (10, 40)


def _run_steps(peer: str, steps: int) -> None:
    """In the child under callgrind: build the peer, warm it up, run ``steps`` steps."""
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.dirname(HERE))
    import rnn_peers
    step = rnn_peers.PEERS[peer]()
    for _ in range(2 + steps):
        step()


def instructions(peer: str, steps: int) -> int:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           sys.executable, __file__, "--child", peer, str(steps)],
                          capture_output=True, text=True, env=env)
    found = re.search(r"Collected\s*:\s*(\d+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"count_instructions: {peer!r} failed under callgrind:\n"
                         f"{proc.stderr[-1500:]}")
    return int(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("peers", nargs="*", help="keys of rnn_peers.PEERS")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return _run_steps(args.child[0], int(args.child[1]))
    if shutil.which("valgrind") is None:
        raise SystemExit("count_instructions: needs valgrind (apt install valgrind)")
    few, many = STEPS
    for peer in args.peers or ["rnn/hand NumPy", "rnn/minigrad fused", "rnn/minigrad sequence"]:
        per_step = (instructions(peer, many) - instructions(peer, few)) / (many - few)
        print(f"{peer:28s} {per_step / 1e6:7.3f} M instructions per step")


if __name__ == "__main__":
    main()
