"""The command line: error paths give one line and exit status 2; a tiny real run."""
import importlib
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from models.checkpoint import load_checkpoint
from models.cli import COMMANDS, main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = ["--hidden", "12", "--embed", "6", "--batch-size", "2", "--seq-len", "8", "--quiet"]


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("the quick brown fox jumps over the lazy dog.\n" * 12, encoding="utf-8")
    return str(path)


def _one_line_error(capsys, argv, *needles):
    with pytest.raises(SystemExit) as e:
        code = main(argv)
        raise SystemExit(code)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    return err


def test_missing_text_file(capsys, tmp_path):
    _one_line_error(capsys, ["train-lm", "--text", str(tmp_path / "none.txt"), "--out",
                             str(tmp_path / "o")], "no such file", "none.txt")


def test_non_utf8_text_file(capsys, tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9 au lait\n".encode("latin-1") * 3)
    _one_line_error(capsys, ["train-lm", "--text", str(bad), "--out", str(tmp_path / "o")],
                    "not UTF-8", "latin1.txt")


@pytest.mark.parametrize("argv, needle", [
    (["train-lm", "--hidden", "-3"], "--hidden"),
    (["train-lm", "--hidden", "many"], "--hidden"),
    (["train-lm", "--cell", "transformer"], "--cell"),
    (["train-lm", "--val-fraction", "1.5"], "--val-fraction"),
    (["train-lm", "--frobnicate"], "--frobnicate"),
    (["generate"], "--checkpoint"),
    (["forecast", "--split", "random"], "--split"),
    (["forecast", "--final-lr", "0"], "--final-lr"),
    (["classify", "--read", "columns"], "--read"),
    (["glove", "--dim", "0"], "--dim"),
    (["fly"], "fly"),
    ([], "COMMAND"),
])
def test_bad_arguments(capsys, argv, needle):
    _one_line_error(capsys, argv, needle)


def test_missing_and_bad_checkpoints(capsys, tmp_path):
    _one_line_error(capsys, ["generate", "--checkpoint", str(tmp_path / "nothing")],
                    "no checkpoint")
    junk = tmp_path / "junk.mg"
    junk.write_bytes(b"not a zip file at all")
    _one_line_error(capsys, ["generate", "--checkpoint", str(junk)], "junk.mg")
    empty = tmp_path / "run"
    empty.mkdir()
    _one_line_error(capsys, ["train-lm", "--resume", "--out", str(empty)], "no checkpoint")


def test_a_run_of_the_first_checkpoint_format_is_one_line_saying_what_to_do(capsys, tmp_path):
    run = tmp_path / "old"
    run.mkdir()
    shutil.copy(os.path.join(ROOT, "tests", "data", "checkpoint-v1.mg"), run / "checkpoint.mg")
    _one_line_error(capsys, ["generate", "--checkpoint", str(run)], "older minigrad",
                    "start a new run", str(run / "checkpoint.mg"))


def test_tie_needs_equal_sizes(capsys, tmp_path, text_file):
    _one_line_error(capsys, ["train-lm", "--text", text_file, "--out", str(tmp_path / "o"),
                             "--tie", *TINY], "tie_weights")


def test_train_then_generate(capsys, tmp_path, text_file):
    out = str(tmp_path / "run")
    assert main(["train-lm", "--text", text_file, "--out", out, "--max-steps", "4",
                 *TINY]) == 0
    printed = capsys.readouterr().out
    assert "validation:" in printed and "unigram baseline" in printed
    for name in ("checkpoint.mg", "tokenizer.json", "history.json", "loss.png"):
        assert os.path.exists(os.path.join(out, name)), name
    assert main(["generate", "--checkpoint", out, "--seed", "the ", "--chars", "15",
                 "--sample-seed", "0"]) == 0
    line = capsys.readouterr().out.rstrip("\n")
    assert line.startswith("the ") and len(line) == 4 + 15
    assert main(["generate", "--checkpoint", os.path.join(out, "checkpoint.mg"), "--seed",
                 "the ", "--words", "3", "--top-k", "3", "--temperature", "0.5"]) == 0
    assert capsys.readouterr().out.startswith("the ")
    _one_line_error(capsys, ["generate", "--checkpoint", out, "--chars", "3", "--words", "2"],
                    "not both")


def test_resume_from_the_command_line_is_bit_for_bit(capsys, tmp_path, text_file):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert main(["train-lm", "--text", text_file, "--out", a, "--max-steps", "6", *TINY]) == 0
    assert main(["train-lm", "--text", text_file, "--out", b, "--max-steps", "2", *TINY]) == 0
    # settings come from the checkpoint: a different --hidden here is ignored
    assert main(["train-lm", "--text", text_file, "--out", b, "--max-steps", "4", "--resume",
                 "--quiet"]) == 0
    ma, mb = load_checkpoint(os.path.join(a, "checkpoint.mg")), \
        load_checkpoint(os.path.join(b, "checkpoint.mg"))
    for k in ma["model"]:
        assert np.array_equal(ma["model"][k], mb["model"][k]), k
    other = tmp_path / "other.txt"
    other.write_text("something else entirely, " * 20, encoding="utf-8")
    _one_line_error(capsys, ["train-lm", "--text", str(other), "--out", b, "--resume"],
                    "text differs")


def test_word_level_generates_words(capsys, tmp_path, text_file):
    out = str(tmp_path / "w")
    assert main(["train-lm", "--text", text_file, "--out", out, "--level", "word",
                 "--max-steps", "2", *TINY]) == 0
    capsys.readouterr()
    assert main(["generate", "--checkpoint", out, "--seed", "the quick", "--words", "4"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("the quick") and len(re.findall(r"\w+", line)) == 2 + 4
    _one_line_error(capsys, ["generate", "--checkpoint", out, "--chars", "5"], "word-level")


def test_every_command_has_its_module():
    assert set(COMMANDS) == {"train-lm", "glove", "generate", "forecast", "classify", "demo"}
    for command, module in COMMANDS.items():
        assert callable(importlib.import_module(f"models.commands.{module}").run), command


@pytest.mark.parametrize("command", ["train-lm", "glove", "generate", "forecast", "classify",
                                     "demo"])
def test_help(capsys, command):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_real_process_exit_code_and_one_line(tmp_path):
    """Through ``python -m models`` itself: status 2, one stderr line, no traceback."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "models", "generate", "--checkpoint",
                        str(tmp_path / "missing")], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path), timeout=120)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "no checkpoint" in r.stderr, r.stderr


@pytest.mark.parametrize("missing, argv", [
    ("tqdm", ["train-lm", "--max-steps", "2"]),
    ("matplotlib", ["forecast", "--epochs", "1"]),
    ("sklearn", ["classify", "--epochs", "1"]),
])
def test_a_missing_optional_package_is_one_line_with_the_install_command(
        capsys, tmp_path, text_file, monkeypatch, missing, argv):
    for name in [m for m in sys.modules if m == missing or m.startswith(missing + ".")]:
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules: import fails
    monkeypatch.setitem(sys.modules, missing, None)
    tiny = [a for a in TINY if a != "--quiet"]  # the progress bar is what needs tqdm
    extra = ["--text", text_file, *tiny] if argv[0] == "train-lm" else []
    assert main([*argv, *extra, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    package = {"sklearn": "scikit-learn"}.get(missing, missing)
    assert err.count("\n") == 0 and "Traceback" not in err
    assert f"needs {package}, which is not installed: pip install {package}" in err


def test_forecast_on_the_weigend_split_prints_arvs_next_to_the_baselines(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    out = str(tmp_path / "fc")
    assert main(["forecast", "--split", "weigend", "--hidden", "4", "--epochs", "2",
                 "--final-lr", "1e-3", "--quiet", "--out", out]) == 0
    printed = capsys.readouterr().out
    assert "variance of 1700-1979" in printed
    rows = {line[:40].strip(): line[40:].split() for line in printed.splitlines()
            if line[:40].strip().startswith(("LSTM 4", "AR(9)", "persistence", "published"))}
    assert rows["AR(9), least squares on 1700-1920"] == ["0.126", "0.351"]
    assert rows["persistence (last year's value)"] == ["0.427", "0.965"]
    assert rows["published: TAR (Tong & Lim 1980)"] == ["0.097", "0.280"]
    assert all(float(v) > 0 for v in rows["LSTM 4, one step ahead"])
    for name in ("forecast.png", "checkpoint.mg"):
        assert os.path.exists(os.path.join(out, name)), name


def test_classify_reads_pixel_by_pixel(capsys, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out = str(tmp_path / "cl")
    assert main(["classify", "--read", "pixels", "--hidden", "8", "--epochs", "1",
                 "--final-lr", "1e-3", "--quiet", "--out", out]) == 0
    printed = capsys.readouterr().out
    assert "64 steps of one pixel" in printed and "test accuracy:" in printed
    for name in ("loss.png", "confusion.png", "checkpoint.mg"):
        assert os.path.exists(os.path.join(out, name)), name


def test_glove_vectors_feed_train_lm_frozen_or_fine_tuned(capsys, tmp_path, text_file):
    vectors = str(tmp_path / "v" / "glove.txt")
    assert main(["glove", "--text", text_file, "--dim", "6", "--epochs", "2",
                 "--out", vectors]) == 0
    assert "vectors written to" in capsys.readouterr().out
    words = [line.split()[0] for line in open(vectors, encoding="utf-8")]
    assert "fox" in words and len(open(vectors).readline().split()) == 1 + 6
    tiny = [a for a in TINY if a != "--embed" and a != "6"]
    runs = {}
    for name, extra in (("frozen", ["--freeze-embeddings"]), ("tuned", [])):
        out = str(tmp_path / name)
        assert main(["train-lm", "--text", text_file, "--level", "word", "--out", out,
                     "--embeddings", vectors, "--max-steps", "3", *extra, *tiny]) == 0
        assert "dimension 6" in capsys.readouterr().out
        runs[name] = load_checkpoint(os.path.join(out, "checkpoint.mg"))["model"]
    from models.data import WordTokenizer, load_glove
    text = open(text_file, encoding="utf-8").read()
    start, _, _ = load_glove(vectors, WordTokenizer().fit(text).vocab)
    np.testing.assert_array_equal(runs["frozen"]["embedding.weight"], start)  # never moved
    assert not np.array_equal(runs["tuned"]["embedding.weight"], start)       # trained


def test_max_train_tokens_trains_on_the_start_only(capsys, tmp_path, text_file):
    out = str(tmp_path / "few")
    assert main(["train-lm", "--text", text_file, "--out", out, "--max-train-tokens", "100",
                 "--max-steps", "2", *TINY]) == 0
    assert "on 100 chars" in capsys.readouterr().out


def test_embedding_options_errors(capsys, tmp_path, text_file):
    out = str(tmp_path / "o")
    _one_line_error(capsys, ["train-lm", "--text", text_file, "--out", out,
                             "--freeze-embeddings", *TINY], "--freeze-embeddings needs")
    _one_line_error(capsys, ["train-lm", "--text", text_file, "--out", out, "--embeddings",
                             str(tmp_path / "none.txt"), *TINY], "none.txt")
    _one_line_error(capsys, ["train-lm", "--text", text_file, "--out", out, "--tie",
                             "--embeddings", "x.txt", "--freeze-embeddings", *TINY], "--tie")


def test_a_frozen_embedding_stays_frozen_when_resumed_bit_for_bit(capsys, tmp_path, text_file):
    vectors = str(tmp_path / "glove.txt")
    assert main(["glove", "--text", text_file, "--dim", "6", "--epochs", "2",
                 "--out", vectors]) == 0
    tiny = [a for a in TINY if a not in ("--embed", "6")]
    common = ["--text", text_file, "--level", "word", "--embeddings", vectors,
              "--freeze-embeddings", *tiny]
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert main(["train-lm", *common, "--out", a, "--max-steps", "4"]) == 0
    assert main(["train-lm", *common, "--out", b, "--max-steps", "2"]) == 0
    assert main(["train-lm", "--text", text_file, "--out", b, "--max-steps", "2", "--resume",
                 "--quiet"]) == 0
    ma = load_checkpoint(os.path.join(a, "checkpoint.mg"))["model"]
    mb = load_checkpoint(os.path.join(b, "checkpoint.mg"))["model"]
    for k in ma:
        assert np.array_equal(ma[k], mb[k]), k


@pytest.mark.slow
def test_the_demo_runs_to_the_end(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    out = str(tmp_path / "demo")
    assert main(["demo", "--minutes", "0.02", "--quiet", "--out", out]) == 0
    assert "unigram baseline" in capsys.readouterr().out
    assert os.path.exists(os.path.join(out, "checkpoint.mg"))
