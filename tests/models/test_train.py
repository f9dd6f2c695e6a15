"""The training loop: resume equality, early stopping, atomic checkpoints, history."""
import os

import numpy as np
import pytest

import minigrad as mg
import minigrad.optim
from models.checkpoint import load_checkpoint
from models.classifier import SequenceClassifier, classifier_task
from models.data import CharTokenizer
from models.lm import LanguageModel, LMTask
from models.train import SupervisedTask, Trainer, current_lr, decay_to

TEXT = "a stitch in time saves nine; look before you leap. " * 6


def _lm_run(out_dir, seed=0):
    """A fresh tiny LM run (dropout on: the generator matters) in out_dir."""
    mg.manual_seed(seed)
    tok = CharTokenizer().fit(TEXT)
    ids = tok.encode(TEXT)
    model = LanguageModel(len(tok), 6, 10, num_layers=2, dropout=0.2)
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    task = LMTask(ids[:250], ids[250:], batch_size=3, seq_len=7)
    return Trainer(model, opt, task, clip_norm=0.5, out_dir=out_dir, progress=False,
                   log=lambda m: None)


def _params(trainer):
    return {k: v.copy() for k, v in trainer.model.state_dict().items()}


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k


def test_resume_between_epochs_is_bit_for_bit(tmp_path):
    straight = _lm_run(tmp_path / "a")
    straight.fit(2)
    first = _lm_run(tmp_path / "b")
    first.fit(1)
    again = _lm_run(tmp_path / "b", seed=123)  # other init: the checkpoint must win
    again.resume()
    assert again.epoch == 1 and len(again.history) == 1
    again.fit(2)
    _same(_params(straight), _params(again))
    assert again.step == straight.step
    assert [h["train_loss"] for h in again.history] == [h["train_loss"] for h in
                                                        straight.history]


def test_resume_inside_an_epoch_is_bit_for_bit(tmp_path):
    """Cut by max_steps in the middle of an epoch: the carried hidden state, the
    position in the epoch and the generator all come back."""
    straight = _lm_run(tmp_path / "a")
    straight.fit(2)
    cut = _lm_run(tmp_path / "b")
    cut.fit(2, max_steps=5)
    assert cut.epoch == 0 and cut.pos == 5 and cut.history[-1]["partial"]
    again = _lm_run(tmp_path / "b", seed=7)
    again.resume()
    again.fit(2, max_steps=4)       # cut again, in the second epoch
    again2 = _lm_run(tmp_path / "b", seed=8)
    again2.resume()
    again2.fit(2)
    _same(_params(straight), _params(again2))
    full = [h for h in again2.history if not h.get("partial")]
    assert [h["train_loss"] for h in full] == [h["train_loss"] for h in straight.history]


def test_resume_with_shuffled_batches(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3, 2)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.int64)

    def run(out, seed=0):
        mg.manual_seed(seed)
        model = SequenceClassifier(2, 5, 2, cell="gru", dropout=0.3)
        opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return Trainer(model, opt, classifier_task(x, y, x[:8], y[:8], batch_size=6),
                       out_dir=out, progress=False, log=lambda m: None)

    a = run(tmp_path / "a")
    a.fit(3)
    b = run(tmp_path / "b")
    b.fit(3, max_steps=9)           # 7 batches per epoch: stops inside epoch 2
    c = run(tmp_path / "b", seed=5)
    c.resume()
    c.fit(3)
    _same(_params(a), _params(c))


class _Flat:
    """A task whose validation loss never improves after the first epoch."""

    def __init__(self):
        self.evals = 0
        self.data = np.ones((4, 2), dtype=np.float32)

    def start_epoch(self):
        pass

    def batches(self):
        return [self.data]

    def step(self, model, batch):
        out = model(mg.tensor(batch))
        return (out * out).mean(), 4, {}

    def evaluate(self, model):
        self.evals += 1
        return {"loss": 1.0 + 0.1 * self.evals}


def test_early_stopping(tmp_path):
    mg.manual_seed(0)
    model = mg.nn.Linear(2, 1)
    opt = mg.optim.SGD(model.parameters(), lr=0.01)
    t = Trainer(model, opt, _Flat(), patience=2, out_dir=tmp_path, progress=False,
                log=lambda m: None)
    hist = t.fit(10)
    assert len(hist) == 3 and t.stopped_early and hist[-1]["stopped_early"]
    assert os.path.exists(tmp_path / "best.mg") and os.path.exists(tmp_path / "checkpoint.mg")
    best = load_checkpoint(tmp_path / "best.mg")
    assert best["trainer"]["epoch"] == 1
    assert t.fit(10) == hist  # stays stopped


def test_failed_save_leaves_the_old_checkpoint(tmp_path, monkeypatch):
    t = _lm_run(tmp_path)
    t.fit(1)
    path = tmp_path / "checkpoint.mg"
    before = _params(t)
    t.fit(2)
    calls = {"n": 0}
    real = np.lib.format.write_array

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError("disk full (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing)
    with pytest.raises(OSError, match="disk full"):
        t.save()
    monkeypatch.undo()
    ckpt = load_checkpoint(path)        # the epoch-2 checkpoint, whole
    assert ckpt["trainer"]["epoch"] == 2
    assert not np.array_equal(ckpt["model"]["decoder.weight"], before["decoder.weight"])
    _same(ckpt["model"], _params(t))
    assert [f for f in os.listdir(tmp_path) if f.startswith(".")] == []  # no temp files


def test_checkpoint_contents(tmp_path):
    t = _lm_run(tmp_path)
    extra = {"config": {"a": 1, "sizes": (3, 4), "dropout": None}, "note": "hello"}
    t.extra = extra
    t.fit(1)
    ckpt = load_checkpoint(tmp_path / "checkpoint.mg")
    assert ckpt["extra"] == extra  # nested, as given: no JSON text to parse again
    assert set(ckpt) == {"model", "optimizer", "scheduler", "trainer", "rng", "extra"}
    assert ckpt["trainer"]["history"][0]["epoch"] == 1
    assert ckpt["trainer"]["task"]["state"][0].shape == (2, 3, 10)  # the LSTM's (h, c)
    assert ckpt["optimizer"]["param_groups"]["0"]["betas"] == (0.9, 0.999)
    assert ckpt["rng"] == mg.backend.get_rng_state()
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "nope.mg")
    mg.save({"x": np.zeros(2)}, tmp_path / "other.mg")
    with pytest.raises(ValueError, match="not a training checkpoint"):
        load_checkpoint(tmp_path / "other.mg")


DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")


def test_a_checkpoint_of_the_first_format_is_refused_with_what_to_do():
    """tests/data/checkpoint-v1.mg was written before mg.save kept nested state (its
    optimizer, trainer and extra are JSON text): it cannot be resumed, and the error
    says so, names the file and how to get at the weights, which still load."""
    path = os.path.join(DATA, "checkpoint-v1.mg")
    with pytest.raises(ValueError, match=r"checkpoint-v1.mg is a checkpoint of an older "
                                         r"minigrad \(version 1.*start a new run.*"
                                         r"mg.load\(path\)\['model'\]"):
        load_checkpoint(path)
    weights = mg.load(path)["model"]
    model = mg.nn.Linear(2, 1)
    model.load_state_dict(weights)
    assert set(weights) == {"weight", "bias"}


def test_history_limits_and_supervised_metrics(tmp_path):
    mg.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((30, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = mg.nn.Linear(4, 2)
    task = SupervisedTask(x, y, batch_size=8, val=(x, y))
    t = Trainer(model, mg.optim.Adam(model.parameters(), lr=0.05), task, progress=False,
                log=lambda m: None)
    hist = t.fit(4)
    assert [h["epoch"] for h in hist] == [1, 2, 3, 4] and t.step == 16
    assert {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "grad_norm",
            "lr"} <= set(hist[0])
    assert hist[-1]["val_loss"] < hist[0]["val_loss"]
    assert len(t.step_losses) == 16
    t2 = Trainer(model, mg.optim.Adam(model.parameters()), task, progress=False,
                 log=lambda m: None)
    t2.fit(None, max_steps=6)
    assert t2.step == 6 and t2.history[-1]["partial"]
    with pytest.raises(ValueError):
        t2.fit(None)


def test_decay_to_reaches_the_final_rate_after_the_last_epoch():
    x = np.random.default_rng(0).random((8, 3)).astype(np.float32)
    model = mg.nn.Linear(3, 1)
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    schedule = decay_to(opt, 1e-4, epochs=4)
    task = SupervisedTask(x, x[:, :1], batch_size=4, loss="mse")
    trainer = Trainer(model, opt, task, scheduler=schedule, progress=False, log=lambda m: None)
    history = trainer.fit(4)
    rates = [e["lr"] for e in history]            # the rate each epoch trained with
    np.testing.assert_allclose(rates, 1e-2 * 0.01 ** (np.arange(4) / 4), rtol=1e-9)
    assert current_lr(opt) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="final_lr > 0"):
        decay_to(opt, 0.0, 4)
    with pytest.raises(ValueError, match="epochs >= 1"):
        decay_to(opt, 1e-3, 0)
