"""Module: the container of parameters and sub-modules, PyTorch-shaped.

Attributes that are Parameters or Modules register themselves on assignment, so
``self.weight = Parameter(...)`` is all a layer writes; state that is not learned (a
mask, running statistics) is a buffer, ``self.register_buffer("mask", t)``: saved and
moved with the module, never handed to an optimizer. ``state_dict`` gives plain NumPy
arrays under PyTorch's dotted names and order, so weights move between the two
libraries.
``with eval_mode(model):`` switches a model to evaluation mode for one block.
"""
from __future__ import annotations

import contextlib
from collections import OrderedDict
from typing import Any, Callable, Iterator, NamedTuple

from minigrad import backend
from minigrad.dtypes import to_args
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` did not match, as PyTorch returns it."""
    missing_keys: list
    unexpected_keys: list


class Module:
    training = True

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() first")
        # a replaced member keeps its place (PyTorch's state_dict order, e.g. when tying
        # decoder.weight = encoder.weight)
        if isinstance(value, Parameter):
            self._forget_buffer(name)
            self._modules.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget_buffer(name)
            self._parameters.pop(name, None)
            self._modules[name] = value
        elif name in self._buffers:  # a buffer takes a new tensor (or None), as in PyTorch
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: cannot assign "
                                f"'{type(value).__name__}' as buffer '{name}' (torch.Tensor "
                                "or None expected)")
            self._buffers[name] = value
        else:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._forget_buffer(name)
        object.__delattr__(self, name)

    def _forget_buffer(self, name: str) -> None:
        self._buffers.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep ``tensor`` as state that is not learned (PyTorch's buffers): reachable as
        ``self.name``, moved by ``.to()`` / ``.double()`` with the parameters, listed by
        ``buffers()``, saved in ``state_dict()`` after the module's parameters unless
        ``persistent=False``, and never in ``parameters()`` (no optimizer touches it).
        ``None`` declares it absent (skipped by state_dict) until a tensor is assigned."""
        where = f"{type(self).__name__}.register_buffer"
        if "_buffers" not in self.__dict__:
            raise AttributeError(f"{where}: cannot assign buffer before Module.__init__() "
                                 "call")
        if not isinstance(name, str):
            raise TypeError(f"{where}: buffer name should be a string. Got "
                            f"{type(name).__name__}")
        if "." in name:
            raise KeyError(f"{where}: buffer name can't contain \".\" (got {name!r})")
        if name == "":
            raise KeyError(f"{where}: buffer name can't be empty string \"\"")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"{where}: attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"{where}: cannot assign '{type(tensor).__name__}' object to "
                            f"buffer '{name}' (torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register (or, with None, declare absent) a parameter under ``name``."""
        if param is None:
            self._parameters.pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module: Module) -> None:
        """Register ``module`` as the child ``name`` (what ``self.name = module`` does),
        refusing a name that would hide a method such as ``forward`` or ``keys``."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{type(self).__name__}: a module name must be a non-empty "
                           f"string without '.', got {name!r}")
        if hasattr(type(self), name):
            raise KeyError(f"{type(self).__name__}: cannot add a module named {name!r}: it "
                           f"would hide {type(self).__name__}.{name}")
        setattr(self, name, module)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # --------------------------------------------------------------- walking
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant, depth first (an explicit stack, no recursion)."""
        stack = [(prefix, self)]
        seen = set()
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            for child_name, child in reversed(m._modules.items()):
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        yield from self._modules.values()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        seen = set()
        for mod_name, m in self.named_modules(prefix):
            for name, p in m._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mod_name}.{name}" if mod_name else name), p

    def parameters(self) -> Iterator[Parameter]:
        for _, p in self.named_parameters():
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Every buffer (persistent or not; None skipped) under its dotted name."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_name, m in modules:
            for name, b in m._buffers.items():
                if b is not None and not (remove_duplicate and id(b) in seen):
                    seen.add(id(b))
                    yield (f"{mod_name}.{name}" if mod_name else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # --------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError(f"{type(self).__name__}.train: mode is expected to be a bool, "
                             f"got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module and then on this one (PyTorch's order), e.g.
        a custom initialisation: ``model.apply(init_weights)``."""
        stack = [(self, False)]  # post-order, children first, without recursion
        while stack:
            m, children_done = stack.pop()
            if children_done:
                fn(m)
                continue
            stack.append((m, True))
            stack.extend((child, False) for child in reversed(m._modules.values()))
        return self

    def requires_grad_(self, flag: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(flag)
        return self

    # --------------------------------------------------------------- moves
    def _apply(self, convert) -> Module:
        """Replace every parameter's and buffer's data in place (the Parameter objects
        stay, so an optimizer built before the move still holds the right ones)."""
        for p in self.parameters():
            p.array = convert(p.array)
            if p.grad is not None:
                p.grad.array = convert(p.grad.array)
        for b in self.buffers():
            b.array = convert(b.array)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``.to("cuda")``, ``.to("cpu")``, ``.to(dtype)``, ``.to(device, dtype)`` or
        ``.to(device=..., dtype=...)``, as PyTorch's (dtype changes floating weights and
        buffers; integer buffers such as counts keep theirs)."""
        device, dtype = to_args(f"{type(self).__name__}.to", args, kwargs)
        if dtype is not None and not backend.is_floating(dtype):  # int weights cannot learn
            raise TypeError(f"{type(self).__name__}.to: only floating dtypes, got {dtype}")
        if dtype is not None:
            self._apply(lambda a: a.astype(dtype) if backend.is_floating(a.dtype) else a)
        if device is not None:
            device = backend.check_device(device)
            self._apply(lambda a: backend.to_device(a, device))
        return self

    def double(self) -> Module:
        return self.to(backend.float64)

    def float(self) -> Module:
        return self.to(backend.float32)

    def cuda(self) -> Module:
        return self.to("cuda")

    def cpu(self) -> Module:
        return self.to("cpu")

    # --------------------------------------------------------------- state
    def _named_parameters_all(self) -> Iterator[tuple[str, Parameter]]:
        """Every parameter under every name it has, in PyTorch's state_dict order (a
        module's own, then its children's, depth first): a weight shared by two layers
        (tied embedding and output weights) comes once per name."""
        for prefix, m in self._prefixed_modules():
            for name, p in m._parameters.items():
                yield prefix + name, p

    def _named_state_all(self) -> Iterator[tuple[str, Tensor]]:
        """What ``state_dict`` holds, in PyTorch's order: per module (depth first) its
        parameters, then its persistent buffers; a shared tensor once per name."""
        for prefix, m in self._prefixed_modules():
            for name, p in m._parameters.items():
                yield prefix + name, p
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent_buffers_set:
                    yield prefix + name, b

    def _prefixed_modules(self) -> Iterator[tuple[str, Module]]:
        """("child.", module) for every module on every path, depth first; refuses a
        module that contains itself. No recursion."""
        stack: list[tuple[str, Module, tuple]] = [("", self, ())]
        while stack:
            prefix, m, path = stack.pop()
            yield prefix, m
            path = path + (id(m),)
            for child_name, child in reversed(m._modules.items()):
                if id(child) in path:
                    raise RuntimeError(f"{type(self).__name__}: module {prefix}{child_name} "
                                       "contains itself")
                stack.append((f"{prefix}{child_name}.", child, path))

    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """Parameter and persistent buffer name -> a NumPy copy of its data, under
        PyTorch's dotted names and in its order. A tied weight is listed under each of
        its names (one copy shared by them), as PyTorch lists it, so state dicts cross
        between the two libraries either way. ``keep_vars=True`` gives the tensors
        themselves."""
        copies: dict[int, Any] = {}
        out = OrderedDict()
        for name, p in self._named_state_all():
            if keep_vars:
                out[prefix + name] = p
                continue
            if id(p) not in copies:
                copies[id(p)] = backend.to_numpy(p.array).copy()
            out[prefix + name] = copies[id(p)]
        return out

    def load_state_dict(self, state: dict, strict: bool = True) -> IncompatibleKeys:
        """Copy arrays into the parameters and persistent buffers, checking every key and
        shape first: on any mismatch nothing changes and the error names the key (and
        the shapes).

        A tied weight loads from any one of its names (minigrad's files before tied
        names were kept, or PyTorch's with both); given under several, they must agree.
        Returns (missing_keys, unexpected_keys), as PyTorch does."""
        where = f"load_state_dict for {type(self).__name__}"
        if not isinstance(state, dict):
            raise TypeError(f"{where}: expected a dict of arrays (from state_dict()), got "
                            f"{type(state).__name__}")
        names: dict[int, list[str]] = {}
        params: dict[int, Tensor] = {}
        for name, p in self._named_state_all():
            names.setdefault(id(p), []).append(name)
            params[id(p)] = p
        known = {n for ns in names.values() for n in ns}
        missing = [ns[0] if len(ns) == 1 else " / ".join(ns)
                   for ns in names.values() if not any(n in state for n in ns)]
        unexpected = [k for k in state if k not in known]
        if strict and (missing or unexpected):
            nested = [k for k in unexpected
                      if isinstance(state[k], dict) and set(missing) <= set(state[k])]
            hint = f" (the weights may be inside state[{nested[0]!r}])" if nested else ""
            raise KeyError(f"{where}: missing keys {missing}, unexpected keys "
                           f"{unexpected}{hint}")
        arrays = {}
        for pid, ns in names.items():
            given = [n for n in ns if n in state]
            if not given:
                continue
            p = params[pid]
            values = [self._loadable(n, state[n], p) for n in given]
            for n, v in zip(given[1:], values[1:]):
                if not bool((v == values[0]).all()):
                    raise ValueError(f"load_state_dict for {type(self).__name__}: {given[0]} "
                                     f"and {n} name one tied parameter but hold different "
                                     "values")
            arrays[pid] = values[0]
        for pid, v in arrays.items():  # all checked: now change things
            p = params[pid]
            p.array = backend.to_device(v.astype(p.dtype), p.device)
        return IncompatibleKeys(missing, unexpected)

    def _loadable(self, key: str, value: Any, p: Tensor):
        """``value`` as a host array of ``p``'s shape (ValueError naming ``key`` if not)."""
        v = value.array if isinstance(value, Tensor) else value
        try:
            v = backend.as_array(backend.to_numpy(v) if backend.is_array(v) else v)
        except (TypeError, ValueError) as e:
            raise type(e)(f"load_state_dict for {type(self).__name__}: {key} is not an array "
                          f"of numbers ({e})") from None
        if tuple(v.shape) != p.shape:
            raise ValueError(f"load_state_dict for {type(self).__name__}: {key} has shape "
                             f"{tuple(v.shape)} in the state dict but {p.shape} in the model")
        return v

    # --------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if self._modules:
            for name, m in self._modules.items():
                child = repr(m).replace("\n", "\n  ")
                lines.append(f"  ({name}): {child}")
            return "\n".join(lines) + "\n)"
        return lines[0] + ")"


@contextlib.contextmanager
def eval_mode(module: Module) -> Iterator[Module]:
    """Run the block with ``module`` and all its sub-modules in evaluation mode (dropout
    off), then give each one back the mode it had before, also when the block raises:

        with mg.nn.eval_mode(model), mg.no_grad():
            logits = model(x)

    Each sub-module gets its own mode back, so a part frozen in eval mode inside a
    training model stays frozen. Gradients are still recorded; add ``mg.no_grad()``
    for inference."""
    if not isinstance(module, Module):
        raise TypeError(f"eval_mode: expected a Module, got {type(module).__name__}")
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield module
    finally:
        for m, training in modes:
            object.__setattr__(m, "training", training)
