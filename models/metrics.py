"""Numbers that judge a model's output, one function each, on plain arrays.

    arv(predicted, truth, variance)        # forecasting: MSE relative to a variance
    distinct_ngrams(tokens, n=2)           # generated text: how little it repeats itself
    confusion_matrix(predicted, truth, 10) # classification: which class is taken for which

Each takes NumPy arrays (or lists) and returns a float or an array, so the same
measure serves a lesson, a command of ``python -m models`` and a test.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["arv", "distinct_ngrams", "confusion_matrix"]


def arv(predicted: Any, truth: Any, variance: float) -> float:
    """Average relative variance (Weigend, Huberman & Rumelhart, 1990)::

        ARV = (1 / N) sum_t (x_t - x^_t)^2 / sigma^2  =  MSE / sigma^2

    ``variance`` is sigma^2, on the same scale as the values (ARV is then the same in
    any units). Predicting the mean of the series scores about 1; a perfect forecast 0.
    For the sunspots sigma^2 is the variance of the whole series 1700-1979
    (``models.data.weigend_variance``), the same for every test period, as published."""
    p = np.asarray(predicted, dtype=np.float64).reshape(-1)
    t = np.asarray(truth, dtype=np.float64).reshape(-1)
    if p.shape != t.shape or p.size == 0:
        raise ValueError(f"arv: predicted and truth need the same, non-zero number of values, "
                         f"got {p.size} and {t.size}")
    if not variance > 0:
        raise ValueError(f"arv: variance must be > 0, got {variance}")
    return float(np.mean((p - t) ** 2) / variance)


def distinct_ngrams(tokens: Sequence, n: int = 2) -> float:
    """distinct-n (Li, Galley, Brockett, Gao & Dolan, 2016): the number of different
    n-grams in ``tokens`` divided by the number of n-grams. 1.0: no n-gram repeats;
    near 0: the text loops. Tokens are anything hashable (words, characters, ids)."""
    if n < 1:
        raise ValueError(f"distinct_ngrams: n must be >= 1, got {n}")
    tokens = list(tokens)
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    if not grams:
        raise ValueError(f"distinct_ngrams: {len(tokens)} tokens hold no {n}-gram")
    return len(set(grams)) / len(grams)


def confusion_matrix(predicted: Any, truth: Any, num_classes: int) -> np.ndarray:
    """``C[i, j]`` = how many items of true class i were predicted as class j (int64,
    (num_classes, num_classes)); the diagonal holds the correct ones, as in
    scikit-learn's ``confusion_matrix``."""
    p = np.asarray(predicted).reshape(-1)
    t = np.asarray(truth).reshape(-1)
    if p.shape != t.shape:
        raise ValueError(f"confusion_matrix: {p.size} predictions for {t.size} labels")
    for name, a in (("predicted", p), ("truth", t)):
        if a.size and (a.dtype.kind not in "iu" or a.min() < 0 or a.max() >= num_classes):
            raise ValueError(f"confusion_matrix: {name} must hold class ids in "
                             f"[0, {num_classes}), got {a[:5].tolist()}...")
    return np.bincount(t * num_classes + p, minlength=num_classes ** 2).reshape(
        num_classes, num_classes).astype(np.int64)
