"""Language model: shapes, state carry, evaluation numbers, generation."""
import math
import re

import numpy as np
import pytest

import minigrad as mg
import minigrad.optim
from models.data import CharTokenizer, WordTokenizer, batchify
from models.lm import (LanguageModel, LMTask, detach_state, grad_norm_per_step,
                       unigram_entropy_bits)

TEXT = "the cat sat on the mat. the dog sat on the log. " * 8


@pytest.fixture
def tok():
    return CharTokenizer().fit(TEXT)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_forward_shapes_and_state(tok, cell):
    mg.manual_seed(0)
    m = LanguageModel(len(tok), 8, 12, num_layers=2, cell=cell)
    x = tok.encode(TEXT[:30]).reshape(10, 3)
    logits, state = m(x)
    assert logits.shape == (10, 3, len(tok))
    h = state[0] if cell == "lstm" else state
    assert h.shape == (2, 3, 12)


def test_state_carry_equals_one_pass(tok):
    """Reading a sequence in two chunks, carrying the state, gives the numbers of one
    pass: what truncated BPTT relies on."""
    mg.manual_seed(1)
    m = LanguageModel(len(tok), 8, 12, cell="lstm").double()
    x = tok.encode(TEXT[:40]).reshape(20, 2)
    full, _ = m(x)
    a, s = m(x[:7])
    b, _ = m(x[7:], detach_state(s))
    np.testing.assert_allclose(np.concatenate([a.numpy(), b.numpy()]), full.numpy(),
                               rtol=1e-12, atol=1e-12)


def test_tied_weights_share_one_parameter(tok):
    m = LanguageModel(len(tok), 16, 16, tie_weights=True)
    assert m.decoder.weight is m.embedding.weight
    names = [n for n, _ in m.named_parameters()]
    assert "decoder.weight" not in names and "embedding.weight" in names
    with pytest.raises(ValueError, match="tie_weights"):
        LanguageModel(len(tok), 8, 16, tie_weights=True)


def test_bad_arguments(tok):
    with pytest.raises(ValueError, match="cell"):
        LanguageModel(10, 4, 4, cell="transformer")
    m = LanguageModel(len(tok), 4, 4)
    with pytest.raises(ValueError, match=r"\(T, B\)"):
        m(np.zeros(5, dtype=np.int64))


def test_evaluate_numbers(tok):
    mg.manual_seed(2)
    m = LanguageModel(len(tok), 8, 8)
    ids = tok.encode(TEXT)
    r = m.evaluate(ids, batch_size=4, seq_len=10)
    assert r["bpc"] == pytest.approx(r["loss"] / math.log(2))
    assert r["perplexity"] == pytest.approx(math.exp(r["loss"]))
    # by hand: the mean cross-entropy over every predicted token
    data = batchify(ids, 4)
    total, n, state = 0.0, 0, None
    with mg.no_grad():
        for i in range(0, len(data) - 1, 10):
            t = min(10, len(data) - 1 - i)
            x, y = data[i:i + t], data[i + 1:i + 1 + t]
            loss, state = m.loss(x, y, state)
            total += loss.item() * y.size
            n += y.size
    assert r["loss"] == pytest.approx(total / n, rel=1e-6)
    assert m.training  # evaluate restores the mode


def test_training_learns_a_repetitive_text(tok):
    mg.manual_seed(3)
    ids = tok.encode(TEXT)
    m = LanguageModel(len(tok), 16, 32)
    opt = mg.optim.Adam(m.parameters(), lr=1e-2)
    task = LMTask(ids, ids, batch_size=4, seq_len=16)
    before = m.evaluate(ids, 4, 16)["loss"]
    for _ in range(3):
        task.start_epoch()
        for batch in task.batches():
            opt.zero_grad()
            loss, _, _ = task.step(m, batch)
            loss.backward()
            opt.step()
    after = m.evaluate(ids, 4, 16)["loss"]
    assert after < before - 1.0
    assert after < unigram_entropy_bits(ids) * math.log(2)  # beats the unigram model


def test_generate_chars_words_and_determinism(tok):
    mg.manual_seed(4)
    m = LanguageModel(len(tok), 8, 16)
    out = m.generate(tok, "the ", 25, rng=0)
    assert len(out) == 25 and set(out) <= set(TEXT)
    assert m.generate(tok, "the ", 25, rng=0) == out
    greedy = m.generate(tok, "the ", 10, top_k=1, rng=1)
    assert m.generate(tok, "the ", 10, top_k=1, rng=2) == greedy
    words = m.generate(tok, "the ", 3, rng=5, unit="words")
    assert len(words.split()) == 3 and not words.endswith(" ")
    assert m.generate(tok, "the", 0) == ""


def test_generate_word_level_never_samples_unknown():
    wt = WordTokenizer().fit(TEXT)
    mg.manual_seed(5)
    m = LanguageModel(len(wt), 8, 8)
    m.decoder.bias.array[wt.vocab.unk_id] = 50.0  # <unk> would win every draw
    out = m.generate(wt, "the cat", 10, rng=0, unit="words")
    assert len(re.findall(r"\w+", out)) == 10
    assert "<unk>" not in out
    assert out.startswith(" ")  # joins the seed with a space


def test_generate_errors(tok):
    m = LanguageModel(len(tok), 4, 4)
    with pytest.raises(ValueError, match="empty"):
        m.generate(tok, "", 5)
    with pytest.raises(ValueError, match="temperature"):
        m.generate(tok, "a", 5, temperature=0)
    with pytest.raises(ValueError, match="tokens"):
        LanguageModel(len(tok) + 1, 4, 4).generate(tok, "a", 5)


def test_unigram_entropy_and_grad_norms(tok):
    assert unigram_entropy_bits(np.array([0, 1, 2, 3] * 5)) == pytest.approx(2.0)
    assert unigram_entropy_bits(np.array([1, 1, 1])) == pytest.approx(0.0)
    m = LanguageModel(len(tok), 4, 6, cell="rnn")
    x = tok.encode(TEXT[:13])
    norms = grad_norm_per_step(m, x[:-1].reshape(-1, 1), x[1:].reshape(-1, 1))
    assert norms.shape == (12,) and np.all(norms >= 0) and norms[-1] > 0
    assert all(p.grad is None for p in m.parameters())
