"""The language model's PyTorch twin: graduate a trained minigrad model to PyTorch (more
data, GPUs, machines) and bring a PyTorch one back.

    from models.torch_lm import to_torch, from_torch
    torch_lm = to_torch(lm)           # a torch.nn.Module with the same weights and tie
    logits, state = torch_lm(torch.from_numpy(ids))
    lm = from_torch(torch_lm)         # and back, as a models.lm.LanguageModel

``TorchLanguageModel`` is ``LanguageModel`` written in PyTorch: the same attribute
names (``embedding``, ``drop``, ``rnn``, ``decoder``), so the weights cross by name
through ``minigrad.torch.to_torch`` / ``from_torch``, and the same forward (dropout on
the embeddings and before the output layer, between recurrent layers inside the layer).
Importing this module imports PyTorch (``pip install torch``); nothing else in
``models`` does.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

import minigrad.torch as mgt
from models.lm import LanguageModel
from models.recurrent import CELLS

_LAYERS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class TorchLanguageModel(nn.Module):
    """Embedding -> LSTM/GRU/RNN -> Linear in PyTorch, built from a LanguageModel's
    ``config`` (the same keyword arguments)."""

    def __init__(self, vocab_size: int, embed_dim: int = 64, hidden_size: int = 256,
                 num_layers: int = 1, cell: str = "lstm", dropout: float = 0.0,
                 tie_weights: bool = False):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"TorchLanguageModel: unknown cell {cell!r}: use one of {CELLS}")
        self.config = {"vocab_size": vocab_size, "embed_dim": embed_dim,
                       "hidden_size": hidden_size, "num_layers": num_layers, "cell": cell,
                       "dropout": float(dropout), "tie_weights": bool(tie_weights)}
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.drop = nn.Dropout(dropout)
        self.rnn = _LAYERS[cell](embed_dim, hidden_size, num_layers,
                                 dropout=dropout if num_layers > 1 else 0.0)
        self.decoder = nn.Linear(hidden_size, vocab_size)
        if tie_weights:
            self.decoder.weight = self.embedding.weight

    def forward(self, x: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        """x: (T, B) token ids -> logits (T, B, V), new state (as LanguageModel)."""
        out, state = self.rnn(self.drop(self.embedding(x)), state)
        return self.decoder(self.drop(out)), state


def to_torch(lm: LanguageModel) -> TorchLanguageModel:
    """A PyTorch twin of ``lm``: same weights, same tie, same dtype and mode."""
    twin = TorchLanguageModel(**lm.config)
    dtype = next(iter(lm.parameters())).dtype
    twin.to(getattr(torch, dtype.name)).train(lm.training)
    return mgt.to_torch(lm, twin)


def from_torch(model: TorchLanguageModel) -> LanguageModel:
    """The minigrad LanguageModel of a TorchLanguageModel (or of any PyTorch module with
    its attribute names and a ``config``): same weights, tie, dtype and mode."""
    lm = LanguageModel(**model.config)
    dtype = next(iter(model.parameters())).dtype
    lm.to(str(dtype).replace("torch.", "")).train(model.training)
    return mgt.from_torch(model, lm)


__all__ = ["TorchLanguageModel", "to_torch", "from_torch"]
