"""``python -m models glove``: train GloVe word vectors on a text with minigrad and write
them in GloVe's text format, for ``train-lm --embeddings``.

    python -m models glove --lower --min-freq 3 --out runs/glove.txt
    python -m models train-lm --level word --lower --min-freq 3 \\
        --embeddings runs/glove.txt --freeze-embeddings --out runs/word-glove

The vocabulary is built exactly as ``train-lm --level word`` builds it from the same
options (``--lower``, ``--min-freq``, ``--max-vocab``), and the vectors see only the
training part of the text (``--val-fraction``, the held-out tail, is left out), so a
language model validated on that tail never meets text its vectors were trained on.
"""
from __future__ import annotations

import argparse
import os

from models.commands import say
from models.commands.train_lm import read_text_arg
from models.data import WordTokenizer, cooccurrence, save_glove, split_train_val, train_glove


def run(a: argparse.Namespace) -> dict:
    text = read_text_arg(a.text)
    tok = WordTokenizer(lower=a.lower).fit(text, min_freq=a.min_freq, max_size=a.max_vocab)
    vocab = tok.vocab
    train_ids, _ = split_train_val(tok.encode(text), a.val_fraction)
    cooc = cooccurrence(train_ids, len(vocab), window=a.window, ignore=[vocab.stoi[vocab.unk]])
    say(f"GloVe: {len(train_ids):,} training words, vocabulary {len(vocab)}, "
        f"{len(cooc):,} co-occurring pairs within {a.window} words; {a.dim} dimensions, "
        f"{a.epochs} epochs")
    vectors, losses = train_glove(cooc, dim=a.dim, epochs=a.epochs, lr=a.lr, seed=a.seed,
                                  return_losses=True)
    words = [w for w in vocab.itos if w not in vocab.specials]
    folder = os.path.dirname(a.out)
    if folder:
        os.makedirs(folder, exist_ok=True)
    save_glove(a.out, words, vectors[[vocab.stoi[w] for w in words]])
    say(f"weighted loss per pair {losses[0]:.4f} -> {losses[-1]:.4f}; "
        f"{len(words)} vectors written to {a.out}")
    return {"vectors": a.out, "words": len(words), "losses": losses}
