"""The benchmarks run and their report says what they measured. No timing is asserted:
the figures are whatever this machine gives; what is checked is that every script runs
in its quick mode, writes its JSON, and that report.py turns exactly those figures into
RESULTS.md and the README's table (ratios recomputed here from the JSON)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks")
sys.path.insert(0, BENCH)

import report  # noqa: E402


def _run(script, *args):
    env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, os.path.join(BENCH, script), *args], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.slow
def test_every_benchmark_runs_quick_and_the_report_is_made_of_its_figures(tmp_path):
    out = tmp_path / "bench"
    printed = _run("bench_engine.py", "--quick", "--json", str(out / "engine.json"))
    assert "minigrad" in printed and "threads 1" in printed
    _run("bench_rnn.py", "--quick", "--repeat", "1", "--json", str(out / "rnn.json"))
    _run("bench_rnn.py", "--quick", "--repeat", "1", "--tuned-malloc",
         "--json", str(out / "rnn_tuned.json"))
    _run("bench_scaling.py", "--quick", "--json", str(out / "scaling.json"))
    readme = tmp_path / "README.md"
    shutil.copy(os.path.join(ROOT, "README.md"), readme)
    results = tmp_path / "RESULTS.md"
    _run("report.py", str(out), "--results", str(results), "--readme", str(readme))

    rnn = json.loads((out / "rnn.json").read_text())
    assert rnn["quick"] and rnn["malloc"] == "glibc default"
    peers = rnn["lstm"]["peers"]
    fused_over_hand = peers["minigrad fused"]["ms"] / peers["hand NumPy"]["ms"]
    text = results.read_text()
    assert f"{fused_over_hand:.2f}x hand NumPy" in text
    assert "from --quick smoke runs" in text
    assert "## Where the time goes" in text
    table = readme.read_text().split(report.BEGIN)[1].split(report.END)[0]
    assert f"{fused_over_hand:.2f}x hand NumPy" in table
    scaling = json.loads((out / "scaling.json").read_text())
    assert [r["T"] for r in scaling["minigrad fused"]["by_T"]] == [64, 256, 1024]
    assert f"| {scaling['rnn'][-1]['steps']:,} steps |" in text


def _figures(fused_ms, hand_ms, both=(0.2, 0.2), torch_both=(0.1, 0.3)):
    peers = {"hand NumPy": {"ms": hand_ms, "loss": 1.0, "faults": 0},
             "minigrad fused": {"ms": fused_ms, "loss": 1.0, "faults": 0}}
    block = {"peers": peers, "fused/hand": fused_ms / hand_ms, "fused/LSTMCell loop": None,
             "fused/nn.LSTM": None, "gflop": 1.0, "matmul_ms": 1.0, "matmul_gflops": 1.0}
    row = {"T": 64, "H": 8, "ms": 1.0, "ms_per_t": 1.0, "peak_mb": 1.0, "must_keep_mb": 1.0,
           "memory_ratio": 1.0}
    return {"engine": {"rnn": {"minigrad": dict(zip(("forward", "backward"), both)),
                               "torch": dict(zip(("forward", "backward"), torch_both))}},
            "rnn": {"lstm": block, "rnn": block}, "rnn_tuned": {"lstm": block},
            "scaling": {"minigrad fused": {"by_T": [row, {**row, "T": 128}], "by_H": [row]},
                        "rnn": [{"steps": 10, "peak_mb": 1.0}, {"steps": 50, "peak_mb": 5.0}]}}


def test_a_target_is_met_or_missed_by_how_much_from_the_ratio_alone():
    met = dict((t, v) for t, _, v in report.targets(_figures(1.0, 1.0)))
    assert met["LSTM LM step, fused, <= 1.05x hand NumPy (glibc's default malloc)"] == "met"
    assert met["10,000-step tanh RNN from primitive ops, forward + backward <= PyTorch"] == "met"
    missed = dict((t, (m, v)) for t, m, v in report.targets(_figures(1.26, 1.0, (0.3, 0.3))))
    assert missed["LSTM LM step, fused, <= 1.05x hand NumPy (glibc's default malloc)"] == (
        "1.26x hand NumPy", "missed by 20%")
    assert missed["10,000-step tanh RNN from primitive ops, forward + backward <= PyTorch"] == (
        "1.50x PyTorch", "missed by 50%")
    assert missed["stretch: LSTM LM step, fused, <= 2x nn.LSTM"] == (
        "skipped", "not measured (peer not installed)")


@pytest.mark.slow
def test_instruction_counts_come_from_callgrind():
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed (count_instructions.py needs it)")
    printed = _run("count_instructions.py", "rnn/hand NumPy")
    per_step = float(printed.split()[2])
    assert "rnn/hand NumPy" in printed and 0.5 < per_step < 50
