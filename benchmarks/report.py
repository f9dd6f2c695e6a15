"""Write benchmarks/RESULTS.md and the README's speed table from the JSON figures that
``make bench`` leaves in out/bench/ (bench_engine.py, bench_rnn.py with the default
and the tuned allocator, bench_scaling.py).

Every figure comes from those files; nothing here measures or adjusts a number. Each
target of the speed issue is checked against its measured ratio and reported as met,
or missed by how much. The analysis of where the time goes is hand-written in
``benchmarks/analysis.md`` (with the commands that measure it) and appended as it is.

    python benchmarks/report.py [out/bench] [--results benchmarks/RESULTS.md] [--readme README.md]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BEGIN, END = "<!-- speed table: benchmarks/report.py -->", "<!-- end of speed table -->"
FILES = ("engine", "rnn", "rnn_tuned", "scaling")


def load(folder: str) -> dict:
    figures = {}
    for name in FILES:
        path = os.path.join(folder, f"{name}.json")
        if not os.path.exists(path):
            raise SystemExit(f"report.py: {path} is missing; run `make bench` first")
        with open(path) as f:
            figures[name] = json.load(f)
    return figures


def _x(v) -> str:
    return "skipped" if v is None else f"{v:.2f}x"


def _vs(ratio, peer: str) -> str:
    return "skipped" if ratio is None else f"{ratio:.2f}x {peer}"


def _verdict(ratio, limit: float, below: bool = False) -> str:
    """'met' or 'missed by N%': ratio against the target limit (<=, or < with below)."""
    if ratio is None:
        return "not measured (peer not installed)"
    ok = ratio < limit if below else ratio <= limit
    return "met" if ok else f"missed by {(ratio / limit - 1) * 100:.0f}%"


def targets(f: dict) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each of the issue's targets."""
    eng, lstm, rnn = f["engine"]["rnn"], f["rnn"]["lstm"], f["rnn"]["rnn"]
    both = None
    if eng["torch"]:
        both = (sum(eng["minigrad"].values())) / sum(eng["torch"].values())
    by_t = f["scaling"]["minigrad fused"]["by_T"]
    linear = by_t[-1]["ms_per_t"] / by_t[0]["ms_per_t"]
    rows = [r for d in f["scaling"]["minigrad fused"].values() for r in d]
    mem = max(r["memory_ratio"] for r in rows)
    per_step = [r["peak_mb"] / r["steps"] for r in f["scaling"]["rnn"]]
    return [
        ("10,000-step tanh RNN from primitive ops, forward + backward <= PyTorch",
         _vs(both, "PyTorch"), _verdict(both, 1.0)),
        ("LSTM LM step, fused, <= 1.05x hand NumPy (glibc's default malloc)",
         _vs(lstm["fused/hand"], "hand NumPy"), _verdict(lstm["fused/hand"], 1.05)),
        ("LSTM LM step, fused, below PyTorch's LSTMCell loop (default malloc)",
         _vs(lstm["fused/LSTMCell loop"], "LSTMCell loop"),
         _verdict(lstm["fused/LSTMCell loop"], 1.0, below=True)),
        ("for reference, not a target: the same with --tuned-malloc (the hand loop no "
         "longer page-faults)", _vs(f["rnn_tuned"]["lstm"]["fused/hand"], "hand NumPy"), "-"),
        ("min-char-rnn step, one node per step (fused=True), <= 1.5x hand NumPy",
         _vs(rnn["fused/hand"], "hand NumPy"), _verdict(rnn["fused/hand"], 1.5)),
        ('min-char-rnn step, one node per sequence (fused="sequence"), <= 1.5x hand NumPy',
         _vs(rnn.get("sequence/hand"), "hand NumPy"), _verdict(rnn.get("sequence/hand"), 1.5)),
        ("stretch: LSTM LM step, fused, <= 2x nn.LSTM",
         _vs(lstm["fused/nn.LSTM"], "nn.LSTM"), _verdict(lstm["fused/nn.LSTM"], 2.0)),
        (f"time linear in T ({by_t[0]['T']} to {by_t[-1]['T']}): ms per time step at the "
         "longest over the shortest <= 1.25", f"{linear:.2f}", _verdict(linear, 1.25)),
        ("peak memory of a training step <= 1.5x the activations BPTT keeps (worst config)",
         f"{mem:.2f}", _verdict(mem, 1.5)),
        ("50,000-step unrolled RNN: memory per step as at 10,000 (within 1.25x)",
         f"{per_step[-1] / per_step[0]:.2f}", _verdict(per_step[-1] / per_step[0], 1.25)),
    ]


def _peer_table(block: dict, base: str) -> list[str]:
    lines = [f"| peer | ms per step | / {base} | page faults per step | first loss |",
             "|---|---|---|---|---|"]
    b = block["peers"].get(base, {}).get("ms")
    for name, r in block["peers"].items():
        ratio = f"{r['ms'] / b:.2f}x" if b else "-"
        lines.append(f"| {name} | {r['ms']:.2f} | {ratio} | {r['faults']:.0f} | "
                     f"{r['loss']:.5f} |")
    return lines


def engine_section(e: dict) -> list[str]:
    c, s, r = e["chain"], e["small_ops"], e["rnn"]
    t = c["torch"]
    out = ["## The engine (`bench_engine.py`)", "",
           "| benchmark | minigrad | PyTorch | minigrad / PyTorch |", "|---|---|---|---|",
           f"| per-op overhead, 10,000-op chain, fwd+bwd (us/op; bare NumPy "
           f"{c['numpy']:.2f}, no graph) | {c['minigrad']:.2f} | "
           f"{t if t is None else f'{t:.2f}'} | {_x(t and c['minigrad'] / t)} |"]
    for name, us in s["minigrad"].items():
        th = s["torch"] and s["torch"][name]
        out.append(f"| {name}, in a 2,000-op chain, fwd+bwd (us/op) | {us:.2f} | "
                   f"{'skipped' if th is None else f'{th:.2f}'} | {_x(th and us / th)} |")
    m, th = r["minigrad"], r["torch"]
    for part in ("forward", "backward"):
        out.append(f"| 10,000-step tanh RNN (B 1, H 32), {part} (s) | {m[part]:.3f} | "
                   f"{'skipped' if th is None else f'{th[part]:.3f}'} | "
                   f"{_x(th and m[part] / th[part])} |")
    both, tboth = sum(m.values()), th and sum(th.values())
    out.append(f"| same, forward + backward (s) | {both:.3f} | "
               f"{'skipped' if th is None else f'{tboth:.3f}'} | {_x(th and both / tboth)} |")
    return out + [""]


def rnn_section(f: dict) -> list[str]:
    out = ["## Training steps (`bench_rnn.py`)", ""]
    for key, title in (("rnn", "glibc's default malloc (the row the targets apply to)"),
                       ("rnn_tuned", "`--tuned-malloc` (glibc's mmap and trim thresholds "
                                     "raised for every peer)")):
        d = f[key]
        out += [f"### {title}", "",
                f"LSTM LM step (V96 E64 H256 B32 T64, mean CE, SGD); "
                f"{d['lstm']['gflop']:.2f} GFLOP of matmuls per step, "
                f"{d['lstm']['matmul_ms']:.1f} ms at the {d['lstm']['matmul_gflops']:.0f} GFLOP/s "
                "NumPy reaches on these shapes:", ""]
        out += _peer_table(d["lstm"], "hand NumPy") + [""]
        out += ["min-char-rnn step (V96 H100 B1 T25, one-hot, summed CE, clip 5, Adagrad):", ""]
        out += _peer_table(d["rnn"], "hand NumPy") + [""]
    return out


def scaling_section(s: dict) -> list[str]:
    out = ["## Scaling (`bench_scaling.py`)", "",
           "Peak: the most traced memory (NumPy buffers and Python objects) alive during one "
           "step beyond what the model and batch hold; BPTT keeps: T x B x (7H + E + V) "
           "floats (gates, c, tanh c, h, embeddings, probabilities).", ""]
    for peer in ("minigrad fused", "hand NumPy"):
        out += [f"| {peer} | T | H | ms per step | ms per time step | peak MB | "
                "BPTT keeps MB | peak / kept |", "|---|---|---|---|---|---|---|---|"]
        for axis in ("by_T", "by_H"):
            for r in s[peer][axis]:
                out.append(f"| {axis.replace('_', ' ')} | {r['T']} | {r['H']} | {r['ms']:.1f} | "
                           f"{r['ms_per_t']:.3f} | {r['peak_mb']:.1f} | {r['must_keep_mb']:.1f} | "
                           f"{r['memory_ratio']:.2f} |")
        out.append("")
    out += ["| tanh RNN from primitive ops (B 1, H 32) | s fwd+bwd | us per step | peak MB | "
            "KB per step |", "|---|---|---|---|---|"]
    for r in s["rnn"]:
        out.append(f"| {r['steps']:,} steps | {r['s']:.2f} | {r['s'] / r['steps'] * 1e6:.1f} | "
                   f"{r['peak_mb']:.1f} | {r['peak_mb'] * 1024 / r['steps']:.2f} |")
    return out + [""]


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def readme_table(f: dict) -> list[str]:
    """The README's short table: the targets, the measured ratio and the verdict."""
    lines = [BEGIN, "", f"Measured {f['when']} ({f['machine']}); all figures and the "
             "profile of each miss in `benchmarks/RESULTS.md`.", "",
             "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {v} |" for t, m, v in targets(f)]
    return lines + ["", END]


def replace_between(text: str, new: list[str]) -> str:
    if BEGIN not in text or END not in text:
        raise SystemExit(f"report.py: the README has no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    return head + "\n".join(new) + rest.split(END, 1)[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", nargs="?", default=os.path.join(ROOT, "out", "bench"))
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    args = ap.parse_args()
    f = load(args.folder)
    if any(f[k].get("quick") for k in FILES):
        print("report.py: these figures come from --quick runs (smoke runs); "
              "RESULTS.md says so", file=sys.stderr)
    f["when"] = datetime.fromtimestamp(os.path.getmtime(
        os.path.join(args.folder, "scaling.json")), timezone.utc).strftime("%Y-%m-%d")
    f["machine"] = machine()
    e = f["engine"]
    head = ["# Benchmark results", "",
            "Generated by `benchmarks/report.py` from the figures `make bench` wrote; do not "
            "edit by hand.", "",
            f"- measured: {f['when']}, on {f['machine']}",
            f"- Python {platform.python_version()}, NumPy {e['numpy']}, PyTorch "
            + ("installed" if e["torch"] else "not installed (its peers skipped)"),
            f"- BLAS threads: {e['threads']}; float32; each peer in its own process; medians "
            "of repeated runs (bench_rnn.py: the best of its rounds of a median)",
            "- command: `make bench` (runs the four scripts with `--json out/bench/...`, then "
            "this report)"
            + (" **from --quick smoke runs**" if any(f[k].get("quick") for k in FILES) else ""),
            "", "## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    head += [f"| {t} | {m} | {v} |" for t, m, v in targets(f)] + [""]
    body = head + engine_section(e) + rnn_section(f) + scaling_section(f["scaling"])
    with open(os.path.join(HERE, "analysis.md")) as fh:
        body += [fh.read().rstrip(), ""]
    with open(args.results, "w") as fh:
        fh.write("\n".join(body))
    with open(args.readme) as fh:
        readme = fh.read()
    with open(args.readme, "w") as fh:
        fh.write(replace_between(readme, readme_table(f)))
    print(f"wrote {args.results} and the speed table of {args.readme}")


if __name__ == "__main__":
    main()
