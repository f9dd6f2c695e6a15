"""The command line: ``python -m models COMMAND ...`` (``--help`` on each).

    train-lm   train a character or word language model on a text file (default: the
               documentation text every Python ships), checkpoints in --out
    glove      train GloVe word vectors on a text (for train-lm --embeddings)
    generate   continue a seed text with a trained language model
    forecast   train a forecaster on the yearly sunspot numbers, plot the forecast
               (--split weigend: the benchmark split of Weigend et al., ARVs)
    classify   train a sequence classifier on scikit-learn's digits (rows or pixels
               as steps)
    demo       the main demo: a character LSTM in about two minutes, generated text,
               the unrolled graph and the plots

This module only builds the parser and reports errors: each command runs in its own
module of ``models.commands``. Mistakes (a bad option, a missing or non-UTF-8 file, a
missing checkpoint) end with one line on stderr and exit status 2; Ctrl-C during
training saves a checkpoint first.
"""
from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from typing import Sequence

from models.commands import PROG, CLIError
from models.optional import MissingDependency, require

# The module of models.commands that runs each command, imported by name once the
# command line is parsed: the parser needs none of them, so `--help` and a mistyped
# option answer without loading NumPy, minigrad and the models first (timings in
# benchmarks/README.md). The one deferred import of a package that is not optional.
COMMANDS = {"train-lm": "train_lm", "glove": "glove", "generate": "generate",
            "forecast": "forecast", "classify": "classify", "demo": "demo"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# ------------------------------------------------------------------ option types
def _positive(kind: type):
    def check(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
        return value
    check.__name__ = f"positive {kind.__name__}"
    return check


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid int") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _folder(text: str) -> str:
    """--out: a folder to write into; an existing file there is a mistake (every
    command would fail at its first write, after the training)."""
    path = os.path.abspath(text)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)  # the nearest part that exists must be a folder
    if not os.path.isdir(path):
        what = text if os.path.abspath(text) == path else path
        raise argparse.ArgumentTypeError(f"{what} is a file, not a folder")
    return text


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


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
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _final_lr_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--final-lr", type=_positive(float), default=None,
                   help="decay the learning rate exponentially to this by the last epoch "
                   "(default: constant)")


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
    p.add_argument("--out", metavar="DIR", type=_folder, default="runs/lm",
                   help="run folder (default: %(default)s)")
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
    p.add_argument("--max-train-tokens", type=_positive(int), default=None,
                   help="train on the first N training tokens only (a low-data run)")
    p.add_argument("--embeddings", metavar="FILE", default=None,
                   help="start the embedding from word vectors in the GloVe text format "
                   "(e.g. from `glove`); --embed becomes the file's dimension")
    p.add_argument("--freeze-embeddings", action="store_true",
                   help="keep the --embeddings vectors fixed (default: fine-tune them)")
    p.add_argument("--max-steps", type=_positive(int), default=None,
                   help="stop after this many optimizer steps (a checkpoint is kept)")
    p.add_argument("--minutes", type=_positive(float), default=None,
                   help="stop after this many minutes (a checkpoint is kept)")
    p.add_argument("--resume", action="store_true",
                   help="go on from --out/checkpoint.mg exactly where it stopped")

    p = sub.add_parser("glove", help="train GloVe word vectors on a text",
                       description="Train GloVe word vectors (Pennington et al. 2014) with "
                       "minigrad on the training part of a text (the tail that train-lm "
                       "validates on is left out) and write them in GloVe's text format, "
                       "for train-lm --embeddings. The vocabulary options must match the "
                       "train-lm run's.")
    p.add_argument("--text", metavar="FILE", default=None,
                   help="a UTF-8 text file (default: Python's pydoc_data.topics text)")
    p.add_argument("--out", metavar="FILE", default="runs/glove.txt",
                   help="the vectors file to write (default: %(default)s)")
    p.add_argument("--dim", type=_positive(int), default=50,
                   help="vector size (default: %(default)s)")
    p.add_argument("--epochs", type=_positive(int), default=30,
                   help="passes over the co-occurrences (default: %(default)s)")
    p.add_argument("--window", type=_positive(int), default=5,
                   help="co-occurrence window in words (default: %(default)s)")
    p.add_argument("--lr", type=_positive(float), default=0.05,
                   help="Adagrad's learning rate (default: %(default)s)")
    p.add_argument("--val-fraction", type=_fraction, default=0.1,
                   help="held-out tail left out, as in train-lm (default: %(default)s)")
    p.add_argument("--min-freq", type=_positive(int), default=1,
                   help="rarer words become <unk> (default: %(default)s)")
    p.add_argument("--max-vocab", type=_positive(int), default=None,
                   help="keep the most frequent words only")
    p.add_argument("--lower", action="store_true", help="lowercase the text")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")

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
    p.add_argument("--sample-seed", type=_seed, default=None,
                   help="random seed for sampling (default: a fresh one)")

    p = sub.add_parser("forecast", help="forecast the yearly sunspot numbers",
                       description="Train a forecaster on the sunspot numbers 1700-1988 "
                       "and plot its forecast: validated on the last 20%% of the years, or "
                       "with --split weigend on 1921-1955 and 1956-1979 (trained on "
                       "1700-1920), ARV next to AR(9) and the published figures.")
    p.add_argument("--out", metavar="DIR", type=_folder, default="runs/forecast",
                   help="where the plots and checkpoint go (default: %(default)s)")
    p.add_argument("--split", choices=("tail", "weigend"), default="tail",
                   help="tail: the last 20%% validate; weigend: Weigend, Huberman & "
                   "Rumelhart (1990) (default: %(default)s)")
    _training_options(p, epochs=60, lr=1e-2, hidden=32)
    _final_lr_option(p)
    p.add_argument("--lags", type=_positive(int), default=12,
                   help="years in each input window (default: %(default)s)")
    p.add_argument("--batch-size", type=_positive(int), default=16,
                   help="windows per batch (default: %(default)s)")

    p = sub.add_parser("classify", help="classify digits read as sequences",
                       description="Train a sequence classifier on scikit-learn's 8x8 "
                       "digits, each image read as 8 steps of 8 pixels (or with --read "
                       "pixels as 64 steps of one pixel).")
    p.add_argument("--out", metavar="DIR", type=_folder, default="runs/classify",
                   help="where the plot and checkpoint go (default: %(default)s)")
    p.add_argument("--read", choices=("rows", "pixels"), default="rows",
                   help="one row (8 pixels) or one pixel per step (default: %(default)s)")
    _training_options(p, epochs=15, lr=1e-2, hidden=64)
    _final_lr_option(p)
    p.add_argument("--batch-size", type=_positive(int), default=32,
                   help="sequences per batch (default: %(default)s)")

    p = sub.add_parser("demo", help="the main demo: a character LSTM in ~2 minutes",
                       description="Train a character LSTM on Python's own documentation "
                       "text for about two minutes, print validation bits per character "
                       "next to the unigram baseline and generated text, draw the unrolled "
                       "graph and write the plots, all under --out.")
    p.add_argument("--out", metavar="DIR", type=_folder, default="out/demo",
                   help="output folder (default: %(default)s)")
    p.add_argument("--minutes", type=_positive(float), default=2.0,
                   help="training time (default: %(default)s)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


# What each command needs beyond minigrad (the 'examples' extra), checked before any
# training starts: a missing package costs one line, not a finished run without plots.
NEEDS = {"train-lm": ("matplotlib", "tqdm"), "forecast": ("matplotlib", "tqdm"),
         "classify": ("matplotlib", "tqdm", "sklearn"), "demo": ("matplotlib", "tqdm")}


def _check_needs(a: argparse.Namespace) -> None:
    for module in NEEDS.get(a.command, ()):
        if module == "tqdm" and a.quiet:
            continue  # no progress bar, no tqdm
        require(module, "this command")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    try:
        _check_needs(a)
        importlib.import_module(f"models.commands.{COMMANDS[a.command]}").run(a)
    except (CLIError, MissingDependency) as e:
        print(f"{PROG} {a.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a full disk, a read-only folder: one line, the previous files kept
        text = e.strerror if e.errno and e.strerror and e.filename is None else str(e)
        print(f"{PROG} {a.command}: error: {text}", file=sys.stderr)  # without "[Errno 13]"
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {a.command}: interrupted", file=sys.stderr)
        return 130
    return 0
