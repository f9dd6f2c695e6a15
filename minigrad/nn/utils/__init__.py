"""Helpers around the layers, named as in ``torch.nn.utils``:

    mg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)   # exploding gradients
    mg.nn.utils.rnn.pad_sequence / pack_padded_sequence   # variable-length batches

and three for looking inside recurrent models (not in PyTorch):

    with mg.nn.utils.record_states() as rec: ...          # per-step gates and states
    mg.nn.utils.state_grad_norms(lstm, x, loss_fn)        # per-step ||dL/dh_t||
    mg.nn.utils.connectivity(forward, x, targets)         # A[t, s] = |d logit_t / d x_s|
"""
from minigrad.nn.utils import rnn
from minigrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from minigrad.nn.utils.connectivity import connectivity
from minigrad.nn.recurrent.grad_norms import state_grad_norms
from minigrad.nn.recurrent.record import record_states

__all__ = ["clip_grad_norm_", "clip_grad_value_", "connectivity", "rnn", "record_states",
           "state_grad_norms"]
