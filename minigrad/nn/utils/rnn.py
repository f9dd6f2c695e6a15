"""Variable-length batches under PyTorch's name (``torch.nn.utils.rnn``); the code is
in ``minigrad.nn.recurrent.packing``."""
from minigrad.nn.recurrent.packing import (PackedSequence, pack_padded_sequence, pack_sequence,
                                           pad_packed_sequence, pad_sequence)

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence"]
