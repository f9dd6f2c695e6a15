"""Text for language models: the corpus, tokenizers, vocabularies and BPTT batches.

The pipeline a language model walks through::

    text = load_text()                       # Python's own documentation, ~465k chars
    tok = CharTokenizer().fit(text)          # or WordTokenizer(lower=True)
    ids = tok.encode(text)                   # int64 ids, unknown tokens -> <unk>
    train, val = split_train_val(ids, 0.1)   # contiguous: the tail is validation
    data = batchify(train, batch_size=32)    # (N, B): column b is one stretch of text
    for x, y in bptt_batches(data, seq_len=64):   # (T, B) each, y = x shifted by one
        ...                                  # carry the hidden state, detached

Why the columns: ``batchify`` cuts the id stream into B equal contiguous pieces and
stands them side by side, so that row t+1 of a column follows row t in the text, and
the first row of chunk k+1 follows the last row of chunk k. The hidden state left
by chunk k in column b is therefore the right state to start chunk k+1 with:
truncated BPTT carries it over (``h = h.detach()``) instead of starting from zeros.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from typing import Iterable, Iterator, Sequence

import numpy as np
from pydoc_data import topics

from models.data._io import atomic_write_json, read_json, read_text

UNK = "<unk>"
PAD = "<pad>"

__all__ = ["UNK", "PAD", "load_text", "default_corpus", "Vocab", "Tokenizer", "CharTokenizer",
           "WordTokenizer", "load_tokenizer", "split_train_val", "batchify", "bptt_batches",
           "num_bptt_batches"]


# ------------------------------------------------------------------------- corpus
def default_corpus() -> str:
    """The documentation text every Python ships: ``pydoc_data.topics`` (what ``help()``
    shows for keywords and topics), its values joined in sorted-key order. About
    465,000 characters (464,970 on CPython 3.11.7); the exact count varies a little
    between Python versions."""
    return "".join(topics.topics[k] for k in sorted(topics.topics))


def load_text(path: str | os.PathLike | None = None) -> str:
    """A UTF-8 text file, or with no path the default corpus (``default_corpus()``).

    A missing file raises FileNotFoundError and a file that is not UTF-8 raises
    ValueError, each with one line that names the path."""
    if path is None:
        return default_corpus()
    return read_text(path, "load_text")


# ------------------------------------------------------------------------- vocabulary
class Vocab:
    """A two-way map between tokens and integer ids.

    Special tokens come first (``<unk>`` is id 0 by default), then the tokens by
    decreasing frequency, ties in order of first appearance, so that building twice
    from the same text gives the same ids. A token never seen maps to ``<unk>``."""

    def __init__(self, tokens: Sequence[str], unk: str = UNK, specials: Sequence[str] = ()):
        if isinstance(tokens, str) or not isinstance(tokens, Iterable):
            raise TypeError(f"Vocab: tokens must be a list of strings, got "
                            f"{type(tokens).__name__}")
        self.itos: list[str] = list(tokens)
        self.stoi: dict[str, int] = {}
        for i, t in enumerate(self.itos):
            if not isinstance(t, str):
                raise TypeError(f"Vocab: tokens must be strings, got {t!r} at position {i}")
            if t in self.stoi:
                raise ValueError(f"Vocab: token {t!r} appears twice (ids {self.stoi[t]} and {i})")
            self.stoi[t] = i
        if unk not in self.stoi:
            raise ValueError(f"Vocab: the unknown token {unk!r} is not among the tokens")
        self.unk = unk
        self.unk_id = self.stoi[unk]
        self.specials = list(dict.fromkeys(specials))
        if unk not in self.specials:
            self.specials.insert(0, unk)
        for s in self.specials:
            if s not in self.stoi:
                raise ValueError(f"Vocab: special token {s!r} is not among the tokens")

    @classmethod
    def build(cls, tokens: Iterable[str], min_freq: int = 1, max_size: int | None = None,
              specials: Sequence[str] = (UNK,), unk: str = UNK) -> Vocab:
        """Count ``tokens`` and keep those seen at least ``min_freq`` times.

        ``max_size`` caps the whole vocabulary, specials included (the most frequent
        tokens stay). ``specials`` (default just ``<unk>``; add ``<pad>`` if a model
        pads) take the first ids, in the order given."""
        if isinstance(tokens, str):  # a string iterates as characters: rarely what is meant
            raise TypeError("Vocab.build: tokens must be a list of tokens, got a str (split "
                            "it first, e.g. text.split(), or use a tokenizer's fit(text))")
        if min_freq < 1:
            raise ValueError(f"Vocab.build: min_freq must be >= 1, got {min_freq}")
        specials = list(dict.fromkeys(specials))
        if unk not in specials:
            specials.insert(0, unk)
        if max_size is not None and max_size < len(specials):
            raise ValueError(f"Vocab.build: max_size={max_size} leaves no room for the "
                             f"{len(specials)} special tokens {specials}")
        counts = Counter(tokens)
        kept = [t for t, c in counts.most_common() if c >= min_freq and t not in specials]
        if max_size is not None:
            kept = kept[:max_size - len(specials)]
        return cls(specials + kept, unk=unk, specials=specials)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Vocab) and self.itos == other.itos
                and self.unk == other.unk and self.specials == other.specials)

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.itos[:8])
        return f"Vocab(size={len(self)}, tokens=[{head}{', ...' if len(self) > 8 else ''}])"

    def token_to_id(self, token: str) -> int:
        return self.stoi.get(token, self.unk_id)

    def id_to_token(self, i: int) -> str:
        return self.decode([i])[0]

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Tokens -> int64 ids; tokens not in the vocabulary become the ``<unk>`` id."""
        get, unk = self.stoi.get, self.unk_id
        return np.fromiter((get(t, unk) for t in tokens), dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Ids -> tokens. An id outside [0, len) raises IndexError."""
        ids = np.asarray(ids if not hasattr(ids, "numpy") else ids.numpy()).reshape(-1)
        if ids.size and ids.dtype.kind not in "iu":
            raise TypeError(f"Vocab.decode: ids must be integers, got dtype {ids.dtype}")
        n = len(self.itos)
        bad = ids[(ids < 0) | (ids >= n)]
        if bad.size:
            raise IndexError(f"Vocab.decode: ids must be in [0, {n}), got {bad[:5].tolist()}")
        itos = self.itos
        return [itos[i] for i in ids.tolist()]

    def to_dict(self) -> dict:
        return {"format": "minigrad.vocab", "version": 1, "unk": self.unk,
                "specials": self.specials, "tokens": self.itos}

    @classmethod
    def from_dict(cls, d: dict, where: str = "Vocab.from_dict") -> Vocab:
        if not isinstance(d, dict) or d.get("format") != "minigrad.vocab":
            raise ValueError(f"{where}: not a minigrad vocabulary (no 'format': 'minigrad.vocab')")
        try:
            return cls(d["tokens"], unk=d["unk"], specials=d.get("specials", ()))
        except KeyError as e:
            raise ValueError(f"{where}: vocabulary lacks the key {e.args[0]!r}") from None

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as JSON, atomically (a killed save keeps the old file)."""
        atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        return cls.from_dict(read_json(path, "Vocab.load"), where=f"Vocab.load: {os.fspath(path)}")


# ------------------------------------------------------------------------- tokenizers
class Tokenizer:
    """Text <-> ids through a Vocab. Subclasses say how text splits into tokens
    (``tokenize``) and how tokens join back (``detokenize``)."""

    kind = "base"

    def __init__(self, vocab: Vocab | None = None):
        self._vocab = vocab

    # subclasses
    def tokenize(self, text: str) -> list[str]:
        raise NotImplementedError

    def detokenize(self, tokens: Sequence[str]) -> str:
        raise NotImplementedError

    def options(self) -> dict:
        return {}

    # shared
    @property
    def vocab(self) -> Vocab:
        if self._vocab is None:
            raise RuntimeError(f"{type(self).__name__}: no vocabulary yet; call fit(text) "
                               f"or load a saved tokenizer first")
        return self._vocab

    def __len__(self) -> int:
        return len(self.vocab)

    def fit(self, text: str, min_freq: int = 1, max_size: int | None = None,
            specials: Sequence[str] = (UNK,)) -> Tokenizer:
        """Build the vocabulary from ``text``; returns self so ``Tok().fit(t)`` chains."""
        _check_text(f"{type(self).__name__}.fit", text)
        self._vocab = Vocab.build(self.tokenize(text), min_freq=min_freq, max_size=max_size,
                                  specials=specials)
        return self

    def encode(self, text: str) -> np.ndarray:
        _check_text(f"{type(self).__name__}.encode", text)
        return self.vocab.encode(self.tokenize(text))

    def decode(self, ids: Iterable[int]) -> str:
        return self.detokenize(self.vocab.decode(ids))

    def to_dict(self) -> dict:
        return {"format": "minigrad.tokenizer", "version": 1, "kind": self.kind,
                "options": self.options(), "vocab": self.vocab.to_dict()}

    def save(self, path: str | os.PathLike) -> None:
        """Write kind, options and vocabulary as JSON, atomically."""
        atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> Tokenizer:
        """Load a saved tokenizer. ``Tokenizer.load`` returns whichever kind the file
        holds; ``CharTokenizer.load`` / ``WordTokenizer.load`` insist on their kind."""
        return cls.from_dict(read_json(path, f"{cls.__name__}.load"),
                             where=f"{cls.__name__}.load: {os.fspath(path)}")

    @classmethod
    def from_dict(cls, d: dict, where: str = "Tokenizer.from_dict") -> Tokenizer:
        """The inverse of ``to_dict`` (for tokenizers kept inside a checkpoint)."""
        if not isinstance(d, dict) or d.get("format") != "minigrad.tokenizer":
            raise ValueError(f"{where}: not a minigrad tokenizer file")
        kinds = {c.kind: c for c in (CharTokenizer, WordTokenizer)}
        kind = d.get("kind")
        if kind not in kinds:
            raise ValueError(f"{where}: unknown tokenizer kind {kind!r} "
                             f"(known: {sorted(kinds)})")
        if cls is not Tokenizer and kinds[kind] is not cls:
            raise ValueError(f"{where}: the file holds a {kind!r} tokenizer, not {cls.kind!r}")
        tok = kinds[kind](**d.get("options", {}))
        tok._vocab = Vocab.from_dict(d.get("vocab"), where=where)
        return tok


class CharTokenizer(Tokenizer):
    """One token per character (``decode(encode(t)) == t`` for characters in the vocab)."""

    kind = "char"

    def tokenize(self, text: str) -> list[str]:
        return list(text)

    def detokenize(self, tokens: Sequence[str]) -> str:
        return "".join(tokens)

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab={len(self._vocab) if self._vocab else None})"


class WordTokenizer(Tokenizer):
    """Words and punctuation: ``"Don't panic, (mostly)."`` ->
    ``["Don't", "panic", ",", "(", "mostly", ")", "."]``.

    A word is a run of letters, digits and underscores, with inner apostrophes kept
    (``don't``, ``it's``); every other non-space character is a token of its own.
    ``lower=True`` lowercases first. ``newlines=True`` keeps each line break as a
    ``"\\n"`` token so that generated text has lines. ``decode`` joins with spaces,
    but none before closing punctuation (``. , ; : ! ? ) ] }``) and none after
    opening brackets, so the text reads naturally; the original spacing is not kept
    (``tokenize(decode(encode(t))) == tokenize(t)`` when every token is known).
    """

    kind = "word"
    _WORD = r"\w+(?:'\w+)*|[^\w\s]"
    _NO_SPACE_BEFORE = frozenset(".,;:!?)]}%\n")
    _NO_SPACE_AFTER = frozenset("([{\n")

    def __init__(self, lower: bool = False, newlines: bool = False, vocab: Vocab | None = None):
        super().__init__(vocab)
        self.lower = bool(lower)
        self.newlines = bool(newlines)
        self._re = re.compile(r"\n|" + self._WORD if newlines else self._WORD)

    def options(self) -> dict:
        return {"lower": self.lower, "newlines": self.newlines}

    def tokenize(self, text: str) -> list[str]:
        return self._re.findall(text.lower() if self.lower else text)

    def detokenize(self, tokens: Sequence[str]) -> str:
        parts: list[str] = []
        prev = None
        for t in tokens:
            if prev is not None and t not in self._NO_SPACE_BEFORE \
                    and prev not in self._NO_SPACE_AFTER:
                parts.append(" ")
            parts.append(t)
            prev = t
        return "".join(parts)

    def __repr__(self) -> str:
        return (f"WordTokenizer(lower={self.lower}, newlines={self.newlines}, "
                f"vocab={len(self._vocab) if self._vocab else None})")


def _check_text(op: str, text: object) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{op}: text must be a str, got {type(text).__name__}")


def load_tokenizer(path: str | os.PathLike) -> Tokenizer:
    """Load a tokenizer saved by ``save``, of whichever kind the file says."""
    return Tokenizer.load(path)


# ------------------------------------------------------------------------- batches
def split_train_val(ids: Sequence, val_fraction: float = 0.1) -> tuple:
    """Contiguous split: the first part trains, the tail (``val_fraction`` of it,
    rounded) validates. No shuffling: a language model's validation text must be text
    it never saw, not sentences interleaved with the training ones."""
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, int | float | np.floating):
        raise TypeError(f"split_train_val: val_fraction must be a number, got {val_fraction!r}")
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"split_train_val: val_fraction must be in [0, 1), got {val_fraction}")
    n = len(ids)
    n_val = int(round(n * val_fraction))
    if val_fraction > 0 and (n_val == 0 or n_val == n):
        raise ValueError(f"split_train_val: {n} items are too few to split with "
                         f"val_fraction={val_fraction} (one part would be empty)")
    return ids[:n - n_val], ids[n - n_val:]


def batchify(ids: Sequence[int] | np.ndarray, batch_size: int) -> np.ndarray:
    """Cut a 1-D id stream into ``batch_size`` contiguous columns: (N, B), int64.

    Column b holds ``ids[b*N:(b+1)*N]``; the last ``len(ids) % B`` ids are dropped.
    Reading down a column reads the text, which is what lets truncated BPTT carry the
    hidden state from one chunk to the next (see ``bptt_batches``)."""
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"batchify: ids must be 1-D, got shape {ids.shape}")
    if ids.size and ids.dtype.kind not in "iu":  # float "ids" would be truncated silently
        raise TypeError(f"batchify: ids must be integers, got dtype {ids.dtype}")
    _positive_int("batchify", "batch_size", batch_size)
    n = len(ids) // batch_size
    if n < 2:
        raise ValueError(f"batchify: {len(ids)} ids are too few for batch_size={batch_size} "
                         f"(each column needs at least 2, an input and its target)")
    return np.ascontiguousarray(ids[:n * batch_size].reshape(batch_size, n).T, dtype=np.int64)


def num_bptt_batches(data: np.ndarray, seq_len: int, drop_last: bool = False) -> int:
    """How many (x, y) pairs ``bptt_batches`` yields (for progress bars)."""
    _positive_int("num_bptt_batches", "seq_len", seq_len)
    steps = len(data) - 1
    return steps // seq_len if drop_last else -(-steps // seq_len)


def bptt_batches(data: np.ndarray, seq_len: int,
                 drop_last: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Walk a batchified (N, B) array in chunks: yields ``x = data[i:i+T]`` and
    ``y = data[i+1:i+1+T]``, each (T, B), T = seq_len (the last chunk may be shorter
    unless ``drop_last``).

    Chunk k+1 starts where chunk k stopped, column by column: its first input row is
    the target row of chunk k's last step. So the state a recurrent layer ends chunk
    k with, detached, is exactly the state to begin chunk k+1 with."""
    data = np.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"bptt_batches: data must be 2-D (N, B) from batchify, "
                         f"got shape {data.shape}")
    _positive_int("bptt_batches", "seq_len", seq_len)
    n = len(data)
    for i in range(0, n - 1, seq_len):
        t = min(seq_len, n - 1 - i)
        if t < seq_len and drop_last:
            return
        yield data[i:i + t], data[i + 1:i + 1 + t]


def _positive_int(op: str, what: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{op}: {what} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{op}: {what} must be >= 1, got {value}")
