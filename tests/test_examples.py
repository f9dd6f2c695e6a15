"""The examples run as a new user runs them (briefly), and say what they promise."""
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / script), *args],
                          capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_01_autograd_basics():
    out = run("01_autograd_basics.py")
    assert "gradcheck of the step: True" in out


@pytest.mark.parametrize("script, prefix", [("02_rnn_graph.py", "rnn"),
                                            ("03_lstm_graph.py", "lstm")])
def test_graph_examples_write_their_pictures(script, prefix, tmp_path):
    out = run(script, "--out", str(tmp_path), "--formats", "svg")
    assert "equal: " in out  # backward() checked against the chain rule by hand
    for name in ("graph", "graph_collapsed", "grads", "grads_collapsed", "textbook"):
        svg = tmp_path / f"{prefix}_{name}.svg"
        assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_04_char_lstm_trains_and_generates():
    out = run("04_char_lstm.py", "--steps", "40", "--hidden", "32")
    losses = [float(line.split("loss ")[1].split()[0]) for line in out.splitlines()
              if line.startswith("step")]
    vocab = int(out.split("vocabulary ")[1].split()[0])
    assert losses and losses[-1] < math.log2(vocab) - 1  # well below a uniform guess
    assert "validation:" in out and "unigram baseline" in out
    assert out.split("generated: ", 1)[1].startswith("The ")
