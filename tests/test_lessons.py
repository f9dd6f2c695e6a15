"""The lessons (examples/06_* on) run as a user runs them, in quick mode, in a subprocess:

    python examples/NN_name.py --quick --out TMP

then the numbers each one wrote (TMP/NN_name.json) are read back and the *direction* of
every claim its section makes is checked, never an exact number. A new lesson: one test
calling ``run_lesson("NN", tmp_path)`` (here, or in ``test_lessons_applied.py`` for the
lessons of the lecture's second half, 10 on, which also rerun their command lines), and
its number in the Makefile's LESSONS.
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
LESSONS = sorted(p for p in (ROOT / "examples").glob("[0-9][0-9]_*.py") if int(p.name[:2]) >= 6)


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
    assert not (ROOT / "docs" / "lessons" / f"{name}.json").exists() or \
        not json.loads((ROOT / "docs" / "lessons" / f"{name}.json").read_text())["quick"]
    return done.stdout, summary, section


def test_every_lesson_has_a_make_target_and_a_test():
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^LESSONS = (.*)$", makefile, re.M).group(1).split()
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_lessons*.py"))
    assert listed == sorted(listed)
    for script in LESSONS:
        assert script.name[:2] in listed, f"{script.name} is missing from the Makefile's LESSONS"
        assert f"def test_{script.stem}(" in tests or f'lesson("{script.stem}"' in tests, \
            f"{script.name} has no test in tests/test_lessons*.py"


def test_results_are_assembled_in_number_order_and_refuse_quick_sections(tmp_path):
    for number, quick in (("10", False), ("09", False)):
        (tmp_path / f"{number}_x.md").write_text(f"## {number}. Lesson {number}\n\ntext\n")
        (tmp_path / f"{number}_x.json").write_text(json.dumps({"quick": quick}))
    out = tmp_path / "RESULTS.md"
    assemble = [sys.executable, str(ROOT / "docs" / "assemble_results.py"), "--lessons",
                str(tmp_path), "--out", str(out)]
    subprocess.run(assemble, check=True, capture_output=True, cwd=ROOT)
    text = out.read_text()
    assert text.startswith("# Results of the lessons") and "make lessons" in text
    assert "Machine: " in text and text.index("## 09.") < text.index("## 10.")
    (tmp_path / "09_x.json").write_text(json.dumps({"quick": True}))
    done = subprocess.run(assemble, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0 and "--quick run" in done.stderr


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
def test_07_adding_problem(tmp_path):
    out, summary, section = run_lesson("07", tmp_path)
    (steps,) = summary["iterations"]
    r = {k.split()[0]: v for k, v in summary["results"].items()}
    assert r["LSTM"]["final_mse"] < 0.05          # the gated cells remember ...
    assert r["GRU"]["final_mse"] < 0.05
    assert r["RNN"]["best_mse"] > 0.1             # ... the tanh RNN stays near 0.167
    assert abs(r["RNN"]["final_mse"] - summary["baseline"]) < 0.05
    assert f"T = {steps}" in section and "0.167" in section
    assert re.search(rf"^\s+{steps}\s+LSTM\s+\d+", out, re.M)  # the table, printed


@pytest.mark.slow
def test_08_recall(tmp_path):
    out, summary, section = run_lesson("08", tmp_path)
    gaps, r = summary["gaps"], summary["results"]
    small, large = min(gaps), max(gaps)
    rnn_far = r[f"RNN k={large}"]["accuracy"]
    for cell in ("LSTM", "GRU"):                  # the gated cells recall the key ...
        assert r[f"{cell} k={small}"]["accuracy"] > rnn_far + 0.3
        assert r[f"{cell} k={large}"]["accuracy"] > rnn_far + 0.3
        # ... and more of the gradient reaches it after training than in the RNN
        assert r[f"{cell} k={large}"]["grad_ratio"] > 10 * r[f"RNN k={large}"]["grad_ratio"]
    assert rnn_far < 0.5                          # the RNN does not, that far back
    for cell in ("RNN", "LSTM", "GRU"):           # at init the gradient shrinks with k
        grads = [r[f"{cell} k={g}"]["grad_init"] for g in gaps]
        assert all(a > b for a, b in zip(grads, grads[1:])), (cell, grads)
        assert summary["alone"][f"{cell} k={small}"] >= 0.9  # a short gap alone: learnt
    assert "printed her" in out and f"{large} " in out


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
    # connectivity: the trained LSTM's predictions reach further back than the RNN's
    reach = summary["connectivity"]["reach"]
    assert reach["LSTM"]["share_10_back"] > reach["tanh RNN"]["share_10_back"]
    for key in ("rnn", "lstm"):
        page = (tmp_path / "09_lstm_gates" / f"connectivity_{key}.html").read_text()
        assert 'id="connectivity-data"' in page and f"connectivity_{key}.html" in section
    assert "Karpathy" in section and "record_states" in section and "readable" in out


@pytest.mark.slow
def test_09_lstm_gates_reads_a_train_lm_checkpoint(tmp_path):
    run = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "models", "train-lm", "--out", str(run),
                           "--hidden", "24", "--embed", "8", "--max-steps", "3", "--quiet"],
                          capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out, summary, section = run_lesson("09", tmp_path / "lesson", "--checkpoint", str(run))
    assert summary["hidden"] == 24 and summary["checkpoint"] == str(run)
    assert f"loaded from `{run}`" in section and "3 steps of train-lm" in section

