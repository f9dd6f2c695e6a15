"""The same character language model trained in minigrad and in PyTorch.

Same data (a slice of Python's pydoc_data.topics text, the same (T, B) chunks with
the hidden state carried between them), the same initial weights (minigrad's
state_dict loaded into the PyTorch model: the parameter names are PyTorch's), the
same optimizer (Adam), gradient clipping and number of steps. Both then report the
validation loss, which should agree within noise (float32 round-off grows through
training; with --float64 the two runs agree to many digits).

    python benchmarks/compare_torch_lm.py [--steps 300] [--cell lstm] [--float64]

Without PyTorch installed it says so and exits 0.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see models/__main__.py
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import minigrad as mg
import minigrad.optim
from models.data import CharTokenizer, batchify, bptt_batches, load_text
from models.lm import LanguageModel, detach_state


def data(n_train: int, n_val: int, batch: int):
    text = load_text()[: n_train + n_val]
    tok = CharTokenizer().fit(text)
    ids = tok.encode(text)
    return tok, batchify(ids[:n_train], batch), batchify(ids[n_train:], 8)


def chunks(train: np.ndarray, seq_len: int, steps: int):
    """``steps`` training chunks, epoch after epoch; None marks an epoch start."""
    done = 0
    while True:
        yield None
        for x, y in bptt_batches(train, seq_len):
            yield x, y
            done += 1
            if done == steps:
                return


def train_minigrad(a, vocab: int, train: np.ndarray, val: np.ndarray):
    mg.manual_seed(a.seed)
    model = LanguageModel(vocab, a.embed, a.hidden, cell=a.cell)
    if a.float64:
        model.double()
    init = model.state_dict()
    opt = mg.optim.Adam(model.parameters(), lr=a.lr)
    t0 = time.perf_counter()
    state = None
    for item in chunks(train, a.seq_len, a.steps):
        if item is None:
            state = None
            continue
        x, y = item
        opt.zero_grad()
        loss, state = model.loss(x, y, state)
        state = detach_state(state)
        loss.backward()
        mg.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
    seconds = time.perf_counter() - t0
    val_loss = model.evaluate(val, seq_len=a.seq_len)["loss"]
    return init, model.state_dict(), val_loss, seconds


def train_torch(a, torch, vocab: int, init: dict, train: np.ndarray, val: np.ndarray):
    nn = torch.nn
    dtype = torch.float64 if a.float64 else torch.float32
    torch.set_num_threads(1)

    class TorchLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, a.embed)
            self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[a.cell](a.embed,
                                                                                a.hidden)
            self.decoder = nn.Linear(a.hidden, vocab)

        def forward(self, x, state=None):
            out, state = self.rnn(self.embedding(x), state)
            return self.decoder(out), state

    model = TorchLM().to(dtype)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in init.items()})
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    lossf = nn.CrossEntropyLoss()

    def detach(s):
        return tuple(t.detach() for t in s) if isinstance(s, tuple) else s.detach()

    t0 = time.perf_counter()
    state = None
    for item in chunks(train, a.seq_len, a.steps):
        if item is None:
            state = None
            continue
        x, y = (torch.from_numpy(v) for v in item)
        opt.zero_grad()
        logits, state = model(x, state)
        state = detach(state)
        loss = lossf(logits.reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
    seconds = time.perf_counter() - t0
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for x, y in bptt_batches(val, a.seq_len):
            logits, state = model(torch.from_numpy(x), state)
            total += float(lossf(logits.reshape(-1, vocab), torch.from_numpy(y).reshape(-1))
                           ) * y.size
            count += y.size
    final = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    return final, total / count, seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--cell", choices=("lstm", "gru", "rnn"), default="lstm")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--embed", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--train-chars", type=int, default=100_000)
    p.add_argument("--val-chars", type=int, default=20_000)
    p.add_argument("--float64", action="store_true", help="both in float64")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    try:
        import torch
    except ImportError:
        print("compare_torch_lm: PyTorch is not installed (pip install torch); skipping")
        return 0
    tok, train, val = data(a.train_chars, a.val_chars, a.batch_size)
    v = len(tok)
    print(f"char {a.cell.upper()} LM: vocabulary {v}, embed {a.embed}, hidden {a.hidden}, "
          f"{a.steps} Adam steps (lr {a.lr}) of {a.seq_len} x {a.batch_size} characters, "
          f"{'float64' if a.float64 else 'float32'}, same init and batches")
    init, mg_final, mg_val, mg_s = train_minigrad(a, v, train, val)
    th_final, th_val, th_s = train_torch(a, torch, v, init, train, val)
    drift = max(float(np.abs(mg_final[k] - th_final[k]).max()) for k in mg_final)
    print(f"  minigrad: validation loss {mg_val:.4f} nats ({mg_val / np.log(2):.4f} bits/char),"
          f" {mg_s / a.steps * 1000:.1f} ms/step")
    print(f"  PyTorch:  validation loss {th_val:.4f} nats ({th_val / np.log(2):.4f} bits/char),"
          f" {th_s / a.steps * 1000:.1f} ms/step")
    print(f"  difference {abs(mg_val - th_val):.2e} nats; largest parameter difference "
          f"after training {drift:.2e}")
    tol = 1e-6 if a.float64 else 2e-2
    ok = abs(mg_val - th_val) < tol
    print(f"  {'same' if ok else 'DIFFERENT'} within {tol:g} nats")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
