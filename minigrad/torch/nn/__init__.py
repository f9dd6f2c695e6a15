"""``torch.nn`` for minigrad: the classes of ``minigrad.nn`` (the same objects) under
PyTorch's names and module paths, so ``import minigrad.torch.nn.functional as F``,
``from minigrad.torch.nn.modules.rnn import LSTM`` and
``from minigrad.torch.nn.utils.rnn import pack_padded_sequence`` all work.
"""
from __future__ import annotations

import sys
from types import ModuleType

from minigrad import nn as _nn
from minigrad.nn import *  # noqa: F403  (every layer, loss and container)
from minigrad.nn import __all__ as _layers
from minigrad.nn import functional, init, utils
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.nn.recurrent.layers import RNNBase

# PyTorch's files under torch.nn.modules, and what each holds
_MODULE_PATHS = {
    "module": ["Module"],
    "linear": ["Linear", "Identity"],
    "sparse": ["Embedding"],
    "dropout": ["Dropout"],
    "activation": ["ReLU", "Tanh", "Sigmoid", "LeakyReLU", "Softplus", "Softmax", "LogSoftmax"],
    "container": ["Sequential", "ModuleList", "ModuleDict"],
    "loss": ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss",
             "BCEWithLogitsLoss"],
    "normalization": ["LayerNorm"],
    "rnn": ["RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"],
}


def _namespace(name: str, doc: str, names: list[str]) -> ModuleType:
    """A module at ``name`` (importable) holding the given minigrad classes."""
    module = ModuleType(name, doc)
    for n in names:
        setattr(module, n, RNNBase if n == "RNNBase" else getattr(_nn, n))
    sys.modules[name] = module
    return module


modules = _namespace(f"{__name__}.modules", "torch.nn.modules: minigrad's layers",
                     list(_layers) + ["RNNBase"])
for _file, _names in _MODULE_PATHS.items():
    setattr(modules, _file, _namespace(f"{__name__}.modules.{_file}",
                                       f"torch.nn.modules.{_file}", _names))
parameter = _namespace(f"{__name__}.parameter", "torch.nn.parameter", ["Parameter"])

# minigrad's own modules under PyTorch's paths (the same module objects)
for _path, _module in {"functional": functional, "init": init, "utils": utils,
                       "utils.rnn": utils.rnn, "utils.clip_grad": utils.clip_grad}.items():
    sys.modules[f"{__name__}.{_path}"] = _module

__all__ = [*_layers, "Module", "Parameter", "RNNBase", "functional", "init", "utils",
           "modules", "parameter"]
