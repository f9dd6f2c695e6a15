"""``python -m models classify``: train a sequence classifier on scikit-learn's 8x8
digits, each image read as 8 steps of 8 pixels (``--read pixels``: 64 steps of one
pixel), and report held-out accuracy (``examples/12_classification.py`` is its lesson).

    python -m models classify --cell gru --out runs/classify
    python -m models classify --read pixels --cell lstm --epochs 40 --final-lr 1e-4
"""
from __future__ import annotations

import argparse
import os

import minigrad as mg
from models import plots
from models.classifier import SequenceClassifier, classifier_task
from models.commands import say
from models.data import load_digits_sequences, train_test_split
from models.metrics import confusion_matrix
from models.train import Trainer, decay_to


def run(a: argparse.Namespace) -> dict:
    """Digits as 8 steps of 8 pixels (or 64 of one): train, report held-out accuracy.
    The split (80% train, 20% test, stratified) and the model share ``--seed``."""
    mg.manual_seed(a.seed)
    x, y = load_digits_sequences(a.read)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, 0.2, seed=a.seed, stratify=True)
    model = SequenceClassifier(x.shape[2], a.hidden, 10, a.layers, a.cell)
    task = classifier_task(x_tr, y_tr, x_te, y_te, batch_size=a.batch_size)
    opt = mg.optim.Adam(model.parameters(), lr=a.lr)
    schedule = None if a.final_lr is None else decay_to(opt, a.final_lr, a.epochs)
    steps = "8 steps of 8 pixels" if a.read == "rows" else "64 steps of one pixel"
    say(f"classifying digits as sequences: {a.cell.upper()} {a.hidden} units, "
        f"{len(x_tr)} training and {len(x_te)} test images ({steps}), seed {a.seed}")
    trainer = Trainer(model, opt, task, clip_norm=a.clip, scheduler=schedule,
                      patience=a.patience, out_dir=a.out,
                      extra={"kind": "classifier", "config": model.config},
                      progress=not a.quiet,
                      log=say if not a.quiet else (lambda m: None))
    trainer.fit(a.epochs)
    predicted = model.predict(x_te)
    acc = float((predicted == y_te).mean())
    say(f"test accuracy: {acc:.3f} ({int((predicted == y_te).sum())} of {len(y_te)}; "
        f"chance 0.100)")
    plots.loss_curves(trainer.history, os.path.join(a.out, "loss.png"),
                      title="digit classifier: cross-entropy")
    plots.confusion_plot(confusion_matrix(predicted, y_te, 10),
                         os.path.join(a.out, "confusion.png"),
                         title=f"{a.cell.upper()} {a.hidden}, digits read by {a.read}: "
                         f"accuracy {acc:.3f}")
    say(f"plots and checkpoint in {a.out}/ (loss.png, confusion.png, checkpoint.mg)")
    return {"accuracy": acc}
