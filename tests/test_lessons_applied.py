"""Lessons 10-12 run as a reader runs them (``python examples/NN_x.py --quick --out DIR``):
each writes its section, pictures and numbers; every claim it makes points the right way
(directions, never exact numbers); and the command line it prints gives its headline
numbers again, digit for digit."""
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}

pytest.importorskip("matplotlib")
pytestmark = pytest.mark.slow


def run(argv: list, cwd: Path) -> str:
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=ENV,
                          cwd=cwd, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def lesson(name: str, out: Path) -> dict:
    """Run a lesson's quick mode into ``out``; its headline numbers, read back."""
    run([str(ROOT / "examples" / f"{name}.py"), "--quick", "--out", str(out)], ROOT)
    return json.loads((out / f"{name}.json").read_text())


def cli(command: str, out: Path, cwd: Path, quiet: bool = True) -> str:
    """Run a ``python -m models ...`` line as the lesson printed it, writing into ``out``
    (``quiet``: without the progress bar)."""
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "models"], command
    if "--out" in argv:
        argv[argv.index("--out") + 1] = str(out)
    else:
        argv += ["--out", str(out)]
    return run(["-m", "models", *argv[3:], *(["--quiet"] if quiet else [])], cwd)


def check_section(out: Path, name: str, number: str) -> str:
    text = (out / f"{name}.md").read_text()
    assert text.startswith(f"## {number}. ")
    assert "--quick" in text.splitlines()[2]                   # the command that made it
    pictures = re.findall(rf"\(lessons/{name}/([\w.]+\.png)\)", text)
    assert pictures
    for png in pictures:
        assert (out / name / png).read_bytes().startswith(b"\x89PNG"), png
    return text


# ---------------------------------------------------------------- 10. sunspots
@pytest.fixture(scope="module")
def sunspots(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson10")
    return out, lesson("10_sunspots", out)


def test_10_writes_its_section_with_the_published_figures(sunspots):
    out, _ = sunspots
    text = check_section(out, "10_sunspots", "10")
    for figure in ("0.097", "0.280", "0.086", "0.350", "1495.6"):
        assert figure in text


def test_10_forecasters_beat_persistence_and_ar9_is_the_quoted_one(sunspots):
    _, r = sunspots
    for cell in ("LSTM", "GRU"):
        row = next(v for k, v in r["table"].items() if k.startswith(cell))
        for period in ("1921-1955", "1956-1979"):
            assert row[period]["mean"] < r["baselines"]["persistence"][period], (cell, period)
    assert r["baselines"]["AR(9)"]["1921-1955"] == pytest.approx(0.126, abs=5e-4)
    assert r["baselines"]["AR(9)"]["1956-1979"] == pytest.approx(0.351, abs=5e-4)


def test_10_the_command_line_gives_a_seeds_arvs(sunspots, tmp_path):
    _, r = sunspots
    printed = cli(r["cli"]["lstm"], tmp_path / "fc", tmp_path)
    row = next(line for line in printed.splitlines() if "one step ahead" in line).split()[-2:]
    seed0 = r["per_seed"]["lstm seed 0"]
    assert row == [f"{seed0['1921-1955']:.3f}", f"{seed0['1956-1979']:.3f}"]


# ---------------------------------------------------------------- 11. language models
@pytest.fixture(scope="module")
def language(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson11")
    return out, lesson("11_language_models", out)


def test_11_writes_its_section(language):
    out, _ = language
    text = check_section(out, "11_language_models", "11")
    assert "Karpathy" in text and "unigram" in text
    assert not (out / "11_language_models" / "glove.txt").exists()   # read back, not kept


def test_11_char_models_beat_the_unigram_model(language):
    _, r = language
    for cell, m in r["char_models"].items():
        assert m["bits"] < r["char_unigram_bits"], cell
    params = [m["params"] for m in r["char_models"].values()]
    assert max(params) / min(params) < 1.02                        # about equal sizes


def test_11_glove_neighbours_are_of_their_own_kind_more_often_than_random(language):
    _, r = language
    kinds = r["same_kind"].values()
    assert sum(k["GloVe"] for k in kinds) > sum(k["random"] for k in kinds)
    assert sum(k["GloVe"] > k["chance"] for k in kinds) > len(kinds) / 2


def test_11_hotter_sampling_is_more_varied_and_less_correct(language):
    _, r = language
    cold, hot = r["sampling"]["T 0.5 top-k 5"], r["sampling"]["T 1.5 top-k None"]
    assert hot["distinct1"] > cold["distinct1"]
    assert hot["real"] < cold["real"]


def test_11_the_command_line_gives_the_char_bits_and_the_ten_words(language, tmp_path):
    _, r = language
    run_dir = tmp_path / "char"
    printed = cli(r["cli"]["char"], run_dir, tmp_path)
    assert f"validation: {r['char_models']['lstm']['bits']:.3f} bits per char" in printed
    words = run(["-m", "models", "generate", "--checkpoint", str(run_dir), "--seed", "The ",
                 "--words", "10", "--temperature", "0.8", "--sample-seed", "0"], tmp_path)
    assert words.rstrip("\n") == "The " + r["char_models"]["lstm"]["words"]


def test_11_the_command_line_gives_the_glove_frozen_perplexity(language, tmp_path):
    _, r = language
    cli(r["cli"]["glove"], tmp_path / "glove.txt", tmp_path, quiet=False)
    word = r["cli"]["word"].replace("runs/glove.txt", str(tmp_path / "glove.txt"))
    printed = cli(word, tmp_path / "word", tmp_path)
    frozen = next(v for k, v in r["word_models"].items()
                  if k.startswith("first") and k.endswith("GloVe, frozen"))
    assert f"(perplexity {frozen['last']:.2f})" in printed


# ---------------------------------------------------------------- 12. classification
@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    pytest.importorskip("sklearn")
    out = tmp_path_factory.mktemp("lesson12")
    return out, lesson("12_classification", out)


def test_12_writes_its_section_and_confusion_matrices(digits):
    out, _ = digits
    text = check_section(out, "12_classification", "12")
    assert "confusion_rows.png" in text and "confusion_pixels.png" in text


def test_12_classifiers_are_well_above_chance(digits):
    _, r = digits
    for name, acc in r["table"].items():
        assert acc["min"] > 3 * r["chance"], name
        if name.startswith("rows"):
            assert acc["min"] > 0.8, name
    assert r["anchors"]["SVC (RBF, gamma=0.001)"]["mean"] > 0.95


def test_12_the_command_line_gives_the_best_runs_accuracy(digits, tmp_path):
    _, r = digits
    printed = cli(r["cli"]["rows"], tmp_path / "cl", tmp_path)
    assert f"test accuracy: {r['best']['rows']['accuracy']:.3f}" in printed
