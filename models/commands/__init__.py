"""The commands of ``python -m models``, one module each, named for what it runs:

    train_lm   train (or resume) a character or word language model; ``load_lm``
               reads such a run back
    generate   continue a seed text with a trained language model
    forecast   the sunspot forecaster, end to end, with its plots
    classify   the digits classifier, end to end, with its plot
    demo       the main demo: train_lm for two minutes, text, graphs and plots

Each has ``run(args)``, called by ``models.cli`` with the parsed options. What they
share is here: the error a command raises for a user's mistake (``models.cli`` prints
it as one line and exits with status 2), the program's name and ``say``.
"""
from __future__ import annotations

from typing import Any

PROG = "python -m models"


class CLIError(Exception):
    """A user's mistake: reported as one line, exit status 2."""


def say(*args: Any) -> None:
    """Print a line of a command's report now (not when the buffer fills)."""
    print(*args, flush=True)
