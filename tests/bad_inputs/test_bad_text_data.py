"""Bad input, family "text data": the GloVe loader and writer, text files, vocabularies,
tokenizers, BPTT batches, and the series helpers of ``models.data``."""
import numpy as np
import pytest
from mistakes import case, check

from models.data import (CharTokenizer, Scaler, Vocab, WordTokenizer, batchify, bptt_batches,
                         cooccurrence, load_glove, load_text, make_windows, num_bptt_batches,
                         save_glove, split_train_val, train_glove)

VOCAB = Vocab.build("the cat sat on the mat".split())


@pytest.fixture
def d(tmp_path):
    def write(name, data):
        (tmp_path / name).write_bytes(data)
    write("ragged.txt", b"the 1 2\ncat 3\n")
    write("nan.txt", b"the 1 nan\n")
    write("inf.txt", b"the 1 inf\n")
    write("word.txt", b"the 1 x\n")
    write("empty.txt", b"")
    write("latin1.txt", "caf\xe9 1 2\n".encode("latin-1"))
    write("gzip.txt.gz", b"\x1f\x8b\x08\x00rest")
    write("only_word.txt", b"the\n")
    write("header.txt", b"2 3\nthe 1 2\n")
    write("ok.txt", b"the 1 2\n")
    write("latin1_text.txt", "caf\xe9".encode("latin-1"))
    write("bad.json", b"{not json")
    write("other.json", b'{"a": 1}')
    write("no_tokens.json", b'{"format": "minigrad.vocab", "unk": "<unk>"}')
    write("tokens_int.json", b'{"format": "minigrad.vocab", "unk": "<unk>", "tokens": 5}')
    CharTokenizer().fit("ab").save(tmp_path / "char_tok.json")
    return tmp_path


CASES = [
    case("GloVe rows of two lengths", lambda p: load_glove(p / "ragged.txt", VOCAB),
         ValueError, "ragged.txt:2", "expected 2 values", "'cat'"),
    case("GloVe value nan", lambda p: load_glove(p / "nan.txt", VOCAB), ValueError,
         "nan.txt:1", "'nan'"),
    case("GloVe value inf", lambda p: load_glove(p / "inf.txt", VOCAB), ValueError,
         "inf.txt:1", "'inf'"),
    case("GloVe value that is a word", lambda p: load_glove(p / "word.txt", VOCAB),
         ValueError, "word.txt:1", "'x'"),
    case("GloVe file missing", lambda p: load_glove(p / "nope.txt", VOCAB),
         FileNotFoundError, "load_glove", "nope.txt"),
    case("GloVe path a folder", lambda p: load_glove(p, VOCAB), OSError, "load_glove",
         "directory"),
    case("GloVe file empty", lambda p: load_glove(p / "empty.txt", VOCAB), ValueError,
         "load_glove", "no vectors"),
    case("GloVe file in Latin-1", lambda p: load_glove(p / "latin1.txt", VOCAB), ValueError,
         "latin1.txt:1", "UTF-8"),
    case("GloVe file still gzipped", lambda p: load_glove(p / "gzip.txt.gz", VOCAB),
         ValueError, "gzip.txt.gz:1", "UTF-8"),
    case("GloVe line of a word alone", lambda p: load_glove(p / "only_word.txt", VOCAB),
         ValueError, "only_word.txt:1", "'the'"),
    case("GloVe header of another dim", lambda p: load_glove(p / "header.txt", VOCAB),
         ValueError, "header.txt:2", "expected 3 values"),
    case("GloVe dim that differs", lambda p: load_glove(p / "ok.txt", VOCAB, dim=3),
         ValueError, "ok.txt:1", "expected 3"),
    case("GloVe dim 0", lambda p: load_glove(p / "ok.txt", VOCAB, dim=0), ValueError,
         "load_glove", "dim", "0"),
    case("GloVe with a list for a vocabulary", lambda p: load_glove(p / "ok.txt", ["the"]),
         TypeError, "load_glove", "Vocab", "list"),
    case("saving GloVe NaN vectors", lambda p: save_glove(p / "o.txt", ["a"],
                                                          np.full((1, 2), np.nan)),
         ValueError, "save_glove", "'a'", "not finite"),
    case("saving a word with a space", lambda p: save_glove(p / "o.txt", ["a b"],
                                                            np.ones((1, 2))),
         ValueError, "save_glove", "'a b'"),
    case("saving more vectors than words", lambda p: save_glove(p / "o.txt", ["a"],
                                                                np.ones((2, 2))),
         ValueError, "save_glove", "(2, 2)"),
    case("text file missing", lambda p: load_text(p / "nope"), FileNotFoundError,
         "load_text", "nope"),
    case("text path a folder", lambda p: load_text(p), IsADirectoryError, "load_text",
         "directory"),
    case("text file in Latin-1", lambda p: load_text(p / "latin1_text.txt"), ValueError,
         "load_text", "not UTF-8", "0xe9"),
    case("Vocab built from a string", lambda p: Vocab.build("hello"), TypeError,
         "Vocab.build", "str", "split"),
    case("Vocab of a non-string token", lambda p: Vocab(["<unk>", 1]), TypeError, "Vocab",
         "position 1"),
    case("Vocab min_freq 0", lambda p: Vocab.build(["a"], min_freq=0), ValueError,
         "Vocab.build", "min_freq"),
    case("Vocab decode of an id out of range", lambda p: VOCAB.decode([100]), IndexError,
         "Vocab.decode", "[100]"),
    case("Vocab decode of floats", lambda p: VOCAB.decode([1.5]), TypeError, "Vocab.decode",
         "float64"),
    case("Vocab file not JSON", lambda p: Vocab.load(p / "bad.json"), ValueError,
         "Vocab.load", "bad.json", "not valid JSON"),
    case("Vocab file of something else", lambda p: Vocab.load(p / "other.json"), ValueError,
         "Vocab.load", "not a minigrad vocabulary"),
    case("Vocab file without tokens", lambda p: Vocab.load(p / "no_tokens.json"), ValueError,
         "Vocab.load", "'tokens'"),
    case("Vocab file with a number for tokens", lambda p: Vocab.load(p / "tokens_int.json"),
         TypeError, "Vocab", "int"),
    case("tokenizer used before fit", lambda p: CharTokenizer().encode("abc"), RuntimeError,
         "CharTokenizer", "fit"),
    case("tokenizer fit on a number", lambda p: CharTokenizer().fit(123), TypeError,
         "CharTokenizer.fit", "int"),
    case("tokenizer encoding bytes", lambda p: WordTokenizer().fit("abc").encode(b"abc"),
         TypeError, "WordTokenizer.encode", "bytes"),
    case("tokenizer file of another kind", lambda p: WordTokenizer.load(p / "char_tok.json"),
         ValueError, "WordTokenizer.load", "'char'"),
    case("split with val_fraction 1", lambda p: split_train_val(np.arange(10), 1.0),
         ValueError, "split_train_val", "1.0"),
    case("split with a string fraction", lambda p: split_train_val(np.arange(10), "0.1"),
         TypeError, "split_train_val", "'0.1'"),
    case("batchify of float ids", lambda p: batchify(np.linspace(0, 1, 10), 2), TypeError,
         "batchify", "float64"),
    case("batchify of a float batch size", lambda p: batchify(np.arange(10), 2.5), TypeError,
         "batchify", "2.5"),
    case("batchify of batch size 0", lambda p: batchify(np.arange(10), 0), ValueError,
         "batchify", "batch_size"),
    case("batchify of too few ids", lambda p: batchify(np.arange(3), 2), ValueError,
         "batchify", "3 ids", "batch_size=2"),
    case("BPTT chunks of length 0", lambda p: list(bptt_batches(batchify(np.arange(20), 2),
                                                                0)),
         ValueError, "bptt_batches", "seq_len"),
    case("BPTT over a 1-d stream", lambda p: list(bptt_batches(np.arange(20), 3)), ValueError,
         "bptt_batches", "2-D", "(20,)"),
    case("counting BPTT chunks of length 0",
         lambda p: num_bptt_batches(batchify(np.arange(20), 2), 0), ValueError,
         "num_bptt_batches", "seq_len"),
    case("co-occurrence ids out of range", lambda p: cooccurrence(np.arange(5), 3),
         ValueError, "cooccurrence", "[0, 3)"),
    case("training GloVe of dim 0", lambda p: train_glove(np.ones((3, 3)), dim=0, epochs=1),
         ValueError, "train_glove", "dim"),
    case("training GloVe on zeros", lambda p: train_glove(np.zeros((3, 3))), ValueError,
         "train_glove", "no non-zero"),
    case("windows over a series with NaN",
         lambda p: make_windows(np.array([1.0, np.nan, 2.0, 3.0]), 2), ValueError,
         "make_windows", "values[1]", "nan"),
    case("windows longer than the series", lambda p: make_windows(np.arange(10.0), 20),
         ValueError, "make_windows", "n_lags=20"),
    case("scaling before fitting", lambda p: Scaler().transform(np.ones(3)), RuntimeError,
         "Scaler.transform", "fit"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(d, call, error, needles):
    check(lambda: call(d), error, needles)


def test_a_glove_file_with_a_byte_order_mark_keeps_its_first_word(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffthe 1 2\ncat 3 4\n".encode("utf-8"))  # as Windows editors save
    weights, found, missing = load_glove(path, VOCAB)
    assert found == 2 and "the" not in missing  # was: 1 found, "the" missing
    np.testing.assert_array_equal(weights[VOCAB.stoi["the"]], [1, 2])


def test_a_text_file_with_a_byte_order_mark_does_not_start_with_it(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffhello".encode("utf-8"))
    assert load_text(path) == "hello"  # was: "\ufeffhello", a token no text has
