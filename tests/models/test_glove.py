"""models.data.glove: GloVe text files in and out, and a GloVe trainer on minigrad."""
import os

import numpy as np
import pytest

import minigrad as mg
from models.data import (PAD, UNK, Cooccurrence, Vocab, cooccurrence, glove_embedding,
                         load_glove, save_glove, train_glove)


def write(tmp_path, text, name="vecs.txt"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GLOVE = "the 1.0 2.0 3.0\ncat 0.5 -0.5 0.25\nsat -1 0 1e-1\n"


# ------------------------------------------------------------------ loading
def test_load_glove_fills_rows_of_found_words(tmp_path):
    p = write(tmp_path, GLOVE)
    vocab = Vocab.build("the cat sat".split())
    w, found, missing = load_glove(p, vocab)
    assert w.shape == (4, 3) and w.dtype == np.float32
    assert found == 3 and missing == []
    assert w[vocab.stoi["cat"]].tolist() == [0.5, -0.5, 0.25]
    assert w[vocab.stoi["sat"]] == pytest.approx([-1, 0, 0.1])


def test_missing_words_get_random_rows_and_are_counted(tmp_path):
    p = write(tmp_path, GLOVE)
    vocab = Vocab.build("the cat dog emu".split(), specials=(UNK, PAD))
    w, found, missing = load_glove(p, vocab, rng=0)
    assert found == 2 and missing == ["dog", "emu"]
    dog, emu = w[vocab.stoi["dog"]], w[vocab.stoi["emu"]]
    assert np.abs(dog).sum() > 0 and not np.allclose(dog, emu)     # random, distinct
    assert (w[vocab.stoi[PAD]] == 0).all()                          # padding: zeros
    found_rows = w[[vocab.stoi["the"], vocab.stoi["cat"]]]
    assert w[vocab.unk_id] == pytest.approx(found_rows.mean(axis=0))   # <unk>: the mean
    w2, _, _ = load_glove(p, vocab, rng=0)
    assert (w2 == w).all()                                          # seeded


def test_random_rows_have_the_spread_of_the_found_vectors(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(200)]
    save_glove(tmp_path / "g.txt", words, rng.normal(0, 3.0, (200, 20)))
    vocab = Vocab.build(words + [f"new{i}" for i in range(200)])
    w, found, missing = load_glove(tmp_path / "g.txt", vocab)
    assert found == 200 and len(missing) == 200
    new_rows = w[[vocab.stoi[m] for m in missing]]
    assert new_rows.std() == pytest.approx(3.0, rel=0.1)


def test_lowercase_fallback_and_dim_check(tmp_path):
    p = write(tmp_path, GLOVE)
    vocab = Vocab.build(["The", "CAT"])
    _, found, missing = load_glove(p, vocab)
    assert found == 2 and missing == []
    _, found, missing = load_glove(p, vocab, lowercase_fallback=False)
    assert found == 0 and missing == ["The", "CAT"]
    with pytest.raises(ValueError, match=r"vecs.txt:1: expected 5 values"):
        load_glove(p, vocab, dim=5)


def test_word2vec_header_line_is_skipped(tmp_path):
    p = write(tmp_path, "3 3\n" + GLOVE)
    _, found, _ = load_glove(p, Vocab.build(["the", "cat"]))
    assert found == 2


@pytest.mark.parametrize("bad_line, message", [
    ("dog 1.0 2.0\n", r"bad.txt:3: expected 3 values after the word 'dog', got 2"),
    ("dog 1.0 two 3.0\n", r"bad.txt:3: value 'two' is not a number"),
    ("dog 1.0 nan 3.0\n", r"bad.txt:3: value 'nan' is not a finite number"),
    ("dog\n", r"bad.txt:3: expected a word and its values"),
])
def test_malformed_line_names_file_and_line(tmp_path, bad_line, message):
    lines = GLOVE.splitlines(keepends=True)
    p = write(tmp_path, "".join(lines[:2]) + bad_line + lines[2], name="bad.txt")
    with pytest.raises(ValueError, match=message):
        load_glove(p, Vocab.build(["the"]))


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        load_glove(tmp_path / "nope.txt", Vocab.build(["a"]))
    with pytest.raises(ValueError, match="holds no vectors"):
        load_glove(write(tmp_path, "\n"), Vocab.build(["a"]))


def test_save_load_round_trip_is_exact_and_atomic(tmp_path):
    rng = np.random.default_rng(1)
    words = ["the", "cat", "naïve", ",", "sat"]
    vecs = rng.normal(size=(5, 7)).astype(np.float32)
    p = tmp_path / "out.txt"
    save_glove(p, words, vecs)
    assert os.listdir(tmp_path) == ["out.txt"]                     # no temp file left
    assert p.read_text(encoding="utf-8").split("\n")[1].split(" ")[0] == "cat"
    vocab = Vocab.build(words)
    w, found, missing = load_glove(p, vocab)
    assert found == 5 and missing == []
    for word, v in zip(words, vecs):
        assert (w[vocab.stoi[word]] == v).all()
    with pytest.raises(ValueError, match="whitespace"):
        save_glove(p, ["two words"], vecs[:1])


def test_glove_embedding_wraps_the_weights(tmp_path):
    p = write(tmp_path, GLOVE)
    vocab = Vocab.build("the cat".split())
    emb = glove_embedding(p, vocab, freeze=True)
    w, _, _ = load_glove(p, vocab)
    out = emb(mg.tensor(np.array([vocab.stoi["cat"], vocab.stoi["the"]])))
    assert np.allclose(out.numpy(), w[[vocab.stoi["cat"], vocab.stoi["the"]]])
    assert not emb.weight.requires_grad
    assert glove_embedding(p, vocab, freeze=False).weight.requires_grad
    assert emb.padding_idx is None
    padded = Vocab.build("the cat".split(), specials=(UNK, PAD))
    assert glove_embedding(p, padded).padding_idx == padded.stoi[PAD]


# ------------------------------------------------------------------ co-occurrence
def test_cooccurrence_weights_pairs_by_inverse_distance():
    c = cooccurrence([0, 1, 2], vocab_size=3, window=2)
    x = c.to_dense()
    assert x[0, 1] == x[1, 0] == 1.0 and x[1, 2] == 1.0
    assert x[0, 2] == x[2, 0] == 0.5
    assert x[0, 0] == 0 and len(c) == 6
    one_way = cooccurrence([0, 1, 2], 3, window=2, symmetric=False).to_dense()
    assert one_way[0, 1] == 1.0 and one_way[1, 0] == 0.0


def test_cooccurrence_matches_a_plain_loop_and_ignores_ids():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 30, size=2000)
    expected = np.zeros((30, 30))
    for p in range(len(ids)):
        for d in range(1, 4):
            if p + d < len(ids) and ids[p] != 0 and ids[p + d] != 0:
                expected[ids[p], ids[p + d]] += 1 / d
                expected[ids[p + d], ids[p]] += 1 / d
    got = cooccurrence(ids, 30, window=3, ignore=[0]).to_dense()
    assert np.allclose(got, expected)
    assert Cooccurrence.from_dense(got).to_dense() == pytest.approx(got)


# ------------------------------------------------------------------ training


def _two_context_corpus(seed=0, n=3000):
    """Animals appear with pet words, vehicles with road words; never mixed."""
    rng = np.random.default_rng(seed)
    groups = [(["cat", "dog", "hamster"], ["fur", "paws", "purrs", "vet"]),
              (["car", "bus", "truck"], ["wheels", "road", "fuel", "garage"])]
    words = []
    for _ in range(n):
        subjects, context = groups[rng.integers(2)]
        words += [subjects[rng.integers(3)], context[rng.integers(4)],
                  context[rng.integers(4)], "."]
    return words


def test_train_glove_loss_decreases_and_separates_two_contexts():
    words = _two_context_corpus()
    vocab = Vocab.build(words)
    c = cooccurrence(vocab.encode(words), len(vocab), window=3)
    vecs, losses = train_glove(c, dim=10, epochs=40, lr=0.1, x_max=10, batch_size=64,
                               seed=0, return_losses=True)
    assert vecs.shape == (len(vocab), 10) and vecs.dtype == np.float32
    assert losses[-1] < 0.2 * losses[0]
    assert all(b <= a * 1.05 for a, b in zip(losses, losses[1:]))   # (nearly) monotone

    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)

    def cos(a, b):
        return float(unit[vocab.stoi[a]] @ unit[vocab.stoi[b]])
    animals, vehicles = ["cat", "dog", "hamster"], ["car", "bus", "truck"]
    for group, other in [(animals, vehicles), (vehicles, animals)]:
        for a in group:
            same = min(cos(a, b) for b in group if b != a)
            across = max(cos(a, b) for b in other)
            assert same > across, (a, same, across)


def test_train_glove_accepts_dense_and_dict_matrices():
    x = np.array([[0, 4.0, 1.0], [4.0, 0, 0], [1.0, 0, 0]])
    v1 = train_glove(x, dim=3, epochs=2, seed=3)
    d = {(0, 1): 4.0, (1, 0): 4.0, (0, 2): 1.0, (2, 0): 1.0}
    v2 = train_glove(d, dim=3, epochs=2, seed=3)
    assert v1.shape == v2.shape == (3, 3)
    assert np.allclose(v1, v2)
    with pytest.raises(ValueError, match="no non-zero entries"):
        train_glove(np.zeros((3, 3)), dim=2, epochs=1)
