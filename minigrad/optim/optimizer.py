"""Optimizer: the base class of SGD, Adagrad, RMSprop, Adam and AdamW.

An optimizer holds ``param_groups`` (lists of parameters, each with its own
hyper-parameters such as ``lr``) and a per-parameter ``state`` (step counts, moment
buffers). ``step()`` walks the groups under ``mg.no_grad()`` and updates each
parameter's ``.array`` in place with plain array maths; subclasses write only
``_update(p, grad, state, group)``: the update rule, a few lines next to its formula.
Each update bumps the parameter's version (``minigrad.versions``), so a graph recorded
before the step refuses a backward that would use the new weights.

``state_dict()`` gives NumPy arrays, plain numbers and tuples (``betas``) in
string-keyed dicts, so ``mg.save(opt.state_dict(), path)`` stores it as it is and
``load_state_dict(mg.load(path))`` resumes to the same numbers, bit for bit.
"""
from __future__ import annotations

import copy
import numbers
from typing import Any, Callable, Iterable

from minigrad import backend, versions
from minigrad.grad_mode import enable_grad, no_grad
from minigrad.tensor import Tensor


class Optimizer:
    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]):
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(f"{self.name}: params must be an iterable of Tensors (e.g. "
                            "model.parameters()), got a single Tensor")
        if hasattr(params, "named_parameters"):  # a Module: the most common slip of all
            raise TypeError(f"{self.name}: params must be the parameters, not the "
                            f"{type(params).__name__} module itself: write "
                            f"{self.name}(model.parameters(), ...)")
        if not hasattr(params, "__iter__"):
            raise TypeError(f"{self.name}: params must be an iterable of Tensors (e.g. "
                            f"model.parameters()), got {type(params).__name__}")
        if isinstance(params, set):
            raise TypeError(f"{self.name}: params must be an ordered iterable, not a set "
                            "(the order must be the same on every run)")
        groups = list(params)
        if not groups:
            raise ValueError(f"{self.name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    @property
    def name(self) -> str:
        return type(self).__name__

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters; options it does not give take the defaults."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{self.name}: a param group is a dict with a 'params' key")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{self.name}: parameter {i} is a {type(p).__name__}, "
                                "not a Tensor")
            if not backend.is_floating(p.dtype):
                raise TypeError(f"{self.name}: parameter {i} has dtype {p.dtype}; only "
                                "floating tensors can be optimized")
            if not p.is_leaf:
                raise ValueError(f"{self.name}: parameter {i} is not a leaf tensor (it was "
                                 "computed by an op); optimize the tensors you created")
            if id(p) in seen:
                raise ValueError(f"{self.name}: a parameter appears twice (parameter {i}, "
                                 f"shape {p.shape}); give each parameter to one group once")
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise TypeError(f"{self.name}: unknown option(s) {sorted(unknown)}; "
                            f"known: {sorted(self.defaults)}")
        full = {**self.defaults, **group, "params": params}
        self._check_group(full)
        self.param_groups.append(full)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyper-parameters (a TypeError or ValueError naming the bad
        one): the rates, decays and eps are numbers >= 0 (a negative lr climbs the loss)."""
        for key in ("lr", "weight_decay", "eps", "momentum", "alpha", "lr_decay",
                    "initial_accumulator_value"):
            if key not in group:
                continue
            v = group[key]
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{self.name}: {key} must be a number, got {v!r}")
            if not v >= 0:  # also refuses nan
                raise ValueError(f"{self.name}: {key} must be >= 0, got {v}")
        for key in ("max_iter", "max_eval", "history_size"):  # LBFGS's counts
            v = group.get(key, 1)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"{self.name}: {key} must be an integer >= 1, got {v!r}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: drop them (default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.array[...] = 0

    # ------------------------------------------------------------------ step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient. ``closure``, if given, recomputes
        and returns the loss (with gradients on) before the update."""
        loss = None
        if closure is not None:
            if not callable(closure):
                raise TypeError(f"{self.name}.step: closure must be a function that returns "
                                f"the loss, got {type(closure).__name__}")
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.shape != p.shape:
                        raise ValueError(f"{self.name}: gradient of shape {p.grad.shape} "
                                         f"for a parameter of shape {p.shape}")
                    state = self.state.get(p)
                    if state is None:
                        state = self.state[p] = {}
                    else:
                        self._match_state(p, state)
                    self._update(p, p.grad.array, state, group)
                    versions.mark_written(p.array)
        return loss

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict) -> None:
        raise NotImplementedError

    @staticmethod
    def _match_state(p: Tensor, state: dict[str, Any]) -> None:
        """Follow a parameter moved by ``module.to(...)`` after the optimizer was made."""
        data = p.array
        for k, v in state.items():
            if hasattr(v, "dtype") and (type(v) is not type(data) or v.dtype != data.dtype):
                state[k] = backend.as_array(v, dtype=p.dtype, device=p.device)

    # ------------------------------------------------------------------ saving
    def state_dict(self) -> dict[str, Any]:
        """{"state": {"0": {...}}, "param_groups": {"0": {...}}}: parameters are named by
        their position across the groups; arrays are NumPy copies (mg.save-able)."""
        index: dict[int, int] = {}
        groups = {}
        for gi, group in enumerate(self.param_groups):
            g = {k: copy.copy(v) for k, v in group.items() if k != "params"}
            g["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                g["params"].append(index[id(p)])
            groups[str(gi)] = g
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[str(index[id(p)])] = {
                        k: backend.to_numpy(v).copy() if backend.is_array(v) else v
                        for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` (or mg.load of it) gave. Everything is checked
        first (group count, parameter counts, array shapes): on a mismatch nothing
        changes and the error says what differs. A state from another kind of optimizer
        (an SGD state loaded into Adam) is refused by its options."""
        where = f"{self.name}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise TypeError(f"{where}: expected a dict (from state_dict()), got "
                            f"{type(state_dict).__name__}")
        groups = state_dict.get("param_groups")
        saved_state = state_dict.get("state")
        if groups is None or saved_state is None:
            raise KeyError(f"{where}: expected keys 'state' and "
                           f"'param_groups', got {sorted(state_dict)}")
        if isinstance(groups, dict):
            groups = [groups[k] for k in sorted(groups, key=_index(where, "param group"))]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{where}: the state has {len(groups)} "
                             f"param groups, this optimizer {len(self.param_groups)}")
        merged = [self._merged_group(where, gi, saved, mine)
                  for gi, (saved, mine) in enumerate(zip(groups, self.param_groups))]
        by_index: dict[int, Tensor] = {}
        for gi, (saved, mine) in enumerate(zip(groups, self.param_groups)):
            ids = list(saved["params"])
            if len(ids) != len(mine["params"]):
                raise ValueError(f"{self.name}.load_state_dict: param group {gi} has "
                                 f"{len(ids)} parameters in the state, "
                                 f"{len(mine['params'])} here")
            by_index.update(zip((int(i) for i in ids), mine["params"]))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, entry in saved_state.items():
            if _index(where, "state entry")(key) not in by_index:
                raise ValueError(f"{self.name}.load_state_dict: state for parameter {key}, "
                                 "which no group lists")
            p = by_index[int(key)]
            converted = {}
            for k, v in entry.items():
                if isinstance(v, Tensor):
                    v = v.array
                if backend.is_array(v) and v.ndim > 0:
                    if tuple(v.shape) != p.shape:
                        raise ValueError(f"{self.name}.load_state_dict: state {k!r} of "
                                         f"parameter {key} has shape {tuple(v.shape)}, the "
                                         f"parameter {p.shape}")
                    v = backend.as_array(backend.to_numpy(v).copy(), dtype=p.dtype,
                                         device=p.device)
                elif backend.is_array(v):  # a 0-d array (a step count stored as array)
                    v = v.item()
                converted[k] = v
            new_state[p] = converted
        # all checked: now change things
        for new, mine in zip(merged, self.param_groups):
            mine.update(new)
        self.state = new_state

    def _merged_group(self, where: str, gi: int, saved: Any, mine: dict) -> dict:
        """The options of saved group ``gi`` as this optimizer will hold them, checked.
        Options this kind of optimizer does not have mean the state is from another kind;
        options the saved group lacks (an older file) keep their current values."""
        if not isinstance(saved, dict) or "params" not in saved:
            raise ValueError(f"{where}: param group {gi} of the state has no 'params' list")
        options = set(saved) - {"params", "initial_lr"}
        foreign = sorted(options - set(self.defaults))
        if foreign:
            raise ValueError(f"{where}: the state is from another kind of optimizer: its "
                             f"param group {gi} has options {foreign} that {self.name} does "
                             f"not have (its options: {sorted(self.defaults)})")
        group = {**mine, **{k: copy.copy(v) for k, v in saved.items() if k != "params"}}
        try:
            self._check_group(group)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{where}: param group {gi}: {e}") from None
        group.pop("params")
        return group

    def __repr__(self) -> str:
        lines = [f"{self.name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        return "\n".join(lines) + "\n)"


def _index(where: str, what: str):
    """The int of a saved key ("0", "1", ...), or a ValueError naming it."""
    def parse(key: Any) -> int:
        try:
            return int(key)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: {what} key {key!r} is not a parameter index") from None
    return parse
