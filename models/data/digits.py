"""Handwritten digits as sequences, for sequence classification.

scikit-learn ships 1,797 small 8x8 digit images (0-16 grey levels). Read row by row,
an image is a sequence of 8 steps of 8 pixels: an RNN that reads the rows top to
bottom and classifies from its last state is the classic "sequence classifier"
exercise, small enough for CPU training in seconds. Read pixel by pixel it is a
sequence of 64 steps of one value: the same images, a longer memory to keep.

scikit-learn is optional (``pip install scikit-learn`` or the ``examples`` extra);
only ``load_digits_sequences`` needs it.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from models.optional import require

__all__ = ["load_digits_sequences", "train_test_split"]


def load_digits_sequences(read: str = "rows") -> tuple[np.ndarray, np.ndarray]:
    """The digits as sequences, and their labels ``y`` (1797,) int64.

    ``read="rows"``: ``X`` (1797, 8, 8) float32 in [0, 1] (sample, step = image row,
    the row's 8 pixels). ``read="pixels"``: ``X`` (1797, 64, 1), one pixel per step in
    reading order (row by row, left to right): the harder variant, eight times longer,
    in the spirit of pixel-by-pixel MNIST. For a (T, B, F) recurrent layer use
    ``X.transpose(1, 0, 2)``."""
    if read not in ("rows", "pixels"):
        raise ValueError(f"load_digits_sequences: read must be 'rows' or 'pixels', "
                         f"got {read!r}")
    d = require("sklearn.datasets", "the digits data").load_digits()
    x = (np.asarray(d.images, dtype=np.float32) / 16.0).reshape(-1, 8, 8)
    if read == "pixels":
        x = x.reshape(-1, 64, 1)
    return x, np.asarray(d.target, dtype=np.int64)


def train_test_split(x: Any, y: Any, test_fraction: float = 0.2, seed: int = 0,
                     stratify: bool = False) -> tuple[np.ndarray, np.ndarray,
                                                      np.ndarray, np.ndarray]:
    """Shuffle and split into ``(x_train, x_test, y_train, y_test)`` (scikit-learn's
    order). ``stratify=True`` keeps each class's share equal in both parts. The same
    ``seed`` gives the same split."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"train_test_split: x has {len(x)} samples but y has {len(y)}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"train_test_split: test_fraction must be in (0, 1), "
                         f"got {test_fraction}")
    rng = np.random.default_rng(seed)
    if stratify:
        test = []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            test.append(members[:int(round(len(members) * test_fraction))])
        is_test = np.zeros(len(y), dtype=bool)
        is_test[np.concatenate(test)] = True
        test_idx = rng.permutation(np.flatnonzero(is_test))
        train_idx = rng.permutation(np.flatnonzero(~is_test))
    else:
        order = rng.permutation(len(y))
        n_test = int(round(len(y) * test_fraction))
        test_idx, train_idx = order[:n_test], order[n_test:]
    if len(test_idx) == 0 or len(train_idx) == 0:
        raise ValueError(f"train_test_split: {len(y)} samples are too few to split with "
                         f"test_fraction={test_fraction}")
    return x[train_idx], x[test_idx], y[train_idx], y[test_idx]
