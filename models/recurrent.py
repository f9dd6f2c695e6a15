"""The recurrent layer every model here is built around, chosen by name.

    rnn = recurrent_layer("gru", input_size=8, hidden_size=32, num_layers=2, dropout=0.1)

The language model, the classifier, the forecaster and the Keras front all take a
``cell`` option ("lstm", "gru" or "rnn") and build their ``mg.nn.LSTM`` / ``GRU`` /
``RNN`` here. A recurrent layer's ``dropout`` acts between stacked layers only (as in
PyTorch), so a single layer is given none.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

__all__ = ["CELLS", "recurrent_layer"]

CELLS = ("lstm", "gru", "rnn")
_LAYERS = {"lstm": mg.nn.LSTM, "gru": mg.nn.GRU, "rnn": mg.nn.RNN}


def recurrent_layer(cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
                    dropout: float = 0.0, batch_first: bool = False, **kw: Any):
    """mg.nn.LSTM / GRU / RNN by name ("lstm", "gru", "rnn")."""
    if cell not in _LAYERS:
        raise ValueError(f"unknown cell {cell!r}: use one of {', '.join(CELLS)}")
    return _LAYERS[cell](input_size, hidden_size, num_layers=num_layers,
                         dropout=dropout if num_layers > 1 else 0.0,
                         batch_first=batch_first, **kw)
