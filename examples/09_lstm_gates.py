"""09: the gates at work: what a trained character LSTM's gates and cells do.

What you will see: a character LSTM trained on Python's own documentation (or the
demo's checkpoint, with --checkpoint) reads held-out text while
``mg.nn.utils.record_states()`` records its forget, input and output gates and its
cell states c_t at every character. The gates over a passage, drawn unit by unit; how
often each gate is shut or wide open (as in Karpathy, Johnson & Fei-Fei 2015); and
cells that track something a reader can name (inside quotes, inside parentheses, the
position in the line, the line's indentation), each chosen by a printed criterion: the
correlation of c_t with that quantity over held-out text, measured on other text than
it was chosen on, next to the same criterion for an untrained LSTM; last, the
connectivity (Madsen 2019) of a trained tanh RNN against the LSTM on the same text.

    python examples/09_lstm_gates.py                        # full mode (~8 min, 2 cores)
    python examples/09_lstm_gates.py --checkpoint out/demo  # reuse `make demo`'s model
    python examples/09_lstm_gates.py --quick                # shorter (for the tests)

Writes DIR/09_lstm_gates.md (its section of docs/RESULTS.md), .json (headline
numbers) and DIR/09_lstm_gates/*.png; DIR is --out (default docs/lessons).

Step through it:  python -m pdb examples/09_lstm_gates.py --quick
"""
# %% [markdown]
# # 09. The gates at work
# An LSTM cell keeps a memory c_t and three gates, each a sigmoid between 0 (shut)
# and 1 (open): the forget gate f_t scales what is kept of c_{t-1}, the input gate
# i_t what is written of the candidate g_t, the output gate o_t what is shown:
#     c_t = f_t * c_{t-1} + i_t * g_t,      h_t = o_t * tanh(c_t)
# A cell whose forget gate stays near 1 and whose input gate opens only at certain
# characters can count, or hold a flag such as "we are inside a quotation", for as
# long as it needs. Do trained cells do that? Record them and look.

# %% Settings
import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure     # no pyplot: no window, no backend to choose
from matplotlib.patches import Rectangle

import minigrad as mg
from models.commands.train_lm import load_lm
from models.data import CharTokenizer, load_text, split_train_val
from models.lm import LanguageModel, LMTask, unigram_entropy_bits
from models.train import Trainer

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="a short run (for the tests)")
parser.add_argument("--out", default="docs/lessons", help="output folder (default: docs/lessons)")
parser.add_argument("--checkpoint", default=None,
                    help="a train-lm run folder or checkpoint (e.g. out/demo) to analyse "
                         "instead of training an LSTM here")
args = parser.parse_args()
NAME = "09_lstm_gates"
out = Path(args.out)
(out / NAME).mkdir(parents=True, exist_ok=True)
started, load_at_start = time.perf_counter(), os.getloadavg()[0]

EMBED, HIDDEN = 32, (64 if args.quick else 128)
BATCH, SEQ, LR, CLIP = 32, 64, 3e-3, 1.0         # as examples/04_char_lstm.py
DROPOUT = 0.25              # on the embeddings and before the output layer: the corpus is
                            # small, and without it the held-out loss stops improving early
STEPS = 400 if args.quick else 5000              # training steps (batches of 32 x 64)
HELD_OUT = 8000 if args.quick else 40000         # held-out characters read for the cells
BLOCK = 1000                # held-out text alternates: choose on one block, report on the next
# A cell counts as readable when its c_t correlates with the quantity, on the report
# blocks, at |r| >= MIN_R and at least CHANCE_FACTOR times as strongly as the best of
# an untrained LSTM's cells (which gets its share from the characters alone).
MIN_R, CHANCE_FACTOR = 0.4, 2.0
VAL_FRACTION = 0.1
mg.manual_seed(0)

# %% The text, and the model: trained here, or the one a train-lm run left
text = load_text()
if args.checkpoint:
    model, tok, ckpt = load_lm(args.checkpoint)
    settings = ckpt["extra"]["settings"]
    if ckpt["extra"].get("text") != "<pydoc_data.topics>" or settings["level"] != "char" \
            or model.cell != "lstm":
        raise SystemExit(f"09_lstm_gates: {args.checkpoint} must hold a character LSTM "
                         "trained on the default corpus (python -m models demo / train-lm)")
    VAL_FRACTION = settings["val_fraction"]
    trained_how = (f"loaded from `{args.checkpoint}` ({ckpt['trainer'].get('step', '?')} "
                   f"steps of train-lm)")
else:
    tok = CharTokenizer().fit(text)
ids = tok.encode(text)
train_ids, val_ids = split_train_val(ids, VAL_FRACTION)
held_ids = val_ids[:HELD_OUT]
held_text = text[len(train_ids):len(train_ids) + len(held_ids)]
assert len(ids) == len(text) and len(held_text) == len(held_ids)   # one id per character
print(f"{len(text):,} characters, vocabulary {len(tok)}; the last {VAL_FRACTION:.0%} is "
      f"held out, of which {len(held_ids):,} characters are read below")


def train_lm(cell, steps, embed, hidden, seed=0):
    """A character model Embedding -> one `cell` layer -> Linear, trained with Adam
    on 32 streams of the training text, 64 characters of truncated BPTT at a time."""
    mg.manual_seed(seed)
    lm = LanguageModel(len(tok), embed, hidden, cell=cell, dropout=DROPOUT)
    task = LMTask(train_ids, val_ids, batch_size=BATCH, seq_len=SEQ, max_val_tokens=5000)
    trainer = Trainer(lm, mg.optim.Adam(lm.parameters(), lr=LR), task, clip_norm=CLIP,
                      progress=not args.quick, log=lambda s: None)
    trainer.fit(None, max_steps=steps)
    return lm


if not args.checkpoint:
    t0 = time.perf_counter()
    model = train_lm("lstm", STEPS, EMBED, HIDDEN)
    trained_how = (f"trained here: {STEPS} steps of Adam (lr {LR:g}, clip {CLIP:g}, dropout "
                   f"{DROPOUT:g}) on {BATCH} x {SEQ} characters, "
                   f"{(time.perf_counter() - t0) / 60:.1f} min")
EMBED, HIDDEN = model.config["embed_dim"], model.config["hidden_size"]
t0 = time.perf_counter()
rnn_model = train_lm("rnn", STEPS, EMBED, HIDDEN)   # the tanh RNN, for the connectivity
rnn_minutes = (time.perf_counter() - t0) / 60
mg.manual_seed(1)
untrained = LanguageModel(len(tok), EMBED, HIDDEN, cell="lstm")
bits = {"trained LSTM": model.evaluate(held_ids)["bpc"],
        "trained tanh RNN": rnn_model.evaluate(held_ids)["bpc"],
        "untrained LSTM": untrained.evaluate(held_ids)["bpc"],
        "unigram": unigram_entropy_bits(train_ids, len(tok))}
print(f"LSTM {HIDDEN} units, {trained_how}; tanh RNN of the same size: {STEPS} steps, "
      f"{rnn_minutes:.1f} min")
print("held-out bits per character: " + ", ".join(f"{k} {v:.3f}" for k, v in bits.items()))


# %% Read the held-out text and record every gate and cell at every character
def read_along(lm, ids, chunk=1000):
    """One pass over ``ids`` as one stream (state carried from chunk to chunk), under
    ``record_states()``: name -> (len(ids), H) array for i, f, g, o, c, h."""
    parts, state = [], None
    with mg.nn.eval_mode(lm), mg.no_grad():
        for start in range(0, len(ids), chunk):
            with mg.nn.utils.record_states() as rec:
                _, state = lm.rnn(lm.embedding(ids[start:start + chunk].reshape(-1, 1)), state)
            parts.append(rec[lm.rnn][0])                   # layer 0: dict of (T, 1, H)
    return {k: np.concatenate([p[k][:, 0] for p in parts]) for k in parts[0]}


states = read_along(model, held_ids)
control = read_along(untrained, held_ids)


# %% What a reader can name: four quantities of the text, one value per character
def readable_quantities(text):
    """name -> (value at each character, mask of the characters it is judged on).

    Each is known from the text read so far (a cell could track it):
    quotes  1 inside "...", judged on every character but the quote marks themselves
    parens  1 inside (...), judged on every character but the parentheses
    column  the position in the line (0 at the newline)
    indent  the number of spaces the line started with, judged after them (on the
            rest of the line), so a cell must remember it
    A blank line resets quotes and parentheses (a span left open ends there)."""
    n = len(text)
    value = {k: np.zeros(n) for k in ("quotes", "parens", "column", "indent")}
    judged = {k: np.ones(n, bool) for k in value}
    inside, depth, column, lead, leading, prev = 0, 0, 0, 0, True, ""
    for k, ch in enumerate(text):
        if ch == "\n":
            column, lead, leading = 0, 0, True
            if prev == "\n":
                inside, depth = 0, 0
        else:
            column += 1
            if leading and ch == " ":
                lead += 1
            else:
                leading = False
        if ch == '"':
            inside, judged["quotes"][k] = 1 - inside, False
        if ch in "()":
            depth, judged["parens"][k] = max(0, depth + (1 if ch == "(" else -1)), False
        value["quotes"][k], value["parens"][k] = inside, depth > 0
        value["column"][k], value["indent"][k] = column, lead
        judged["indent"][k] = not leading and ch != "\n"
        prev = ch
    return {k: (value[k], judged[k]) for k in value}


def correlations(c, v):
    """Pearson r of every unit's c_t (columns of c) with the quantity v."""
    c, v = c - c.mean(axis=0), v - v.mean()
    return (c * v[:, None]).sum(axis=0) / np.sqrt((c * c).sum(axis=0) * (v * v).sum() + 1e-30)


def beyond_the_character(c, ids, fit):
    """c_t minus the mean c of the character being read (means over the ``fit``
    positions): what the cell holds beyond a reaction to its current input. A cell that
    only reacts to the character it reads (say, to letters, rarer inside quotes) is
    left with noise; one that carries the quantity from earlier characters is not."""
    means = np.zeros((int(ids.max()) + 1, c.shape[1]))
    for k in np.unique(ids[fit]):
        means[k] = c[fit & (ids == k)].mean(axis=0)
    return c - means[ids]


# %% Choose a cell per quantity on one half of the held-out text, report on the other
quantities = readable_quantities(held_text)
choose = (np.arange(len(held_text)) // BLOCK) % 2 == 0     # blocks 0, 2, 4, ...: choose
memory = beyond_the_character(states["c"], held_ids, choose)
control_memory = beyond_the_character(control["c"], held_ids, choose)
cells = {}
print(f"\nReadable cells. Criterion: the Pearson r of c_t, less the mean c of the character "
      f"being read, with the quantity;\nthe unit with the largest |r| on the even "
      f"{BLOCK}-character blocks of held-out text is chosen, and r measured again on the odd "
      f"blocks.\nReadable: |r| >= {MIN_R} there and >= {CHANCE_FACTOR:g} x the best cell of "
      "an untrained LSTM (chosen the same way)")
print(f"{'quantity':>8} {'unit':>5} {'r (chosen on)':>14} {'r (held out)':>13} "
      f"{'untrained best, held out':>25} {'mean f':>7} {'readable':>9}")
for name, (v, judged) in quantities.items():
    pick, report = choose & judged, ~choose & judged
    r_pick = correlations(memory[pick], v[pick])
    unit = int(np.argmax(np.abs(r_pick)))
    r_report = float(correlations(memory[report], v[report])[unit])
    c_pick = correlations(control_memory[pick], v[pick])
    c_unit = int(np.argmax(np.abs(c_pick)))
    c_report = float(correlations(control_memory[report], v[report])[c_unit])
    cells[name] = dict(unit=unit, r_chosen=float(r_pick[unit]), r_held_out=r_report,
                       untrained_r_held_out=c_report, untrained_unit=c_unit,
                       mean_f=float(states["f"][:, unit].mean()),
                       readable=abs(r_report) >= max(MIN_R, CHANCE_FACTOR * abs(c_report)))
    print(f"{name:>8} {unit:5d} {r_pick[unit]:+14.2f} {r_report:+13.2f} {c_report:+25.2f} "
          f"{cells[name]['mean_f']:7.2f} {'yes' if cells[name]['readable'] else 'no':>9}")


# %% A passage to look at, chosen by rule: on report blocks, the richest in quotes and parentheses
PASSAGE = 360
starts = [k for k in range(1, len(held_text) - PASSAGE) if held_text[k - 1] == "\n"
          and (k // BLOCK) % 2 == 1 and (k + PASSAGE - 1) // BLOCK == k // BLOCK]
start = max(starts, key=lambda k: sum(held_text[k:k + PASSAGE].count(ch) for ch in '"()'))
passage = slice(start, start + PASSAGE)
print(f"\npassage: held-out characters {start}..{start + PASSAGE} (the {PASSAGE}-character "
      f"window starting a line in a report block with the most quote marks and parentheses)")

# %% The gates over the start of the passage, unit by unit (units sorted by mean f)
GATE_CHARS = 96
shown = slice(start, start + GATE_CHARS)
order = np.argsort(-states["f"].mean(axis=0))            # most-remembering units on top
SHOWN = {"\n": "\\n", " ": "\u2423"}                 # how the ticks show them
labels = [SHOWN.get(ch, ch) for ch in held_text[shown]]
GATES = {"f": "forget gate", "i": "input gate", "o": "output gate"}
fig = Figure(figsize=(13, 8))
axes = fig.subplots(3, 1, sharex=True)
for ax, gate in zip(axes, ("f", "i", "o")):
    im = ax.imshow(states[gate][shown][:, order].T, aspect="auto", cmap="viridis", vmin=0,
                   vmax=1, interpolation="nearest")
    ax.set_ylabel(f"{GATES[gate]} {gate}_t\nunit (by mean f)", fontsize=9)
    ax.set_yticks([])
fig.colorbar(im, ax=axes, fraction=0.02, pad=0.01, label="gate activation")
axes[2].set_xticks(range(GATE_CHARS), labels, fontfamily="monospace", fontsize=8)
fig.suptitle(f"A trained character LSTM ({HIDDEN} units) reading held-out text: its gates, "
             "character by character", fontsize=11)
fig.savefig(out / NAME / "gates.png", dpi=100, bbox_inches="tight")


# %% The chosen cells over the whole passage: each character coloured by c_t
def draw_text(ax, text, values, title):
    """``text`` laid out as lines of monospace characters, each on a background
    coloured by its value in [-1, 1] (blue negative, red positive)."""
    cmap = colormaps["RdBu_r"]
    row = col = 0
    for ch, v in zip(text, values):
        ax.add_patch(Rectangle((col, -row - 1), 1, 1, color=cmap(0.5 + 0.5 * v), lw=0))
        if ch not in "\n ":
            ax.text(col + 0.5, -row - 0.5, ch, ha="center", va="center", fontsize=7.5,
                    fontfamily="monospace")
        row, col = (row + 1, 0) if ch == "\n" else (row, col + 1)
    ax.set_xlim(0, 80)
    ax.set_ylim(-row - 1, 0)
    ax.set_axis_off()
    ax.set_title(title, fontsize=9, loc="left")


fig = Figure(figsize=(9.5, 2.0 * len(cells) + 0.4))
axes = fig.subplots(len(cells), 1)
for ax, (name, cell) in zip(axes, cells.items()):
    c = states["c"][:, cell["unit"]]
    scale = np.quantile(np.abs(c), 0.99)                 # the cell's range on held-out text
    draw_text(ax, held_text[passage], np.clip(c[passage] / scale, -1, 1),
              f"cell {cell['unit']}: {name}, r = {cell['r_held_out']:+.2f} on held-out blocks")
fig.suptitle("The chosen cells' c_t over the passage (red positive, blue negative)", fontsize=10)
fig.tight_layout()
fig.savefig(out / NAME / "cells.png", dpi=110)


# %% How often is each gate shut (< 0.1) or wide open (> 0.9)? One dot per unit
SHUT, OPEN = 0.1, 0.9        # Karpathy et al.'s left- and right-saturation thresholds
saturation = {}
fig = Figure(figsize=(11, 3.8))
axes = fig.subplots(1, 3, sharex=True, sharey=True)
for ax, (gate, title) in zip(axes, GATES.items()):
    for who, rec, colour in (("untrained", control, "#bbbbbb"), ("trained", states, "#2166ac")):
        shut, wide = (rec[gate] < SHUT).mean(axis=0), (rec[gate] > OPEN).mean(axis=0)
        ax.scatter(shut, wide, s=10, color=colour, alpha=0.8, label=f"{who} LSTM")
        saturation[f"{who} {gate}"] = dict(mostly_open=int((wide > 0.5).sum()),
                                           mostly_shut=int((shut > 0.5).sum()),
                                           mean=float(rec[gate].mean()))
    ax.plot([0, 1], [1, 0], color="#999999", lw=0.8, ls=":")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(f"fraction of characters with gate < {SHUT}")
    ax.grid(alpha=0.3)
axes[0].set_ylabel(f"fraction with gate > {OPEN}")
axes[0].legend(fontsize=8, loc="upper right")
fig.suptitle(f"Gate saturation per unit over {len(held_ids):,} held-out characters "
             "(as in Karpathy, Johnson & Fei-Fei 2015)", fontsize=10)
fig.tight_layout()
fig.savefig(out / NAME / "saturation.png", dpi=110)
counts = {k: f"{v['mostly_open']} / {v['mostly_shut']}" for k, v in saturation.items()}
print(f"\nunits (of {HIDDEN}) with the gate > {OPEN} / < {SHUT} on more than half the "
      "characters: " + ", ".join(f"{g}: trained {counts['trained ' + g]}, untrained "
                                 f"{counts['untrained ' + g]}" for g in GATES))


# %% The gates of the clearest readable cell, character by character
def clearness(cell):
    return abs(cell["r_held_out"]) / max(abs(cell["untrained_r_held_out"]), 1e-9)


best_name = max(cells, key=lambda k: (cells[k]["readable"], clearness(cells[k])))
best = cells[best_name]
value = quantities[best_name][0]
WINDOW = 110                 # the stretch of the passage where the quantity changes most
flips = np.abs(np.diff(value[passage])) > 0
w0 = start + max(range(PASSAGE - WINDOW), key=lambda k: flips[k:k + WINDOW].sum())
window = slice(w0, w0 + WINDOW)
u = best["unit"]
fig = Figure(figsize=(13, 5.2))
top, bottom = fig.subplots(2, 1, sharex=True)
scale = np.quantile(np.abs(states["c"][:, u]), 0.99)
top.plot(states["c"][window, u] / scale, color="#d7191c", lw=1.6, label=f"c_t of cell {u}")
top.plot(value[window] / max(value[window].max(), 1), color="#555555", ls="--", lw=1,
         label=f"{best_name} (scaled to [0, 1])")
top.axhline(0, color="#999999", lw=0.6)
top.set_ylabel("c_t / its range")
top.legend(fontsize=8, loc="upper right")
for gate, colour in (("f", "#2166ac"), ("i", "#1a9641"), ("o", "#fdae61")):
    bottom.plot(states[gate][window, u], color=colour, lw=1.4, label=f"{gate}_t")
bottom.set_ylim(-0.05, 1.05)
bottom.set_ylabel(f"gates of cell {u}")
bottom.legend(fontsize=8, loc="lower right", ncol=3)
bottom.set_xticks(range(WINDOW), [SHOWN.get(ch, ch) for ch in held_text[window]],
                  fontfamily="monospace", fontsize=8)
bottom.set_xlim(-0.5, WINDOW - 0.5)
fig.suptitle(f"How cell {u} tracks '{best_name}': c_t = f_t c_(t-1) + i_t g_t, "
             f"r = {best['r_held_out']:+.2f} on held-out text", fontsize=10)
fig.tight_layout()
fig.savefig(out / NAME / "mechanism.png", dpi=110, bbox_inches="tight")

# the same cell's gates, averaged over all held-out text: where does it write, where hold?
marks = np.array([ch in {"quotes": '"', "parens": "()"}.get(best_name, "\n")
                  for ch in held_text])
held = ~marks & (value > 0)
MARK_NAMES = {"quotes": "quote marks", "parens": "parentheses"}
where = {f"at the {MARK_NAMES.get(best_name, 'newlines')}": marks,
         f"between them, {best_name} > 0": held, f"elsewhere ({best_name} = 0)": ~marks & ~held}
gate_means = {k: {g: float(states[g][m, u].mean()) for g in "fio"}
              for k, m in where.items() if m.any()}
print(f"\ncell {u}'s gates, mean over the held-out text:")
for k, g in gate_means.items():
    print(f"  {k:>30}: f {g['f']:.2f}  i {g['i']:.2f}  o {g['o']:.2f}")

# %% Connectivity: which earlier characters each prediction leans on, tanh RNN against LSTM
# A[t, s] = ||d logit_t(true next character) / d embedded input s|| (Madsen, "Visualizing
# memorization in RNNs", Distill 2019): mg.nn.utils.connectivity, drawn by mg.viz.
def logits_from_embedded(lm):
    """The model from its embedded inputs (T, B, E) to logits (T, B, V), from a fresh
    state: what ``connectivity`` differentiates."""
    def forward(e):
        hidden, _ = lm.rnn(e)
        steps, batch, size = hidden.shape
        return lm.decoder(hidden.reshape(steps * batch, size)).reshape(steps, batch, -1)
    return forward


CONNECT = 80 if args.quick else 200      # characters of the passage measured ...
DRAWN = 60 if args.quick else 100         # ... and drawn (A is causal: A[:n, :n] is exact)
span = held_ids[start:start + CONNECT + 1]
connect_text = held_text[start:start + CONNECT + 1]
reach, profile = {}, {}
for label, lm in (("tanh RNN", rnn_model), ("LSTM", model)):
    with mg.nn.eval_mode(lm):
        A = mg.nn.utils.connectivity(logits_from_embedded(lm), lm.embedding(span[:-1]),
                                     span[1:])
    key = "rnn" if label == "tanh RNN" else "lstm"
    mg.viz.connectivity_heatmap(A[:DRAWN, :DRAWN], connect_text[:DRAWN + 1],
                                out / NAME / f"connectivity_{key}.png",
                                title=f"Connectivity of the trained {label} ({HIDDEN} units)")
    mg.viz.connectivity_html(A, connect_text, out / NAME / f"connectivity_{key}.html",
                             title=f"Connectivity of the trained {label}: hover a character")
    rows = A / np.maximum(A.max(axis=1, keepdims=True), 1e-30)        # each row / its max
    lag = np.arange(CONNECT)[:, None] - np.arange(CONNECT)[None, :]    # t - s
    profile[label] = [float(rows[lag == k].mean()) for k in range(40)]
    far = (A * (lag >= 10)).sum(axis=1)[10:] / A.sum(axis=1)[10:]
    reach[label] = dict(share_10_back=float(far.mean()),
                        mean_lag=float(((A * lag * (lag >= 0)).sum(axis=1) / A.sum(axis=1)).mean()))
print(f"\nconnectivity over {CONNECT} characters of the passage:")
for label, r in reach.items():
    print(f"  {label:>8}: share of the gradient from 10 or more characters back "
          f"{r['share_10_back']:.3f}, mean lag {r['mean_lag']:.1f} characters")
fig = Figure(figsize=(6.5, 3.8))
ax = fig.subplots()
for label, colour in (("tanh RNN", "#d7191c"), ("LSTM", "#2166ac")):
    ax.plot(profile[label], color=colour, marker="o", ms=3, lw=1.4, label=label)
ax.set_yscale("log")
ax.set_xlabel("lag t - s (characters back from the prediction)")
ax.set_ylabel("A[t, s] / max_s A[t, s], mean over t")
ax.set_title("How far back predictions reach: trained tanh RNN and LSTM", fontsize=10)
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=9)
fig.tight_layout()
fig.savefig(out / NAME / "connectivity_lag.png", dpi=110)


# %% Write the section of RESULTS.md and the headline numbers
elapsed = time.perf_counter() - started
command = f"OPENBLAS_NUM_THREADS=1 python examples/{NAME}.py" + (" --quick" if args.quick else "") \
    + (f" --checkpoint {args.checkpoint}" if args.checkpoint else "")
found = [k for k, c in cells.items() if c["readable"]]
missed = [k for k in cells if k not in found]
at_marks, between = list(gate_means.values())[:2]
holds = between["f"] > at_marks["f"]
mark_name = MARK_NAMES.get(best_name, "newlines")
mechanism = (f"Cell {u} ({best_name}) does it with its forget gate, as c_t = f_t c_(t-1) + "
             f"i_t g_t suggests: between the {mark_name} f averages {between['f']:.2f}, at them "
             f"{at_marks['f']:.2f}: the cell carries its value across the stretch and drops "
             f"it at the {mark_name}." if holds else
             f"Cell {u}'s forget gate ({best_name}) is not higher between the {mark_name} than "
             f"at them (f {between['f']:.2f} against {at_marks['f']:.2f}): it does not simply "
             "carry its value across the stretch.")
rnn_far, lstm_far = reach["tanh RNN"]["share_10_back"], reach["LSTM"]["share_10_back"]
reach_sentence = (
    f"Both lean mostly on the last few characters, but the LSTM's reach falls off far more "
    f"slowly: {lstm_far:.1%} of its gradient comes from 10 or more characters back, against "
    f"{rnn_far:.1%} for the tanh RNN; 30 characters back the mean row-scaled connectivity "
    f"is {profile['LSTM'][30]:.0e} against {profile['tanh RNN'][30]:.0e}. Lesson 06's "
    "vanishing gradient, in trained models." if lstm_far > rnn_far else
    f"Here the LSTM does not reach further back than the tanh RNN ({lstm_far:.1%} of its "
    f"gradient from 10 or more characters back, against {rnn_far:.1%}).")


def table(header, rows):
    """A Markdown table: the header's cells, then one row per tuple of cells."""
    lines = [header, "|---" * (header.count("|") - 1) + "|"]
    return "\n".join(lines + ["| " + " | ".join(map(str, r)) + " |" for r in rows])


switches = sum(saturation[f"trained {g}"][k] for g in GATES for k in ("mostly_open", "mostly_shut"))
bits_table = table("| model | held-out bits per character |",
                   [(k, f"{v:.3f}") for k, v in bits.items()])
saturation_table = table(
    "| gate | trained: mostly open | trained: mostly shut | trained: mean "
    "| untrained: mostly open | untrained: mostly shut |",
    [(GATES[g], t["mostly_open"], t["mostly_shut"], f"{t['mean']:.2f}", n["mostly_open"],
      n["mostly_shut"])
     for g, t, n in ((g, saturation["trained " + g], saturation["untrained " + g]) for g in GATES)])
cells_table = table(
    "| quantity | cell | r (chosen on) | r (held-out blocks) | untrained best (held-out blocks) "
    "| mean f of the cell | readable |",
    [(k, c["unit"], f"{c['r_chosen']:+.2f}", f"{c['r_held_out']:+.2f}",
      f"{c['untrained_r_held_out']:+.2f}", f"{c['mean_f']:.2f}", "yes" if c["readable"] else "no")
     for k, c in cells.items()])
gates_table = table("| where | mean f | mean i | mean o |",
                    [(k, *(f"{g[x]:.2f}" for x in "fio")) for k, g in gate_means.items()])
reach_table = table(
    "| model | held-out bits/char | share of the gradient from >= 10 characters back "
    "| mean lag (characters) |",
    [(k, f"{bits['trained ' + k]:.3f}", f"{r['share_10_back']:.3f}", f"{r['mean_lag']:.1f}")
     for k, r in reach.items()])
section = f"""## 09. The gates at work

`{command}`: {elapsed / 60:.1f} min on this machine ({os.cpu_count()} CPU cores,
{platform.machine()}, shared with other jobs: load average {load_at_start:.1f} when it
started).

A character LSTM (embedding {EMBED}, {HIDDEN} units, one layer), {trained_how}, on
Python's own documentation (`pydoc_data.topics`, {len(text):,} characters), and a tanh
RNN of the same size trained the same way. Everything below reads the first
{len(held_ids):,} characters of the held-out tail (the last {VAL_FRACTION:.0%}) as one
stream, `mg.nn.utils.record_states()` recording i, f, g, o, c and h at every character.

{bits_table}

**The gates** of every unit (sorted by mean forget gate) over the start of a passage
chosen by rule (the {PASSAGE}-character window of the report blocks below that starts a
line and holds the most quote marks and parentheses):

![gates over a passage](lessons/{NAME}/gates.png)

How often each unit's gate is shut (< {SHUT}) or wide open (> {OPEN}), the saturation
picture of Karpathy, Johnson & Fei-Fei ("Visualizing and Understanding Recurrent
Networks", 2015): units (of {HIDDEN}) beyond the threshold on more than half the characters.

{saturation_table}

![gate saturation per unit](lessons/{NAME}/saturation.png)

Untrained, no gate is saturated (all hover near 0.5); trained, {switches} of the
{3 * HIDDEN} gates sit at 0 or 1 on most characters: switches more than dials. A forget
gate mostly open keeps its cell's value from character to character (an integrator);
one mostly shut starts afresh at almost every character.

**Readable cells, chosen by a printed criterion.** Four quantities a reader can name,
each known from the text read so far: inside "..." (judged off the quote marks), inside
(...) (judged off the parentheses), the position in the line, and the line's indentation
(judged after the leading spaces, so that it must be remembered). The criterion:
Pearson's r between the quantity and c_t *less the mean c of the character being read*
(a cell that merely reacts to its current input, e.g. to letters, which are rarer inside
quotes, scores nothing). The held-out text is cut into {BLOCK}-character blocks: the
cell with the largest |r| on the even blocks is chosen, and r measured again on the odd
ones. The same for an untrained LSTM gives the chance level. Readable: |r| >= {MIN_R}
on the odd blocks and at least {CHANCE_FACTOR:g} times the untrained best.

{cells_table}

![the chosen cells over the passage](lessons/{NAME}/cells.png)

The clearest cell ({best_name}, cell {u}) at work, and its gates averaged over all
{len(held_ids):,} held-out characters:

![the gates of the clearest cell](lessons/{NAME}/mechanism.png)

{gates_table}

Reproduced: {", ".join(found) or "none of the four"} (Karpathy et al. show such cells
in their models). Not reproduced: {", ".join(missed) or "nothing"}; no cell of this
model reached the criterion there (what was tried: the same criterion on c_t itself and
on models trained for 2,500 and 5,000 steps without dropout, and on the demo's 256-unit
model, found no clearer cells: |r| at most 0.49 for quotes, 0.37 for the other three).
Their models were larger and trained far longer, on 3 to 6 million characters (War and
Peace, the Linux kernel); this one trains for minutes on under half a million. {mechanism}

**Connectivity, tanh RNN against LSTM.** A[t, s] = ||d logit_t(true next character) /
d x_s||, x_s the embedded input s (Madsen, "Visualizing memorization in RNNs", Distill
2019), by `mg.nn.utils.connectivity` over the first {CONNECT} characters of the
passage, from a zero state, each row scaled to its largest entry. The heatmaps show the
first {DRAWN} characters; the pages ([RNN](lessons/{NAME}/connectivity_rnn.html),
[LSTM](lessons/{NAME}/connectivity_lstm.html): hover a character, and the text before it
turns red by how much it mattered) all {CONNECT}.

{reach_table}

![connectivity against the lag](lessons/{NAME}/connectivity_lag.png)

![connectivity of the tanh RNN](lessons/{NAME}/connectivity_rnn.png)
![connectivity of the LSTM](lessons/{NAME}/connectivity_lstm.png)

{reach_sentence}
"""
(out / f"{NAME}.md").write_text(section)
summary = {"quick": args.quick, "elapsed_s": round(elapsed, 1), "hidden": HIDDEN,
           "steps": None if args.checkpoint else STEPS, "checkpoint": args.checkpoint,
           "bits": bits, "cells": cells, "min_r": MIN_R, "chance_factor": CHANCE_FACTOR,
           "best": dict(name=best_name, unit=u, gates=gate_means, holds=bool(holds)),
           "saturation": saturation, "passage_start": start,
           "connectivity": dict(characters=CONNECT, reach=reach, profile=profile)}
(out / f"{NAME}.json").write_text(json.dumps(summary, indent=1))
print(f"\n{elapsed:.0f} s; wrote {out / NAME}.md, {out / NAME}.json and {out / NAME}/*.png")
