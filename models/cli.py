"""The command line: ``python -m models COMMAND ...`` (``--help`` on each).

    train-lm   train a character or word language model on a text file (default: the
               documentation text every Python ships), checkpoints in --out
    generate   continue a seed text with a trained language model
    forecast   train a forecaster on the yearly sunspot numbers, plot the forecast
    classify   train a sequence classifier on scikit-learn's digits (rows as steps)
    demo       the main demo: a character LSTM in about two minutes, generated text,
               the unrolled graph and the plots

Mistakes (a bad option, a missing or non-UTF-8 file, a missing checkpoint) end with
one line on stderr and exit status 2; Ctrl-C during training saves a checkpoint first.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from typing import Any, Sequence

import numpy as np

from models.optional import MissingDependency, require

PROG = "python -m models"


class CLIError(Exception):
    """A user's mistake: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# ------------------------------------------------------------------ helpers
def _positive(kind: type):
    def check(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    check.__name__ = f"positive {kind.__name__}"
    return check


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def read_text_arg(path: str | None) -> str:
    from models.data import load_text  # noqa: PLC0415
    try:
        text = load_text(path)
    except (OSError, ValueError) as e:
        raise CLIError(str(e)) from None
    if len(text) < 3:
        raise CLIError(f"{path}: the text is too short to train on ({len(text)} characters)")
    return text


def tokenizer_from_dict(d: dict):
    from models.data import CharTokenizer, Vocab, WordTokenizer  # noqa: PLC0415
    kinds = {"char": CharTokenizer, "word": WordTokenizer}
    if d.get("kind") not in kinds:
        raise CLIError(f"unknown tokenizer kind {d.get('kind')!r} in the checkpoint")
    return kinds[d["kind"]](**d.get("options", {}), vocab=Vocab.from_dict(d["vocab"]))


def checkpoint_file(path: str) -> str:
    """A checkpoint file, or the checkpoint.mg inside a run folder."""
    if os.path.isdir(path):
        path = os.path.join(path, "checkpoint.mg")
    if not os.path.isfile(path):
        raise CLIError(f"no checkpoint at {path} (train one first: {PROG} train-lm --out DIR)")
    return path


def load_lm(path: str):
    """(model, tokenizer, checkpoint) from a train-lm checkpoint file or folder."""
    from models.checkpoint import load_checkpoint  # noqa: PLC0415
    from models.lm import LanguageModel  # noqa: PLC0415
    path = checkpoint_file(path)
    try:
        ckpt = load_checkpoint(path)
    except (OSError, ValueError) as e:
        raise CLIError(str(e)) from None
    extra = ckpt["extra"]
    if extra.get("kind") != "lm":
        raise CLIError(f"{path} is not a language model checkpoint "
                       f"(it holds {extra.get('kind') or 'something else'})")
    model = LanguageModel.from_config(json.loads(extra["config"]))
    model.load_state_dict(ckpt["model"])
    return model, tokenizer_from_dict(json.loads(extra["tokenizer"])), ckpt


def _write_json(path: str, obj: Any) -> None:
    from models.data._io import atomic_write_json  # noqa: PLC0415
    atomic_write_json(path, obj)


def _say(*args: Any) -> None:
    print(*args, flush=True)


# ------------------------------------------------------------------ train-lm
LM_SETTINGS = ("level", "cell", "embed", "hidden", "layers", "dropout", "tie", "seq_len",
               "batch_size", "lr", "clip", "val_fraction", "min_freq", "max_vocab", "lower",
               "max_val_tokens", "seed")


def train_lm(a: argparse.Namespace, banner: bool = True) -> dict:
    """Train (or resume) a language model; returns a summary dict (also for the demo)."""
    import minigrad as mg  # noqa: PLC0415
    import minigrad.optim  # noqa: PLC0415, F401
    from models import plots  # noqa: PLC0415
    from models.data import CharTokenizer, WordTokenizer, split_train_val  # noqa: PLC0415
    from models.lm import LanguageModel, LMTask, unigram_entropy_bits  # noqa: PLC0415
    from models.train import Trainer  # noqa: PLC0415

    if a.epochs is None and a.minutes is None and a.max_steps is None:
        a.epochs = 5
    text = read_text_arg(a.text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, "checkpoint.mg")
    saved = None
    if a.resume:
        model, tok, ckpt = load_lm(ckpt_path)
        saved = json.loads(ckpt["extra"]["settings"])
        if ckpt["extra"].get("text_sha256") != digest:
            raise CLIError(f"--resume: the text differs from the one the run in {a.out} "
                           f"was trained on")
        for k in LM_SETTINGS:  # the run goes on with its own settings
            setattr(a, k, saved[k])
    mg.manual_seed(a.seed)
    if not a.resume:
        tok = (CharTokenizer() if a.level == "char" else WordTokenizer(lower=a.lower))
        tok.fit(text, min_freq=a.min_freq, max_size=a.max_vocab)
    ids = tok.encode(text)
    try:
        train_ids, val_ids = split_train_val(ids, a.val_fraction)
        if len(train_ids) < 2 * a.batch_size + 2:
            raise ValueError(f"{len(train_ids)} training tokens are too few for "
                             f"--batch-size {a.batch_size}")
        task = LMTask(train_ids, val_ids, batch_size=a.batch_size, seq_len=a.seq_len,
                      max_val_tokens=a.max_val_tokens)
        if not a.resume:
            model = LanguageModel(len(tok), a.embed, a.hidden, a.layers, a.cell, a.dropout,
                                  a.tie)
    except ValueError as e:
        raise CLIError(str(e)) from None
    settings = {k: getattr(a, k) for k in LM_SETTINGS}
    optimizer = mg.optim.Adam(model.parameters(), lr=a.lr)
    extra = {"kind": "lm", "config": json.dumps(model.config),
             "tokenizer": json.dumps(tok.to_dict()), "settings": json.dumps(settings),
             "text": a.text or "<pydoc_data.topics>", "text_sha256": digest}
    trainer = Trainer(model, optimizer, task, clip_norm=a.clip, patience=a.patience,
                      out_dir=a.out, extra=extra, progress=not a.quiet, log=_say)
    if a.resume:
        trainer.resume(ckpt_path)
    baseline = unigram_entropy_bits(train_ids, len(tok))
    unit = "char" if a.level == "char" else "token"
    if banner:
        n_params = sum(p.numel() for p in model.parameters())
        _say(f"{'resuming' if a.resume else 'training'} a {a.level}-level {a.cell.upper()} "
             f"({a.layers} x {a.hidden}, {n_params:,} parameters) on {len(train_ids):,} "
             f"{unit}s ({a.text or 'pydoc_data.topics'}), vocabulary {len(tok)}; "
             f"validation {len(val_ids):,} {unit}s")
    tok.save(os.path.join(a.out, "tokenizer.json"))
    trainer.fit(a.epochs, max_steps=a.max_steps,
                max_minutes=a.minutes)
    last = trainer.history[-1] if trainer.history else {}
    summary = {"val_loss": last.get("val_loss"), "val_bits": last.get("val_bpc"),
               "unigram_bits": baseline, "steps": trainer.step, "epochs": trainer.epoch,
               "level": a.level, "out": a.out}
    _write_json(os.path.join(a.out, "history.json"), trainer.history)
    if trainer.history:
        plots.loss_curves(trainer.history, os.path.join(a.out, "loss.png"),
                          step_losses=trainer.step_losses, bits=True,
                          unit="character" if a.level == "char" else "word",
                          title=f"{a.cell.upper()} {a.level}-level language model")
    if summary["val_bits"] is not None:
        _say(f"validation: {summary['val_bits']:.3f} bits per {unit} "
             f"(perplexity {np.exp(summary['val_loss']):.2f}); unigram baseline "
             f"{baseline:.3f} bits per {unit}")
    summary.update(model=model, tokenizer=tok, trainer=trainer, val_ids=val_ids)
    return summary


def cmd_train_lm(a: argparse.Namespace) -> None:
    s = train_lm(a)
    seed = "The " if s["level"] == "char" else "the"
    more = s["model"].generate(s["tokenizer"], seed, 200 if s["level"] == "char" else 40,
                               temperature=0.8)
    _say(f"sample: {seed}{more}")
    _say(f"checkpoint, tokenizer, history and loss plot in {a.out}/ "
         f"(generate with: {PROG} generate --checkpoint {a.out} --seed \"...\" --words 10)")


# ------------------------------------------------------------------ generate
def cmd_generate(a: argparse.Namespace) -> None:
    model, tok, _ = load_lm(a.checkpoint)
    if a.chars is not None and a.words is not None:
        raise CLIError("give --words or --chars, not both")
    if a.chars is not None:
        if tok.kind != "char":
            raise CLIError("--chars needs a character-level model (this one is word-level: "
                           "use --words)")
        n, unit = a.chars, "tokens"
    else:
        n, unit = (a.words if a.words is not None else 10), "words"
    try:
        more = model.generate(tok, a.seed, n, temperature=a.temperature, top_k=a.top_k,
                              rng=a.sample_seed, unit=unit)
    except ValueError as e:
        raise CLIError(str(e)) from None
    _say(a.seed + more)


# ------------------------------------------------------------------ forecast / classify
def cmd_forecast(a: argparse.Namespace) -> None:
    from models.tasks import run_forecast  # noqa: PLC0415
    run_forecast(a, _say)


def cmd_classify(a: argparse.Namespace) -> None:
    from models.tasks import run_classify  # noqa: PLC0415
    run_classify(a, _say)


def cmd_demo(a: argparse.Namespace) -> None:
    from models.demo import run_demo  # noqa: PLC0415
    run_demo(a, _say)


# ------------------------------------------------------------------ the parser
def _training_options(p: argparse.ArgumentParser, epochs: int | None, lr: float, hidden: int,
                      cell: str = "lstm") -> None:
    p.add_argument("--cell", choices=("lstm", "gru", "rnn"), default=cell,
                   help="recurrent cell (default: %(default)s)")
    p.add_argument("--hidden", type=_positive(int), default=hidden,
                   help="hidden units per layer (default: %(default)s)")
    p.add_argument("--layers", type=_positive(int), default=1,
                   help="stacked recurrent layers (default: %(default)s)")
    p.add_argument("--epochs", type=_positive(int), default=epochs,
                   help="epochs (default: %s)" % (epochs or "5, or no limit with "
                                                  "--minutes / --max-steps"))
    p.add_argument("--lr", type=_positive(float), default=lr,
                   help="Adam's learning rate (default: %(default)s)")
    p.add_argument("--clip", type=_positive(float), default=1.0,
                   help="clip the gradient norm to this (default: %(default)s)")
    p.add_argument("--patience", type=_positive(int), default=None,
                   help="early stopping: epochs without a better validation loss")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Sequence models built on minigrad.",
                     epilog=f"Start with: {PROG} demo --out out/demo")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("train-lm", help="train a character or word language model",
                       description="Train a language model (Embedding -> RNN/LSTM/GRU -> "
                       "Linear) with truncated BPTT; checkpoints go to --out.")
    p.add_argument("--text", metavar="FILE", default=None,
                   help="a UTF-8 text file (default: Python's pydoc_data.topics text)")
    p.add_argument("--out", metavar="DIR", default="runs/lm", help="run folder (default: "
                   "%(default)s)")
    p.add_argument("--level", choices=("char", "word"), default="char",
                   help="tokens are characters or words (default: %(default)s)")
    _training_options(p, epochs=None, lr=3e-3, hidden=256)
    p.add_argument("--embed", type=_positive(int), default=64,
                   help="embedding size (default: %(default)s)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout (default: 0)")
    p.add_argument("--tie", action="store_true", help="tie input and output embeddings "
                   "(needs --embed equal to --hidden)")
    p.add_argument("--seq-len", type=_positive(int), default=64,
                   help="BPTT steps per chunk (default: %(default)s)")
    p.add_argument("--batch-size", type=_positive(int), default=64,
                   help="parallel text streams (default: %(default)s)")
    p.add_argument("--val-fraction", type=_fraction, default=0.1,
                   help="held-out tail of the text (default: %(default)s)")
    p.add_argument("--max-val-tokens", type=_positive(int), default=None,
                   help="validate on at most this many tokens (faster epochs)")
    p.add_argument("--min-freq", type=_positive(int), default=1,
                   help="word level: rarer words become <unk> (default: %(default)s)")
    p.add_argument("--max-vocab", type=_positive(int), default=None,
                   help="word level: keep the most frequent words only")
    p.add_argument("--lower", action="store_true", help="word level: lowercase the text")
    p.add_argument("--max-steps", type=_positive(int), default=None,
                   help="stop after this many optimizer steps (a checkpoint is kept)")
    p.add_argument("--minutes", type=_positive(float), default=None,
                   help="stop after this many minutes (a checkpoint is kept)")
    p.add_argument("--resume", action="store_true",
                   help="go on from --out/checkpoint.mg exactly where it stopped")
    p.set_defaults(func=cmd_train_lm)

    p = sub.add_parser("generate", help="continue a seed text with a trained model",
                       description="Sample text from a train-lm checkpoint.")
    p.add_argument("--checkpoint", metavar="PATH", required=True,
                   help="a run folder (its checkpoint.mg) or a checkpoint file")
    p.add_argument("--seed", default="The ", help="text to continue (default: %(default)r)")
    p.add_argument("--words", type=_positive(int), default=None,
                   help="how many words to add (default: 10)")
    p.add_argument("--chars", type=_positive(int), default=None,
                   help="how many characters to add (character models)")
    p.add_argument("--temperature", type=_positive(float), default=0.8,
                   help="<1 safer, >1 wilder (default: %(default)s)")
    p.add_argument("--top-k", type=_positive(int), default=None,
                   help="sample among the k likeliest tokens only")
    p.add_argument("--sample-seed", type=int, default=None,
                   help="random seed for sampling (default: a fresh one)")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("forecast", help="forecast the yearly sunspot numbers",
                       description="Train a forecaster on the sunspot numbers 1700-1988 "
                       "(the last 20%% validate) and plot its forecast.")
    p.add_argument("--out", metavar="DIR", default="runs/forecast",
                   help="where the plots and checkpoint go (default: %(default)s)")
    _training_options(p, epochs=60, lr=1e-2, hidden=32)
    p.add_argument("--lags", type=_positive(int), default=12,
                   help="years in each input window (default: %(default)s)")
    p.add_argument("--batch-size", type=_positive(int), default=16,
                   help="windows per batch (default: %(default)s)")
    p.set_defaults(func=cmd_forecast)

    p = sub.add_parser("classify", help="classify digits read as sequences",
                       description="Train a sequence classifier on scikit-learn's 8x8 "
                       "digits, each image read as 8 steps of 8 pixels.")
    p.add_argument("--out", metavar="DIR", default="runs/classify",
                   help="where the plot and checkpoint go (default: %(default)s)")
    _training_options(p, epochs=15, lr=1e-2, hidden=64)
    p.add_argument("--batch-size", type=_positive(int), default=32,
                   help="sequences per batch (default: %(default)s)")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("demo", help="the main demo: a character LSTM in ~2 minutes",
                       description="Train a character LSTM on Python's own documentation "
                       "text for about two minutes, print validation bits per character "
                       "next to the unigram baseline and generated text, draw the unrolled "
                       "graph and write the plots, all under --out.")
    p.add_argument("--out", metavar="DIR", default="out/demo",
                   help="output folder (default: %(default)s)")
    p.add_argument("--minutes", type=_positive(float), default=2.0,
                   help="training time (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_demo)
    return parser


# What each command needs beyond minigrad (the 'examples' extra), checked before any
# training starts: a missing package costs one line, not a finished run without plots.
NEEDS = {"train-lm": ("matplotlib", "tqdm"), "forecast": ("matplotlib", "tqdm"),
         "classify": ("matplotlib", "tqdm", "sklearn"), "demo": ("matplotlib", "tqdm")}


def _check_needs(a: argparse.Namespace) -> None:
    for module in NEEDS.get(a.command, ()):
        if module == "tqdm" and getattr(a, "quiet", False):
            continue  # no progress bar, no tqdm
        require(module, "this command")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    try:
        _check_needs(a)
        a.func(a)
    except (CLIError, MissingDependency) as e:
        print(f"{PROG} {a.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {a.command}: interrupted", file=sys.stderr)
        return 130
    return 0
