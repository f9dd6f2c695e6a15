"""The main demo (``python -m models demo --out DIR``, or ``make demo``).

1. trains a character LSTM on the documentation text every Python ships
   (``pydoc_data.topics``) for about two minutes, with a progress bar;
2. prints the validation loss in bits per character next to the unigram baseline
   (the entropy of the character distribution: what a model that ignores context
   scores), and text generated from a seed;
3. draws the unrolled graph of a short sequence through the trained model, gradient
   norms painted on the edges (``mg.viz``);
4. plots the loss curves and the gradient norm per time step (trained LSTM against an
   untrained vanilla RNN of the same size: the vanishing gradient, seen);
and leaves all of it (checkpoint included, for ``python -m models generate``) in DIR.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from models import plots
from models.commands import PROG, say
from models.commands.train_lm import train_lm
from models.lm import LanguageModel, grad_norm_per_step

#: the settings of the demo's model and training: tuned so that two minutes on two CPU
#: cores give a validation loss far below the unigram baseline (see the README)
DEMO_SETTINGS = dict(level="char", cell="lstm", embed=64, hidden=256, layers=1, dropout=0.0,
                     tie=False, seq_len=64, batch_size=64, lr=3e-3, clip=1.0,
                     val_fraction=0.1, min_freq=1, max_vocab=None, lower=False,
                     max_val_tokens=None, patience=None, epochs=None, max_steps=None,
                     text=None, resume=False, embeddings=None, freeze_embeddings=False,
                     max_train_tokens=None)


def run(a: argparse.Namespace) -> dict:
    out = a.out
    args = argparse.Namespace(**DEMO_SETTINGS, out=out, minutes=a.minutes, seed=a.seed,
                              quiet=a.quiet)
    say(f"== minigrad demo: a character LSTM trained for {a.minutes:g} minutes ==")
    s = train_lm(args)
    model, tok, val_ids = s["model"], s["tokenizer"], s["val_ids"]

    say("")
    say(f"validation loss: {s['val_bits']:.3f} bits per character "
        f"(unigram baseline: {s['unigram_bits']:.3f} bits per character; "
        f"{s['steps']} steps)")
    rng = np.random.default_rng(a.seed)
    for seed, n in (("The ", 300), ("def ", 200)):
        text = model.generate(tok, seed, n, temperature=0.7, rng=rng)
        say(f"\ngenerated from {seed!r} (temperature 0.7):\n{seed}{text}")
    words = model.generate(tok, "The list ", 10, temperature=0.7, rng=rng, unit="words")
    say(f"\nthe next 10 words after 'The list ': The list {words}")

    # the unrolled graph of a short sequence, gradient norms on the edges
    say("")
    graph_files = draw_graphs(model, tok, out)

    # the plots (train_lm wrote loss.png)
    x = val_ids[:101]
    xs, ys = x[:-1].reshape(-1, 1), x[1:].reshape(-1, 1)
    mg.manual_seed(a.seed)
    fresh_rnn = LanguageModel(len(tok), 64, model.config["hidden_size"], cell="rnn")
    fresh_lstm = LanguageModel(len(tok), 64, model.config["hidden_size"], cell="lstm")
    norms = {"LSTM, trained": grad_norm_per_step(model, xs, ys),
             "LSTM, untrained": grad_norm_per_step(fresh_lstm, xs, ys),
             "vanilla RNN, untrained": grad_norm_per_step(fresh_rnn, xs, ys)}
    plots.grad_norm_plot(norms, os.path.join(out, "grad_norms.png"))
    say(f"\neverything is in {os.path.abspath(out)}/:")
    for name in ["checkpoint.mg", "tokenizer.json", "history.json", "loss.png",
                 "grad_norms.png", *graph_files]:
        if os.path.exists(os.path.join(out, name)):
            say(f"  {name}")
    say(f"more text: {PROG} generate --checkpoint {out} --seed \"The \" --words 10")
    return s


def draw_graphs(model: LanguageModel, tok, out: str) -> list[str]:
    """The unrolled graph of 5 characters through the model, drawn twice: every op,
    and one box per time step; edges labelled with gradient norms."""
    ids = tok.encode("def f")
    x, y = ids[:-1].reshape(-1, 1), ids[1:].reshape(-1, 1)
    with mg.nn.eval_mode(model):
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, model.vocab_size), y.reshape(-1))
    with mg.autograd.record_grad_norms():
        loss.backward()
    model.zero_grad()
    files = []
    for name, kw in (("graph.svg", {}), ("graph_steps.svg", {"collapse": True})):
        try:
            mg.viz.save(loss, os.path.join(out, name), params=model, show_grad=True, **kw)
            files.append(name)
        except (RuntimeError, OSError) as e:  # e.g. Graphviz's dot missing
            say(f"(graph not drawn: {e})")
            dot = os.path.join(out, name.replace(".svg", ".dot"))
            mg.viz.save(loss, dot, params=model, show_grad=True, **kw)
            files.append(os.path.basename(dot))
            break
    say(f"drew the unrolled graph of {len(ids) - 1} steps ('def f'): "
        f"{', '.join(files)} (every op; one box per time step)")
    return files
