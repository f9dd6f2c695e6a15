"""Data for the models: text corpora and tokenizers, word vectors, time series, digits.

Files are written through ``minigrad.backend.atomic_write``; scikit-learn, optional,
is imported only by ``load_digits_sequences`` (through ``models.optional.require``).

- ``text``:   load_text, CharTokenizer, WordTokenizer, Vocab, split_train_val,
              batchify, bptt_batches (state carry for truncated BPTT)
- ``glove``:  load_glove / save_glove (GloVe text format), glove_embedding,
              cooccurrence + train_glove (GloVe trained with minigrad)
- ``series``: load_sunspots (1700-1988), make_windows, Scaler, split_series, the
              Weigend split (weigend_split, period_windows, weigend_variance)
- ``digits``: load_digits_sequences (8x8 images as 8-step sequences), train_test_split
"""
from models.data.digits import load_digits_sequences, train_test_split
from models.data.glove import (Cooccurrence, cooccurrence, glove_embedding, load_glove,
                               save_glove, train_glove)
from models.data.series import (WEIGEND_PERIODS, Scaler, load_sunspots, make_windows,
                                 period_windows, split_series, weigend_split,
                                 weigend_variance)
from models.data.text import (PAD, UNK, CharTokenizer, Tokenizer, Vocab, WordTokenizer,
                              batchify, bptt_batches, default_corpus, load_text,
                              load_tokenizer, num_bptt_batches, split_train_val)

__all__ = [
    "load_text", "default_corpus", "Vocab", "Tokenizer", "CharTokenizer", "WordTokenizer",
    "load_tokenizer", "UNK", "PAD", "split_train_val", "batchify", "bptt_batches",
    "num_bptt_batches",
    "load_glove", "save_glove", "glove_embedding", "Cooccurrence", "cooccurrence", "train_glove",
    "load_sunspots", "make_windows", "Scaler", "split_series", "WEIGEND_PERIODS",
    "period_windows", "weigend_split", "weigend_variance",
    "load_digits_sequences", "train_test_split",
]
