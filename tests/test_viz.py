"""minigrad.viz: graphs rendered with the real `dot` (Graphviz) program.

The test graph is a vanilla RNN built from primitive ops, one scope per step:
h_t = tanh(x_t Wx + h_{t-1} Wh + b), loss_t = -log_softmax(h_t Wy)[target].
"""
import contextlib
import json
import re
import shutil

import numpy as np
import pytest

import minigrad as mg
from minigrad.viz.walk import collect

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` missing")

H, V = 6, 5


def rnn(T, seed=0, layer=None):
    """(loss, params, pre-activations a_t, hidden states h_t), intermediates retain grad."""
    rng = np.random.default_rng(seed)
    p = dict(Wx=mg.tensor(rng.standard_normal((V, H)) * 0.5, requires_grad=True),
             Wh=mg.tensor(rng.standard_normal((H, H)) * 0.5, requires_grad=True),
             b=mg.tensor(rng.standard_normal(H) * 0.1, requires_grad=True),
             Wy=mg.tensor(rng.standard_normal((H, V)) * 0.5, requires_grad=True))
    ids = rng.integers(0, V, T + 1)
    h = mg.tensor(rng.standard_normal((1, H)) * 0.1, name="h0")
    losses, pre, hs = [], [], []
    for t in range(T):
        with mg.scope(layer) if layer else contextlib.nullcontext(), mg.scope(f"t={t}"):
            x = mg.tensor(np.eye(V)[ids[t]][None], name=f"x{t}")
            a = x @ p["Wx"] + h @ p["Wh"] + p["b"]
            h = mg.tanh(a)
            losses.append(-mg.log_softmax(h @ p["Wy"])[0, int(ids[t + 1])])
        a.retain_grad()
        h.retain_grad()
        pre.append(a)
        hs.append(h)
    return mg.stack(losses).sum(), p, pre, hs


def scoped_rnn(T, **kw):
    loss, p, pre, hs = rnn(T, layer="layer 0", **kw)
    return loss, p, pre, hs


def backward_with_norms(loss):
    with mg.autograd.record_grad_norms():
        loss.backward()


# ----------------------------------------------------------------- parsing DOT
def labels(dot):
    """node name -> label, from the DOT source."""
    return dict(re.findall(r'^\t+(\w+) \[label="([^"]*)"', dot.source, re.M | re.S))


def edges(dot):
    """[(src, dst, {attr: value})] from the DOT source (visible edges only)."""
    out = []
    for s, d, attrs in re.findall(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", dot.source, re.M):
        a = dict(re.findall(r'(\w+)="([^"]*)"', attrs))
        if a.get("style") != "invis":
            out.append((s, d, a))
    return out


def namer(root):
    """obj -> its node name in any drawing of ``root`` (ops and leaves are numbered in
    the order the walk meets them)."""
    return collect(root).name_of


def cluster_boxes(dot):
    """cluster name -> bounding box (x0, y0, x1, y1) as laid out by `dot`."""
    layout = json.loads(dot.pipe(format="json"))
    return {o["name"]: tuple(map(float, o["bb"].split(",")))
            for o in layout.get("objects", []) if o["name"].startswith("cluster")}


# ----------------------------------------------------------------- structure
def test_each_time_step_is_a_cluster_in_dot_source_and_svg():
    loss, *_ = rnn(4)
    dot = mg.viz.draw(loss)
    svg = dot.pipe(format="svg").decode()
    for t in range(4):
        assert f'subgraph "cluster_t={t}"' in dot.source
        assert f"label=\"t={t}\"" in dot.source
        assert f"<title>cluster_t={t}</title>" in svg


def test_nested_scopes_become_nested_clusters_labelled_by_full_path():
    loss, *_ = scoped_rnn(3)
    dot = mg.viz.draw(loss)
    src = dot.source
    assert 'label="layer 0"' in src
    for t in range(3):
        assert f'label="layer 0 / t={t}"' in src
    # the step clusters sit inside the layer cluster
    assert src.index('"cluster_layer 0"') < src.index('"cluster_layer 0/t=0"')
    assert "<title>cluster_layer 0/t=2</title>" in dot.pipe(format="svg").decode()


def test_steps_are_laid_out_left_to_right_in_numeric_order():
    loss, *_ = rnn(12)
    boxes = cluster_boxes(mg.viz.draw(loss))
    xs = [boxes[f"cluster_t={t}"] for t in range(12)]  # t=10 after t=9, not after t=1
    for left, right in zip(xs, xs[1:]):
        assert left[2] <= right[0], "a step's cluster must end before the next one starts"


def test_edges_follow_data_flow_and_parameters_are_named():
    loss, p, pre, hs = rnn(2)
    dot = mg.viz.draw(loss, params=p)
    lab, node = labels(dot), namer(loss)
    assert lab[node(p["Wh"])].startswith("Wh\n(6, 6)")
    assert lab[node(hs[0].grad_fn)] == "Tanh\n(1, 6) float64"  # dtype shown: not float32
    assert lab["output"].startswith("output\n()")
    pairs = {(s, d) for s, d, _ in edges(dot)}
    assert (node(pre[0].grad_fn), node(hs[0].grad_fn)) in pairs  # a_0 -> tanh
    assert (node(hs[1].grad_fn), "output") not in pairs
    assert any(s == node(p["Wx"]) for s, _ in pairs)
    assert lab[node(hs[0].grad_fn.inputs[0].grad_fn.inputs[0].grad_fn.inputs[0].grad_fn
                    .inputs[0])].startswith("x0")  # a leaf's own .name


def test_params_can_be_a_module():
    class Cell(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight_hh = mg.nn.Parameter(np.eye(3, dtype="float32"))

    cell = Cell()
    y = (mg.ones(1, 3) @ cell.weight_hh).sum()
    lab, node = labels(mg.viz.draw(y, params=cell)), namer(y)
    assert lab[node(cell.weight_hh)] == "weight_hh\n(3, 3)"  # float32: no dtype shown


def test_collapse_draws_one_box_per_step_and_fewer_nodes():
    loss, *_ = rnn(6)
    full, small = labels(mg.viz.draw(loss)), labels(mg.viz.draw(loss, collapse=True))
    assert len(small) < len(full) / 3
    boxes = sorted(v for v in small.values() if v.startswith("t="))
    assert boxes == sorted(f"t={t}\n9 ops" for t in range(6))
    assert "cluster_t=" not in mg.viz.draw(loss, collapse=True).source
    svg = mg.viz.draw(loss, collapse=True).pipe(format="svg").decode()
    assert svg.count("9 ops") == 6


@pytest.mark.parametrize("collapse", [False, True])
def test_max_steps_keeps_first_and_last_and_elides_the_middle(collapse):
    loss, *_ = scoped_rnn(12)
    dot = mg.viz.draw(loss, collapse=collapse, max_steps=2)
    svg = dot.pipe(format="svg").decode()
    assert "... 8 steps ..." in dot.source and "... 8 steps ..." in svg
    kept, gone = [0, 1, 10, 11], range(2, 10)
    if collapse:
        lab = set(labels(dot).values())
        assert all(f"t={t}\n9 ops" in lab for t in kept)
        assert not any(f"t={t}\n9 ops" in lab for t in gone)
    else:
        assert all(f"<title>cluster_layer 0/t={t}</title>" in svg for t in kept)
        assert not any(f"cluster_layer 0/t={t}\"" in dot.source for t in gone)
    # the chain reads on: data flows into and out of the elided node
    elided = next(n for n, v in labels(dot).items() if v.startswith("... 8 steps"))
    assert any(d == elided for _, d, _ in edges(dot))
    assert any(s == elided for s, _, _ in edges(dot))


# ----------------------------------------------------------------- gradients
def test_show_grad_labels_edges_with_the_norms_of_the_gradients():
    loss, p, pre, hs = rnn(4)
    backward_with_norms(loss)
    dot, node = mg.viz.draw(loss, params=p, show_grad=True), namer(loss)
    by_pair = {}
    for s, d, a in edges(dot):
        by_pair.setdefault((s, d), []).append(a)
    Wh = p["Wh"].numpy()
    for t in range(4):
        # a_t feeds only tanh: the edge carries dL/da_t, retained independently
        (a,) = by_pair[(node(pre[t].grad_fn), node(hs[t].grad_fn))]
        want = np.linalg.norm(pre[t].grad.numpy())
        assert float(a["label"]) == pytest.approx(want, rel=5e-3)
        assert float(a["tooltip"].split()[-1]) == pytest.approx(want, rel=1e-9)
        assert a["color"].startswith("#") and "penwidth" in a
        if t > 0:  # Wh -> (h_{t-1} @ Wh): this step's share of dL/dWh = h_{t-1}^T dL/da_t
            matmul = pre[t].grad_fn.inputs[0].grad_fn.inputs[1].grad_fn
            (a,) = by_pair[(node(p["Wh"]), node(matmul))]
            share = hs[t - 1].numpy().T @ pre[t].grad.numpy()
            assert float(a["tooltip"].split()[-1]) == pytest.approx(np.linalg.norm(share))
            # and h_{t-1} -> that matmul carries dL/da_t Wh^T
            (a,) = by_pair[(node(hs[t - 1].grad_fn), node(matmul))]
            want = np.linalg.norm(pre[t].grad.numpy() @ Wh.T)
            assert float(a["tooltip"].split()[-1]) == pytest.approx(want)
    assert 'label="gradient norm (log scale)"' not in dot.source  # an HTML label instead
    assert "gradient norm (log scale)" in dot.source
    assert "gradient norm (log scale)" in dot.pipe(format="svg").decode()


def test_collapsed_edges_carry_the_combined_norm_of_what_crosses_them():
    loss, p, pre, hs = rnn(4)
    backward_with_norms(loss)
    dot, node = mg.viz.draw(loss, params=p, show_grad=True, collapse=True), namer(loss)
    box = {v.split("\n")[0]: n for n, v in labels(dot).items() if v.startswith("t=")}
    got = {(s, d): float(a["tooltip"].split()[-1]) for s, d, a in edges(dot) if "tooltip" in a}
    Wh = p["Wh"].numpy()
    for t in range(3):  # h_t -> step t+1 is the only crossing: dL/da_{t+1} Wh^T
        want = np.linalg.norm(pre[t + 1].grad.numpy() @ Wh.T)
        assert got[(box[f"t={t}"], box[f"t={t + 1}"])] == pytest.approx(want)
    # Wh is read once per step; the edge into step t carries that step's share
    share = hs[1].numpy().T @ pre[2].grad.numpy()
    assert got[(node(p["Wh"]), box["t=2"])] == pytest.approx(np.linalg.norm(share))


def test_show_grad_without_recorded_norms_says_what_to_do():
    loss, *_ = rnn(2)
    with pytest.raises(RuntimeError, match=r"record_grad_norms"):
        mg.viz.draw(loss, show_grad=True)
    loss.backward()  # not recorded
    with pytest.raises(RuntimeError, match=r"record_grad_norms"):
        mg.viz.draw(loss, show_grad=True)


# ----------------------------------------------------------------- files
def test_svg_and_png_come_out_of_dot():
    loss, *_ = rnn(3)
    dot = mg.viz.draw(loss, collapse=True)
    assert b"<svg" in dot.pipe(format="svg")[:400]
    assert dot.pipe(format="png").startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"),
                                           (".pdf", b"%PDF"), (".dot", b"digraph"),
                                           (".gv", b"digraph"), (".SVG", b"<?xml")])
def test_save_writes_exactly_the_path_in_the_format_of_its_suffix(tmp_path, suffix, magic):
    loss, p, *_ = rnn(2)
    path = tmp_path / "sub" / f"graph{suffix}"
    assert mg.viz.save(loss, path, params=p, collapse=True) == path
    assert path.read_bytes().startswith(magic)
    assert [f.name for f in path.parent.iterdir()] == [path.name]  # no graph.svg.svg


def test_save_accepts_a_drawn_graph_and_rejects_unknown_suffixes(tmp_path):
    loss, *_ = rnn(2)
    mg.viz.save(mg.viz.draw(loss), tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_bytes().startswith(b"<?xml")
    with pytest.raises(ValueError, match=r"suffix"):
        mg.viz.save(loss, tmp_path / "g.jpeg2000")


def test_a_leaf_and_multi_output_ops_draw():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="x")
    assert list(labels(mg.viz.draw(x)).values()) == ["x\n(2, 2)"]
    a, b = x.unbind()
    lab = labels(mg.viz.draw((a * b).sum()))
    assert "Split\n(2,) x2" in lab.values()  # unbind is one two-output node


def test_a_5000_step_sequence_renders_collapsed_with_max_steps():
    T = 5000
    loss, p, *_ = rnn(T)  # ~45,000 ops: the walk must not recurse
    backward_with_norms(loss)
    full = mg.viz.draw(loss, params=p)  # every node, no rendering
    assert full.source.count("cluster_t=") == T
    dot = mg.viz.draw(loss, params=p, collapse=True, max_steps=3, show_grad=True)
    svg = dot.pipe(format="svg").decode()
    assert f"... {T - 6} steps ..." in svg
    assert "t=4999" in svg and "t=2500" not in svg


def test_params_dict_of_modules_names_parameters_with_prefixes():
    lin = mg.nn.Linear(3, 2)
    x = mg.tensor(np.ones((1, 3), dtype=np.float32))
    src = mg.viz.draw(lin(x).sum(), params={"head": lin}).source
    assert "head.weight" in src and "head.bias" in src


def test_the_same_graph_gives_the_same_dot_source():
    # node names are numbered in walk order, not taken from id(): regenerated pictures
    # (the README's, under docs/) diff clean
    sources = []
    for _ in range(2):
        loss, p, *_ = rnn(3)
        backward_with_norms(loss)
        sources.append(mg.viz.draw(loss, params=p, show_grad=True).source)
    assert sources[0] == sources[1]
