"""Everything about recurrent cells, one file per idea:

    spec.py       one record per kind of cell (RNN tanh/relu, LSTM, peephole LSTM, GRU)
    composite.py  one step built from primitive ops (every gate in the graph)
    fused.py      one step as one node, with its hand-derived backward
    fused_common.py  what the fused steps share (in-place nonlinearities, where they write)
    fused_sequence.py  fused="sequence": a layer direction's whole time loop as one node
    sequence.py   the sequence node: the input projection cut into steps, and the
                  hand-off through which fused steps share one gradient buffer
    unroll.py     the time loop of one layer and direction
    cells.py      RNNCell, LSTMCell, GRUCell
    layers.py     RNN, LSTM, GRU
    packing.py    PackedSequence and friends (public as mg.nn.utils.rnn)
    record.py     record_states (public in mg.nn.utils)
    grad_norms.py state_grad_norms (public in mg.nn.utils)
    switch.py     composite, fused or one node per sequence: set_fused_default, use_fused
"""
from minigrad.nn.recurrent.cells import GRUCell, LSTMCell, RNNCell
from minigrad.nn.recurrent.layers import GRU, LSTM, RNN
from minigrad.nn.recurrent.grad_norms import state_grad_norms
from minigrad.nn.recurrent.record import record_states
from minigrad.nn.recurrent.switch import fused_default, set_fused_default, use_fused

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU", "record_states",
           "state_grad_norms", "set_fused_default", "use_fused", "fused_default"]
