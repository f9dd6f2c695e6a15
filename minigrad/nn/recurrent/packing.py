"""Variable-length batches the PyTorch way: pad_sequence, pack_padded_sequence,
pad_packed_sequence, pack_sequence, and the PackedSequence the recurrent layers take
(public as ``mg.nn.utils.rnn``, PyTorch's path).

A PackedSequence is PyTorch's layout, so code written for ``torch.nn.utils.rnn``
runs unchanged: ``data`` holds the rows of every time step, one step after another,
each step's sequences longest first; ``batch_sizes[t]`` says how many sequences are
still running at step t. The layers run it as it lies: step t reads the first
``batch_sizes[t]`` rows of the state, so finished sequences simply drop out (no
padding). A padded batch with ``lengths=`` instead keeps the finished sequences'
states frozen and outputs zeros for them. ``check_lengths`` validates lengths for
both. Packing and unpacking are slices and concatenations, so gradients flow
through them.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from minigrad import backend, ops
from minigrad.tensor import Tensor


class PackedSequence(NamedTuple):
    data: Tensor                  # (sum of lengths, *features)
    batch_sizes: Any              # int64 array (longest length,)
    sorted_indices: Any = None    # batch order by decreasing length (None: already so)
    unsorted_indices: Any = None  # its inverse


def _constant(like: Tensor, rows: int, value: float) -> Tensor:
    xp = backend.get_array_module(like.array)
    return Tensor._wrap(xp.full((rows, *like.shape[1:]), value, dtype=like.dtype))


def _pad_rows(x: Tensor, rows: int, value: float) -> Tensor:
    """``x`` with constant rows appended along axis 0 up to ``rows`` rows."""
    return x if x.shape[0] == rows else ops.cat([x, _constant(x, rows - x.shape[0], value)])


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0) -> Tensor:
    """Tensors of shape (L_i, *) -> one (max L, B, *) tensor (or (B, max L, *)), the
    shorter ones padded with ``padding_value`` at the end."""
    seqs = list(sequences)
    if not seqs or not all(isinstance(s, Tensor) and s.ndim >= 1 for s in seqs):
        raise ValueError("pad_sequence: needs a non-empty list of tensors of shape (L, *)")
    if len({(s.shape[1:], s.dtype) for s in seqs}) > 1:
        raise ValueError(f"pad_sequence: all sequences need the same trailing shape and "
                         f"dtype, got {[(s.shape, str(s.dtype)) for s in seqs]}")
    longest = max(s.shape[0] for s in seqs)
    return ops.stack([_pad_rows(s, longest, padding_value) for s in seqs],
                     axis=0 if batch_first else 1)


def check_lengths(owner: str, lengths: Any, batch: int, steps: int) -> Any:
    """``lengths`` (a list, array or integer Tensor) as ``batch`` int64 host integers in
    [1, steps], or a ValueError naming ``owner`` and the lengths at fault."""
    data = lengths.array if isinstance(lengths, Tensor) else backend.as_array(lengths)
    lens = backend.to_numpy(data).reshape(-1)
    if lens.dtype.kind not in "iu" or lens.shape != (batch,):
        raise ValueError(f"{owner}: lengths must be {batch} integers (one per sequence), "
                         f"got {lens.dtype} of shape {tuple(lens.shape)}")
    if batch and (lens.min() < 1 or lens.max() > steps):
        raise ValueError(f"{owner}: lengths must lie in [1, {steps}] (the padded "
                         f"sequence length), got {lens.tolist()}")
    return lens.astype("int64")


def _host_ints(values: list[int]) -> Any:
    return backend.as_array(values, dtype="int64", device="cpu")


def _pack(x: Tensor, lens: Any, sorted_indices: Any) -> PackedSequence:
    """Pack a time-major (T, B, *) batch whose sequences have lengths ``lens`` (in the
    batch's order); ``sorted_indices`` orders the batch longest first (None: it is)."""
    unsorted = None
    if sorted_indices is not None:
        x, lens = x[:, sorted_indices], lens[sorted_indices]
        unsorted = sorted_indices.argsort()
    batch_sizes = [int((lens > t).sum()) for t in range(int(lens[0]))]
    data = ops.cat([x[t, :b] for t, b in enumerate(batch_sizes)], axis=0)
    return PackedSequence(data, _host_ints(batch_sizes), sorted_indices, unsorted)


def _unpacked_lengths(packed: PackedSequence) -> Any:
    """Each sequence's length, in the batch order before packing."""
    sizes = packed.batch_sizes
    lengths = _host_ints([int((sizes > i).sum()) for i in range(int(sizes[0]))])
    return lengths if packed.unsorted_indices is None else lengths[packed.unsorted_indices]


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded (T, B, *) batch (or (B, T, *)) of sequences of ``lengths``.

    ``enforce_sorted=True`` expects lengths in decreasing order; with False any order
    is sorted here (stably) and restored on unpacking."""
    x = input.transpose(0, 1) if batch_first else input
    if x.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input must be (T, B, *), got {input.shape}")
    lens = check_lengths("pack_padded_sequence", lengths, x.shape[1], x.shape[0])
    if enforce_sorted:
        if (lens[1:] > lens[:-1]).any():
            raise ValueError(f"pack_padded_sequence: lengths {lens.tolist()} are not in "
                             "decreasing order; sort the batch or pass enforce_sorted=False")
        return _pack(x, lens, None)
    return _pack(x, lens, (-lens).argsort(kind="stable"))


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors (``pad_sequence`` then ``pack_padded_sequence``)."""
    seqs = list(sequences)
    return pack_padded_sequence(pad_sequence(seqs), [s.shape[0] for s in seqs],
                                enforce_sorted=enforce_sorted)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """Undo packing: (padded (T, B, *) or (B, T, *), lengths as an int64 tensor), in the
    batch order the sequences had before packing. ``total_length`` pads T further."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got "
                        f"{type(sequence).__name__}")
    data, sizes = sequence.data, [int(b) for b in sequence.batch_sizes]
    batch, steps = sizes[0], len(sizes)
    if total_length is not None and total_length < steps:
        raise ValueError(f"pad_packed_sequence: total_length={total_length} is shorter than "
                         f"the longest sequence ({steps})")
    rows = [_pad_rows(chunk, batch, padding_value)
            for chunk in ops.split(data, sizes, axis=0)]
    if total_length is not None and total_length > steps:
        rows += [_constant(data, batch, padding_value)] * (total_length - steps)
    padded = ops.stack(rows, axis=0)                        # (T, B, *), longest first
    if sequence.unsorted_indices is not None:
        padded = padded[:, sequence.unsorted_indices]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._wrap(_unpacked_lengths(sequence))


__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence"]
