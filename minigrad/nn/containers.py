"""Modules that hold modules: Sequential, ModuleList, ModuleDict (PyTorch's three).

A plain Python list or dict of layers stored on a Module is invisible to it: its
parameters would be missing from ``parameters()`` (so the optimizer would never
update them) and from ``state_dict()``. These containers register their members as
children named "0", "1", ... (or by key), exactly as PyTorch names them.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from minigrad.nn.module import Module


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: members in order, named by position."""

    def _add(self, name: str, m: Any) -> None:
        if not isinstance(m, Module):
            raise TypeError(f"{type(self).__name__}: {name!r} is a {type(m).__name__}, "
                            "not a Module")
        self.add_module(name, m)

    def append(self, m: Module) -> _ModuleSequence:
        n = len(self)
        while str(n) in self._modules:  # a slice keeps its names ("1", "2"): never overwrite
            n += 1
        self._add(str(n), m)
        return self

    def extend(self, modules: Iterable[Module]) -> _ModuleSequence:
        for m in modules:
            self.append(m)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._sliced(list(self._modules.items())[index])
        return list(self._modules.values())[self._position(index)]

    def __setitem__(self, index: int, m: Module) -> None:
        self._add(list(self._modules)[self._position(index)], m)

    def _position(self, index: int) -> int:
        n = len(self._modules)
        if not isinstance(index, int) or not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index!r} out of range for "
                             f"{n} modules")
        return index % n


class Sequential(_ModuleSequence):
    """Modules applied in order. Children are named "0", "1", ... (or by the keys of an
    OrderedDict); a Sequential indexes, slices, iterates and has a length."""

    def __init__(self, *modules: Any):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self._add(str(name), m)
        else:
            for i, m in enumerate(modules):
                self._add(str(i), m)

    def _sliced(self, items: list) -> Sequential:
        return Sequential(OrderedDict(items))  # the members keep their names

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters belong to the owner (e.g. one head per task,
    or layers a custom forward loops over). It has no forward of its own."""

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        self.extend(modules)

    def _sliced(self, items: list) -> ModuleList:
        return ModuleList(m for _, m in items)

    def insert(self, index: int, m: Module) -> None:
        members = list(self._modules.values())
        members.insert(index, m)
        for name in list(self._modules):
            delattr(self, name)
        self.extend(members)


class ModuleDict(Module):
    """A dict of modules (string keys) whose parameters belong to the owner; keys keep
    their insertion order, and state_dict names read ``<owner>.<key>.<param>``."""

    def __init__(self, modules: Mapping[str, Module] | None = None):
        super().__init__()
        self.update(modules or {})

    def __setitem__(self, key: str, m: Module) -> None:
        if not isinstance(m, Module):
            raise TypeError(f"ModuleDict: {key!r} is a {type(m).__name__}, not a Module")
        self.add_module(key, m)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module {key!r} (keys: {list(self._modules)})")
        return self._modules[key]

    def __delitem__(self, key: str) -> None:
        self[key]  # raises the clear KeyError for a missing key
        delattr(self, key)

    def update(self, modules: Mapping[str, Module]) -> None:
        for key, m in modules.items():
            self[key] = m

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()


__all__ = ["Sequential", "ModuleList", "ModuleDict"]
