"""models.data.text: corpus, vocabulary, tokenizers, splits and BPTT batches."""
import json
import os

import numpy as np
import pytest

from models.data import (UNK, CharTokenizer, Tokenizer, Vocab, WordTokenizer, batchify,
                         bptt_batches, load_text, load_tokenizer, num_bptt_batches,
                         split_train_val)


# ------------------------------------------------------------------ corpus
def test_default_corpus_is_pythons_documentation_of_about_465k_chars():
    text = load_text()
    assert 400_000 < len(text) < 550_000          # 464,970 on CPython 3.11.7
    assert "Assignment statements" in text
    assert load_text() == text                     # deterministic (sorted keys)


def test_load_text_reads_a_utf8_file(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("héllo\nwörld\n", encoding="utf-8")
    assert load_text(str(p)) == "héllo\nwörld\n"


def test_load_text_missing_file_names_the_path(tmp_path):
    p = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match="nope.txt") as e:
        load_text(str(p))
    assert "\n" not in str(e.value)


def test_load_text_non_utf8_file_names_the_path(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("ok\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt is not UTF-8.*line 2") as e:
        load_text(p)
    assert "\n" not in str(e.value)


# ------------------------------------------------------------------ vocab
def test_vocab_orders_specials_then_frequency_then_first_seen():
    v = Vocab.build("b a c a b a".split())
    assert v.itos == [UNK, "a", "b", "c"]
    assert v.unk_id == 0 and len(v) == 4


def test_vocab_min_freq_and_max_size():
    toks = "a a a b b c".split()
    assert Vocab.build(toks, min_freq=2).itos == [UNK, "a", "b"]
    assert Vocab.build(toks, max_size=2).itos == [UNK, "a"]      # specials count
    assert Vocab.build(toks, specials=("<pad>", UNK)).itos[:2] == ["<pad>", UNK]


def test_vocab_unknown_tokens_map_to_unk():
    v = Vocab.build("x y".split())
    ids = v.encode(["x", "zzz", "y"])
    assert ids.dtype == np.int64
    assert ids.tolist() == [v.stoi["x"], v.unk_id, v.stoi["y"]]
    assert v.decode(ids) == ["x", UNK, "y"]


def test_vocab_decode_rejects_out_of_range_ids():
    v = Vocab.build("x".split())
    with pytest.raises(IndexError, match=r"\[0, 2\)"):
        v.decode([5])


def test_vocab_save_load_round_trip_is_atomic_json(tmp_path):
    v = Vocab.build("the cat sat on the mat é".split(), specials=(UNK, "<pad>"))
    p = tmp_path / "vocab.json"
    v.save(p)
    assert json.loads(p.read_text(encoding="utf-8"))["tokens"] == v.itos
    assert Vocab.load(p) == v
    assert [f for f in os.listdir(tmp_path) if f != "vocab.json"] == []   # no temp left


def test_vocab_load_of_a_foreign_json_is_a_clear_error(tmp_path):
    p = tmp_path / "other.json"
    p.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="other.json.*not a minigrad vocabulary"):
        Vocab.load(p)


# ------------------------------------------------------------------ tokenizers
def test_char_tokenizer_round_trips_text():
    text = "Hello, world!\n\tÜnïcode ok."
    tok = CharTokenizer().fit(text)
    ids = tok.encode(text)
    assert ids.dtype == np.int64 and len(ids) == len(text)
    assert tok.decode(ids) == text


def test_char_tokenizer_unknown_characters_become_unk():
    tok = CharTokenizer().fit("abc")
    assert tok.decode(tok.encode("abz")) == "ab" + UNK


def test_word_tokenizer_splits_words_and_punctuation():
    tok = WordTokenizer()
    assert tok.tokenize("Don't panic, (mostly).") == \
        ["Don't", "panic", ",", "(", "mostly", ")", "."]
    assert WordTokenizer(lower=True).tokenize("The THE") == ["the", "the"]


def test_word_tokenizer_decode_joins_sensibly_and_round_trips_tokens():
    text = "Hello,   world! Lists [1, 2] (are)  fine; aren't they?"
    tok = WordTokenizer().fit(text)
    out = tok.decode(tok.encode(text))
    assert out == "Hello, world! Lists [1, 2] (are) fine; aren't they?"
    assert tok.tokenize(out) == tok.tokenize(text)


def test_word_tokenizer_keeps_lines_when_asked():
    tok = WordTokenizer(newlines=True).fit("one two\nthree\n")
    assert tok.decode(tok.encode("one two\nthree\n")) == "one two\nthree\n"


def test_word_tokenizer_unknown_words_become_unk():
    tok = WordTokenizer(lower=True).fit("the cat sat")
    assert tok.decode(tok.encode("The dog sat")) == f"the {UNK} sat"


@pytest.mark.parametrize("tok", [CharTokenizer(), WordTokenizer(lower=True, newlines=True)])
def test_tokenizer_save_load_keeps_kind_options_and_ids(tmp_path, tok):
    text = "Some text, with words.\nAnd lines!"
    tok.fit(text)
    p = tmp_path / "tok.json"
    tok.save(p)
    back = load_tokenizer(p)
    assert type(back) is type(tok) and back.options() == tok.options()
    assert back.vocab == tok.vocab
    assert back.encode(text).tolist() == tok.encode(text).tolist()
    assert type(Tokenizer.load(p)) is type(tok)
    again = Tokenizer.from_dict(tok.to_dict())
    assert again.vocab == tok.vocab and again.options() == tok.options()


def test_tokenizer_load_of_the_wrong_kind_is_refused(tmp_path):
    p = tmp_path / "tok.json"
    CharTokenizer().fit("abc").save(p)
    with pytest.raises(ValueError, match="holds a 'char' tokenizer, not 'word'"):
        WordTokenizer.load(p)


def test_tokenizer_without_vocabulary_says_to_fit():
    with pytest.raises(RuntimeError, match="fit"):
        CharTokenizer().encode("a")


# ------------------------------------------------------------------ split and batches
def test_split_train_val_is_contiguous_with_the_tail_for_validation():
    ids = np.arange(100)
    train, val = split_train_val(ids, 0.1)
    assert train.tolist() == list(range(90)) and val.tolist() == list(range(90, 100))
    assert split_train_val("abcdefghij", 0.2) == ("abcdefgh", "ij")
    with pytest.raises(ValueError, match="val_fraction"):
        split_train_val(ids, 1.0)


def test_batchify_makes_contiguous_columns_and_drops_the_remainder():
    data = batchify(np.arange(23), 4)
    assert data.shape == (5, 4) and data.dtype == np.int64
    for b in range(4):
        assert data[:, b].tolist() == list(range(5 * b, 5 * b + 5))
    with pytest.raises(ValueError, match="too few"):
        batchify(np.arange(3), 4)


def test_bptt_batches_shapes_and_targets_shifted_by_one():
    data = batchify(np.arange(1000), 4)                       # (250, 4)
    pairs = list(bptt_batches(data, 32))
    assert len(pairs) == num_bptt_batches(data, 32) == 8      # 249 steps: 7 x 32 + 25
    assert [x.shape for x, _ in pairs] == [(32, 4)] * 7 + [(25, 4)]
    for x, y in pairs:
        assert x.shape == y.shape
        assert (y == x + 1).all()                             # ids are positions here
    assert len(list(bptt_batches(data, 32, drop_last=True))) == \
        num_bptt_batches(data, 32, drop_last=True) == 7


def test_bptt_chunks_continue_the_same_text_in_each_column():
    """The state-carry property: a hidden state left by chunk k in column b belongs
    to the text right before chunk k+1's first row in column b."""
    text = load_text()[:20_000]
    tok = CharTokenizer().fit(text)
    ids = tok.encode(text)
    data = batchify(ids, 8)
    n = len(data)
    pairs = list(bptt_batches(data, 35))
    for (x0, y0), (x1, _) in zip(pairs, pairs[1:]):
        assert (x1[0] == y0[-1]).all()                        # chunk k+1 starts where k ended
        for b in range(8):                                    # and it is the same text
            column = tok.decode(np.concatenate([x0[:, b], x1[:, b]]))
            assert column in text
    # every column, read down, is one stretch of the original text
    for b in range(8):
        assert tok.decode(data[:, b]) == text[b * n:(b + 1) * n]


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    p = tmp_path / "vocab.json"
    old = Vocab.build("old words".split())
    old.save(p)

    def killed(fd):
        raise KeyboardInterrupt("killed mid-save")
    monkeypatch.setattr(os, "fsync", killed)
    with pytest.raises(KeyboardInterrupt):
        Vocab.build("new words here".split()).save(p)
    assert Vocab.load(p) == old
    assert os.listdir(tmp_path) == ["vocab.json"]             # the temp file is gone
