"""Language models: Embedding -> RNN/LSTM/GRU (stacked, dropout) -> Linear.

    tok = CharTokenizer().fit(text)
    model = LanguageModel(len(tok), embed_dim=64, hidden_size=256, cell="lstm")
    logits, state = model(x)                  # x (T, B) ids -> logits (T, B, V)
    model.generate(tok, "The ", 200)          # sample 200 more characters
    model.evaluate(val_ids)                   # {"loss", "perplexity", "bpc"}

Training reads the text in (T, B) chunks (``models.data.bptt_batches``) and carries
the hidden state from one chunk to the next, detached: truncated back-propagation
through time. ``LMTask`` does that for ``models.train.Trainer``.
"""
from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from models.data import batchify, bptt_batches, num_bptt_batches
from models.recurrent import CELLS, recurrent_layer

__all__ = ["LanguageModel", "LMTask", "detach_state", "unigram_entropy_bits",
           "grad_norm_per_step", "CELLS"]

LN2 = math.log(2.0)


def detach_state(state: Any) -> Any:
    """Cut the graph behind a carried state (a Tensor or an LSTM's (h, c))."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def _ids(x: Any) -> np.ndarray:
    """Token ids as int64; float "ids" would be truncated to other tokens, silently."""
    ids = np.asarray(x.array if isinstance(x, mg.Tensor) else x)
    if ids.size and ids.dtype.kind not in "iu":
        raise TypeError(f"LanguageModel: token ids must be integers, got dtype {ids.dtype}")
    return ids.astype(np.int64, copy=False)


class LanguageModel(mg.nn.Module):
    """Embedding -> ``num_layers`` stacked LSTM/GRU/RNN -> Linear over the vocabulary.

    dropout:     applied to the embeddings, between recurrent layers and before the
                 output layer (training only).
    tie_weights: share the output layer's weight with the embedding (needs
                 ``embed_dim == hidden_size``; Press & Wolf, 2017).
    """

    def __init__(self, vocab_size: int, embed_dim: int = 64, hidden_size: int = 256,
                 num_layers: int = 1, cell: str = "lstm", dropout: float = 0.0,
                 tie_weights: bool = False):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"LanguageModel: unknown cell {cell!r}: use one of {CELLS}")
        if min(vocab_size, embed_dim, hidden_size, num_layers) < 1:
            raise ValueError("LanguageModel: vocab_size, embed_dim, hidden_size and "
                             "num_layers must be positive")
        if tie_weights and embed_dim != hidden_size:
            raise ValueError(f"LanguageModel: tie_weights needs embed_dim == hidden_size, "
                             f"got {embed_dim} and {hidden_size}")
        self.config = {"vocab_size": vocab_size, "embed_dim": embed_dim,
                       "hidden_size": hidden_size, "num_layers": num_layers, "cell": cell,
                       "dropout": float(dropout), "tie_weights": bool(tie_weights)}
        self.cell, self.vocab_size = cell, vocab_size
        self.embedding = mg.nn.Embedding(vocab_size, embed_dim)
        self.drop = mg.nn.Dropout(dropout)
        self.rnn = recurrent_layer(cell, embed_dim, hidden_size, num_layers, dropout)
        self.decoder = mg.nn.Linear(hidden_size, vocab_size)
        if tie_weights:
            self.decoder.weight = self.embedding.weight

    @classmethod
    def from_config(cls, config: dict) -> LanguageModel:
        return cls(**config)

    def forward(self, x: Any, state: Any = None) -> tuple[mg.Tensor, Any]:
        """x: (T, B) token ids (an int array or Tensor) -> logits (T, B, V), new state."""
        x = _ids(x)
        if x.ndim != 2:
            raise ValueError(f"LanguageModel: expected ids of shape (T, B), got {x.shape}")
        emb = self.drop(self.embedding(x))
        out, state = self.rnn(emb, state)
        steps, batch, hidden = out.shape
        logits = self.decoder(self.drop(out).reshape(steps * batch, hidden))
        return logits.reshape(steps, batch, self.vocab_size), state

    def loss(self, x: Any, y: Any, state: Any = None) -> tuple[mg.Tensor, Any]:
        """Mean cross-entropy (nats per token) of predicting y from x, and the state."""
        logits, state = self(x, state)
        return F.cross_entropy(logits.reshape(-1, self.vocab_size), _ids(y).reshape(-1)), state

    # ------------------------------------------------------------ evaluation
    def evaluate(self, ids: Any, batch_size: int = 16, seq_len: int = 64) -> dict:
        """Loss on held-out text: a 1-D id stream (batchified here) or (N, B) data.

        Returns ``loss`` (nats per token), ``perplexity`` = exp(loss) and ``bpc`` = loss
        / ln 2 (bits per token: bits per character for a character model)."""
        data = np.asarray(ids)
        if data.ndim == 1:
            batch_size = max(1, min(batch_size, (len(data) - 1) // max(seq_len, 1)))
            data = batchify(data, batch_size)
        total, count, state = 0.0, 0, None
        with mg.nn.eval_mode(self), mg.no_grad():
            for x, y in bptt_batches(data, seq_len):
                loss, state = self.loss(x, y, state)
                total += float(loss.item()) * y.size
                count += y.size
        loss = total / max(count, 1)
        return {"loss": loss, "perplexity": math.exp(min(loss, 700.0)), "bpc": loss / LN2}

    # ------------------------------------------------------------ generation
    def generate(self, tokenizer: Any, seed_text: str, n: int, temperature: float = 1.0,
                 top_k: int | None = None, rng: Any = None, unit: str = "tokens") -> str:
        """Continue ``seed_text`` by sampling ``n`` more tokens (characters for a character
        model, words and punctuation for a word model); returns the continuation.

        ``unit="words"`` counts words instead of tokens (so a character model can also
        be asked for "the next 10 words"). ``temperature`` < 1 sharpens the distribution
        (towards the most likely token), > 1 flattens it; ``top_k`` keeps only the k
        likeliest tokens. Special tokens (``<unk>``, ``<pad>``) are never sampled.
        ``rng``: a numpy Generator or a seed (default: minigrad's generator)."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise TypeError(f"generate: n must be an integer, got {n!r}")
        if not isinstance(seed_text, str):
            raise TypeError(f"generate: seed_text must be a str, got {type(seed_text).__name__}")
        if n < 0:
            raise ValueError(f"generate: n must be >= 0, got {n}")
        if temperature <= 0:
            raise ValueError(f"generate: temperature must be > 0, got {temperature}")
        if top_k is not None and top_k < 1:
            raise ValueError(f"generate: top_k must be >= 1, got {top_k}")
        if unit not in ("tokens", "words"):
            raise ValueError(f"generate: unit must be 'tokens' or 'words', got {unit!r}")
        if len(tokenizer) != self.vocab_size:
            raise ValueError(f"generate: the tokenizer has {len(tokenizer)} tokens but the "
                             f"model {self.vocab_size}")
        gen = rng if isinstance(rng, np.random.Generator) else (
            mg.backend.rng() if rng is None else np.random.default_rng(rng))
        vocab = tokenizer.vocab
        seed_tokens = tokenizer.tokenize(seed_text)
        if not seed_tokens:
            raise ValueError("generate: the seed text is empty (give at least one token)")
        banned = [vocab.stoi[s] for s in vocab.specials if s in vocab.stoi]
        char_level = tokenizer.kind == "char"
        word = re.compile(r"\w")
        new: list[int] = []
        words = 0
        limit = n if unit == "tokens" else n * 50 + 100  # a cap, should words never end
        partial = char_level and bool(word.match(seed_tokens[-1]))  # the seed's last word
        with mg.nn.eval_mode(self), mg.no_grad():
            logits, state = self(vocab.encode(seed_tokens).reshape(-1, 1))
            last = logits.array[-1, 0]
            prev = seed_tokens[-1]
            while len(new) < limit and not (unit == "words" and words >= n):
                i = _sample(mg.backend.to_numpy(last), temperature, top_k, banned, gen)
                tok = vocab.itos[i]
                if unit == "words" and char_level:
                    if word.match(prev) and not word.match(tok):  # a word just ended
                        if partial:
                            partial = False
                        else:
                            words += 1
                            if words >= n:
                                break
                elif unit == "words":
                    if word.match(tok):
                        words += 1
                new.append(i)
                prev = tok
                logits, state = self(np.array([[i]]), state)
                last = logits.array[-1, 0]
        head = tokenizer.detokenize(seed_tokens)
        return tokenizer.detokenize(seed_tokens + vocab.decode(new))[len(head):]


def _sample(logits: np.ndarray, temperature: float, top_k: int | None, banned: list,
            gen: np.random.Generator) -> int:
    z = logits.astype(np.float64) / temperature
    if not np.isfinite(z).all():
        raise ValueError("generate: the model's outputs are not finite (NaN or infinity): "
                         "its training diverged (try a smaller learning rate)")
    z[banned] = -np.inf
    if not np.isfinite(z).any():
        raise ValueError("generate: the vocabulary has no token besides the special ones "
                         "to sample")
    if top_k is not None and top_k < np.isfinite(z).sum():
        kth = np.partition(z, -top_k)[-top_k]
        z[z < kth] = -np.inf
    z = z - z[np.isfinite(z)].max()
    p = np.exp(z)
    p /= p.sum()
    return int(gen.choice(len(p), p=p))


# ------------------------------------------------------------------ training task
class LMTask:
    """Truncated BPTT over a token stream for ``models.train.Trainer``: the training
    ids are cut into ``batch_size`` columns and read ``seq_len`` steps at a time, the
    hidden state carried (detached) from chunk to chunk and reset each epoch."""

    def __init__(self, train_ids: Any, val_ids: Any = None, *, batch_size: int = 32,
                 seq_len: int = 64, val_batch_size: int | None = None,
                 max_val_tokens: int | None = None):
        self.data = batchify(np.asarray(train_ids), batch_size)
        self.seq_len = seq_len
        self.val = None
        if val_ids is not None and len(val_ids) > 1:
            val_ids = np.asarray(val_ids)
            if max_val_tokens is not None:
                val_ids = val_ids[:max_val_tokens]
            vb = val_batch_size or batch_size
            vb = max(1, min(vb, (len(val_ids) - 1) // max(seq_len, 1)))
            self.val = batchify(val_ids, vb)
        self.state: Any = None

    def num_batches(self) -> int:
        return num_bptt_batches(self.data, self.seq_len)

    def start_epoch(self) -> None:
        self.state = None

    def batches(self):
        return bptt_batches(self.data, self.seq_len)

    def step(self, model: LanguageModel, batch: tuple) -> tuple[mg.Tensor, int, dict]:
        x, y = batch
        loss, state = model.loss(x, y, self.state)
        self.state = detach_state(state)
        return loss, int(y.size), {}

    def evaluate(self, model: LanguageModel) -> dict | None:
        if self.val is None:
            return None
        return model.evaluate(self.val, seq_len=self.seq_len)

    def state_dict(self) -> dict:
        """The carried state as arrays: None, h (GRU, RNN) or the tuple (h, c) (LSTM)."""
        s = self.state
        if isinstance(s, tuple):
            return {"state": tuple(mg.backend.to_numpy(t.array).copy() for t in s)}
        return {"state": None if s is None else mg.backend.to_numpy(s.array).copy()}

    def load_state_dict(self, d: dict) -> None:
        s = d["state"]
        self.state = (tuple(mg.tensor(a) for a in s) if isinstance(s, tuple) else
                      None if s is None else mg.tensor(s))


# ------------------------------------------------------------------ analysis
def unigram_entropy_bits(ids: Any, vocab_size: int | None = None) -> float:
    """Entropy (bits per token) of the token distribution of ``ids``: the loss of the
    best model that ignores context, the baseline a language model must beat."""
    counts = np.bincount(np.asarray(ids).reshape(-1), minlength=vocab_size or 0)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def grad_norm_per_step(model: LanguageModel, x: Any, y: Any) -> np.ndarray:
    """How far back the gradient reaches: the norm of dL/de_t for every input step t
    (e_t the embedded input), where L is the loss at the *last* step only. Vanishing
    gradients show as norms falling off towards t = 0. x, y: (T, B) ids."""
    with mg.nn.eval_mode(model):
        try:
            emb = model.embedding(_ids(x))
            emb.retain_grad()
            out, _ = model.rnn(emb)
            logits = model.decoder(out[-1])
            F.cross_entropy(logits, _ids(y)[-1]).backward()
            g = mg.backend.to_numpy(emb.grad.array).astype(np.float64)
        finally:
            model.zero_grad()
    return np.sqrt((g * g).sum(axis=(1, 2)))
