"""11: language models: RNN vs LSTM vs GRU, GloVe vs random embeddings, and sampling.

What you will see, all on the corpus every Python ships (its documentation text):
1. three character models (tanh RNN, LSTM, GRU) of about the same parameter count, the
   same steps and optimiser: validation bits per character, the three training curves
   in one plot, and ten words from each after the same seed text;
2. word models whose embedding starts random, or from GloVe vectors that minigrad
   trains on the same training text (written and read back in GloVe's text format),
   frozen or fine-tuned, with all the training words and with a tenth of them; the
   vectors' nearest neighbours, and how often a word's neighbour is of its own kind
   (keyword, built-in name, identifier, English word...);
3. one model sampled at temperature 0.5, 1.0, 1.5, with top-k 5 and without: the
   distinct-bigram rate and the share of real words, so the trade-off is a number.

    python examples/11_language_models.py            # full mode (about 10 min on 2 cores)
    python examples/11_language_models.py --quick    # shorter (for the tests)

Writes DIR/11_language_models.md (its section of docs/RESULTS.md), .json (headline
numbers) and DIR/11_language_models/*.png;
DIR is --out (default docs/lessons, out/lessons with --quick). The
section prints the `python -m models train-lm / glove / generate` lines that give each
headline number again.

Step through it:  python -m pdb examples/11_language_models.py --quick
"""
# %% [markdown]
# # 11. Language models
# A language model reads text one token at a time and predicts the next; its loss,
# in bits per token, says how surprised it is by text it never saw. The unigram
# model (token frequencies, no context) is the floor every model must beat. The
# lecture's claims to check: gated cells (LSTM, GRU) beat the plain RNN; pretrained
# GloVe vectors give the embedding meaning and help when the corpus is small; and
# temperature trades coherence for variety.

# %% Settings
import argparse
import builtins
import json
import keyword
import os
import platform
import re
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure     # no pyplot: no window, no backend to choose

import minigrad as mg
from models.data import (CharTokenizer, WordTokenizer, cooccurrence, load_glove, load_text,
                         save_glove, split_train_val, train_glove)
from models.lm import LanguageModel, LMTask
from models.metrics import distinct_ngrams
from models.train import Trainer

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="a short run (for the tests)")
parser.add_argument("--out", default=None,
                    help="output folder (default: docs/lessons; with --quick out/lessons)")
args = parser.parse_args()
NAME = "11_language_models"
out = Path(args.out or ("out/lessons" if args.quick else "docs/lessons"))
(out / NAME).mkdir(parents=True, exist_ok=True)
started, load_at_start = time.perf_counter(), os.getloadavg()[0]

VAL_FRACTION, LR, CLIP, SEED = 0.1, 3e-3, 1.0, 0
CELLS = ("rnn", "lstm", "gru")
CHAR = dict(embed=32, lstm_hidden=128, batch=32, seq_len=64)
WORD = dict(min_freq=3, dim=50, hidden=128, batch=16, seq_len=32, window=5, slice=10_000)
if args.quick:
    CHAR_STEPS, WORD_STEPS, SLICE_STEPS, GLOVE_EPOCHS, SAMPLE_WORDS = 60, 20, 20, 3, 40
else:
    CHAR_STEPS, WORD_STEPS, SLICE_STEPS, GLOVE_EPOCHS, SAMPLE_WORDS = 2000, 1000, 400, 30, 300
SEED_TEXT, TEMPERATURE = "The ", 0.8


# %% One language model: the recipe of `python -m models train-lm`
def train_lm(tok, ids, cell, hidden, embed, batch, seq_len, steps, vectors=None,
             frozen=False, max_train_tokens=None):
    """Seed, split (the last VAL_FRACTION of the tokens validates), build and train for
    ``steps`` Adam steps with truncated BPTT; validation after every epoch and at the end."""
    mg.manual_seed(SEED)
    train_ids, val_ids = split_train_val(ids, VAL_FRACTION)
    if max_train_tokens is not None:
        train_ids = train_ids[:max_train_tokens]
    task = LMTask(train_ids, val_ids, batch_size=batch, seq_len=seq_len)
    model = LanguageModel(len(tok), embed, hidden, 1, cell)
    if vectors is not None:     # a copy: mg.tensor(array) shares the array's memory, and
        model.embedding.weight.data = mg.tensor(vectors)   # a copy: training writes into it
    if frozen:
        model.embedding.weight.requires_grad_(False)
    opt = mg.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=LR)
    trainer = Trainer(model, opt, task, clip_norm=CLIP, progress=False, log=lambda m: None)
    trainer.fit(None, max_steps=steps)
    return model, trainer


def unigram_bits(train_ids, val_ids, vocab_size):
    """Bits per token of the unigram model (training counts, add-one) on the validation
    tokens: the best a model without context does on that text."""
    counts = np.bincount(train_ids, minlength=vocab_size) + 1.0
    return float(-np.log2(counts[val_ids] / counts.sum()).mean())


def trainable(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# %% 1. Characters: three cells, about the same number of parameters
# A layer's weights: RNN H(E+H) + 2H, GRU three times that, LSTM four times; the
# embedding (V x E) and the output layer (H x V + V) come on top. The LSTM's width is
# fixed; the RNN and GRU get the width whose total is nearest to the LSTM's.
text = load_text()
char_tok = CharTokenizer().fit(text)
char_ids = char_tok.encode(text)
V = len(char_tok)


def char_params(cell, hidden, embed=CHAR["embed"]):
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    return gates * (hidden * (embed + hidden) + 2 * hidden) + V * embed + hidden * V + V


target = char_params("lstm", CHAR["lstm_hidden"])
widths = {cell: min(range(8, 4 * CHAR["lstm_hidden"]),
                    key=lambda h, c=cell: abs(char_params(c, h) - target)) for cell in CELLS}
char_train, char_val = split_train_val(char_ids, VAL_FRACTION)
char_unigram = unigram_bits(char_train, char_val, V)
print(f"{len(text):,} characters, vocabulary {V}; validation: the last {len(char_val):,}")
print(f"unigram model on the validation text: {char_unigram:.3f} bits per character")
char_runs = {}
for cell in CELLS:
    t0 = time.perf_counter()
    model, trainer = train_lm(char_tok, char_ids, cell, widths[cell], CHAR["embed"],
                              CHAR["batch"], CHAR["seq_len"], CHAR_STEPS)
    words = model.generate(char_tok, SEED_TEXT, 10, temperature=TEMPERATURE, rng=0, unit="words")
    assert trainable(model) == char_params(cell, widths[cell])   # the formula above
    char_runs[cell] = dict(model=model, history=trainer.history, steps=trainer.step_losses,
                           bits=trainer.history[-1]["val_bpc"], params=trainable(model),
                           words=words, seconds=time.perf_counter() - t0)
    print(f"  {cell.upper():4s} {widths[cell]:3d} units, {trainable(model):,} parameters: "
          f"{char_runs[cell]['bits']:.3f} bits per character after {CHAR_STEPS} steps "
          f"({char_runs[cell]['seconds']:.0f} s)", flush=True)
    print(f"       {SEED_TEXT!r} -> {SEED_TEXT + words!r}")

# %% 2. Words: GloVe vectors trained here, written and read back in GloVe's text format
# The vocabulary: lowercased words and punctuation seen at least WORD["min_freq"] times
# (the rest become <unk>), built as `train-lm --level word --lower` builds it. GloVe
# counts co-occurrences within 5 words in the training part only, fits its weighted
# least squares with Adagrad, and its file is read back by the same loader a
# downloaded glove.6B file would go through.
word_tok = WordTokenizer(lower=True).fit(text, min_freq=WORD["min_freq"])
vocab = word_tok.vocab
word_ids = word_tok.encode(text)
word_train, word_val = split_train_val(word_ids, VAL_FRACTION)
word_unigram = unigram_bits(word_train, word_val, len(vocab))
few_unigram = unigram_bits(word_train[:WORD["slice"]], word_val, len(vocab))
cooc = cooccurrence(word_train, len(vocab), window=WORD["window"], ignore=[vocab.stoi[vocab.unk]])
vectors, losses = train_glove(cooc, dim=WORD["dim"], epochs=GLOVE_EPOCHS, seed=SEED,
                              return_losses=True)
words_only = [w for w in vocab.itos if w not in vocab.specials]
glove_file = out / NAME / "glove.txt"
save_glove(glove_file, words_only, vectors[[vocab.stoi[w] for w in words_only]])
glove, found, missing = load_glove(glove_file, vocab)
glove_file.unlink()          # 1 MB of numbers: `python -m models glove` writes it again
print(f"\n{len(word_train):,} training words, {len(word_val):,} validation, vocabulary "
      f"{len(vocab)}; GloVe on {len(cooc):,} pairs, loss {losses[0]:.4f} -> {losses[-1]:.4f}; "
      f"{found} rows read back")


# %% Do the vectors mean anything? Nearest neighbours, and neighbours of the same kind
def kind(word):
    """The part of the corpus a word belongs to."""
    if not re.match(r"\w", word):
        return "punctuation"
    if word.isdigit():
        return "number"
    if word in {k.lower() for k in keyword.kwlist}:
        return "Python keyword"
    if word in {b.lower() for b in dir(builtins)}:
        return "built-in name"
    if "_" in word:
        return "identifier with _"
    return "other word"


def nearest(matrix, row, k=5):
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    sims = unit[1:] @ unit[row]                     # row 0 is <unk>
    order = [i + 1 for i in np.argsort(-sims) if i + 1 != row]
    return order[:k]


kinds = np.array([kind(w) for w in vocab.itos[1:]])
random_vectors = np.random.default_rng(SEED).normal(size=glove.shape)
same_kind = {}
for k in sorted(set(kinds), key=lambda k: -(kinds == k).sum()):
    rows = np.flatnonzero(kinds == k) + 1
    share = {}
    for label, matrix in (("GloVe", glove), ("random", random_vectors)):
        share[label] = float(np.mean([kinds[nearest(matrix, r, 1)[0] - 1] == k for r in rows]))
    share["chance"] = (len(rows) - 1) / (len(kinds) - 1)
    same_kind[k] = dict(words=int(len(rows)), **share)
probe = [w for w in ("list", "class", "exception", "return", "true", "string") if w in vocab.stoi]
neighbours = {w: [vocab.itos[i] for i in nearest(glove, vocab.stoi[w])] for w in probe}
for w, near in neighbours.items():
    print(f"  nearest to {w!r}: {', '.join(near)}")
for k, r in same_kind.items():
    print(f"  {k:18s} ({r['words']:4d} words): nearest neighbour of the same kind "
          f"{r['GloVe']:.2f} (random vectors {r['random']:.2f}, chance {r['chance']:.2f})")

# %% Word models: random, GloVe fine-tuned, GloVe frozen; all the words, and a tenth
starts = {"random": dict(), "GloVe, fine-tuned": dict(vectors=glove),
          "GloVe, frozen": dict(vectors=glove, frozen=True)}
regimes = {"all training words": dict(max_train_tokens=None, steps=WORD_STEPS),
           f"first {WORD['slice']:,} words": dict(max_train_tokens=WORD["slice"],
                                                 steps=SLICE_STEPS)}
word_runs = {}
for regime, r in regimes.items():
    for start, kw in starts.items():
        t0 = time.perf_counter()
        model, trainer = train_lm(word_tok, word_ids, "lstm", WORD["hidden"], WORD["dim"],
                                  WORD["batch"], WORD["seq_len"], r["steps"],
                                  max_train_tokens=r["max_train_tokens"], **kw)
        ppl = [(e["step"], float(np.exp(e["val_loss"]))) for e in trainer.history]
        word_runs[(regime, start)] = dict(
            curve=ppl, last=ppl[-1][1], best=min(p for _, p in ppl), params=trainable(model),
            words=model.generate(word_tok, "the", 10, temperature=TEMPERATURE, rng=0,
                                 unit="words"),
            seconds=time.perf_counter() - t0)
        w = word_runs[(regime, start)]
        print(f"  {regime:20s} {start:18s}: validation perplexity {w['last']:6.1f} "
              f"(best epoch {w['best']:6.1f}) ({w['seconds']:.0f} s)", flush=True)

# The validation tail repeats much of the training text (the documentation quotes
# itself): how much, in 16-word stretches found verbatim in the training words.
seen = {tuple(word_train[i:i + 16]) for i in range(len(word_train) - 15)}
overlap = float(np.mean([tuple(word_val[i:i + 16]) in seen for i in range(len(word_val) - 15)]))
print(f"  {overlap:.0%} of the validation text's 16-word stretches occur in the training text")

# %% 3. Temperature and top-k: one model (the character LSTM), six ways of sampling
known_words = set(re.findall(r"\w+", text[:len(text) - len(char_val)]))
sampling = {}
for top_k in (5, None):
    for temperature in (0.5, 1.0, 1.5):
        more = char_runs["lstm"]["model"].generate(char_tok, SEED_TEXT, SAMPLE_WORDS,
                                                   temperature=temperature, top_k=top_k,
                                                   rng=1, unit="words")
        w = re.findall(r"\w+", more)
        sampling[(temperature, top_k)] = dict(
            distinct1=distinct_ngrams(w, 1), distinct2=distinct_ngrams(w, 2),
            real=float(np.mean([x in known_words for x in w])), sample=more[:160])
        s = sampling[(temperature, top_k)]
        print(f"  T {temperature:3.1f}, top-k {str(top_k):4s}: distinct-1 {s['distinct1']:.2f}, "
              f"distinct-2 {s['distinct2']:.2f}, real words {s['real']:.2f}")

# %% The pictures
colours = {"rnn": "#d7191c", "lstm": "#2166ac", "gru": "#1a9641"}
fig = Figure(figsize=(8, 4))
ax = fig.subplots()
for cell, r in char_runs.items():
    bits = np.asarray(r["steps"]) / np.log(2)
    window = max(1, len(bits) // 40)
    smooth = np.convolve(bits, np.ones(window) / window, mode="valid")
    ax.plot(np.arange(window, len(bits) + 1), smooth, color=colours[cell], lw=1, alpha=0.6)
    ax.plot([e["step"] for e in r["history"]], [e["val_bpc"] for e in r["history"]], "o-",
            color=colours[cell], lw=1.6, label=f"{cell.upper()} {widths[cell]} "
            f"({r['params']:,} parameters): validation")
ax.axhline(char_unigram, color="grey", ls="--", lw=1, label="unigram model")
ax.set(xlabel="optimizer step", ylabel="bits per character",
       title="Character models at equal parameters and steps (thin: training, smoothed)",
       ylim=(1.5, char_unigram + 0.4))
ax.grid(alpha=0.3)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out / NAME / "char_curves.png", dpi=110)

fig = Figure(figsize=(10, 3.8))
axes = fig.subplots(1, len(regimes))
styles = {"random": "#7f7f7f", "GloVe, fine-tuned": "#2166ac", "GloVe, frozen": "#1a9641"}
for ax, regime in zip(axes, regimes):
    for start in starts:
        curve = word_runs[(regime, start)]["curve"]
        ax.plot(*zip(*curve), "o-", ms=3, color=styles[start], label=start)
    ax.set(title=f"word LSTM, {regime}", xlabel="optimizer step",
           ylabel="validation perplexity")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out / NAME / "word_curves.png", dpi=110)

fig = Figure(figsize=(6, 4))
ax = fig.subplots()
for top_k, colour, offset in ((5, "#2166ac", (5, 4)), (None, "#d7191c", (5, -12))):
    points = [(sampling[(t, top_k)]["distinct2"], sampling[(t, top_k)]["real"])
              for t in (0.5, 1.0, 1.5)]
    ax.plot(*zip(*points), "o-" if top_k else "s--", color=colour,
            label=f"top-k {top_k}" if top_k else "no top-k")
    for t, xy in zip((0.5, 1.0, 1.5), points):
        ax.annotate(f"T {t}", xy, fontsize=8, xytext=offset, textcoords="offset points",
                    color=colour)
ax.set(xlabel="distinct-2 (different word pairs / word pairs)",
       ylabel="share of words found in the training text",
       title="Sampling the character LSTM: variety against correctness")
ax.grid(alpha=0.3)
ax.legend(fontsize=8, loc="lower left")
fig.tight_layout()
fig.savefig(out / NAME / "sampling.png", dpi=110)

# %% Write the section of RESULTS.md and the headline numbers
elapsed = time.perf_counter() - started
command = f"OPENBLAS_NUM_THREADS=1 python examples/{NAME}.py" + (" --quick" if args.quick else "")
char_table = ["| model | units | parameters | validation bits per character | source |",
              "|---|---|---|---|---|",
              f"| unigram model (training counts, add-one) | - | {V - 1} | "
              f"{char_unigram:.3f} | this run |"]
char_table += [f"| {c.upper()} | {widths[c]} | {r['params']:,} | {r['bits']:.3f} | this run |"
               for c, r in char_runs.items()]
char_table += ["| 20-gram model, War and Peace / Linux kernel source | - | - | 1.195 / 0.889 "
               "nats (1.72 / 1.28 bits) | Karpathy et al. 2015 |",
               "| 3-layer LSTM 512, War and Peace / Linux kernel source | 3 x 512 | - | "
               "1.077 / 0.84 nats (1.55 / 1.21 bits) | Karpathy et al. 2015 |"]
word_table = ["| training words | embedding | trainable parameters | validation perplexity "
              "(last) | best epoch | unigram model |", "|---|---|---|---|---|---|"]
for (regime, start), r in word_runs.items():
    uni = few_unigram if regime.startswith("first") else word_unigram
    word_table.append(f"| {regime} | {start} | {r['params']:,} | {r['last']:.1f} | "
                      f"{r['best']:.1f} | {2 ** uni:.1f} |")
kind_table = ["| kind of word | words | nearest neighbour of the same kind: GloVe | random "
              "vectors | chance |", "|---|---|---|---|---|"]
kind_table += [f"| {k} | {r['words']} | {r['GloVe']:.2f} | {r['random']:.2f} | "
               f"{r['chance']:.2f} |" for k, r in same_kind.items()]
sample_table = ["| temperature | top-k | distinct-1 | distinct-2 | words found in the "
                "training text |", "|---|---|---|---|---|"]
sample_table += [f"| {t} | {k or 'none'} | {s['distinct1']:.2f} | {s['distinct2']:.2f} | "
                 f"{s['real']:.2f} |" for (t, k), s in sampling.items()]
print("\n" + "\n".join(char_table + [""] + word_table + [""] + kind_table + [""] + sample_table))

passes = CHAR_STEPS * CHAR["batch"] * CHAR["seq_len"] / len(char_train)
char_words = "\n".join(f"{c.upper():5s}{SEED_TEXT}{r['words']}" for c, r in char_runs.items())
word_words = "\n".join(f"{regime[:12]:12s} {start:18s} the {r['words']}"
                       for (regime, start), r in word_runs.items())
neighbour_text = "; ".join(f"**{w}**: {', '.join(n)}" for w, n in neighbours.items())


def verdict():
    """Sentences read off the numbers, one per claim of the lesson."""
    bits = {c: char_runs[c]["bits"] for c in CELLS}
    gated = max(bits["lstm"], bits["gru"])
    said = [(f"The LSTM and GRU end below the RNN, by {bits['rnn'] - bits['lstm']:.3f} and "
             f"{bits['rnn'] - bits['gru']:.3f} bits per character" if bits["rnn"] > gated else
             "The gated cells do not both end below the RNN ("
             + ", ".join(f"{c.upper()} {bits[c]:.3f}" for c in CELLS) + ")")
            + f" (one seed each: a gap of a few hundredths is the size another seed could "
            f"change), all three far below the unigram model ({char_unigram:.3f}). The "
            f"published figures were not reached: the best here, {min(bits.values()):.3f}, "
            f"is {min(bits.values()) - 1.077 * 1.4427:.2f} bits above the 3-layer LSTM on War "
            f"and Peace (1.55) and {min(bits.values()) - 1.195 * 1.4427:.2f} above even its "
            f"20-gram model (1.72), on other text and with one setting tried (the one "
            f"above, for every cell)."]
    full, few = list(regimes)
    for regime, case in ((full, "With all the training words"),
                         (few, f"On the first {WORD['slice']:,} words")):
        g = {k: word_runs[(regime, k)]["last"] for k in starts}
        helps = [k for k in starts if k != "random" and g[k] < g["random"]]
        said.append(f"{case} the last validation perplexity is {g['random']:.1f} from random "
                    f"embeddings, {g['GloVe, fine-tuned']:.1f} from GloVe fine-tuned and "
                    f"{g['GloVe, frozen']:.1f} frozen: "
                    + ("GloVe helps (the lecture's claim)." if len(helps) == 2 else
                       "GloVe does not help here." if not helps else
                       f"only {helps[0]} helps."))
    rise = {k: word_runs[(few, k)]["last"] - word_runs[(few, k)]["best"] for k in starts}
    if all(v > 0 for v in rise.values()):
        least = min(rise, key=rise.get)
        said.append("On the small slice every model overfits before the last step (its "
                    "perplexity rises after the best epoch by " + ", ".join(
                        f"{v:.1f} {k}" for k, v in rise.items()) + f"; least: {least}).")
    above = [k for k, r in same_kind.items() if r["GloVe"] > max(r["chance"], r["random"])]
    said.append(f"The vectors carry meaning: for {len(above)} of the {len(same_kind)} kinds "
                f"of word the nearest neighbour is of the same kind more often than chance "
                f"and than with random vectors.")
    cold, hot = sampling[(0.5, 5)], sampling[(1.5, None)]
    said.append(f"Sampling trades one for the other: temperature 0.5 with top-k 5 repeats "
                f"itself (distinct-2 {cold['distinct2']:.2f}) in real words ({cold['real']:.0%}),"
                f" temperature 1.5 without top-k never repeats a pair (distinct-2 "
                f"{hot['distinct2']:.2f}) but invents words ({hot['real']:.0%} real)")
    kept = [t for t in (0.5, 1.0, 1.5) if sampling[(t, 5)]["real"] > sampling[(t, None)]["real"]]
    said.append(f"; top-k 5 keeps more words real at {len(kept)} of the 3 temperatures.")
    return " ".join(said).replace(" ;", ";")


cli_char = (f"python -m models train-lm --cell lstm --hidden {widths['lstm']} --embed "
            f"{CHAR['embed']} --batch-size {CHAR['batch']} --seq-len {CHAR['seq_len']} "
            f"--lr {LR:g} --clip {CLIP:g} --max-steps {CHAR_STEPS} --seed {SEED} "
            f"--out runs/char-lstm")
cli_generate = (f"python -m models generate --checkpoint runs/char-lstm --seed \"{SEED_TEXT}\" "
                f"--words 10 --temperature {TEMPERATURE} --sample-seed 0")
cli_glove = (f"python -m models glove --lower --min-freq {WORD['min_freq']} --dim {WORD['dim']} "
             f"--epochs {GLOVE_EPOCHS} --window {WORD['window']} --seed {SEED} "
             f"--out runs/glove.txt")
cli_word = (f"python -m models train-lm --level word --lower --min-freq {WORD['min_freq']} "
            f"--hidden {WORD['hidden']} --embed {WORD['dim']} --batch-size {WORD['batch']} "
            f"--seq-len {WORD['seq_len']} --lr {LR:g} --clip {CLIP:g} --max-steps {SLICE_STEPS} "
            f"--max-train-tokens {WORD['slice']} --embeddings runs/glove.txt --freeze-embeddings "
            f"--seed {SEED} --out runs/word-glove-frozen")
section = f"""## 11. Language models: RNN vs LSTM vs GRU, GloVe vs random, temperature and top-k

`{command}`: {elapsed / 60:.1f} min on this machine, {time.process_time() / 60:.1f} min of
CPU time ({os.cpu_count()} CPU cores, {platform.machine()}, shared with other jobs: load
average {load_at_start:.1f} when it started).

Corpus: Python's own documentation text (`pydoc_data.topics`, {len(text):,} characters);
the last {VAL_FRACTION:.0%} of the tokens validates. Every model: Embedding, one recurrent
layer, Linear; Adam lr {LR:g}, gradient norm clipped to {CLIP:g}, truncated BPTT (the state
carried between chunks), seed {SEED}, validation after every epoch and at the last step
(the figure reported: nothing is picked).

### Characters, at equal parameters and equal steps

{CHAR_STEPS} steps of {CHAR['batch']} streams x {CHAR['seq_len']} characters each (about
{passes:.1f} passes over the training text), embedding {CHAR['embed']}.

{chr(10).join(char_table)}

Published anchors: Karpathy, Johnson & Fei-Fei, "Visualizing and understanding
recurrent networks" (2015), test cross-entropy per character as reported (natural log,
the loss of their char-rnn code; bits = nats x 1.443) on novel text (3.3M characters)
and C source (6.2M), with 1-3 layers of up to 512 units trained to convergence: a
different text and much larger models trained far longer, so the comparison is in
kind only. Their finding at every size, LSTM and GRU well below the RNN, is the one to
check here.

![character models](lessons/{NAME}/char_curves.png)

Ten words from each, after {SEED_TEXT!r} (temperature {TEMPERATURE}, sampling seed 0):

```
{char_words}
```

### Words: random embeddings against GloVe vectors trained here

Lowercased words and punctuation, those seen fewer than {WORD['min_freq']} times as `<unk>`
(vocabulary {len(vocab):,}, built over the whole text as `train-lm` builds it); GloVe
(Pennington, Socher & Manning 2014), {WORD['dim']} dimensions, trained by
`models.data.train_glove` on the {len(word_train):,} training words only (co-occurrences
within {WORD['window']} words, {GLOVE_EPOCHS} epochs of Adagrad), written with `save_glove` and
read back with `load_glove` ({found} of {len(vocab)} rows found). LSTM {WORD['hidden']} units,
embedding {WORD['dim']}, {WORD['batch']} streams x {WORD['seq_len']} words; {WORD_STEPS} steps
on all training words, {SLICE_STEPS} on the first {WORD['slice']:,} (the low-data case, where
the vectors have seen ten times more text than the model). "Best epoch" is the lowest
validation perplexity along the way: it is picked on the validation text, so only
"last" is a fair figure.

{chr(10).join(word_table)}

{overlap:.0%} of the validation text's 16-word stretches occur verbatim in the training
text (the documentation repeats itself), so these perplexities reward memory and are
far lower than on ordinary prose; no published figure exists for this corpus, and the
anchors are the unigram models computed here.

![word models](lessons/{NAME}/word_curves.png)

Ten words from each, after "the" (temperature {TEMPERATURE}, sampling seed 0):

```
{word_words}
```

Nearest neighbours (cosine) in the GloVe vectors: {neighbour_text}. How often a word's
nearest neighbour is of its own kind, against random vectors and against chance (the
kind's share of the other words):

{chr(10).join(kind_table)}

### Temperature and top-k

The character LSTM above, {SAMPLE_WORDS} words after {SEED_TEXT!r} for each setting (sampling
seed 1). distinct-n (Li et al. 2016) = different word n-grams / word n-grams: low means
the text repeats itself; the last column counts the generated words that occur in the
training text, low means invented words.

{chr(10).join(sample_table)}

![sampling](lessons/{NAME}/sampling.png)

### What was and was not reproduced

{verdict()}

What was shortened: {CHAR_STEPS} character steps (about {passes:.1f} passes) and
{WORD_STEPS} / {SLICE_STEPS} word steps, one seed, one layer, no dropout, so that the whole
lesson fits about ten minutes on two cores; the published character models have up to
three layers of 512 units and train to convergence on several times more text.

The headline numbers from the command line (the same numbers for the same options):
`{cli_char}` prints the LSTM's validation bits per character (`--cell rnn --hidden
{widths['rnn']}` and `--cell gru --hidden {widths['gru']}` the others), and
`{cli_generate}` its ten words. For the words: `{cli_glove}`, then `{cli_word}` (drop
`--freeze-embeddings` for fine-tuned, `--embeddings ...` for random; without
`--max-train-tokens` and with `--max-steps {WORD_STEPS}` for all the words).
"""
(out / f"{NAME}.md").write_text(section)
summary = {"quick": args.quick, "elapsed_s": round(elapsed, 1),
           "cpu_s": round(time.process_time(), 1), "char_steps": CHAR_STEPS,
           "word_steps": WORD_STEPS, "slice_steps": SLICE_STEPS, "glove_epochs": GLOVE_EPOCHS,
           "char": CHAR, "word": WORD, "lr": LR, "clip": CLIP, "seed": SEED,
           "char_unigram_bits": char_unigram, "word_unigram_bits": word_unigram,
           "char_models": {c: {"hidden": widths[c], "params": r["params"], "bits": r["bits"],
                               "words": r["words"]} for c, r in char_runs.items()},
           "word_models": {f"{regime} | {start}": {k: r[k] for k in ("last", "best", "params",
                                                                      "words")}
                           for (regime, start), r in word_runs.items()},
           "same_kind": same_kind, "neighbours": neighbours, "overlap_16grams": overlap,
           "sampling": {f"T {t} top-k {k}": {x: s[x] for x in ("distinct1", "distinct2", "real")}
                        for (t, k), s in sampling.items()},
           "cli": {"char": cli_char, "generate": cli_generate, "glove": cli_glove,
                   "word": cli_word}}
(out / f"{NAME}.json").write_text(json.dumps(summary, indent=1))
print(f"\n{elapsed:.0f} s; wrote {out / NAME}.md, {out / NAME}.json and {out / NAME}/*.png")
