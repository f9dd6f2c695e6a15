"""Connectivity: how much each earlier input mattered to each prediction.

After Madsen, "Visualizing memorization in RNNs" (Distill, 2019): for a sequence model
reading embedded inputs x_0 .. x_{T-1} and predicting the next token at every step,

    A[t, s] = || d logit_t[y_t] / d x_s ||        (the 2-norm over the embedding)

where logit_t[y_t] is the score of the true next token after step t. Row t says which
inputs the prediction at t depends on; for a causal (one-directional) model A[t, s] = 0
for s > t, so only s <= t can light up. ``minigrad.viz`` draws it as a heatmap and as
an HTML page over the text.

One backward per t would do (T passes over a T-step graph). Instead the text is copied
into a batch, one copy per t: copy b only has its own prediction t_b in the summed
objective, and since a recurrent model treats the batch's rows independently,
``X.grad[s, b]`` is d logit_{t_b} / d x_s, for all s at once. The inputs ``X`` are a leaf
of the graph, so the engine's ordinary gradient gives them (no second BPTT). The model
must keep the rows independent: put it in eval mode (dropout would draw a mask per row).
"""
from __future__ import annotations

from typing import Any, Callable

from minigrad import backend
from minigrad.tensor import Tensor


def connectivity(forward: Callable[[Tensor], Tensor], inputs: Any, targets: Any, *,
                 batch: int = 64) -> Any:
    """The (T, T) connectivity matrix A of one sequence, as a numpy array.

    ``forward(x)`` maps embedded inputs x of shape (T, B, E), time first, to logits
    (T, B, V); ``inputs`` is the sequence's embedded inputs, (T, E) (a Tensor or an
    array; its values are used, not its graph); ``targets`` the T integer ids of the
    true next tokens. ``batch`` copies of the text go through the model at once.

        x = model.embed(ids[:-1])                       # (T, E)
        A = mg.nn.utils.connectivity(lambda e: model.head(model.rnn(e)[0]), x, ids[1:])
    """
    x = inputs.array if isinstance(inputs, Tensor) else backend.as_array(inputs)
    if x.ndim != 2:
        raise ValueError(f"connectivity: inputs must be the embedded sequence of shape (T, E), "
                         f"got {tuple(x.shape)}")
    steps = x.shape[0]
    xp = backend.get_array_module(x)
    y = backend.to_numpy(targets.array if isinstance(targets, Tensor) else
                         backend.as_array(targets)).reshape(-1)
    if y.shape != (steps,) or y.dtype.kind not in "iu":
        raise ValueError(f"connectivity: targets must be {steps} integer ids (one per input "
                         f"step), got {y.dtype} of shape {y.shape}")
    if batch < 1:
        raise ValueError(f"connectivity: batch must be at least 1, got {batch}")
    rows = []
    for start in range(0, steps, batch):
        ts = list(range(start, min(start + batch, steps)))
        rows.append(_rows(forward, x, y, ts, xp))
    return backend.to_numpy(xp.concatenate(rows, axis=0))


def _rows(forward: Callable, x: Any, y: Any, ts: list[int], xp: Any) -> Any:
    """Rows ts of A from one forward and one backward: copy b of the text (cut after
    its own step t_b's longest need, max(ts) + 1 steps) keeps only logit_{t_b}[y_{t_b}]."""
    length, b = ts[-1] + 1, len(ts)
    copies = xp.broadcast_to(x[:length, None, :], (length, b, x.shape[1])).copy()
    leaf = Tensor(copies, requires_grad=True)
    logits = forward(leaf)
    if logits.ndim != 3 or logits.shape[:2] != (length, b):
        raise ValueError(f"connectivity: forward must return logits of shape (T, B, V) = "
                         f"({length}, {b}, V) for inputs {tuple(leaf.shape)}, got "
                         f"{tuple(logits.shape)}")
    picked = logits[xp.asarray(ts), xp.arange(b), xp.asarray(y[ts])]  # logit_{t_b}[y_{t_b}]
    picked.sum().backward()
    norms = xp.sqrt((leaf.grad.array.astype(backend.float64) ** 2).sum(axis=2))  # (s, b)
    out = xp.zeros((b, x.shape[0]), dtype=backend.float64)
    out[:, :length] = norms.T
    return out
