"""Collect a tensor's history into plain tables, with an explicit stack (no recursion).

The graph is read exactly as backward() sees it: a tensor's ``grad_fn`` is the op that
made it, ``fn.inputs`` are that op's input tensors. One walk from the root visits each
op once (a set of ids), so a 100,000-node unrolled RNN is a long loop, not a deep stack.

Node names in the DOT source are ``op<k>`` for an op, ``tensor<k>`` for a leaf tensor
(numbered in the order the walk meets them, so the same graph always gives the same
source and a regenerated picture diffs clean) and ``output`` for the root.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from minigrad.tensor import Tensor

OUTPUT = "output"
_STEP = re.compile(r"^t\s*=\s*(-?\d+)$")  # a time-step scope: "t=3"


@dataclass
class Edge:
    """Data flow ``src -> dst``: ``src`` produced a tensor (``shape``) that op ``dst``
    read as its input number ``index``; ``norm`` is the norm of the gradient that
    flowed back along it (recorded under ``mg.autograd.record_grad_norms()``)."""
    src: str
    dst: str
    index: int
    norm: float | None
    shape: tuple


@dataclass
class Graph:
    ops: dict[str, Any] = field(default_factory=dict)      # name -> Function, topological
    outputs: dict[str, dict] = field(default_factory=dict)  # op name -> {index: (shape, dtype)}
    leaves: dict[str, Tensor] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    has_norms: bool = False  # did any op record gradient norms?
    names: dict[int, str] = field(default_factory=dict)     # id(op or leaf) -> node name

    def name_of(self, obj: Any) -> str:
        """The node name of an op or a leaf tensor (given on first sight)."""
        name = self.names.get(id(obj))
        if name is None:
            kind = "tensor" if isinstance(obj, Tensor) else "op"
            name = self.names[id(obj)] = f"{kind}{len(self.names)}"
        return name


def collect(root: Tensor) -> Graph:
    """Every op and leaf that ``root`` depends on, and every edge between them."""
    g = Graph()
    fn0 = root.grad_fn
    if fn0 is None:
        g.leaves[g.name_of(root)] = root
        return g
    g.outputs[g.name_of(fn0)] = {root._index: (root.shape, root.dtype)}
    g.edges.append(Edge(g.name_of(fn0), OUTPUT, 0, None, root.shape))
    found = {id(fn0): fn0}
    stack = [fn0]
    while stack:
        fn = stack.pop()
        norms = fn.grad_norms
        if norms is not None:
            g.has_norms = True
        dst = g.name_of(fn)
        for i, x in enumerate(fn.inputs):
            if not isinstance(x, Tensor):
                continue  # a Python constant (the 2 in x * 2): not drawn
            norm = norms[i] if norms is not None and i < len(norms) else None
            f = x.grad_fn
            if f is None:
                src = g.name_of(x)
                g.leaves.setdefault(src, x)
            else:
                src = g.name_of(f)
                g.outputs.setdefault(src, {})[x._index] = (x.shape, x.dtype)
                if id(f) not in found:
                    found[id(f)] = f
                    stack.append(f)
            g.edges.append(Edge(src, dst, i, norm, x.shape))
    # Emit ops about in the order they ran (generation, ties by scope: "t=2" before
    # "t=10"), so dot meets earlier steps first and the DOT source reads in order.
    order: dict[tuple, tuple] = {}
    for fn in found.values():
        if fn.scope not in order:
            order[fn.scope] = natural_key(fn.scope)
    for fn in sorted(found.values(), key=lambda f: (f.generation, order[f.scope])):
        g.ops[g.name_of(fn)] = fn
    return g


def step_key(scope: tuple[str, ...]) -> tuple[str, ...] | None:
    """The scope path up to its innermost time step: ("layer 0", "t=3", "gates") ->
    ("layer 0", "t=3"); None when no part of the path is a "t=<k>" step."""
    for j in range(len(scope) - 1, -1, -1):
        if _STEP.match(scope[j]):
            return scope[:j + 1]
    return None


def step_number(part: str) -> int:
    return int(_STEP.match(part).group(1))


def natural_key(path: tuple[str, ...]) -> tuple:
    """Sort "t=2" before "t=10": digit runs compare as numbers."""
    return tuple(tuple(int(s) if s.isdigit() else s for s in re.split(r"(\d+)", p))
                 for p in path)


def common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    if not paths:
        return ()
    first = paths[0]
    n = len(first)
    for p in paths[1:]:
        n = min(n, len(p))
        for j in range(n):
            if p[j] != first[j]:
                n = j
                break
    return first[:n]
