"""Graduating to PyTorch, and coming back: one call moves a model's weights across.

    torch_model = minigrad.torch.to_torch(model)              # a PyTorch twin
    minigrad.torch.to_torch(model, my_torch_model)            # into a model you built
    model = minigrad.torch.from_torch(torch_model)            # and back
    minigrad.torch.from_torch(torch_model, my_minigrad_model)

Both libraries name parameters alike (``weight_ih_l0``, ``0.weight``, ...), so any two
models whose parameter names and shapes match can trade weights, whatever their
classes: give the other side's model as ``target``. Without one, a twin is built for
the layers both libraries have (the table below: Linear, Embedding, RNN/LSTM/GRU and
their cells, LayerNorm, Dropout, activations, Sequential/ModuleList/ModuleDict,
nested freely); for your own Module classes, build the other side's
model and pass it. Buffers (``register_buffer``) go across by name with the
parameters, persistent or not. Tied weights (an embedding and an output layer sharing one
Parameter) stay tied: a twin gets the tie, a given target must have it. A built twin
takes the source's dtype; a given target keeps its own. PyTorch is imported only here
and only when called (it is optional).
"""
from __future__ import annotations

from typing import Any

from minigrad import backend, nn
from minigrad.nn.module import Module

_RNN = ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
        "bidirectional"]
_CELL = ["input_size", "hidden_size", "bias"]
# class name (the same in both libraries) -> the constructor arguments, read as
# attributes of the same names from the module being copied
_TWINS: dict[str, list[str]] = {
    "Linear": ["in_features", "out_features", "bias"],
    "Embedding": ["num_embeddings", "embedding_dim", "padding_idx"],
    "RNN": _RNN + ["nonlinearity"], "LSTM": _RNN, "GRU": _RNN,
    "RNNCell": _CELL + ["nonlinearity"], "LSTMCell": _CELL, "GRUCell": _CELL,
    "LayerNorm": ["normalized_shape", "eps", "elementwise_affine"],
    "Dropout": ["p"], "Identity": [], "ReLU": [], "Tanh": [], "Sigmoid": [], "Softplus": [],
    "LeakyReLU": ["negative_slope"], "Softmax": ["dim"], "LogSoftmax": ["dim"],
    "Sequential": [], "ModuleList": [], "ModuleDict": [],
}


def _torch():
    try:
        import torch
    except ImportError as e:
        raise ImportError("to_torch / from_torch need PyTorch: pip install torch") from e
    return torch


def _check_convertible(m: Any, side: str) -> None:
    name = type(m).__name__
    if name not in _TWINS:
        raise TypeError(f"{side}: no built-in twin for {name}; build the model on the other "
                        f"side (same parameter names) and pass it as target=")
    if getattr(m, "peephole", False):
        raise TypeError(f"{side}: PyTorch has no peephole LSTM")
    if getattr(m, "proj_size", 0):
        raise TypeError(f"{side}: minigrad's LSTM has no proj_size")
    if name == "Embedding" and getattr(m, "max_norm", None) is not None:
        raise TypeError(f"{side}: minigrad's Embedding has no max_norm")


def _twin(src: Any, library: Any, side: str) -> Any:
    """The other library's module of the same kind and arguments, children included
    (a module used twice becomes one twin used twice). No recursion."""
    made: dict[int, Any] = {}
    order, stack = [], [src]
    while stack:  # children before parents: collect in pre-order, build reversed
        m = stack.pop()
        if id(m) not in made:
            made[id(m)] = None
            order.append(m)
            stack.extend(dict(m.named_children()).values())
    for m in reversed(order):
        _check_convertible(m, side)
        name = type(m).__name__
        kwargs = {k: getattr(m, k) for k in _TWINS[name]}
        if name == "Linear":
            kwargs["bias"] = m.bias is not None
        twin = getattr(library, name)(**kwargs)
        for child_name, child in m.named_children():
            twin.add_module(child_name, made[id(child)])
        made[id(m)] = twin
    return made[id(src)]


def _ties(named: Any) -> list[list[str]]:
    """Groups of names that share one parameter."""
    groups: dict[int, list[str]] = {}
    for name, p in named:
        groups.setdefault(id(p), []).append(name)
    return sorted(g for g in groups.values() if len(g) > 1)


def _tie(model: Any, groups: list[list[str]]) -> None:
    """Make each group's later names the same parameter object as its first."""
    for first, *rest in groups:
        shared = model.get_parameter(first) if hasattr(model, "get_parameter") \
            else dict(model._named_parameters_all())[first]
        for name in rest:
            owner, _, attr = name.rpartition(".")
            setattr(model.get_submodule(owner) if hasattr(model, "get_submodule")
                    else _submodule(model, owner), attr, shared)


def _submodule(model: Module, path: str) -> Module:
    for part in path.split(".") if path else []:
        model = model._modules[part]
    return model


def _check_same(side: str, src_names: dict, dst_names: dict, src_ties, dst_ties,
                what: str = "parameter") -> None:
    missing = [k for k in src_names if k not in dst_names]
    unexpected = [k for k in dst_names if k not in src_names]
    if missing or unexpected:
        raise KeyError(f"{side}: the {what} names differ: only in the source {missing}, "
                       f"only in the target {unexpected}")
    for k, shape in src_names.items():
        if tuple(dst_names[k]) != tuple(shape):
            raise ValueError(f"{side}: {k} has shape {tuple(shape)} in the source but "
                             f"{tuple(dst_names[k])} in the target")
    if src_ties != dst_ties:
        raise ValueError(f"{side}: tied parameters differ: the source ties {src_ties}, the "
                         f"target {dst_ties}; tie them the same way (e.g. "
                         "decoder.weight = encoder.weight)")


def to_torch(module: Module, target: Any = None) -> Any:
    """``module``'s weights in a PyTorch module: ``target`` if given (names and shapes
    must match), else a twin built for it (same kinds of layers, same dtype)."""
    torch = _torch()
    named = list(module._named_parameters_all())
    if target is None:
        target = _twin(module, torch.nn, "to_torch")
        _tie(target, _ties(named))
        if named:
            target.to(getattr(torch, named[0][1].dtype.name))
        target.train(module.training)
    dst = list(target.named_parameters(remove_duplicate=False))
    _check_same("to_torch", {k: p.shape for k, p in named}, {k: p.shape for k, p in dst},
                _ties(named), _ties(dst))
    buffers = dict(module.named_buffers(remove_duplicate=False))
    dst_buffers = dict(target.named_buffers(remove_duplicate=False))
    _check_same("to_torch", {k: b.shape for k, b in buffers.items()},
                {k: tuple(b.shape) for k, b in dst_buffers.items()}, [], [], "buffer")
    arrays = {k: p.numpy() for k, p in named + list(buffers.items())}
    with torch.no_grad():
        for k, p in dst + list(dst_buffers.items()):
            p.copy_(torch.from_numpy(arrays[k].copy()))
    return target


def from_torch(module: Any, target: Module | None = None) -> Module:
    """A PyTorch module's weights in a minigrad module: ``target`` if given (names and
    shapes must match), else a twin built for it (same kinds of layers, same dtype)."""
    src = list(module.named_parameters(remove_duplicate=False))
    if target is None:
        target = _twin(module, nn, "from_torch")
        _tie(target, _ties(src))
        if src:
            target.to(str(src[0][1].dtype).replace("torch.", ""))
        target.train(module.training)
    dst = list(target._named_parameters_all())
    _check_same("from_torch", {k: tuple(p.shape) for k, p in src}, {k: p.shape for k, p in dst},
                _ties(src), _ties(dst))
    buffers = dict(module.named_buffers(remove_duplicate=False))
    dst_buffers = dict(target.named_buffers(remove_duplicate=False))
    _check_same("from_torch", {k: tuple(b.shape) for k, b in buffers.items()},
                {k: b.shape for k, b in dst_buffers.items()}, [], [], "buffer")
    target.load_state_dict({k: p.detach().cpu().numpy() for k, p in src}, strict=False)
    for k, b in dst_buffers.items():  # every buffer, persistent or not: the names matched
        b.array = backend.to_device(buffers[k].detach().cpu().numpy().astype(b.dtype), b.device)
    return target


__all__ = ["to_torch", "from_torch"]
