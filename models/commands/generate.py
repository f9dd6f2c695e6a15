"""``python -m models generate``: continue a seed text with a train-lm model."""
from __future__ import annotations

import argparse

from models.commands import CLIError, say
from models.commands.train_lm import load_lm


def run(a: argparse.Namespace) -> None:
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
    say(a.seed + more)
