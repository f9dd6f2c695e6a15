"""Lessons 06 (vanishing and exploding gradients) and 09 (the LSTM's gates at work) run
as a user runs them, in quick mode, in a subprocess:

    python examples/NN_name.py --quick --out TMP

then the numbers each wrote (TMP/NN_name.json) are read back and the *direction* of
every claim its section makes is checked, never an exact number.
"""
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_lesson(number: str, out: Path, *args: str) -> tuple[str, dict, str]:
    """Run lesson ``number`` in quick mode into ``out``; check what every lesson must
    write; return its stdout, its JSON numbers and its Markdown section."""
    (script,) = (ROOT / "examples").glob(f"{number}_*.py")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(script), "--quick", "--out", str(out), *args],
                          capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    name = script.stem
    section = (out / f"{name}.md").read_text()
    summary = json.loads((out / f"{name}.json").read_text())
    assert section.startswith(f"## {number}. ")
    assert f"python examples/{name}.py --quick" in section and summary["quick"] is True
    pictures = re.findall(r"!\[[^\]]*\]\(lessons/([^)]+\.png)\)", section)
    assert pictures, "a lesson shows at least one picture"
    for picture in pictures:  # relative to docs/, where RESULTS.md lives
        assert picture.startswith(f"{name}/")
        assert (out / picture).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    return done.stdout, summary, section


@pytest.mark.slow
def test_06_vanishing_gradients(tmp_path):
    out, summary, section = run_lesson("06", tmp_path)
    d = summary["decay"]
    # at init every cell's gradient shrinks over 99 steps, the tanh RNN's by far the most
    assert all(v["ratio"] < 1 for v in d.values())
    assert d["RNN"]["ratio"] < 1e-6 * d["LSTM"]["ratio"]
    assert d["RNN"]["ratio"] < 1e-6 * d["GRU"]["ratio"]
    # the LSTM's per-step factor follows its forget gate: a larger bias keeps more
    lstms = [d["LSTM"], d["LSTM, b_f = 1"], d["LSTM, b_f = 3"]]
    assert [v["gate"] for v in lstms] == sorted(v["gate"] for v in lstms)
    assert [v["per_step"] for v in lstms] == sorted(v["per_step"] for v in lstms)
    assert all(abs(v["per_step"] - v["gate"]) < 0.15 for v in lstms + [d["GRU"]])
    assert d["LSTM"]["ratio"] < 1e-10 and d["LSTM, b_f = 3"]["ratio"] > 1e-3
    # the sweep: never above the bound sigma_max; below 1, always vanishing
    for sigma, by_scale in summary["sweep"].items():
        s = float(sigma)
        for scale, m in by_scale.items():
            assert m["max_step"] <= s * (1 + 1e-9) and m["mean"] <= s
            if s < 1:
                assert m["mean"] < 1 and m["max_step"] < 1
        assert s - by_scale["0.1"]["mean"] < 0.1 or s > 1   # small inputs: nearly tight
    assert summary["sweep"]["2.0"]["0.1"]["mean"] > 1       # above 1 it can explode
    # exploding in training: the unclipped run blows up, the clipped one learns
    c = summary["clipping"]
    assert c["unclipped"]["blew_up_at"] is not None and c["unclipped"]["max_norm"] > 1e6
    assert c["clipped"]["blew_up_at"] is None and c["clipped"]["first_norm"] > 1e3
    assert math.isfinite(c["clipped"]["final_loss"]) and c["clipped"]["tail_loss"] < 2 / 3
    assert c["default_init"]["tail_loss"] < 0.05
    assert "Pascanu" in section and "sigma_max" in out


@pytest.mark.slow
def test_09_lstm_gates(tmp_path):
    out, summary, section = run_lesson("09", tmp_path)
    bits = summary["bits"]
    assert bits["trained LSTM"] < bits["unigram"] < bits["untrained LSTM"]
    # a cell chosen by the printed criterion tracks something readable, on other text
    # than it was chosen on, clearly above the best of an untrained LSTM's cells
    readable = {k: c for k, c in summary["cells"].items() if c["readable"]}
    assert readable, summary["cells"]
    for c in readable.values():
        assert abs(c["r_held_out"]) >= summary["min_r"]
        assert abs(c["r_held_out"]) >= summary["chance_factor"] * abs(c["untrained_r_held_out"])
        assert c["r_held_out"] * c["r_chosen"] > 0          # the same sign on both halves
    # the clearest such cell carries its value with the forget gate open between the marks
    best = summary["best"]
    assert best["name"] in readable and best["holds"]
    at_marks, between = list(best["gates"].values())[:2]
    assert between["f"] > at_marks["f"]
    # training makes gates switch: saturated units appear where the untrained have none
    s = summary["saturation"]
    for gate in "fio":
        assert s[f"untrained {gate}"]["mostly_open"] == s[f"untrained {gate}"]["mostly_shut"] == 0
    assert s["trained f"]["mostly_open"] > 0 and s["trained i"]["mostly_open"] > 0
    assert "Karpathy" in section and "record_states" in section and "readable" in out
