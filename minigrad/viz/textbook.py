"""The textbook picture of an unrolled recurrent network (``draw(..., layout="textbook")``).

              loss
        /      |      \\
      y_1     y_2     y_3            per-step outputs (L_t when a step gives a scalar)
       |       |       |
  h_0 [t=1] -> [t=2] -> [t=3]        one box per time step; only the carried states
       |  h_1  |  h_2  |             (h_t, and c_t for an LSTM) run between steps
      x_1     x_2     x_3            per-step inputs
   [ weights: Wx Wh b, shared by all 3 steps ]

Everything is read off the collected graph (``walk.collect``); nothing is asked of the
model. A *step* is the ops inside one ``t=<k>`` scope; a *sequence* is the steps under
one scope path ("layer 0 / forward"), drawn as one row. Edges that cross a step's
boundary are sorted into

* carried states: from one step to the next of the same sequence (either direction);
* initial states: inputs of a sequence's first step that enter it exactly where the
  carried states enter the second (same op, same input, same weights beside it);
* weights: named parameters and any tensor read by two or more steps, drawn once in a
  table saying where they are used, with ||p.grad|| under ``show_grad``;
* per-step inputs x_t (anything else entering one step) and outputs y_t (everything a
  step hands to ops outside the steps). Those outside ops (the input projection, the
  stack of outputs, the loss) are not drawn: y_t point to the root, or, when they feed
  another sequence (a second layer), one bundled edge joins the two rows.

Labels: a tensor's ``.name`` when it has one; else x_t, y_t, and for carried states h_t,
with c_t for a second state (h is the one that also leaves the step; else the one
computed last, as h_t = o_t * tanh(c_t)): c runs above the row, h straight along it.
Gradient norms follow ``draw``'s rules. Beyond 12 steps in a row the picture turns
compact: boxes without op counts, the norms of x_t and y_t edges only as colour.
"""
from __future__ import annotations

import html
import math
from typing import Any

import graphviz

from minigrad.tensor import Tensor
from minigrad.viz.crossings import Crossings, Sequence, sort_crossings
from minigrad.viz.style import STYLE, grad_attrs, legend, shape_text
from minigrad.viz.walk import OUTPUT, Graph, natural_key

COMPACT = 12  # more shown steps than this in a row: the compact picture


def textbook(g: Graph, root: Tensor, names: dict[int, str], show_grad: bool,
             max_steps: int | None) -> graphviz.Digraph:
    """The textbook layout of ``g`` (see the module docstring)."""
    c = sort_crossings(g, root, names)
    return _Picture(g, root, names, show_grad, max_steps, c).build()


def _sub(letter: str, number: Any) -> str:
    return f"{letter}<sub>{number}</sub>"


def _norm(norms: list) -> float | None:
    """Norms of the gradients crossing one boundary, taken together (as ``draw`` does)."""
    got = [n for n in norms if n is not None]
    return math.sqrt(sum(n * n for n in got)) if got else None


# ------------------------------------------------------------------ drawing
class _Picture:
    """Lays the sorted crossings out as a Digraph; one method per part of the picture."""

    def __init__(self, g, root, names, show_grad, max_steps, c: Crossings):
        self.g, self.root, self.names, self.show_grad = g, root, names, show_grad
        self.max_steps, self.c = max_steps, c
        self.edges: list[tuple[str, str, str, float | None, dict]] = []
        self.node_of: dict[tuple, str] = {}  # (sequence path, position) -> node name
        self.compact = any(len(self._kept(s)) > COMPACT for s in c.seqs.values())
        self.rows: dict[tuple, graphviz.Digraph] = {}  # ("x" or "y", sequence) -> its row
        self.x_at: dict[tuple, str] = {}  # step unit -> its first x node
        self.dot = graphviz.Digraph("minigrad", graph_attr=dict(
            rankdir="BT", newrank="true", compound="true", fontname="Helvetica",
            fontsize="10", nodesep="0.25", ranksep="0.35"),
            node_attr=dict(fontname="Helvetica", fontsize="10", height="0.3",
                           margin="0.08,0.04"),
            edge_attr=dict(fontname="Helvetica", fontsize="9", arrowsize="0.6",
                           color="#555555"))

    def build(self) -> graphviz.Digraph:
        for seq in self.c.seqs.values():
            self._row(seq)
        shared = {tk for tk, users in self.c.into.items()  # what the initial states left
                  if len(users) > 1 or (self.c.tensor[tk].grad_fn is None
                                        and id(self.c.tensor[tk]) in self.names)}
        self._inputs(shared)
        self._outputs()
        self._weights(shared)
        self._emit()
        return self.dot

    def _kept(self, seq: Sequence) -> list[int]:
        n, k = len(seq.steps), self.max_steps
        return list(range(n)) if k is None or n <= 2 * k else [*range(k), *range(n - k, n)]

    # ------------------------------------------------------------ one row per sequence
    def _row(self, seq: Sequence) -> None:
        k, n = seq.index, len(seq.steps)
        label = " / ".join(seq.path) or f"unrolled over {n} step{'s' * (n > 1)}"
        cluster = graphviz.Digraph(f"cluster_{k}", graph_attr=dict(
            label=label, style="rounded,dashed", color="#999999", fontcolor="#444444",
            labeljust="l"))
        row = graphviz.Digraph(f"row_{k}", graph_attr=dict(rank="same"))
        shown: list[int] = []
        for i in self._kept(seq):
            if shown and i != shown[-1] + 1:  # the middle: one "... n steps ..." node
                name, first, last = f"elided{k}", seq.steps[shown[-1] + 1], seq.steps[i - 1]
                row.node(name, f"... {i - shown[-1] - 1} steps ...\n({first[-1]} to "
                         f"{last[-1]})", **STYLE["elided"])
                for j in range(shown[-1] + 1, i):
                    self.node_of[(seq.path, j)] = name
            name = self.node_of[(seq.path, i)] = f"step{k}_{i}"
            ops = seq.ops[i]
            text = seq.steps[i][-1] + ("" if self.compact else
                                       f"\n{ops} op{'s' * (ops > 1)}")
            row.node(name, text, **STYLE["step"], tooltip=" / ".join(seq.steps[i]))
            shown.append(i)
        self._initial(seq, row)
        cluster.subgraph(row)
        self.dot.subgraph(cluster)
        for i in sorted(seq.carried):
            a, b = self.node_of[(seq.path, i)], self.node_of[(seq.path, i + seq.direction)]
            if a == b:
                continue  # both inside the elided middle
            states = [(label, _norm(seq.carried[i][tk])) for tk, label in self._states(seq, i)]
            self._carry(a, b, states, seq.direction)

    def _carry(self, a: str, b: str, states: list, direction: int) -> None:
        """The states carried from box a to box b: one arrow, its label one line per state
        (c above h), each with its own norm; the arrow is painted by their joint norm.
        A reverse sequence keeps time left to right: its arrow is written b -> a, drawn
        back."""
        norm = _norm([n for _, n in states])
        lines = states if len(states) > 1 else states[0][0]
        if direction > 0:
            self.edges.append((a, b, lines, norm, {}))
        else:
            self.edges.append((b, a, lines, norm, dict(dir="back")))

    def _states(self, seq: Sequence, i: int) -> list[tuple[tuple, str]]:
        """(tkey, label) of the states carried out of step i, c before h: named ones by
        name; unnamed ones h, or c and h, or s1, s2, ... (see the module docstring)."""
        carried = list(seq.carried.get(i, {}))
        number = seq.number(i)
        unnamed = [tk for tk in carried if not self.c.tensor[tk].name]
        h = max(unnamed, key=lambda tk: (tk in self.c.out_of, self.g.ops[tk[0]].generation,
                                         -tk[1]), default=None)
        out = []
        for tk in carried:
            name = self.c.tensor[tk].name
            if name:
                out.append((1, tk, html.escape(name)))
            elif len(unnamed) <= 2:
                out.append((tk == h, tk, _sub("h" if tk == h else "c", number)))
            else:
                out.append((tk == h, tk, _sub(f"s{unnamed.index(tk) + 1}", number)))
        return [(tk, label) for _, tk, label in sorted(out, key=lambda o: o[0])]

    def _initial(self, seq: Sequence, row: graphviz.Digraph) -> None:
        """Inputs of the first step that enter where the carried states enter the second:
        the initial states, one node beside the first step (taken out of the inputs)."""
        first = seq.start()
        if len(seq.steps) < 2 or not seq.slots:
            return
        states = dict(self._states(seq, first))
        order = list(states)
        number = seq.number(first) - seq.direction
        found = []
        for tkey, users in list(self.c.into.items()):
            uses = users.get((seq.path, first), [])
            hits = [(seq.slots[s], n) for s, n in uses if s in seq.slots]
            if not hits or len(hits) < len(uses) or any(
                    u[1] != self.c.seqs[u[0]].start() for u in users):
                continue  # read elsewhere too, or by another step: not an initial state
            t = self.c.tensor[tkey]
            for state, norm in hits:
                text = html.escape(t.name) if t.name else _sub(
                    states[state].split("<")[0], number if number >= 0 else "init")
                found.append((order.index(state), text, norm))
            del users[(seq.path, first)]  # (one zeros tensor may start several sequences)
            if not users:
                del self.c.into[tkey]
        if not found:
            return
        found.sort(key=lambda f: f[0])
        name = f"init{seq.index}"
        row.node(name, "<" + "<br/>".join(text for _, text, _ in found) + ">",
                 shape="plaintext")
        box = self.node_of[(seq.path, first)]
        norm = _norm([n for *_, n in found])
        if seq.direction > 0:
            self.edges.append((name, box, "", norm, {}))
        else:
            self.edges.append((box, name, "", norm, dict(dir="back")))

    # ------------------------------------------------------------ x_t below, y_t above
    def _by_time(self, units: dict) -> list:
        return sorted(units.items(), key=lambda kv: (self.c.seqs[kv[1][0]].index, kv[1][1],
                                                     kv[0]))

    def _rank(self, kind: str, seq_path: tuple) -> graphviz.Digraph:
        """The row (same rank) of x or y nodes of one sequence."""
        k = self.c.seqs[seq_path].index
        if (kind, k) not in self.rows:
            self.rows[(kind, k)] = graphviz.Digraph(f"{kind}_{k}", graph_attr=dict(rank="same"))
        return self.rows[(kind, k)]

    def _inputs(self, shared: set) -> None:
        where = {tk: next(iter(users)) for tk, users in self.c.into.items()
                 if tk not in shared}
        count: dict[tuple, int] = {}
        for tkey, unit in self._by_time(where):
            node = self.node_of[unit]
            if node.startswith("elided"):
                continue
            t = self.c.tensor[tkey]
            j = count[unit] = count.get(unit, 0) + 1
            number = self.c.seqs[unit[0]].number(unit[1])
            text = html.escape(t.name) if t.name else _sub("x" + "'" * (j - 1), number)
            name = self.node_of[("x", tkey)] = f"x{len(self.node_of)}"
            self.x_at.setdefault(unit, name)
            self._rank("x", unit[0]).node(name, f"<{text}>", shape="plaintext",
                                          tooltip=shape_text(t.shape, t.dtype))
            norm = _norm([n for _, n in self.c.into[tkey][unit]])
            self.edges.append((name, node, "", norm, dict(weight="10", quiet=self.compact)))

    def _outputs(self) -> None:
        to_root, links = [], set()
        count: dict[tuple, int] = {}
        where = {tk: entry["unit"] for tk, entry in self.c.out_of.items()}
        for tkey, unit in self._by_time(where):
            entry, node = self.c.out_of[tkey], self.node_of[unit]
            if node.startswith("elided"):
                continue
            links |= {(unit[0], s) for s in entry["sinks"] if s != "root" and s != unit[0]}
            t = self.c.tensor[tkey]
            if t is self.root:  # the root is made inside a step
                self.edges.append((node, OUTPUT, "", None, dict(plain=True)))
                continue
            if "root" not in entry["sinks"]:
                continue  # it only feeds another sequence: the bundled edge shows it
            j = count[unit] = count.get(unit, 0) + 1
            number = self.c.seqs[unit[0]].number(unit[1])
            letter = "L" if t.ndim == 0 else "y"  # a scalar per step: that step's loss
            text = html.escape(t.name) if t.name else _sub(letter + "'" * (j - 1), number)
            name = self.node_of[("y", tkey)] = f"y{len(self.node_of)}"
            self._rank("y", unit[0]).node(name, f"<{text}>", shape="plaintext",
                                          tooltip=shape_text(t.shape, t.dtype))
            self.edges.append((node, name, "", _norm(entry["norms"]),
                               dict(weight="10", quiet=self.compact)))
            to_root.append(name)
        for row in self.rows.values():
            self.dot.subgraph(row)
        title = self.names.get(id(self.root)) or self.root.name or "output"
        note = f"\n(from the {len(to_root)} outputs below)" if self.compact and to_root else ""
        self.dot.node(OUTPUT, f"{title}\n{shape_text(self.root.shape, self.root.dtype)}{note}",
                      **STYLE["output"])
        for name in to_root:
            self.edges.append((name, OUTPUT, "", None, dict(
                plain=True, color="#bbbbbb", arrowhead="none",
                **({"style": "invis"} if self.compact else {}))))
        for a, b in sorted(links, key=lambda ab: (self.c.seqs[ab[0]].index,
                                                  self.c.seqs[ab[1]].index)):
            self._link(self.c.seqs[a], self.c.seqs[b])

    def _link(self, a: Sequence, b: Sequence) -> None:
        """One bundled edge: the outputs of every step of ``a`` feed ``b``'s inputs (and,
        for rows of one length, invisible edges that stack step t of ``b`` over ``a``'s)."""
        tail = self.node_of[(a.path, len(a.steps) // 2)]
        head = self.node_of[(b.path, len(b.steps) // 2)]
        self.edges.append((tail, head, f"outputs of all {len(a.steps)} steps", None, dict(
            plain=True, ltail=f"cluster_{a.index}", lhead=f"cluster_{b.index}",
            style="dashed", penwidth="2", color="#888888", fontcolor="#666666")))
        if len(a.steps) == len(b.steps):
            for i in self._kept(a):
                above = self.x_at.get((b.path, i)) or self.node_of[(b.path, i)]
                self.dot.edge(self.node_of[(a.path, i)], above, style="invis", weight="5")

    # ------------------------------------------------------------ the weights, once
    def _weights(self, shared: set) -> None:
        """One table of what the steps share, joined to the steps by one bundled edge."""
        total = sum(len(s.steps) for s in self.c.seqs.values())
        rows, seen = [], set()
        for tkey in shared:
            t = self.c.tensor[tkey]
            users = self.c.into[tkey]
            rows.append((0 if len(users) == total else 1, self._title(tkey), t,
                         self._where(users, total)))
            seen.add(id(t))
        upstream = self._upstream()
        for name, t in self.g.leaves.items():  # parameters read only outside the steps
            if id(t) not in seen and id(t) in self.names:
                before = any(e.dst in upstream for e in self.g.edges if e.src == name)
                rows.append((2 if before else 3, self.names[id(t)], t,
                             "before the steps" if before else "after the steps"))
        if not rows:
            return
        rows.sort(key=lambda r: (r[0], r[1]))
        grad = '<td align="right"><i>||dL/dW||</i></td>' if self.show_grad else ""
        cells = "".join(
            f'<tr><td align="left"><b>{html.escape(title)}</b></td>'
            f'<td align="left">{shape_text(t.shape, t.dtype)}</td><td align="left">{where}</td>'
            + (f'<td align="right">{self._grad_text(t)}</td>' if self.show_grad else "")
            + "</tr>" for _, title, t, where in rows)
        head = f'<tr><td align="left" colspan="3"><b>weights</b> (drawn once)</td>{grad}</tr>'
        self.dot.node("weights", f'<<table border="0" cellborder="0" cellspacing="0" '
                      f'cellpadding="2">{head}{cells}</table>>',
                      shape="box", style="filled", fillcolor="lightblue", color="#3b6e8f")
        below = [n for key, n in self.node_of.items() if key[0] == "x"]
        for x in below[:1]:  # the table goes under the row of inputs, not beside it
            self.dot.edge("weights", x, style="invis")
        first = min(self.c.seqs.values(), key=lambda s: s.index)
        every = all(r[0] == 0 for r in rows if r[0] < 2)
        self.edges.append(("weights", self.node_of[(first.path, 0)],
                           f"shared by all {total} steps" if every else "shared across steps",
                           None,
                           dict(style="dashed", color="#3b6e8f", fontcolor="#3b6e8f",
                                lhead="cluster_0", constraint="false", plain=True)))

    def _where(self, users: dict, total: int) -> str:
        """Which steps read a weight: every step, every step of some sequences, or n."""
        if len(users) == total:
            return "every step"
        paths = {path for path, _ in users}
        if len(users) == sum(len(self.c.seqs[p].steps) for p in paths):
            return "every step of " + ", ".join(
                html.escape(" / ".join(p)) for p in sorted(paths, key=natural_key))
        return f"{len(users)} of {total} steps"

    def _upstream(self) -> set[str]:
        """The ops outside the steps that some step depends on (before the steps)."""
        found, stack = set(), [n for n in self.g.ops if n in self.c.unit]
        while stack:
            fn = self.g.ops[stack.pop()]
            for x in fn.inputs:
                f = x.grad_fn if isinstance(x, Tensor) else None
                if f is None:
                    continue
                name = self.g.names[id(f)]
                if name not in found and name not in self.c.unit:
                    found.add(name)
                    stack.append(name)
        return found

    def _title(self, tkey: tuple) -> str:
        t = self.c.tensor[tkey]
        return self.names.get(id(t)) or t.name or (self.g.ops[tkey[0]].name
                                                    if tkey[0] in self.g.ops else "parameter")

    def _grad_text(self, t: Tensor) -> str:
        if t.grad is None:
            return ""
        a = t.grad.array
        return f"{math.sqrt(float((a * a).sum())):.3g}"

    # ------------------------------------------------------------ edges, painted
    def _emit(self) -> None:
        norms = [n for *_, n, _ in self.edges if n]
        lo, hi = (min(norms), max(norms)) if norms else (1.0, 1.0)
        for s, d, label, norm, extra in self.edges:
            attrs = dict(extra)
            plain, quiet = attrs.pop("plain", False), attrs.pop("quiet", False)
            paint = grad_attrs(norm, lo, hi) if self.show_grad and not plain else {}
            paint.pop("label", None)
            if isinstance(label, list):  # several states on one arrow: a line each
                text = "<br/>".join(self._number(t, n, lo, hi) for t, n in label)
            else:
                text = self._number(label, None if quiet else norm, lo, hi)
            attrs.update(paint)
            if text:
                attrs["label"] = f"<{text}>"
            self.dot.edge(s, d, **attrs)
        if self.show_grad:
            self.dot.node("legend", legend(lo, hi), shape="plaintext", style="solid")

    def _number(self, label: str, norm: float | None, lo: float, hi: float) -> str:
        """``label`` with the gradient norm after it, in the norm's colour."""
        if not self.show_grad or norm is None:
            return label
        colour = grad_attrs(norm, lo, hi).get("fontcolor", "#555555")
        number = f'<font color="{colour}" point-size="8">{norm:.3g}</font>'
        return f"{label} {number}" if label else number
