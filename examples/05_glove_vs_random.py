"""05: pretrained word vectors against random ones, with nothing downloaded.

What you will see: GloVe vectors are trained with minigrad on all the training text of
the embedded corpus (Python's documentation), written in GloVe's text format, and
read back through the same loader a downloaded glove.6B file would go through. Then
one word-level LSTM language model is trained three times on only a small slice of
that text (the low-data case where pretraining is meant to help), identical except
for its embedding: random, GloVe fine-tuned, GloVe frozen. Validation perplexity on
held-out text is printed as they train, and plotted.

Step through it:  python -m pdb examples/05_glove_vs_random.py --steps 20
"""
import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg
from models.data import (WordTokenizer, batchify, bptt_batches, cooccurrence,
                         glove_embedding, load_text, save_glove, train_glove)
from models.lm import LanguageModel, detach_state

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=400, help="LM training steps (default: 400)")
parser.add_argument("--glove-epochs", type=int, default=30, help="GloVe epochs (default: 30)")
parser.add_argument("--slice", type=float, default=0.1,
                    help="share of the training words the LMs see (default: 0.1)")
parser.add_argument("--out", default="out/glove", help="folder for glove.txt and the plot")
args = parser.parse_args()
out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)
DIM, HIDDEN, BATCH, SEQ = 50, 128, 16, 32

# 1. Words. The vocabulary comes from the training part only (the last 10% of the
#    corpus is held out); rarer words than 3 occurrences become <unk>.
text = load_text()                     # pydoc_data.topics: ~465,000 characters
cut = int(0.9 * len(text))
tok = WordTokenizer(lower=True).fit(text[:cut], min_freq=3)
train_ids, val_ids = tok.encode(text[:cut]), tok.encode(text[cut:])
vocab = tok.vocab
print(f"{len(train_ids):,} training words, {len(val_ids):,} held out, vocabulary {len(vocab)}")

# 2. GloVe on all the training words: co-occurrence counts within 5 words (closer
#    pairs count more), then the weighted least-squares fit, optimised with Adagrad.
cooc = cooccurrence(train_ids, len(vocab), window=5, ignore=[vocab.stoi[vocab.unk]])
vectors, losses = train_glove(cooc, dim=DIM, epochs=args.glove_epochs, return_losses=True)
print(f"GloVe: {len(cooc):,} co-occurring pairs, loss {losses[0]:.4f} -> {losses[-1]:.4f}")
words = [w for w in vocab.itos if w not in vocab.specials]
rows = [vocab.stoi[w] for w in words]
save_glove(out / "glove.txt", words, vectors[rows])     # the standard text format

# 3. Do the vectors mean anything? Nearest neighbours by cosine similarity.
unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
for word in ("list", "class", "error", "return"):
    sims = unit @ unit[vocab.stoi[word]]
    near = [vocab.itos[i] for i in np.argsort(-sims)[1:6]]
    print(f"  nearest to {word!r}: {', '.join(near)}")

# 4. The language models' data: a small slice of the training words, in (T, B) chunks.
few = batchify(train_ids[:int(args.slice * len(train_ids))], BATCH)
print(f"each language model trains on {few.size:,} words, {args.steps} steps")


def train(embedding):
    """Train one LSTM LM (same seed, data and steps every time); return its validation
    perplexity at every evaluation point."""
    mg.manual_seed(0)
    model = LanguageModel(len(vocab), DIM, HIDDEN)
    if embedding is not None:
        model.embedding = embedding                     # the only difference
    opt = mg.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    curve, step, state = [], 0, None
    while step < args.steps:
        for x, y in bptt_batches(few, SEQ):
            loss, state = model.loss(x, y, state)
            state = detach_state(state)                 # truncated BPTT
            opt.zero_grad()
            loss.backward()
            mg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if step % max(1, args.steps // 8) == 0 or step == args.steps:
                curve.append((step, model.evaluate(val_ids, seq_len=SEQ)["perplexity"]))
            if step == args.steps:
                break
        state = None                                    # a new pass over the slice
    return curve


# 5. Three runs; the GloVe ones read glove.txt through the loader (missing words would
#    get random rows with the spread of the found ones; here every word is found).
runs = {
    "random": train(None),
    "GloVe, fine-tuned": train(glove_embedding(out / "glove.txt", vocab, freeze=False)),
    "GloVe, frozen": train(glove_embedding(out / "glove.txt", vocab, freeze=True)),
}
print("\nvalidation perplexity (lower is better); the slice is small, so a model can start")
print("to overfit it before the last step: the best point shows what each start reaches")
for name, curve in runs.items():
    best_step, best = min(curve, key=lambda sp: sp[1])
    print(f"  {name:18s} best {best:6.1f} (step {best_step:3d})   last {curve[-1][1]:6.1f}"
          f"   curve: " + ", ".join(f"{p:.0f}" for _, p in curve))

# 6. The curves as a PNG.
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, curve in runs.items():
    ax.plot(*zip(*curve), marker="o", label=name)
ax.set(xlabel="training step", ylabel="validation perplexity",
       title=f"word LSTM on {few.size:,} words: embedding initialisation")
ax.legend()
ax.grid(alpha=0.3)
fig.savefig(out / "glove_vs_random.png", dpi=110, bbox_inches="tight")
print(f"glove.txt and glove_vs_random.png are in {out}/")
