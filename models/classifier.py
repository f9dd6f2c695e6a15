"""Sequence classification: read a sequence, name its class.

    clf = SequenceClassifier(input_size=8, hidden_size=64, num_classes=10)
    logits = clf(x)                   # x (T, B, 8) -> (B, 10)
    clf.predict(images)               # (B, 8, 8) digits read row by row -> labels

The recurrent layer reads the sequence; the last step's hidden state (both
directions' final states when bidirectional) goes through a Linear layer to one score
per class. Trained with cross-entropy through ``classifier_task`` and
``models.train.Trainer``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg
from models.recurrent import CELLS, recurrent_layer
from models.task import SupervisedTask

__all__ = ["SequenceClassifier", "classifier_task"]


class SequenceClassifier(mg.nn.Module):
    """RNN/LSTM/GRU -> Linear(hidden, num_classes) on the final state."""

    def __init__(self, input_size: int, hidden_size: int = 64, num_classes: int = 10,
                 num_layers: int = 1, cell: str = "lstm", dropout: float = 0.0,
                 bidirectional: bool = False):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"SequenceClassifier: unknown cell {cell!r}: use one of {CELLS}")
        if min(input_size, hidden_size, num_classes, num_layers) < 1:
            raise ValueError("SequenceClassifier: sizes must be positive")
        self.config = {"input_size": input_size, "hidden_size": hidden_size,
                       "num_classes": num_classes, "num_layers": num_layers, "cell": cell,
                       "dropout": float(dropout), "bidirectional": bool(bidirectional)}
        self.input_size, self.hidden_size = input_size, hidden_size
        self.bidirectional = bidirectional
        self.rnn = recurrent_layer(cell, input_size, hidden_size, num_layers, dropout,
                                   bidirectional=bidirectional)
        self.drop = mg.nn.Dropout(dropout)
        self.head = mg.nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    @classmethod
    def from_config(cls, config: dict) -> SequenceClassifier:
        return cls(**config)

    def forward(self, x: Any) -> mg.Tensor:
        """x: (T, B, input_size) -> logits (B, num_classes)."""
        x = x if isinstance(x, mg.Tensor) else mg.tensor(np.asarray(x, dtype=np.float32))
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"SequenceClassifier: expected input (T, B, {self.input_size}), "
                             f"got {x.shape}")
        _, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state   # (layers*dirs, B, H)
        if self.bidirectional:
            last = mg.cat([h_n[-2], h_n[-1]], axis=1)           # forward, reverse
        else:
            last = h_n[-1]
        return self.head(self.drop(last))

    def predict_proba(self, x: Any) -> np.ndarray:
        """x: (B, T, F) batch-first (as datasets store sequences) -> (B, C) probabilities."""
        with mg.nn.eval_mode(self), mg.no_grad():
            logits = self(np.swapaxes(np.asarray(x, dtype=np.float32), 0, 1))
            return logits.softmax(-1).numpy()

    def predict(self, x: Any) -> np.ndarray:
        """x: (B, T, F) -> predicted class ids (B,)."""
        return self.predict_proba(x).argmax(axis=-1)


def classifier_task(x_train: Any, y_train: Any, x_val: Any = None, y_val: Any = None,
                    batch_size: int = 32):
    """A ``SupervisedTask`` (cross-entropy, accuracy) over batch-first sequences
    x (N, T, F) and labels y (N,)."""
    val = None if x_val is None else (np.asarray(x_val, dtype=np.float32), np.asarray(y_val))
    return SupervisedTask(np.asarray(x_train, dtype=np.float32), np.asarray(y_train),
                          batch_size=batch_size, loss="cross_entropy", val=val,
                          time_major=True)
