"""mg.manual_seed makes every draw repeatable (initialisation, dropout, shuffling,
sampling); two runs with one seed give the same losses bit for bit; and a run killed
with SIGKILL, twice, and resumed from its last checkpoint each time, ends bit for bit
where the run that was never stopped ends."""
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from models.data import CharTokenizer
from models.lm import LanguageModel
from models.task import SupervisedTask

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CHILD = [sys.executable, os.path.join(HERE, "children.py")]
ENV = {**os.environ, "PYTHONPATH": ROOT, "OPENBLAS_NUM_THREADS": "1"}


def _draws(seed):
    """One of each kind of draw minigrad makes, after mg.manual_seed(seed)."""
    mg.manual_seed(seed)
    model = mg.nn.Sequential(mg.nn.Embedding(5, 3), mg.nn.LSTM(3, 4, num_layers=2,
                                                               dropout=0.5))
    init = [p.numpy().copy() for p in model.parameters()]
    lstm = model[1]
    out, _ = lstm(mg.ones(3, 2, 3))  # training mode: dropout between the layers
    mask = F.dropout(mg.ones(100), 0.5).numpy()
    task = SupervisedTask(np.arange(10.0)[:, None], np.arange(10), batch_size=3)
    order = [y.tolist() for _, y in task.batches()]
    tok = CharTokenizer().fit("abcdef ghij")
    lm = LanguageModel(len(tok), 4, 8)
    text = lm.generate(tok, "ab", 20, temperature=1.5)
    return init, out.numpy(), mask, order, text, mg.randn(5).numpy()


def _equal(a, b):
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    return a == b


def test_manual_seed_repeats_init_dropout_shuffling_and_sampling():
    first, again, other = _draws(7), _draws(7), _draws(8)
    names = ["initialisation", "dropout between layers", "F.dropout", "shuffling",
             "sampling", "randn"]
    for name, a, b, c in zip(names, first, again, other):
        assert _equal(a, b), f"{name} differs between two runs with the same seed"
        assert not _equal(a, c), f"{name} does not depend on the seed"


def _run(out, resume=False, kill_after=None):
    """Run the training child; with kill_after, SIGKILL it once it printed that step."""
    args = CHILD + ["train", str(out)] + (["--resume"] if resume else [])
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=ENV)
    for line in child.stdout:
        if kill_after is not None and line.strip() == f"step {kill_after}":
            child.send_signal(signal.SIGKILL)
            break
    child.stdout.close()
    code = child.wait(timeout=120)
    if kill_after is not None:
        assert code == -signal.SIGKILL
    else:
        assert code == 0
    return mg.load(os.path.join(out, "final.mg")) if kill_after is None else None


def _same_bits(a, b, where="final state"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same_bits(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same_bits(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), where
    elif isinstance(a, float):
        assert a == b or (a != a and b != b), where
    else:
        assert a == b, where


@pytest.mark.slow
def test_two_runs_with_one_seed_and_a_twice_killed_run_end_bit_for_bit_alike(tmp_path):
    """Each epoch has 51 steps (4 epochs, checkpoints at each end). The killed run dies
    inside epoch 2 (at its step 14, step 65 of the run) and, resumed from the end of
    epoch 1, again inside epoch 3 (51 + 14 steps later); resumed from the end of
    epoch 2, it runs to the end. (The child may take a step or two more before the
    signal lands: the checkpoints asserted show it died inside the epoch.)"""
    first = _run(tmp_path / "first")
    second = _run(tmp_path / "second")
    _same_bits(first, second)
    killed = tmp_path / "killed"
    _run(killed, kill_after=51 + 14)
    assert mg.load(killed / "checkpoint.mg")["trainer"]["epoch"] == 1
    _run(killed, resume=True, kill_after=51 + 14)  # it counts from epoch 2's first step
    assert mg.load(killed / "checkpoint.mg")["trainer"]["epoch"] == 2
    resumed = _run(killed, resume=True)
    _same_bits(first, resumed)
    assert len(first["losses"]) == 4 * 51
