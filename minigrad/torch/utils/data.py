"""``torch.utils.data`` basics: ``Dataset``, ``TensorDataset``, ``DataLoader`` (batches,
shuffling, ``drop_last``, a ``collate_fn``) and the sequential and random samplers.
One process, no workers: batches are built when asked for. Shuffling draws from
minigrad's generator (``torch.manual_seed``)."""
from __future__ import annotations

from typing import Any, Callable, Iterator

from minigrad import backend, creation, ops
from minigrad.tensor import Tensor


class Dataset:
    """What a DataLoader reads: ``dataset[i]`` gives one example, ``len(dataset)`` the
    count. Subclass and write both."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no __getitem__")


class TensorDataset(Dataset):
    """Examples are rows of tensors with the same first dimension: (x[i], y[i], ...)."""

    def __init__(self, *tensors: Tensor):
        if not tensors or any(t.shape[:1] != tensors[0].shape[:1] for t in tensors):
            raise ValueError(f"TensorDataset: tensors must share their first dimension, got "
                             f"shapes {[t.shape for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class SequentialSampler:
    def __init__(self, data_source: Any):
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(SequentialSampler):
    """The indices in a new random order each pass."""

    def __iter__(self) -> Iterator[int]:
        return iter(backend.rng().permutation(len(self.data_source)).tolist())


def default_collate(batch: list) -> Any:
    """Examples -> one batch: tensors and arrays stacked along a new first axis, numbers
    made a tensor, tuples/lists and dicts collated field by field, strings listed."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return ops.stack(batch)
    if backend.is_array(elem):
        return ops.stack([Tensor(b) for b in batch])
    if isinstance(elem, bool | int | float):
        return creation.tensor(batch)
    if isinstance(elem, dict):
        return {k: default_collate([b[k] for b in batch]) for k in elem}
    if isinstance(elem, tuple | list):
        return [default_collate(list(field)) for field in zip(*batch)]
    return list(batch)


class DataLoader:
    """Batches of ``batch_size`` examples from ``dataset``, in order or shuffled."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False,
                 sampler: Any = None, drop_last: bool = False,
                 collate_fn: Callable[[list], Any] | None = None, num_workers: int = 0,
                 pin_memory: bool = False):
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler = sampler or (RandomSampler if shuffle else SequentialSampler)(dataset)
        self.collate_fn = collate_fn or default_collate

    def __iter__(self) -> Iterator[Any]:
        if self.batch_size is None:
            yield from (self.dataset[i] for i in self.sampler)
            return
        batch = []
        for i in self.sampler:
            batch.append(self.dataset[i])
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        n = len(self.sampler)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


__all__ = ["Dataset", "TensorDataset", "DataLoader", "SequentialSampler", "RandomSampler",
           "default_collate"]
