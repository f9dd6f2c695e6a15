"""Sort the edges of a collected graph by how they cross the time steps' boundaries.

The first half of the textbook layout (``minigrad.viz.textbook`` draws the result): a
*step* is the ops inside one ``t=<k>`` scope, a *sequence* the steps under one scope
path ("layer 0 / forward"). Every edge whose ends lie in different steps, or in a step
and outside all steps, is one of

* a carried state: from one step to the next (or the previous: a reverse direction) of
  the same sequence, kept per step with the slot where it enters the next step;
* an input of a step: from outside the steps (a leaf, or an op such as the input
  projection) into one step; ``into`` keeps, per tensor, which steps read it and where;
* an output of a step: from a step to an op outside the steps (or the root); ``out_of``
  keeps where those lead in the end: the root and/or other sequences (a stacked layer).

Tensors are keyed by ``(producer node, output index)``: the fused LSTM step's h and c
are two outputs of one node.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from minigrad.tensor import Tensor
from minigrad.viz.walk import OUTPUT, Graph, natural_key, step_key, step_number


@dataclass
class Sequence:
    """One recurrent sequence: its steps in time order and what crosses between them."""
    index: int
    path: tuple[str, ...]
    steps: list[tuple[str, ...]]
    ops: dict[int, int] = field(default_factory=dict)       # position -> number of ops
    carried: dict[int, dict] = field(default_factory=dict)  # i -> {tkey: [norms]}, i -> i+dir
    direction: int = 1                                      # -1: a reverse direction
    slots: dict[tuple, tuple] = field(default_factory=dict)  # where the second step reads

    def start(self) -> int:
        return 0 if self.direction > 0 else len(self.steps) - 1

    def number(self, i: int) -> int:
        return step_number(self.steps[i][-1])


@dataclass
class Crossings:
    """What crosses the steps' boundaries, keyed by tensor: (producer node, output index)."""
    seqs: dict[tuple, Sequence]
    unit: dict[str, tuple]                    # step op -> (sequence path, position)
    tensor: dict[tuple, Tensor] = field(default_factory=dict)
    into: dict[tuple, dict] = field(default_factory=dict)    # tkey -> {unit: [(slot, norm)]}
    out_of: dict[tuple, dict] = field(default_factory=dict)  # tkey -> unit, norms, sinks


def sort_crossings(g: Graph, root: Tensor, names: dict) -> Crossings:
    c = Crossings(*_sequences(g))
    if not c.seqs:
        raise ValueError("draw(layout='textbook'): no time steps in this graph; the textbook "
                         "layout draws ops run inside `with mg.scope('t=<k>'):` (as the "
                         "recurrent layers do). Use the default layout instead.")
    sinks = _sinks(g, c.unit)
    for e in g.edges:
        x = root if e.dst == OUTPUT else g.ops[e.dst].inputs[e.index]
        tkey = (e.src, x._index if e.src in g.ops else 0)
        c.tensor[tkey] = x
        s, d = c.unit.get(e.src), c.unit.get(e.dst)
        if s is not None and s == d:
            continue
        if s is not None and d is not None and s[0] == d[0] and abs(d[1] - s[1]) == 1:
            seq = c.seqs[s[0]]
            seq.direction = d[1] - s[1]
            seq.carried.setdefault(s[1], {}).setdefault(tkey, []).append(e.norm)
            if s[1] == seq.start():
                seq.slots[_slot(g, e.dst, e.index, names)] = tkey
        elif d is not None:
            c.into.setdefault(tkey, {}).setdefault(d, []).append(
                (_slot(g, e.dst, e.index, names), e.norm))
        elif s is not None:
            entry = c.out_of.setdefault(tkey, dict(unit=s, norms=[], sinks=set()))
            entry["norms"].append(e.norm)
            entry["sinks"] |= {"root"} if e.dst == OUTPUT else sinks[e.dst]
    return c


def _sequences(g: Graph) -> tuple[dict, dict]:
    steps: dict[tuple, set] = {}
    step_of = {}
    for name, fn in g.ops.items():
        sk = step_key(fn.scope)
        if sk is not None:
            steps.setdefault(sk[:-1], set()).add(sk)
            step_of[name] = sk
    seqs = {}
    for k, path in enumerate(sorted(steps, key=natural_key)):
        seqs[path] = Sequence(k, path, sorted(steps[path], key=lambda s: step_number(s[-1])))
    position = {sk: (path, i) for path, s in seqs.items() for i, sk in enumerate(s.steps)}
    unit = {name: position[sk] for name, sk in step_of.items()}
    for path, i in unit.values():
        seqs[path].ops[i] = seqs[path].ops.get(i, 0) + 1
    return seqs, unit


def _sinks(g: Graph, unit: dict) -> dict[str, set]:
    """For each op outside the steps: what it feeds in the end, "root" and/or the paths
    of the sequences whose steps read it (walked consumers first: ``g.ops`` is in
    topological order, so reversed it meets every consumer before its producers)."""
    consumers: dict[str, set] = {}
    for e in g.edges:
        consumers.setdefault(e.src, set()).add(e.dst)
    sinks: dict[str, set] = {}
    for name in reversed(list(g.ops)):
        if name in unit:
            continue
        got = set()
        for d in consumers.get(name, ()):
            got |= ({"root"} if d == OUTPUT else {unit[d][0]} if d in unit else sinks[d])
        sinks[name] = got
    return sinks


def _slot(g: Graph, op: str, index: int, names: dict) -> tuple:
    """Where a tensor enters a step: the op's kind, the input's place, and the weights
    (named or leaf parameters) read by the same op, so that x_t @ Wx and h_t @ Wh differ."""
    fn = g.ops[op]
    weights = frozenset(id(x) for x in fn.inputs if isinstance(x, Tensor) and x.grad_fn is None
                        and (id(x) in names or x.requires_grad))
    return fn.name, index, weights
