"""Neural-network building blocks: Module, Parameter, layers, recurrent layers.

    import minigrad.nn.functional as F      # stateless maths and losses
    mg.nn.init.xavier_uniform_(w)           # initialisers
    mg.nn.utils.clip_grad_norm_(params, 1)  # gradient clipping
    with mg.nn.eval_mode(model): ...        # evaluation mode for one block
"""
from minigrad.nn.module import Module, eval_mode
from minigrad.nn.parameter import Parameter
from minigrad.nn import functional, init, utils  # after Module: they use it
from minigrad.nn.layers import (Dropout, Embedding, Identity, LeakyReLU, Linear, LogSoftmax, ReLU,
                                Sigmoid, Softmax, Softplus, Tanh)
from minigrad.nn.normalization import LayerNorm
from minigrad.nn.containers import ModuleDict, ModuleList, Sequential
from minigrad.nn.losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss,
                                NLLLoss)

__all__ = ["Module", "Parameter", "eval_mode", "functional", "init", "utils",
           "Linear", "Embedding", "Dropout", "LayerNorm", "Identity", "ReLU", "Tanh", "Sigmoid",
           "LeakyReLU", "Softplus", "Softmax", "LogSoftmax",
           "Sequential", "ModuleList", "ModuleDict",
           "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss",
           "BCEWithLogitsLoss"]

# Recurrent layers (RNN, LSTM, GRU and their cells) are imported below.
from minigrad.nn import recurrent
from minigrad.nn.recurrent import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell

__all__ += ["recurrent", "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]
