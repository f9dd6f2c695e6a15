"""Turn a collected graph into a ``graphviz.Digraph``: nodes, scope clusters, the
collapsed one-box-per-step view, elision of middle steps and gradient colours.

Three passes over plain tables, no recursion:
1. every op and leaf gets the name of the node that *shows* it (itself, its step's
   box when collapsed, or the "... n steps ..." node when elided);
2. edges are re-pointed to those names; edges that end up inside one box vanish and
   edges that cross the same boundary merge into one (a dict keyed on the pair);
3. nodes are grouped by scope path into nested clusters, built deepest first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import graphviz

from minigrad.tensor import Tensor
from minigrad.viz.style import STYLE, grad_attrs, legend, shape_text
from minigrad.viz.textbook import textbook
from minigrad.viz.walk import (OUTPUT, Graph, collect, common_prefix, natural_key, step_key,
                               step_number)

@dataclass
class Node:
    label: str
    kind: str
    where: tuple[str, ...]  # the scope path of the cluster it is drawn in
    tooltip: str = ""
    step: tuple[str, ...] | None = None  # for "... n steps ...": the first step it hides


LAYOUTS = ("graph", "textbook")


def draw(root: Tensor, *, params: Any = None, show_grad: bool = False,
         collapse: bool = False, max_steps: int | None = None,
         rankdir: str = "LR", layout: str = "graph") -> graphviz.Digraph:
    """The computation graph that produced ``root`` (see ``minigrad.viz`` for the legend).

    ``layout="textbook"`` draws the lecture's picture of an unrolled network instead
    (``minigrad.viz.textbook``): one box per step, x_t below, y_t above, the carried
    states between steps and the shared weights once; ``collapse`` and ``rankdir`` do
    not apply to it."""
    if layout not in LAYOUTS:
        raise ValueError(f"draw: layout must be one of {', '.join(map(repr, LAYOUTS))}, "
                         f"got {layout!r}")
    if not isinstance(root, Tensor):
        raise TypeError(f"draw: expected the Tensor whose graph to draw, got "
                        f"{type(root).__name__}")
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"draw: max_steps must be at least 1, got {max_steps}")
    g = collect(root)
    if show_grad and not g.has_norms:
        raise RuntimeError(
            "draw(show_grad=True): this graph has no recorded gradient norms. Run the "
            "backward pass inside `with mg.autograd.record_grad_norms(): loss.backward()` "
            "and draw again.")
    names = param_names(params)
    if layout == "textbook":
        return textbook(g, root, names, show_grad, max_steps)
    nodes: dict[str, Node] = {OUTPUT: _output_node(root, names)} if root.grad_fn else {}
    show = {OUTPUT: OUTPUT}  # graph node name -> name of the node that shows it
    merged = _place_ops(g, nodes, show, collapse, max_steps)
    _place_leaves(g, nodes, show, merged, names)
    edges = _merge_edges(g, show, merged)
    return _build(nodes, edges, show_grad, rankdir)


def param_names(params: Any) -> dict[int, str]:
    """id(tensor) -> name, from anything with named_parameters() (a Module) or a dict of
    name -> tensor or name -> Module (``{"lstm": lstm, "head": head}`` names
    "lstm.weight_hh_l0", "head.weight", ...)."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        return {id(p): name for name, p in params.named_parameters()}
    if not isinstance(params, dict):
        raise TypeError(f"draw: params must be a Module or a dict of name -> tensor or "
                        f"module, got {type(params).__name__}")
    names = {}
    for name, p in params.items():
        if hasattr(p, "named_parameters"):
            names.update({id(q): f"{name}.{n}" for n, q in p.named_parameters()})
        else:
            names[id(p)] = name
    return names


# ------------------------------------------------------------------ pass 1: nodes
def _place_ops(g: Graph, nodes: dict, show: dict, collapse: bool,
               max_steps: int | None) -> set[str]:
    """Give every op its shown node; return the names of the merged (box) nodes."""
    keys: dict[tuple, tuple | None] = {}  # scope -> its step key (cached: scopes repeat)
    for fn in g.ops.values():
        if fn.scope not in keys:
            keys[fn.scope] = step_key(fn.scope)
    elided = _elided_steps(set(k for k in keys.values() if k), max_steps, nodes)
    merged = set(elided.values())
    counts: dict[str, int] = {}
    boxes: dict[tuple, str] = {}  # scope path -> name of its box
    for name, fn in g.ops.items():
        sk = keys[fn.scope]
        if sk in elided:
            show[name] = elided[sk]
        elif collapse and fn.scope:
            box_path = sk or fn.scope
            box = boxes.get(box_path)
            if box is None:
                box = boxes[box_path] = f"box{len(boxes)}"
                counts[box] = 0
                nodes[box] = Node("", "step", box_path[:-1], " / ".join(box_path))
                merged.add(box)
            show[name] = box
            counts[box] += 1
        else:
            show[name] = name
            nodes[name] = Node(_op_label(fn, g.outputs.get(name, {})), "op", fn.scope)
    for box, n in counts.items():
        nodes[box].label = f"{nodes[box].tooltip.split(' / ')[-1]}\n{n} op{'s' * (n > 1)}"
    return merged


def _elided_steps(step_keys: set, max_steps: int | None, nodes: dict) -> dict:
    """step key -> name of the "... n steps ..." node that replaces it (middle steps of
    every sequence longer than 2 * max_steps)."""
    if max_steps is None:
        return {}
    by_prefix: dict[tuple, list] = {}
    for sk in step_keys:
        by_prefix.setdefault(sk[:-1], []).append(sk)
    out = {}
    for prefix, sks in by_prefix.items():
        if len(sks) <= 2 * max_steps:
            continue
        sks.sort(key=lambda s: step_number(s[-1]))
        middle = sks[max_steps:-max_steps]
        name = f"elided{len(nodes)}"
        nodes[name] = Node(f"... {len(middle)} steps ...\n({middle[0][-1]} to {middle[-1][-1]})",
                           "elided", prefix, step=middle[0])
        for sk in middle:
            out[sk] = name
    return out


def _place_leaves(g: Graph, nodes: dict, show: dict, merged: set, names: dict) -> None:
    """A leaf sits in the innermost cluster holding all its consumers; an unnamed leaf
    read by a single box (x_t in its step) is drawn inside it, not next to it."""
    users: dict[str, set] = {}
    for e in g.edges:
        if e.src in g.leaves:
            users.setdefault(e.src, set()).add(show[e.dst])
    for name, t in g.leaves.items():
        pname = names.get(id(t))
        used_by = users.get(name, set())
        if pname is None and len(used_by) == 1 and next(iter(used_by)) in merged:
            show[name] = next(iter(used_by))
            continue
        show[name] = name
        where = common_prefix([nodes[u].where for u in used_by if u in nodes])
        kind = "param" if pname is not None or t.requires_grad else "input"
        title = pname or t.name or ("parameter" if kind == "param" else "input")
        nodes[name] = Node(f"{title}\n{shape_text(t.shape, t.dtype)}", kind, where)


def _output_node(root: Tensor, names: dict) -> Node:
    title = names.get(id(root)) or root.name or "output"
    return Node(f"{title}\n{shape_text(root.shape, root.dtype)}", "output", ())


def _op_label(fn: Any, outputs: dict) -> str:
    meta = getattr(fn, "out_meta", None)
    shapes = [shape_text(s, d) for s, d in (meta or [outputs[i] for i in sorted(outputs)])]
    if len(shapes) > 1 and len(set(shapes)) == 1:
        return f"{fn.name}\n{shapes[0]} x{len(shapes)}"
    return f"{fn.name}\n" + "\n".join(shapes)


# ------------------------------------------------------------------ pass 2: edges
def _merge_edges(g: Graph, show: dict, merged: set) -> list[tuple[str, str, float | None]]:
    """Re-point edges to shown nodes. Edges into or out of a box merge per (src, dst);
    their gradient norms combine as sqrt(sum of squares): the norm of all the
    gradients that crossed that boundary, taken together."""
    out: dict[tuple, list] = {}
    for e in g.edges:
        s, d = show[e.src], show[e.dst]
        if s == d:
            continue  # inside one box
        key = (s, d) if s in merged or d in merged else (s, e.dst, e.index)
        entry = out.get(key)
        if entry is None:
            out[key] = [s, d, e.norm]
        elif e.norm is not None:
            old = entry[2] or 0.0
            entry[2] = math.sqrt(old * old + e.norm * e.norm)
    return [tuple(v) for v in out.values()]


# ------------------------------------------------------------------ pass 3: the Digraph
def _build(nodes: dict, edges: list, show_grad: bool, rankdir: str) -> graphviz.Digraph:
    dot = graphviz.Digraph(
        "minigrad",
        graph_attr=dict(rankdir=rankdir, fontname="Helvetica", fontsize="10",
                        ranksep="0.3", nodesep="0.15", newrank="true"),
        node_attr=dict(STYLE["op"], fontname="Helvetica", fontsize="10", height="0.3",
                       margin="0.08,0.04"),  # ops, the most numerous, need no attributes
        edge_attr=dict(fontname="Helvetica", fontsize="9", arrowsize="0.6",
                       color="#555555"))
    clusters = {(): dot}
    for name, node in nodes.items():
        for j in range(1, len(node.where) + 1):
            path = node.where[:j]
            if path not in clusters:
                clusters[path] = graphviz.Digraph(
                    "cluster_" + "/".join(path),
                    graph_attr=dict(label=" / ".join(path), style="rounded,dashed",
                                    color="#999999", fontcolor="#444444", labeljust="l"))
        attrs = {} if node.kind == "op" else dict(STYLE[node.kind])
        if node.tooltip:
            attrs["tooltip"] = node.tooltip
        clusters[node.where].node(name, node.label, **attrs)
    # nest deepest first, so a cluster is complete when its parent copies it in;
    # siblings go in natural order ("t=2" before "t=10")
    for path in sorted((p for p in clusters if p), key=lambda p: (-len(p), natural_key(p))):
        clusters[path[:-1]].subgraph(clusters[path])
    norms = [n for _, _, n in edges if n]
    lo, hi = (min(norms), max(norms)) if norms else (1.0, 1.0)
    # Edges are written as DOT lines directly: every node name is a plain identifier
    # and every value ours, so graphviz's generic quoting (most of the time) is skipped.
    for s, d, norm in edges:
        attrs = grad_attrs(norm, lo, hi) if show_grad and d != OUTPUT else {}
        dot.body.append(_edge_line(s, d, attrs))
    for s, d in _step_order(nodes, edges):
        dot.body.append(_edge_line(s, d, {"style": "invis", "weight": "0"}))
    if show_grad:
        dot.node("legend", legend(lo, hi), shape="plaintext", style="solid")
    return dot


def _edge_line(s: str, d: str, attrs: dict) -> str:
    a = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return f"\t{s} -> {d} [{a}]\n" if a else f"\t{s} -> {d}\n"


def _step_order(nodes: dict, edges: list) -> list[tuple[str, str]]:
    """Invisible edges that keep sibling time steps left to right: from each node of
    step k that feeds nothing else in step k, to each node of step k+1 that nothing in
    step k+1 feeds. Then all of step k+1 ranks after all of step k."""
    step_of = {name: sk for name, node in nodes.items()
               if (sk := node.step or step_key(node.where))}
    has_pred, has_succ = set(), set()
    for s, d, _ in edges:
        k = step_of.get(s)
        if k is not None and k == step_of.get(d):
            has_succ.add(s)
            has_pred.add(d)
    members: dict[tuple, list] = {}
    for name, sk in step_of.items():
        members.setdefault(sk, []).append(name)
    siblings: dict[tuple, list] = {}
    for sk in members:
        siblings.setdefault(sk[:-1], []).append(sk)
    out = []
    for sks in siblings.values():
        sks.sort(key=lambda s: step_number(s[-1]))
        for a, b in zip(sks, sks[1:]):
            sinks = [n for n in members[a] if n not in has_succ]
            sources = [n for n in members[b] if n not in has_pred]
            out += [(s, d) for s in sinks for d in sources]
    return out
