"""Memory holds steady: 1,000 training steps of an LSTM language model, a graph freed
by reference counting alone when its loss is dropped, no graph at all under no_grad,
and truncated BPTT over a stream of 1,000,000 characters in bounded memory.

Measured with tracemalloc, which sees NumPy's array buffers as well as Python objects.
Some growth is by design and bounded: the trainer keeps every step's loss (one float,
~32 bytes a step) and one history entry per epoch, and NumPy keeps a small cache of
freed buffers that fills during the first hundreds of steps. A graph kept by mistake
costs tens of kilobytes a step; the bounds sit far between the two."""
import gc
import tracemalloc
import weakref

import pytest

import minigrad as mg
from minigrad.autograd import Function
from models.data import CharTokenizer, default_corpus
from models.lm import LanguageModel, LMTask
from models.train import Trainer

TEXT = "the quick brown fox jumps over the lazy dog; " * 60


class Inspected(LMTask):
    """An LMTask that also does what a curious user does at every step: record the
    layer's states and hook the loss's gradient (neither may keep anything alive)."""
    keep_graphs = False

    def step(self, model, batch):
        with mg.nn.utils.record_states() as rec:
            loss, n, metrics = super().step(model, batch)
        self.last_h = rec[model.rnn][0]["h"][-1].copy()
        loss.register_hook(lambda g: g * 1.0)
        if self.keep_graphs:  # the mistake the measurement must catch
            self.kept = getattr(self, "kept", []) + [loss]
        return loss, n, metrics


def _trainer(keep_graphs=False):
    mg.manual_seed(0)
    tok = CharTokenizer().fit(TEXT)
    task = Inspected(tok.encode(TEXT), batch_size=4, seq_len=8)
    task.keep_graphs = keep_graphs
    model = LanguageModel(len(tok), 8, 16, cell="lstm", dropout=0.1)
    return Trainer(model, mg.optim.Adam(model.parameters(), lr=3e-3), task, clip_norm=1.0,
                   progress=False, log=lambda m: None)


def _growth(trainer, first: int, last: int) -> int:
    """Bytes traced after step ``last`` minus after step ``first``."""
    marks = {}
    train_step = trainer._train_step

    def step(batch):
        out = train_step(batch)
        if trainer.step in (first, last):
            gc.collect()
            marks[trainer.step] = tracemalloc.get_traced_memory()[0]
        return out

    trainer._train_step = step
    tracemalloc.start()
    try:
        with mg.autograd.record_grad_norms():  # every edge's norm, on every step
            trainer.fit(None, max_steps=last)
    finally:
        tracemalloc.stop()
    return marks[last] - marks[first]


@pytest.mark.slow
def test_a_thousand_lstm_lm_training_steps_hold_steady_memory():
    growth = _growth(_trainer(), 200, 1000)  # 11 epochs of 85 steps, checkpoint-free
    assert growth < 200_000, f"{growth} bytes more after 800 more steps"


@pytest.mark.slow
def test_the_measurement_sees_a_graph_kept_by_mistake():
    growth = _growth(_trainer(keep_graphs=True), 20, 120)
    assert growth > 1_000_000, f"100 kept graphs measured as only {growth} bytes"


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composite"])
def test_a_dropped_loss_frees_its_graph_without_the_cycle_collector(fused):
    tok = CharTokenizer().fit(TEXT)
    model = LanguageModel(len(tok), 8, 16, num_layers=2, cell="lstm")
    model.rnn.fused = fused
    x = tok.encode(TEXT[:40]).reshape(8, 5)
    gc.collect()
    gc.disable()
    try:
        with mg.autograd.record_grad_norms():
            logits, (h, c) = model(x)
            h.retain_grad()
            h.register_hook(lambda g: g)
            loss = mg.nn.functional.cross_entropy(logits.reshape(-1, len(tok)),
                                                  x.reshape(-1))
            loss.backward(retain_graph=True)
        alive = [weakref.ref(t) for t in (loss, logits, h, c)] + [
            weakref.ref(loss.grad_fn), weakref.ref(h.grad_fn)]
        del logits, h, c, loss
        assert [r() for r in alive] == [None] * len(alive)
    finally:
        gc.enable()


def _functions_alive() -> int:
    return sum(issubclass(type(o), Function) for o in gc.get_objects())


def test_no_grad_builds_no_graph():
    tok = CharTokenizer().fit(TEXT)
    model = LanguageModel(len(tok), 8, 16, num_layers=2, cell="gru")
    x = tok.encode(TEXT[:80]).reshape(16, 5)
    gc.collect()
    before = _functions_alive()
    with mg.no_grad():
        logits, h = model(x)
        loss = mg.nn.functional.cross_entropy(logits.reshape(-1, len(tok)), x.reshape(-1))
    assert loss.grad_fn is None and not loss.requires_grad and h.grad_fn is None
    assert _functions_alive() == before  # no node outlived its call
    logits, h = model(x)  # and with gradients on, the graph is there
    assert logits.grad_fn is not None and _functions_alive() > before + 16


@pytest.mark.slow
def test_truncated_bptt_over_a_million_characters_runs_in_bounded_memory():
    """62 chunks of (up to) 64 steps x 256 streams over 1,000,000 characters: the
    memory a chunk needs (its graph) does not grow with the chunks behind it."""
    text = (default_corpus() * 3)[:1_000_000]
    tok = CharTokenizer().fit(text)
    mg.manual_seed(0)
    task = LMTask(tok.encode(text), batch_size=256, seq_len=64)
    model = LanguageModel(len(tok), 8, 16, cell="lstm")
    trainer = Trainer(model, mg.optim.Adam(model.parameters(), lr=3e-3), task,
                      clip_norm=1.0, progress=False, log=lambda m: None)
    peaks = {}
    train_step = trainer._train_step

    def step(batch):
        out = train_step(batch)
        if trainer.step in (10, task.num_batches()):
            peaks[trainer.step] = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
        return out

    trainer._train_step = step
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        trainer.fit(1)
    finally:
        tracemalloc.stop()
    assert trainer.step == task.num_batches() == 62
    (now_early, peak_early), (now_end, peak_end) = peaks[10], peaks[62]
    assert peak_end - start < 1.5 * (peak_early - start) + 100_000, (peak_early, peak_end)
    assert now_end - now_early < 200_000


def test_a_long_graph_holds_no_dict_per_tensor_and_users_may_still_set_attributes():
    """Tensors keep their fields in slots: after 10,000 tensors exist (when CPython
    stops sharing dict keys between instances), an op's output still holds no dict."""
    many = mg.tensor(mg.zeros(10_000, 1).array).unbind(0)
    x = mg.ones(1, 4, requires_grad=True)
    y = mg.tanh(x @ mg.ones(4, 4, requires_grad=True) + 1.0)
    for t in (y, y.grad_fn.inputs[0], many[-1]):
        assert not any(type(r) is dict for r in gc.get_referents(t)), type(t.grad_fn)
    y.tag = "mine"                       # as PyTorch allows: a dict made on demand
    assert y.tag == "mine" and isinstance(y.__dict__, dict)
