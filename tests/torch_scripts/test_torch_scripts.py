"""PyTorch programs run on minigrad with only their import lines changed.

Each script in this folder is written for PyTorch (in the manner of pytorch/examples'
word_language_model and time_sequence_prediction, and the "NLP From Scratch"
char-RNN tutorials). ``load(script, "minigrad")`` swaps ``import torch...`` for
``import minigrad.torch...`` and nothing else; both versions run to the end on small
data made here, and, given the same initial weights (copied across with
``minigrad.torch.from_torch``) and float64, agree with PyTorch to round-off.
"""
import copy
import random
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.torch as mgt

HERE = Path(__file__).parent
IMPORT = re.compile(r"^(\s*)(import|from) torch\b")


def swap_imports(source: str) -> str:
    """``import torch`` -> ``import minigrad.torch as torch``; ``import torch.nn as nn``
    -> ``import minigrad.torch.nn as nn``; ``from torch.x import y`` likewise."""
    out = []
    for line in source.splitlines(keepends=True):
        m = IMPORT.match(line)
        if m and line.strip() == "import torch":
            line = f"{m.group(1)}import minigrad.torch as torch\n"
        elif m:
            line = IMPORT.sub(r"\1\2 minigrad.torch", line)
        out.append(line)
    return "".join(out)


def load(script: str, lib: str) -> types.ModuleType:
    """The script as a module, run against ``lib`` ("torch" or "minigrad"); registered in
    sys.modules so that torch.load(weights_only=False) finds its classes."""
    source = (HERE / script).read_text()
    if lib == "minigrad":
        source = swap_imports(source)
    name = f"{script[:-3]}_{lib}"
    module = types.ModuleType(name)
    module.__file__ = str(HERE / script)
    sys.modules[name] = module
    exec(compile(source, f"{script} ({lib})", "exec"), module.__dict__)
    return module


@pytest.fixture(autouse=True)
def default_dtypes_restored():
    yield
    mg.set_default_dtype(mg.float32)
    if "torch" in sys.modules:
        sys.modules["torch"].set_default_dtype(sys.modules["torch"].float32)


def test_only_import_lines_change():
    for script in ("word_language_model.py", "time_sequence_prediction.py", "char_rnn.py"):
        before = (HERE / script).read_text().splitlines()
        after = swap_imports((HERE / script).read_text()).splitlines()
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        assert len(before) == len(after) and changed
        assert all(IMPORT.match(a) and "minigrad.torch" in b for a, b in changed)


# ------------------------------------------------------------------ data
GRAMMAR = [["the", "a"], ["cat", "dog", "bird"], ["sat", "ran", "slept"], ["on", "under"],
           ["the"], ["mat", "log", "box"]]  # "the cat sat on the mat"
VOCAB = {w for words in GRAMMAR for w in words} | {"<eos>"}


def corpus(path: Path, lines=(60, 20, 20)) -> str:
    rng = random.Random(0)
    for name, n in zip(("train", "valid", "test"), lines):
        text = "\n".join(" ".join(rng.choice(words) for words in GRAMMAR) for _ in range(n))
        (path / f"{name}.txt").write_text(text + "\n")
    return str(path)


NAMES = {"Italian": ["Rossi", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"],
         "Japanese": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Nakamura"],
         "Scottish": ["Smith", "Brown", "Wilson", "Campbell", "Stewart", "Thomson", "Murray"]}


def names(path: Path) -> str:
    for lang, ns in NAMES.items():
        (path / f"{lang}.txt").write_text("\n".join(ns) + "\n")
    return str(path)


def lm_args(tmp_path, model, tag, extra=()):
    return ["--data", corpus(tmp_path), "--model", model, "--emsize", "12", "--nhid", "12",
            "--nlayers", "2", "--epochs", "2", "--batch_size", "4", "--eval_batch_size", "2",
            "--bptt", "7", "--lr", "5", "--log-interval", "10",
            "--save", str(tmp_path / f"{tag}.pt"), *extra]


# ------------------------------------------------------------------ minigrad alone
def test_word_language_model_runs_to_the_end_and_learns(tmp_path):
    wlm = load("word_language_model.py", "minigrad")
    out = wlm.main(lm_args(tmp_path, "LSTM", "mg", ["--tied", "--dropout", "0.1", "--epochs",
                                                    "8", "--batch_size", "2"]))
    assert len(out["valid"]) == 8 and out["valid"][-1] < out["valid"][0]
    model = out["model"]  # the one torch.load gave back: tied weights still tied
    assert isinstance(model, wlm.RNNModel) and model.decoder.weight is model.encoder.weight
    assert np.mean(out["train"][-5:]) < np.mean(out["train"][:5])
    assert out["test"] < 0.75 * np.log(len(VOCAB))  # well below guessing uniformly


def test_time_sequence_prediction_runs_to_the_end_and_learns(tmp_path):
    tsp = load("time_sequence_prediction.py", "minigrad")
    out = tsp.main(["--steps", "2", "--data", str(tmp_path / "traindata.pt"), "--length", "60",
                    "--waves", "8", "--hidden", "10", "--future", "20"])
    assert out["losses"][-1] < out["losses"][0] / 2
    assert out["prediction"].shape == (3, 59 + 20)


def test_char_rnn_runs_to_the_end_and_learns(tmp_path):
    cr = load("char_rnn.py", "minigrad")
    out = cr.main(["--data", names(tmp_path), "--n_iters", "600", "--n_confusion", "60",
                   "--n_hidden", "24"])
    assert np.mean(out["class_losses"][-100:]) < np.mean(out["class_losses"][:100])
    assert np.mean(out["gen_losses"][-100:]) < np.mean(out["gen_losses"][:100])
    np.testing.assert_allclose(out["confusion"].sum(axis=1), 1.0, rtol=1e-6)
    assert len(out["samples"]) == 9 and all(s[0] in "ABC" for s in out["samples"])


# ------------------------------------------------------------------ against PyTorch
@pytest.mark.parametrize("model", ["LSTM", "GRU", "RNN_TANH"])
def test_word_language_model_agrees_with_pytorch(tmp_path, model):
    torch = pytest.importorskip("torch")
    first = []
    ref = load("word_language_model.py", "torch").main(
        lm_args(tmp_path, model, "torch", ["--tied", "--dropout", "0", "--double"]),
        init=lambda m: first.append(copy.deepcopy(m)))
    assert first[0].encoder.weight.dtype == torch.float64
    ours = load("word_language_model.py", "minigrad").main(
        lm_args(tmp_path, model, "mg", ["--tied", "--dropout", "0", "--double"]),
        init=lambda m: mgt.from_torch(first[0], m))
    np.testing.assert_allclose(ours["train"], ref["train"], rtol=1e-10)
    np.testing.assert_allclose(ours["valid"], ref["valid"], rtol=1e-10)
    np.testing.assert_allclose(ours["test"], ref["test"], rtol=1e-10)


def test_time_sequence_prediction_agrees_with_pytorch(tmp_path):
    pytest.importorskip("torch")
    argv = ["--steps", "2", "--data", str(tmp_path / "traindata.pt"), "--length", "60",
            "--waves", "8", "--hidden", "10", "--future", "20"]
    first = []
    ref = load("time_sequence_prediction.py", "torch").main(
        argv, init=lambda m: first.append(copy.deepcopy(m)))
    ours = load("time_sequence_prediction.py", "minigrad").main(
        argv, init=lambda m: mgt.from_torch(first[0], m))
    assert len(ours["losses"]) == len(ref["losses"])  # the same closure calls
    np.testing.assert_allclose(ours["losses"], ref["losses"], rtol=1e-8)
    np.testing.assert_allclose(ours["test"], ref["test"], rtol=1e-8)
    np.testing.assert_allclose(ours["prediction"], ref["prediction"], rtol=1e-7, atol=1e-9)


def test_char_rnn_agrees_with_pytorch(tmp_path):
    pytest.importorskip("torch")
    argv = ["--data", names(tmp_path), "--n_iters", "150", "--n_confusion", "40",
            "--n_hidden", "16", "--dropout", "0", "--double"]
    first = []
    ref = load("char_rnn.py", "torch").main(
        argv, init=lambda *models: first.extend(copy.deepcopy(m) for m in models))
    ours = load("char_rnn.py", "minigrad").main(
        argv, init=lambda *models: [mgt.from_torch(t, m) for t, m in zip(first, models)])
    np.testing.assert_allclose(ours["class_losses"], ref["class_losses"], rtol=1e-10)
    np.testing.assert_allclose(ours["gen_losses"], ref["gen_losses"], rtol=1e-10)
    np.testing.assert_array_equal(ours["confusion"], ref["confusion"])
    assert ours["samples"] == ref["samples"]
    assert [p[1] for p in ours["predictions"]] == [p[1] for p in ref["predictions"]]
    np.testing.assert_allclose([p[0] for p in ours["predictions"]],
                               [p[0] for p in ref["predictions"]], rtol=1e-10)
