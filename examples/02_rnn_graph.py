"""02: an unrolled RNN is just a graph, and BPTT is the chain rule on it.

What you will see: a vanilla RNN reads "hell" one character at a time and predicts the
next one ("ello"). The four steps become four clusters of ops in a Graphviz picture,
then one box per step (collapsed), then the same picture with every edge painted by
the norm of the gradient that flowed back along it, and last as the lecture draws it
(layout="textbook": x_t below each step, L_t above, h_t between steps, the shared
weights once). Finally dL/dh_t for t = 4, 3, 2, 1
is printed next to the chain-rule factors it is made of:

    dL/dh_t = dL_t/dh_t + (dh_{t+1}/dh_t)^T dL/dh_{t+1},   dh_{t+1}/dh_t = diag(1 - h_{t+1}^2) Wh^T

Pictures go to --out (default out/): rnn_graph, rnn_graph_collapsed, rnn_grads,
rnn_grads_collapsed and rnn_textbook, as .svg and .png (--formats svg for SVG only).
`python examples/02_rnn_graph.py --out docs --formats svg` writes the README's pictures.

Step through it:  python -m pdb examples/02_rnn_graph.py
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

# 1. Data: "hello" as characters. The input at step t is character t, the target is
#    character t+1. Each character is a one-hot row vector (batch of 1).
text = "hello"
vocab = sorted(set(text))                           # ['e', 'h', 'l', 'o']
ids = [vocab.index(ch) for ch in text]
V, H, T = len(vocab), 8, len(text) - 1              # vocabulary, hidden size, 4 steps

# 2. Parameters, named so the picture can label them. Shapes follow x @ W (rows are
#    examples): h_t = tanh(x_t Wx + h_{t-1} Wh + b), logits_t = h_t Wy + by.
mg.manual_seed(0)
Wx = mg.randn(V, H, requires_grad=True)
Wh = (mg.randn(H, H) * 0.5).detach().requires_grad_()
b = mg.zeros(H, requires_grad=True)
Wy = mg.randn(H, V, requires_grad=True)
by = mg.zeros(V, requires_grad=True)
params = {"Wx": Wx, "Wh": Wh, "b": b, "Wy": Wy, "by": by}

# 3. The forward pass, unrolled by a plain Python loop. Each step runs inside a name
#    scope "t=<k>": that tag is what the renderer turns into a cluster.
h = mg.zeros(1, H)
h.name = "h0"
hs, step_losses = [], []
for t in range(1, T + 1):
    with mg.scope(f"t={t}"):
        x = mg.one_hot([ids[t - 1]], V)
        x.name = f"x{t} '{text[t - 1]}'"
        h = mg.tanh(x @ Wx + h @ Wh + b)
        logp = mg.log_softmax(h @ Wy + by)          # log-probabilities of the next char
        step_losses.append(-logp[0, ids[t]])        # cross-entropy of the true next char
    h.retain_grad()                                 # keep dL/dh_t after backward
    hs.append(h)
loss = mg.stack(step_losses).sum()                  # L = L_1 + L_2 + L_3 + L_4
loss.name = "loss"
print(f"loss = {loss.item():.4f} over {T} steps")

# 4. The graph, as it is: every op, its output shape, the named parameters. draw()
#    returns a graphviz.Digraph (Jupyter shows it inline); save() writes files.
graph = mg.viz.draw(loss, params=params)
# ... and collapsed: one box per time step, edges where data crosses a step boundary.
collapsed = mg.viz.draw(loss, params=params, collapse=True)
for fmt in formats:
    mg.viz.save(graph, out / f"rnn_graph.{fmt}")
    mg.viz.save(collapsed, out / f"rnn_graph_collapsed.{fmt}")

# 5. Backward through time. Under record_grad_norms() each node keeps the norm of the
#    gradient it sent to each input: the renderer paints edges with them.
with mg.autograd.record_grad_norms():
    loss.backward()
for fmt in formats:
    mg.viz.save(loss, out / f"rnn_grads.{fmt}", params=params, show_grad=True)
    mg.viz.save(loss, out / f"rnn_grads_collapsed.{fmt}", params=params, show_grad=True,
                collapse=True)
# ... and as the lecture draws it: x_t below each step, the step's loss L_t above, only
#    h_t between steps, the shared weights once (a table, with ||dL/dW||).
for fmt in formats:
    mg.viz.save(loss, out / f"rnn_textbook.{fmt}", params=params, show_grad=True,
                layout="textbook")
print(f"pictures written to {out}/: rnn_graph, rnn_graph_collapsed, rnn_grads, "
      f"rnn_grads_collapsed, rnn_textbook ({', '.join(formats)})")

# 6. BPTT by hand, one factor at a time, checked against backward().
#    The loss at step t reaches h_t directly (through the output layer):
#        dL_t/dh_t = (softmax(logits_t) - onehot(target_t)) Wy^T
#    and through h_{t+1}, whose Jacobian with respect to h_t is
#        dh_{t+1}/dh_t = diag(1 - h_{t+1}^2) Wh^T     (Wh^T: we write h @ Wh)
Wh_, Wy_, by_ = Wh.numpy(), Wy.numpy(), by.numpy()
h_ = [h_t.numpy()[0] for h_t in hs]                   # h_1 .. h_4 as vectors


def local_grad(t):
    """dL_t/dh_t: the gradient the loss of step t sends straight into h_t."""
    logits = h_[t - 1] @ Wy_ + by_
    p = np.exp(logits - logits.max())
    p /= p.sum()
    p[ids[t]] -= 1.0                                  # softmax - onehot(target)
    return Wy_ @ p                                    # = (p - y) Wy^T as a column


def jacobian(t):
    """dh_{t+1}/dh_t as an H x H matrix."""
    return np.diag(1.0 - h_[t] ** 2) @ Wh_.T          # h_[t] is h_{t+1}


np.set_printoptions(precision=4, suppress=True, linewidth=110)
print("\ndL/dh_t from backward() next to the chain rule by hand:")
by_hand = {T + 1: np.zeros(H)}
for t in range(T, 0, -1):
    from_above = jacobian(t).T @ by_hand[t + 1] if t < T else np.zeros(H)
    by_hand[t] = local_grad(t) + from_above
    engine = hs[t - 1].grad.numpy()[0]
    print(f"t={t}  backward(): {engine}")
    print(f"     dL_{t}/dh_{t} {local_grad(t)}")
    if t < T:
        print(f"   + J_{t + 1}^T dL/dh_{t + 1} {from_above}   "
              f"(|J_{t + 1}| = {np.linalg.norm(jacobian(t), 2):.3f})")
    assert np.allclose(engine, by_hand[t], rtol=1e-4, atol=1e-5), t
print("equal: backward() through time is exactly this recursion")

# 7. Unrolled, the same thing is a sum of products of Jacobians: the loss of step k
#    reaches h_1 through k - 1 factors. Each factor shrinks or grows it: that is the
#    vanishing / exploding gradient, visible as the colour fading left in rnn_grads.
total = np.zeros(H)
for k in range(1, T + 1):
    g = local_grad(k)
    for j in range(k, 1, -1):                         # J_2^T ... J_k^T dL_k/dh_k
        g = jacobian(j - 1).T @ g
    factors = "".join(f"J_{j}^T " for j in range(2, k + 1))
    print(f"from L_{k}: |{factors}dL_{k}/dh_{k}| = {np.linalg.norm(g):.4f}")
    total += g
assert np.allclose(total, hs[0].grad.numpy()[0], rtol=1e-4, atol=1e-5)
print("their sum equals dL/dh_1 from backward()")
