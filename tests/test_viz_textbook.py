"""draw(layout="textbook"): the lecture's picture of an unrolled network, checked on its
DOT source (which node and edge stands for what) and rendered with the real `dot`."""
import re
import shutil

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` missing")

H, V = 6, 5


def hand_rnn(T, seed=0):
    """A vanilla RNN from primitive ops, one scope per step, a loss per step:
    h_t = tanh(x_t Wx + h_{t-1} Wh + b), L_t = -log_softmax(h_t Wy)[target]."""
    rng = np.random.default_rng(seed)
    p = dict(Wx=mg.tensor(rng.standard_normal((V, H)) * 0.5, requires_grad=True),
             Wh=mg.tensor(rng.standard_normal((H, H)) * 0.5, requires_grad=True),
             b=mg.tensor(rng.standard_normal(H) * 0.1, requires_grad=True),
             Wy=mg.tensor(rng.standard_normal((H, V)) * 0.5, requires_grad=True))
    ids = rng.integers(0, V, T + 1)
    h = mg.tensor(rng.standard_normal((1, H)) * 0.1, name="h0")
    losses, pre = [], []
    for t in range(1, T + 1):
        with mg.scope(f"t={t}"):
            x = mg.tensor(np.eye(V)[ids[t - 1]][None], name=f"x{t}")
            a = x @ p["Wx"] + h @ p["Wh"] + p["b"]
            h = mg.tanh(a)
            losses.append(-mg.log_softmax(h @ p["Wy"])[0, int(ids[t])])
        a.retain_grad()
        pre.append(a)
    return mg.stack(losses).sum(), p, pre


def layer(cell, T, **kw):
    """An nn layer (fused by default) with a head on the last output."""
    mg.manual_seed(0)
    rnn = getattr(mg.nn, cell)(3, 4, **kw)
    head = mg.nn.Linear(4 * (2 if kw.get("bidirectional") else 1), 2)
    out, _ = rnn(mg.randn(T, 2, 3))
    return F.cross_entropy(head(out[-1]), np.array([0, 1])), {"rnn": rnn, "head": head}


def backward(loss):
    with mg.autograd.record_grad_norms():
        loss.backward()


def draw(loss, params, **kw):
    return mg.viz.draw(loss, params=params, layout="textbook", **kw)


# ----------------------------------------------------------------- reading DOT back
def _attr(attrs, key):
    """An attribute's value: "quoted", <html> (angle brackets balanced) or bare."""
    m = re.search(rf"(?:^|\s){key}=", attrs)
    if m is None:
        return None
    rest = attrs[m.end():]
    if rest.startswith("<"):
        depth = 0
        for i, ch in enumerate(rest):
            depth += {"<": 1, ">": -1}.get(ch, 0)
            if depth == 0:
                return rest[1:i]
    if rest.startswith('"'):
        return rest[1:rest.index('"', 1)]
    return rest.split()[0].rstrip("]")


def nodes(dot):
    """node name -> label (HTML or plain) of every node statement."""
    found = re.findall(r"^\t+(\w+) \[(.*?)\]$", dot.source, re.M | re.S)
    return {name: _attr(attrs, "label") for name, attrs in found}


def edges(dot):
    """[(tail, head, {attr: value})] of the visible edges."""
    out = []
    for line in dot.source.splitlines():
        m = re.match(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", line)
        if m is None:
            continue
        attrs = m.group(3) or ""
        a = {k: _attr(attrs, k) for k in ("label", "tooltip", "style", "dir", "lhead",
                                          "ltail", "color")}
        if a["style"] != "invis":
            out.append((m.group(1), m.group(2), a))
    return out


def steps(dot):
    return {n: lab for n, lab in nodes(dot).items() if n.startswith("step")}


def numbers(label):
    return [float(x) for x in re.findall(r'point-size="8">([^<]+)</font>', label or "")]


# ----------------------------------------------------------------- structure
def test_rnn_has_one_box_per_step_x_below_l_above_and_only_h_between():
    loss, p, _ = hand_rnn(4)
    dot = draw(loss, p)
    box = {lab.split("\n")[0]: n for n, lab in steps(dot).items()}
    assert sorted(box) == ["t=1", "t=2", "t=3", "t=4"]
    lab, es = nodes(dot), edges(dot)
    between = [(s, d, a) for s, d, a in es if s in box.values() and d in box.values()]
    assert [(s, d) for s, d, _ in between] == [(box[f"t={t}"], box[f"t={t + 1}"])
                                               for t in range(1, 4)]
    assert [a["label"] for *_, a in between] == [f"h<sub>{t}</sub>" for t in range(1, 4)]
    for t in range(1, 5):  # x_t (the leaf's own name) into step t, L_t out of it
        (x,) = [s for s, d, _ in es if d == box[f"t={t}"] and lab.get(s) == f"x{t}"]
        (y,) = [d for s, d, _ in es if s == box[f"t={t}"] and lab.get(d) == f"L<sub>{t}</sub>"]
        assert (x, box[f"t={t}"]) in {(s, d) for s, d, _ in es}
        assert (y, "output") in {(s, d) for s, d, _ in es}
    # h0, the initial state, enters the first step from its left
    (init,) = [n for n in lab if n.startswith("init")]
    assert lab[init] == "h0" and (init, box["t=1"]) in {(s, d) for s, d, _ in es}


def test_shared_weights_are_drawn_once_with_one_bundled_edge():
    loss, p, _ = hand_rnn(4)
    dot = draw(loss, p)
    table = nodes(dot)["weights"]
    for name in p:
        assert table.count(f"<b>{name}</b>") == 1
        assert f"<b>{name}</b></td><td align=\"left\">" in table
    assert table.count("every step") == 4
    # no edge starts at a parameter: the only edge from the table is the bundled one
    from_weights = [(s, d, a) for s, d, a in edges(dot) if s == "weights"]
    assert len(from_weights) == 1
    assert from_weights[0][2]["label"] == "shared by all 4 steps"
    assert from_weights[0][2]["lhead"] == "cluster_0"
    assert not any(n.startswith("tensor") or n.startswith("op") for n in nodes(dot))


def test_lstm_layer_carries_c_and_h_on_one_arrow_and_says_where_weights_are_used():
    loss, params = layer("LSTM", 4)
    backward(loss)
    dot = draw(loss, params, show_grad=True)
    box = {lab.split("\n")[0]: n for n, lab in steps(dot).items()}
    between = [a["label"] for s, d, a in edges(dot) if s in box.values() and d in box.values()]
    assert len(between) == 3
    for t, label in enumerate(between):  # c above h, each with its own norm
        assert label.index(f"c<sub>{t}</sub>") < label.index(f"h<sub>{t}</sub>")
        assert len(numbers(label)) == 2
    lab = nodes(dot)
    (init,) = [n for n in lab if n.startswith("init")]
    assert lab[init] == "c<sub>init</sub><br/>h<sub>init</sub>"
    table = lab["weights"]
    for name, where in [("rnn.weight_hh_l0", "every step"),
                        ("rnn.weight_ih_l0", "before the steps"),
                        ("head.weight", "after the steps")]:
        assert re.search(rf"<b>{re.escape(name)}</b>.*?{where}", table)
    # the outputs y_t above every step; the loss reads only the last one
    ys = [n for n, v in lab.items() if v and v.startswith("y<sub>")]
    assert len(ys) == 4


def test_fused_and_composite_cells_draw_the_same_states_and_norms():
    got = []
    for fused in (True, False):
        loss, params = layer("LSTM", 3, fused=fused)
        backward(loss)
        dot = draw(loss, params, show_grad=True)
        box = set(steps(dot))
        got.append([(a["label"], numbers(a["label"]))
                    for s, d, a in edges(dot) if s in box and d in box])
    for (la, na), (lb, nb) in zip(*got):
        assert re.sub(r"<font.*?</font>", "", la) == re.sub(r"<font.*?</font>", "", lb)
        assert na == pytest.approx(nb, rel=2e-3)


def test_gradient_norms_are_the_ones_crossing_each_boundary():
    loss, p, pre = hand_rnn(4)
    backward(loss)
    dot = draw(loss, p, show_grad=True)
    box = {lab.split("\n")[0]: n for n, lab in steps(dot).items()}
    got = {(s, d): a for s, d, a in edges(dot)}
    Wh = p["Wh"].numpy()
    for t in range(1, 4):  # h_t -> step t+1 carries dL/da_{t+1} Wh^T
        a = got[(box[f"t={t}"], box[f"t={t + 1}"])]
        want = np.linalg.norm(pre[t].grad.numpy() @ Wh.T)
        assert float(a["tooltip"].split()[-1]) == pytest.approx(want)
        assert numbers(a["label"]) == [pytest.approx(want, rel=5e-3)]
    table = nodes(dot)["weights"]
    for name, t in p.items():  # the table's last column: ||p.grad||
        row = re.search(rf"<b>{name}</b>.*?</tr>", table).group(0)
        shown = float(re.findall(r'align="right">([^<]+)</td>', row)[-1])
        assert shown == pytest.approx(np.linalg.norm(t.grad.numpy()), rel=5e-3)
    assert "gradient norm (log scale)" in dot.source


def test_max_steps_elides_the_middle_and_keeps_the_states_flowing_through_it():
    loss, p, _ = hand_rnn(12)
    dot = draw(loss, p, max_steps=2)
    lab = nodes(dot)
    (elided,) = [n for n in lab if n.startswith("elided")]
    assert lab[elided].startswith("... 8 steps ...")
    kept = sorted(v.split("\n")[0] for v in steps(dot).values())
    assert kept == sorted(f"t={t}" for t in (1, 2, 11, 12))
    pairs = {(s, d): a["label"] for s, d, a in edges(dot)}
    box = {v.split("\n")[0]: n for n, v in steps(dot).items()}
    assert pairs[(box["t=2"], elided)] == "h<sub>2</sub>"
    assert pairs[(elided, box["t=11"])] == "h<sub>10</sub>"
    assert sum(v.startswith("x") for v in lab.values() if v) == 4  # none for hidden steps


def test_long_rows_turn_compact():
    loss, params = layer("RNN", 30)
    backward(loss)
    dot = draw(loss, params, show_grad=True)
    assert all("op" not in v for v in steps(dot).values())
    assert "(from the 30 outputs below)" in nodes(dot)["output"]
    # still one arrow per boundary, each with its number
    box = set(steps(dot))
    assert sum(s in box and d in box for s, d, _ in edges(dot)) == 29


def test_two_layers_are_two_rows_joined_by_one_bundled_edge():
    loss, params = layer("GRU", 3, num_layers=2)
    dot = draw(loss, params)
    assert 'label="layer 0 / forward"' in dot.source
    assert 'label="layer 1 / forward"' in dot.source
    links = [a for s, d, a in edges(dot) if a["ltail"]]
    assert len(links) == 1 and (links[0]["ltail"], links[0]["lhead"]) == ("cluster_0",
                                                                          "cluster_1")
    assert sum(n.startswith("init") for n in nodes(dot)) == 2  # one zeros tensor, 2 rows
    table = nodes(dot)["weights"]
    assert "every step of layer 0 / forward" in table and "parameter" not in table


def test_a_reverse_direction_keeps_time_left_to_right():
    loss, params = layer("RNN", 3, bidirectional=True)
    dot = draw(loss, params)
    back = [(s, d) for s, d, a in edges(dot) if a["dir"] == "back"]
    assert len(back) == 3  # two carried states and the initial one, drawn back
    lab = nodes(dot)
    for s, d in back:
        if s.startswith("step") and d.startswith("step"):
            assert int(lab[s].split("\n")[0][2:]) < int(lab[d].split("\n")[0][2:])


def test_the_same_graph_gives_the_same_source():
    sources = []
    for _ in range(2):
        loss, params = layer("LSTM", 5)
        backward(loss)
        sources.append(draw(loss, params, show_grad=True, max_steps=2).source)
    assert sources[0] == sources[1]


def test_bad_layouts_and_graphs_without_steps_say_what_to_do():
    with pytest.raises(ValueError, match=r"layout must be one of 'graph', 'textbook'"):
        mg.viz.draw(mg.ones(2, requires_grad=True).sum(), layout="lecture")
    with pytest.raises(ValueError, match=r"no time steps.*scope\('t=<k>'\)"):
        mg.viz.draw(mg.ones(2, requires_grad=True).sum(), layout="textbook")


# ----------------------------------------------------------------- real renders
@pytest.mark.parametrize("T, max_steps", [(4, None), (50, None), (50, 3)])
def test_renders_to_png_and_svg_with_dot(tmp_path, T, max_steps):
    loss, p, _ = hand_rnn(T)
    backward(loss)
    png = mg.viz.save(loss, tmp_path / "rnn.png", params=p, show_grad=True,
                      layout="textbook", max_steps=max_steps)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = draw(loss, p, show_grad=True, max_steps=max_steps).pipe(format="svg").decode()
    assert f"shared by all {T} steps" in svg
    assert len(re.findall(r"<title>step0_\d+</title>", svg)) == (T if max_steps is None
                                                                   else 2 * max_steps)
