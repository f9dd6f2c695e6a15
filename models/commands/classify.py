"""``python -m models classify``: train a sequence classifier on scikit-learn's 8x8
digits, each image read as 8 steps of 8 pixels, and report held-out accuracy.

    python -m models classify --cell gru --out runs/classify
"""
from __future__ import annotations

import argparse
import os

import minigrad as mg
from models import plots
from models.classifier import SequenceClassifier, classifier_task
from models.commands import say
from models.data import load_digits_sequences, train_test_split
from models.train import Trainer


def run(a: argparse.Namespace) -> dict:
    """Digits as 8 steps of 8 pixels: train, report held-out accuracy."""
    mg.manual_seed(a.seed)
    x, y = load_digits_sequences()
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, 0.2, seed=a.seed, stratify=True)
    model = SequenceClassifier(8, a.hidden, 10, a.layers, a.cell)
    task = classifier_task(x_tr, y_tr, x_te, y_te, batch_size=a.batch_size)
    opt = mg.optim.Adam(model.parameters(), lr=a.lr)
    say(f"classifying digits as sequences: {a.cell.upper()} {a.hidden} units, "
        f"{len(x_tr)} training and {len(x_te)} test images (8 steps of 8 pixels)")
    trainer = Trainer(model, opt, task, clip_norm=a.clip, patience=a.patience, out_dir=a.out,
                      extra={"kind": "classifier", "config": model.config},
                      progress=not a.quiet,
                      log=say if not a.quiet else (lambda m: None))
    trainer.fit(a.epochs)
    acc = float((model.predict(x_te) == y_te).mean())
    say(f"test accuracy: {acc:.3f} (chance 0.100)")
    plots.loss_curves(trainer.history, os.path.join(a.out, "loss.png"),
                      title="digit classifier: cross-entropy")
    say(f"plot and checkpoint in {a.out}/ (loss.png, checkpoint.mg)")
    return {"accuracy": acc}
