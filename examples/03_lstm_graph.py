"""03: an LSTM unrolled, gate by gate, and where its gradient flows.

What you will see: an LSTM built from primitive ops reads "hell" and predicts "ello".
Each step is a cluster holding the gate equations

    i, f, g, o = sigmoid(z_i), sigmoid(z_f), tanh(z_g), sigmoid(z_o),  z = x Wx + h Wh + b
    c_t = f * c_{t-1} + i * g          (the cell state: an additive path through time)
    h_t = o * tanh(c_t)

then one box per step, then the gradient-painted graph, the norms of dL/dh_t and
dL/dc_t per step, and both vectors next to the BPTT recursion worked out by hand.
Last, a 40-step LSTM drawn collapsed with max_steps=3: the first and last three steps
and a "... 34 steps ..." node in between.

Pictures go to --out (default out/): lstm_graph, lstm_graph_collapsed, lstm_grads,
lstm_grads_collapsed, lstm_textbook, lstm_long_collapsed (.svg and .png; --formats svg
for SVG only).

Step through it:  python -m pdb examples/03_lstm_graph.py
"""
import argparse
from pathlib import Path

import numpy as np

import minigrad as mg

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="out", help="folder for the pictures (default: out/)")
parser.add_argument("--formats", default="svg,png", help="picture formats (default: svg,png)")
args = parser.parse_args()
out, formats = Path(args.out), args.formats.split(",")

# 1. Data and parameters. The four gates share one matrix product: z has 4H columns,
#    cut into i, f, g, o (PyTorch's gate order).
text = "hello"
vocab = sorted(set(text))
V, H = len(vocab), 6
mg.manual_seed(0)
Wx = (mg.randn(V, 4 * H) * 0.5).detach().requires_grad_()
Wh = (mg.randn(H, 4 * H) * 0.5).detach().requires_grad_()
b = mg.zeros(4 * H, requires_grad=True)
Wy = mg.randn(H, V, requires_grad=True)
params = {"Wx": Wx, "Wh": Wh, "b": b, "Wy": Wy}


def lstm_step(x, h, c):
    """One LSTM step from primitive ops: every gate is a node in the graph."""
    z = x @ Wx + h @ Wh + b
    zi, zf, zg, zo = mg.chunk(z, 4, axis=1)
    i, f, g, o = mg.sigmoid(zi), mg.sigmoid(zf), mg.tanh(zg), mg.sigmoid(zo)
    c = f * c + i * g
    h = o * mg.tanh(c)
    return h, c


def run(text):
    """Unroll over ``text``: returns the summed loss and the per-step h_t, c_t."""
    ids = [vocab.index(ch) for ch in text]
    h, c = mg.zeros(1, H), mg.zeros(1, H)
    h.name, c.name = "h0", "c0"
    hs, cs, losses = [], [], []
    for t in range(1, len(ids)):
        with mg.scope(f"t={t}"):                      # one cluster per step
            x = mg.one_hot([ids[t - 1]], V)
            x.name = f"x{t} '{text[t - 1]}'"
            h, c = lstm_step(x, h, c)
            losses.append(-mg.log_softmax(h @ Wy)[0, ids[t]])
        h.retain_grad()                               # keep dL/dh_t and dL/dc_t
        c.retain_grad()
        hs.append(h)
        cs.append(c)
    loss = mg.stack(losses).sum()
    loss.name = "loss"
    return loss, hs, cs


# 2. Four steps, drawn in full and collapsed.
loss, hs, cs = run(text)
print(f"loss = {loss.item():.4f} over {len(hs)} steps")
graph = mg.viz.draw(loss, params=params)
collapsed = mg.viz.draw(loss, params=params, collapse=True)
for fmt in formats:
    mg.viz.save(graph, out / f"lstm_graph.{fmt}")
    mg.viz.save(collapsed, out / f"lstm_graph_collapsed.{fmt}")

# 3. Backward through time, recording the gradient norm on every edge.
with mg.autograd.record_grad_norms():
    loss.backward()
for fmt in formats:
    mg.viz.save(loss, out / f"lstm_grads.{fmt}", params=params, show_grad=True)
    mg.viz.save(loss, out / f"lstm_grads_collapsed.{fmt}", params=params, show_grad=True,
                collapse=True)
    # as the lecture draws it: c_t and h_t the only arrows between steps, each with the
    # norm of its gradient; the weights once
    mg.viz.save(loss, out / f"lstm_textbook.{fmt}", params=params, show_grad=True,
                layout="textbook")

# 4. Per step: dL/dh_t and dL/dc_t. The cell state's path c_{t-1} -> c_t is multiplied
#    only by the forget gate f (no squashing matrix product), which is why gradients
#    survive longer along c than along the vanilla RNN's h.
print("\n t   |dL/dh_t|   |dL/dc_t|")
for t in range(len(hs), 0, -1):
    h_norm = float((hs[t - 1].grad ** 2).sum().sqrt())
    c_norm = float((cs[t - 1].grad ** 2).sum().sqrt())
    print(f"{t:2d}   {h_norm:9.4f}   {c_norm:9.4f}")

# 5. BPTT by hand, checked against backward(). Going back from the last step, with
#    dh_t and dc_t the whole gradients reaching h_t and c_t:
#        dc_t     = dh_t * o_t * (1 - tanh(c_t)^2) + dc_{t+1} * f_{t+1}
#        dz_t     = [dc_t * g_t * i_t (1 - i_t),  dc_t * c_{t-1} * f_t (1 - f_t),
#                    dc_t * i_t * (1 - g_t^2),    dh_t * tanh(c_t) * o_t (1 - o_t)]
#        dh_{t-1} = dL_{t-1}/dh_{t-1} + dz_t Wh^T    (the loss of step t-1, plus step t)
ids = [vocab.index(ch) for ch in text]
Wx_, Wh_, b_, Wy_ = (p.numpy().astype(np.float64) for p in (Wx, Wh, b, Wy))
h_ = [np.zeros(H)] + [h_t.numpy()[0].astype(np.float64) for h_t in hs]   # h_0 .. h_4
c_ = [np.zeros(H)] + [c_t.numpy()[0].astype(np.float64) for c_t in cs]


def gates(t):
    """i, f, g, o of step t, recomputed from the parameters."""
    z = np.eye(V)[ids[t - 1]] @ Wx_ + h_[t - 1] @ Wh_ + b_
    zi, zf, zg, zo = np.split(z, 4)
    return 1 / (1 + np.exp(-zi)), 1 / (1 + np.exp(-zf)), np.tanh(zg), 1 / (1 + np.exp(-zo))


def local_grad(t):
    """dL_t/dh_t = (softmax(h_t Wy) - onehot(target_t)) Wy^T."""
    logits = h_[t] @ Wy_
    p = np.exp(logits - logits.max())
    p /= p.sum()
    p[ids[t]] -= 1.0
    return Wy_ @ p


np.set_printoptions(precision=4, suppress=True, linewidth=110)
print("\ndL/dh_t and dL/dc_t from backward() next to the recursion by hand:")
T = len(hs)
dh, dc_next, f_next = local_grad(T), np.zeros(H), np.zeros(H)
for t in range(T, 0, -1):
    i, f, g, o = gates(t)
    tanh_c = np.tanh(c_[t])
    dc = dh * o * (1 - tanh_c ** 2) + dc_next * f_next
    print(f"t={t}  dh backward(): {hs[t - 1].grad.numpy()[0]}\n      dh by hand:    {dh}")
    print(f"      dc backward(): {cs[t - 1].grad.numpy()[0]}\n      dc by hand:    {dc}")
    assert np.allclose(hs[t - 1].grad.numpy()[0], dh, rtol=1e-4, atol=1e-5), t
    assert np.allclose(cs[t - 1].grad.numpy()[0], dc, rtol=1e-4, atol=1e-5), t
    dz = np.concatenate([dc * g * i * (1 - i), dc * c_[t - 1] * f * (1 - f),
                         dc * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)])
    if t > 1:
        dh = local_grad(t - 1) + Wh_ @ dz                 # dz Wh^T, as a column
    dc_next, f_next = dc, f
print("equal: the engine's BPTT through the LSTM is exactly this recursion")

# 6. A long sequence stays readable: collapse to one box per step and keep only the
#    first and last 3 steps; the middle becomes one "... n steps ..." node.
long_text = ("hello" * 9)[:41]                     # 40 steps
long_loss, _, _ = run(long_text)
with mg.autograd.record_grad_norms():
    long_loss.backward()
for fmt in formats:
    mg.viz.save(long_loss, out / f"lstm_long_collapsed.{fmt}", params=params, show_grad=True,
                collapse=True, max_steps=3)
print(f"\npictures written to {out}/: lstm_graph, lstm_graph_collapsed, lstm_grads, "
      f"lstm_grads_collapsed, lstm_textbook, lstm_long_collapsed ({', '.join(formats)})")
