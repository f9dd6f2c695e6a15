"""04: a character LSTM learns to write, in one page of plain code.

What you will see: text becomes integer ids; an Embedding -> LSTM -> Linear model
predicts the next character at every position; each training step unrolls the LSTM
over 64 characters, back-propagates through time (the chain rule over the unrolled
graph), clips the gradient and takes an Adam step. The hidden state is carried from
one chunk to the next but detached, so gradients stop at the chunk's start: truncated
BPTT. Every 100 steps it prints the loss in bits per character, and at the end the
validation loss next to the unigram baseline and a sample of generated text.

`python -m models train-lm` does the same with progress bars, checkpoints and resume;
this file is the idea without the machinery, to read top to bottom.

Step through it:  python -m pdb examples/04_char_lstm.py --steps 20
"""
import argparse
import math

import numpy as np
from pydoc_data.topics import topics  # Python's own documentation: text every Python has

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=1500, help="training steps (default: 1500)")
parser.add_argument("--hidden", type=int, default=128, help="LSTM size (default: 128)")
args = parser.parse_args()
mg.manual_seed(0)
rng = np.random.default_rng(0)

# 1. Data. Characters -> ids; the last 10% is held out for validation.
text = "".join(topics[k] for k in sorted(topics))[:300_000]
chars = sorted(set(text))
char_to_id = {c: i for i, c in enumerate(chars)}
ids = np.array([char_to_id[c] for c in text], dtype=np.int64)
split = int(0.9 * len(ids))
train_ids, val_ids = ids[:split], ids[split:]
vocab = len(chars)
print(f"{len(text):,} characters, vocabulary {vocab}")

# 2. Batches. The training text is cut into 32 parallel streams (columns); a chunk is
#    the next 64 rows: x = characters t..t+63, y = characters t+1..t+64 (the targets).
BATCH, SEQ = 32, 64
stream_len = len(train_ids) // BATCH
streams = train_ids[:stream_len * BATCH].reshape(BATCH, stream_len).T   # (time, batch)


def chunk_at(start):
    return streams[start:start + SEQ], streams[start + 1:start + SEQ + 1]


# 3. The model: PyTorch's layers, PyTorch's shapes (time, batch, features).
class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(vocab, 32)
        self.lstm = nn.LSTM(32, args.hidden)
        self.decoder = nn.Linear(args.hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embedding(x), state)   # unrolled over len(x) steps
        return self.decoder(out), state                     # logits (time, batch, vocab)


model = CharLSTM()
opt = mg.optim.Adam(model.parameters(), lr=3e-3)
BITS = 1 / math.log(2)   # nats -> bits

# 4. Training: forward, loss, backward (BPTT), clip, step; carry the state, detached.
state, start = None, 0
for step in range(1, args.steps + 1):
    if start + SEQ + 1 > stream_len:     # end of the streams: start over, fresh state
        state, start = None, 0
    x, y = chunk_at(start)
    start += SEQ
    logits, state = model(x, state)
    loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
    opt.zero_grad()
    loss.backward()                      # gradients through all 64 steps of the LSTM
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    state = tuple(s.detach() for s in state)   # truncated BPTT: keep h, c; cut the graph
    if step % 100 == 0 or step == args.steps:
        print(f"step {step:4d}  loss {loss.item() * BITS:.3f} bits/char")

# 5. Validation: the same model over held-out text, without building a graph.
model.eval()
with mg.no_grad():
    x, y = val_ids[:5000].reshape(-1, 1), val_ids[1:5001].reshape(-1, 1)  # one long stream
    logits, _ = model(x)
    val_loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1)).item()
counts = np.bincount(train_ids, minlength=vocab) / len(train_ids)
unigram = -(counts[counts > 0] * np.log2(counts[counts > 0])).sum()
print(f"validation: {val_loss * BITS:.3f} bits/char (unigram baseline {unigram:.3f})")

# 6. Generation: feed the seed, then sample one character at a time from the softmax
#    (temperature < 1 makes it more conservative) and feed each one back in.
seed, temperature = "The ", 0.7
with mg.no_grad():
    logits, state = model(np.array([[char_to_id[c]] for c in seed]))
    out = seed
    for _ in range(200):
        p = mg.softmax(logits[-1, 0] / temperature, axis=-1).numpy().astype(np.float64)
        nxt = rng.choice(vocab, p=p / p.sum())
        out += chars[nxt]
        logits, state = model(np.array([[nxt]]), state)
print("generated:", out)
