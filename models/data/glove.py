"""Word vectors in the GloVe text format: load, save, and train small ones.

The format is one word per line followed by its d numbers, separated by spaces::

    the 0.418 0.24968 -0.41242 ...
    , 0.013441 0.23682 -0.16899 ...

``load_glove`` turns such a file into the weight matrix of an Embedding for a given
Vocab; ``train_glove`` learns vectors from a co-occurrence matrix with minigrad
itself (tensors, ``backward()`` and Adagrad), minimising GloVe's weighted least
squares (Pennington, Socher and Manning, 2014)::

    J = sum_ij f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2
    f(x) = min(1, (x / x_max)^alpha)

over the non-zero entries X_ij (how often word j appears near word i, each
occurrence weighted 1/distance). f keeps rare pairs from dominating and caps the
weight of very frequent ones.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

import minigrad as mg
from models.data._io import atomic_write_text
from models.data.text import PAD, Vocab

__all__ = ["load_glove", "glove_embedding", "save_glove", "Cooccurrence", "cooccurrence",
           "train_glove"]


# ------------------------------------------------------------------------- reading
def _parse_vector(parts: list[str], path: str, lineno: int) -> np.ndarray:
    try:
        vec = np.array(parts, dtype=np.float32)
    except ValueError:
        for p in parts:
            try:
                float(p)
            except ValueError:
                raise ValueError(f"{path}:{lineno}: value {p!r} is not a number") from None
        raise ValueError(f"{path}:{lineno}: the values are not numbers") from None
    if not np.isfinite(vec).all():
        bad = parts[int(np.flatnonzero(~np.isfinite(vec))[0])]
        raise ValueError(f"{path}:{lineno}: value {bad!r} is not a finite number")
    return vec


def _read_vectors(path: str, wanted: set[str], dim: int | None,
                  strict: bool) -> tuple[dict[str, np.ndarray], int]:
    """Vectors of the ``wanted`` words in the file (first occurrence wins) and the dim."""
    found: dict[str, np.ndarray] = {}
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"load_glove: no such file: {path}") from None
    except OSError as e:
        raise OSError(f"load_glove: cannot read {path}: {e.strerror or e}") from None
    with f:
        for lineno, raw in enumerate(f, start=1):
            try:  # "utf-8-sig": a byte-order mark before the first word is not part of it
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError:
                raise ValueError(f"{path}:{lineno}: the line is not UTF-8 text") from None
            parts = line.split()
            if not parts:
                continue  # blank lines are harmless
            if lineno == 1 and len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                # a word2vec / fastText header "count dim": skip it, but trust its dim
                header_dim = int(parts[1])
                if dim is not None and dim != header_dim:
                    raise ValueError(f"{path}:1: the header says dim {header_dim}, "
                                     f"expected {dim}")
                dim = header_dim
                continue
            if len(parts) < 2:
                raise ValueError(f"{path}:{lineno}: expected a word and its values, "
                                 f"got {line.strip()[:40]!r}")
            if dim is None:
                dim = len(parts) - 1
            if len(parts) - 1 != dim:
                raise ValueError(f"{path}:{lineno}: expected {dim} values after the word "
                                 f"{parts[0]!r}, got {len(parts) - 1}")
            word = parts[0]
            if word in wanted and word not in found:
                found[word] = _parse_vector(parts[1:], path, lineno)
            elif strict:
                _parse_vector(parts[1:], path, lineno)
    if dim is None:
        raise ValueError(f"load_glove: {path} holds no vectors")
    return found, dim


def load_glove(path: str | os.PathLike, vocab: Vocab, dim: int | None = None,
               rng: np.random.Generator | int | None = None, lowercase_fallback: bool = True,
               strict: bool = True) -> tuple[np.ndarray, int, list[str]]:
    """Weights (len(vocab), d) float32 for an Embedding, from a GloVe text file.

    Returns ``(weights, found, missing)``: ``found`` counts the vocabulary rows filled
    from the file; ``missing`` lists the (non-special) vocabulary words the file
    lacks, whose rows are drawn from a normal distribution with the spread (standard
    deviation) of the found vectors, so they neither vanish nor stand out.
    Special tokens: ``<pad>`` gets zeros; ``<unk>`` gets its vector if the file has
    one, else the mean of the found vectors (the "average word").

    ``dim``: the expected dimension (default: whatever the first line has). A word
    missing in its own case is looked up lowercased (GloVe's common files are
    lowercase) unless ``lowercase_fallback=False``. ``rng``: a numpy Generator or a
    seed; None means seed 0, so loading twice gives the same weights. Every line is
    checked (``strict=False`` checks the numbers of needed words only, faster on big
    files); a bad line raises ValueError naming the file and the line number. A
    word2vec-style first line ``count dim`` is skipped.
    """
    path = os.fspath(path)
    if not isinstance(vocab, Vocab):
        raise TypeError(f"load_glove: vocab must be a Vocab, got {type(vocab).__name__}")
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int) or dim < 1):
        raise ValueError(f"load_glove: dim must be a positive integer (or None), got {dim!r}")
    wanted = set(vocab.itos)
    if lowercase_fallback:
        wanted |= {t.lower() for t in vocab.itos}
    vectors, dim = _read_vectors(path, wanted, dim, strict)

    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
        0 if rng is None else rng)
    weights = np.zeros((len(vocab), dim), dtype=np.float32)
    specials = set(vocab.specials)
    filled = np.zeros(len(vocab), dtype=bool)
    missing: list[str] = []
    for i, word in enumerate(vocab.itos):
        vec = vectors.get(word)
        if vec is None and lowercase_fallback and word not in specials:
            vec = vectors.get(word.lower())
        if vec is not None:
            weights[i] = vec
            filled[i] = True
        elif word not in specials:
            missing.append(word)
    found = int(filled.sum())

    if found:
        scale = float(weights[filled].std()) or 1.0 / np.sqrt(dim)
        mean = weights[filled].mean(axis=0)
    else:
        scale, mean = 1.0 / np.sqrt(dim), np.zeros(dim, dtype=np.float32)
    for i, word in enumerate(vocab.itos):
        if filled[i]:
            continue
        if word == vocab.unk:
            weights[i] = mean
        elif word in specials:
            weights[i] = 0.0  # <pad> and other markers: a neutral zero vector
        else:
            weights[i] = rng.normal(0.0, scale, size=dim)
    return weights, found, missing


def glove_embedding(path: str | os.PathLike, vocab: Vocab, freeze: bool = True, **kwargs: Any):
    """An ``mg.nn.Embedding`` holding the GloVe vectors of ``vocab`` (see ``load_glove``
    for ``kwargs``); ``freeze=False`` lets training fine-tune them. If the vocabulary
    has a ``<pad>`` token, its row is the Embedding's ``padding_idx`` (zero, and never
    updated)."""
    weights, _, _ = load_glove(path, vocab, **kwargs)
    padding_idx = vocab.stoi[PAD] if PAD in vocab.specials else None
    return mg.nn.Embedding.from_pretrained(weights, freeze=freeze, padding_idx=padding_idx)


def save_glove(path: str | os.PathLike, words: Sequence[str], vectors: Any,
               precision: int = 9) -> None:
    """Write ``words`` and their ``vectors`` (n, d) in the GloVe text format, atomically.
    ``precision`` significant digits (9, the default, reproduces float32 exactly)."""
    path = os.fspath(path)
    vectors = np.asarray(vectors.numpy() if hasattr(vectors, "numpy") else vectors)
    words = list(words)
    if vectors.ndim != 2 or len(words) != len(vectors):
        raise ValueError(f"save_glove: need vectors of shape (len(words)={len(words)}, d), "
                         f"got {vectors.shape}")
    for w in words:
        if not isinstance(w, str) or len(w.split()) != 1 or w.strip() != w:
            raise ValueError(f"save_glove: word {w!r} cannot be written (empty or contains "
                             f"whitespace)")
    if vectors.dtype.kind not in "biuf" or not np.isfinite(vectors).all():
        bad = 0 if vectors.dtype.kind not in "biuf" else int(
            np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
        raise ValueError(f"save_glove: the vector of {words[bad]!r} (row {bad}) is not finite "
                         f"numbers; load_glove would refuse the file")
    fmt = f"%.{precision}g"
    lines = [w + " " + " ".join(fmt % v for v in row.tolist())
             for w, row in zip(words, vectors.astype(np.float64))]
    atomic_write_text(path, "\n".join(lines) + "\n")


# ------------------------------------------------------------------------- co-occurrence
@dataclass
class Cooccurrence:
    """A sparse (coordinate-list) co-occurrence matrix: X[rows[k], cols[k]] = values[k]."""

    rows: np.ndarray      # int64, (nnz,)
    cols: np.ndarray      # int64, (nnz,)
    values: np.ndarray    # float64, (nnz,), all > 0
    vocab_size: int

    def __len__(self) -> int:
        return len(self.values)

    def to_dense(self) -> np.ndarray:
        x = np.zeros((self.vocab_size, self.vocab_size))
        x[self.rows, self.cols] = self.values
        return x

    @classmethod
    def from_dense(cls, x: np.ndarray) -> Cooccurrence:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[0] != x.shape[1]:
            raise ValueError(f"Cooccurrence: a dense matrix must be square, got {x.shape}")
        rows, cols = np.nonzero(x)
        return cls(rows.astype(np.int64), cols.astype(np.int64),
                   x[rows, cols].astype(np.float64), x.shape[0])

    @classmethod
    def from_dict(cls, d: dict[tuple[int, int], float], vocab_size: int) -> Cooccurrence:
        keys = [k for k, v in d.items() if v]
        return cls(np.array([k[0] for k in keys], dtype=np.int64),
                   np.array([k[1] for k in keys], dtype=np.int64),
                   np.array([d[k] for k in keys], dtype=np.float64), vocab_size)


def cooccurrence(ids: Any, vocab_size: int, window: int = 5, symmetric: bool = True,
                 ignore: Iterable[int] = ()) -> Cooccurrence:
    """Count, for every pair of words at distance d <= ``window`` in the id stream,
    1/d (closer words count more, as in GloVe). ``symmetric`` counts each pair both
    ways (left and right context). Ids in ``ignore`` (say ``<unk>``) are left out.

    Vectorised: one pass per distance, then pairs are merged with ``np.unique``, so
    a few hundred thousand tokens take well under a second."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    if window < 1:
        raise ValueError(f"cooccurrence: window must be >= 1, got {window}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(f"cooccurrence: ids must be in [0, {vocab_size}), "
                         f"got min {ids.min()} and max {ids.max()}")
    ignore = np.asarray(list(ignore), dtype=np.int64)
    keep = ~np.isin(ids, ignore) if ignore.size else np.ones(len(ids), dtype=bool)
    keys, weights = [], []
    for d in range(1, min(window, len(ids) - 1) + 1):
        a, b = ids[:-d], ids[d:]
        ok = keep[:-d] & keep[d:]
        a, b = a[ok], b[ok]
        pairs = [a * vocab_size + b] + ([b * vocab_size + a] if symmetric else [])
        for k in pairs:
            keys.append(k)
            weights.append(np.full(len(k), 1.0 / d))
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return Cooccurrence(empty, empty.copy(), np.zeros(0), vocab_size)
    uniq, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    values = np.bincount(inverse.reshape(-1), weights=np.concatenate(weights))
    return Cooccurrence(uniq // vocab_size, uniq % vocab_size, values, vocab_size)


# ------------------------------------------------------------------------- training
def _as_cooccurrence(cooc: Any, vocab_size: int | None) -> Cooccurrence:
    if isinstance(cooc, Cooccurrence):
        return cooc
    if isinstance(cooc, dict):
        if vocab_size is None:
            vocab_size = 1 + max((max(k) for k in cooc), default=-1)
        return Cooccurrence.from_dict(cooc, vocab_size)
    return Cooccurrence.from_dense(np.asarray(cooc))


def train_glove(cooc: Cooccurrence | np.ndarray | dict, dim: int = 50, epochs: int = 25,
                lr: float = 0.05, x_max: float = 100.0, alpha: float = 0.75,
                batch_size: int = 1024, seed: int = 0, vocab_size: int | None = None,
                return_losses: bool = False, verbose: bool = False):
    """Learn GloVe vectors from a co-occurrence matrix with minigrad's autograd.

    Each epoch shuffles the non-zero entries and walks them in mini-batches: look up
    w_i, w~_j, b_i, b~_j (embedding lookups, so gradients reach only the rows used),
    form the weighted squared error, ``backward()``, and take an Adagrad step (GloVe's
    own optimiser: each parameter gets its own step size, so rare words, seldom
    updated, still move). Returns the word vectors w + w~ as float32 (V, dim), and
    with ``return_losses=True`` also the mean weighted loss per entry of each epoch.

    ``cooc``: a ``Cooccurrence``, a dense square array, or a dict {(i, j): x_ij}
    (then ``vocab_size`` may be given; by default 1 + the largest id).
    """
    for what, v, low in (("dim", dim, 1), ("epochs", epochs, 0), ("batch_size", batch_size, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ValueError(f"train_glove: {what} must be an integer >= {low}, got {v!r}")
    if not lr > 0:
        raise ValueError(f"train_glove: lr must be > 0, got {lr}")
    c = _as_cooccurrence(cooc, vocab_size)
    if len(c) == 0:
        raise ValueError("train_glove: the co-occurrence matrix has no non-zero entries")
    if (c.values <= 0).any():
        raise ValueError("train_glove: co-occurrence counts must be positive "
                         "(log X_ij is the target)")
    n_words = c.vocab_size
    rng = np.random.default_rng(seed)
    f_all = np.minimum(1.0, (c.values / x_max) ** alpha).astype(np.float32)
    logx_all = np.log(c.values).astype(np.float32)

    # GloVe's reference code starts from uniform(-0.5, 0.5) / dim and zero biases
    def init(shape):
        return mg.nn.Parameter(((rng.random(shape) - 0.5) / dim).astype(np.float32))
    w, w_ctx = init((n_words, dim)), init((n_words, dim))
    b = mg.nn.Parameter(np.zeros(n_words, dtype=np.float32))
    b_ctx = mg.nn.Parameter(np.zeros(n_words, dtype=np.float32))
    opt = mg.optim.Adagrad([w, w_ctx, b, b_ctx], lr=lr)

    losses = []
    for epoch in range(epochs):
        order = rng.permutation(len(c))
        total = 0.0
        for start in range(0, len(order), batch_size):
            k = order[start:start + batch_size]
            i, j = c.rows[k], c.cols[k]
            pred = ((mg.embedding(w, i) * mg.embedding(w_ctx, j)).sum(axis=1)
                    + b[i] + b_ctx[j])
            diff = pred - logx_all[k]
            loss = (diff * diff * f_all[k]).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.item())
        losses.append(total / len(c))
        if verbose:
            print(f"glove epoch {epoch + 1}/{epochs}: loss {losses[-1]:.5f}")
    vectors = (w.numpy() + w_ctx.numpy()).astype(np.float32)
    return (vectors, losses) if return_losses else vectors
