"""``python -m models train-lm``: train (or resume) a character or word language model.

A run folder (``--out``) holds ``checkpoint.mg`` (the model, the optimizer, the loop
state and, in ``extra``, everything needed to use the model again: its config, the
tokenizer, the settings of the run and a digest of the text), ``tokenizer.json``,
``history.json`` and ``loss.png``. ``load_lm`` reads a run back (``generate`` uses it).
"""
from __future__ import annotations

import argparse
import hashlib
import os

import numpy as np

import minigrad as mg
from models import plots
from models.checkpoint import load_checkpoint
from models.commands import PROG, CLIError, say
from models.data import (CharTokenizer, Tokenizer, WordTokenizer, load_glove, load_text,
                         split_train_val)
from models.data._io import atomic_write_json
from models.lm import LanguageModel, LMTask, unigram_entropy_bits
from models.train import Trainer

#: the options a resumed run takes from its checkpoint, not from the command line
LM_SETTINGS = ("level", "cell", "embed", "hidden", "layers", "dropout", "tie", "seq_len",
               "batch_size", "lr", "clip", "val_fraction", "min_freq", "max_vocab", "lower",
               "max_val_tokens", "seed", "embeddings", "freeze_embeddings", "max_train_tokens")
#: what a run saved before a setting existed had instead
_SETTING_DEFAULTS = {"embeddings": None, "freeze_embeddings": False, "max_train_tokens": None}


def read_text_arg(path: str | None) -> str:
    try:
        text = load_text(path)
    except (OSError, ValueError) as e:
        raise CLIError(str(e)) from None
    if len(text) < 3:
        raise CLIError(f"{path}: the text is too short to train on ({len(text)} characters)")
    return text


def checkpoint_file(path: str) -> str:
    """A checkpoint file, or the checkpoint.mg inside a run folder."""
    if os.path.isdir(path):
        path = os.path.join(path, "checkpoint.mg")
    if not os.path.isfile(path):
        raise CLIError(f"no checkpoint at {path} (train one first: {PROG} train-lm --out DIR)")
    return path


def load_lm(path: str):
    """(model, tokenizer, checkpoint) from a train-lm checkpoint file or folder."""
    path = checkpoint_file(path)
    try:
        ckpt = load_checkpoint(path)
    except (OSError, ValueError) as e:
        raise CLIError(str(e)) from None
    extra = ckpt["extra"]
    if extra.get("kind") != "lm":
        raise CLIError(f"{path} is not a language model checkpoint "
                       f"(it holds {extra.get('kind') or 'something else'})")
    model = LanguageModel.from_config(extra["config"])
    model.load_state_dict(ckpt["model"])
    try:
        tok = Tokenizer.from_dict(extra["tokenizer"], where=path)
    except ValueError as e:
        raise CLIError(str(e)) from None
    return model, tok, ckpt


def _read_embeddings(a: argparse.Namespace, tok: Tokenizer) -> np.ndarray:
    """``--embeddings FILE``: the rows of the tokenizer's vocabulary from a GloVe-format
    file (``models.data.load_glove``: missing words get random rows of the same spread);
    the embedding size becomes the file's."""
    try:
        vectors, found, missing = load_glove(a.embeddings, tok.vocab)
    except OSError as e:
        raise CLIError(str(e)) from None
    a.embed = vectors.shape[1]
    say(f"embeddings from {a.embeddings}: {found} of {len(tok)} tokens found "
        f"({len(missing)} missing, drawn at random), dimension {a.embed}"
        + (", frozen" if a.freeze_embeddings else ", fine-tuned"))
    return vectors


def train_lm(a: argparse.Namespace, banner: bool = True) -> dict:
    """Train (or resume) a language model; returns a summary dict (also for the demo)."""
    if a.epochs is None and a.minutes is None and a.max_steps is None:
        a.epochs = 5
    text = read_text_arg(a.text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, "checkpoint.mg")
    if a.resume:
        model, tok, ckpt = load_lm(ckpt_path)
        if ckpt["extra"].get("text_sha256") != digest:
            raise CLIError(f"--resume: the text differs from the one the run in {a.out} "
                           f"was trained on")
        saved = ckpt["extra"]["settings"]
        for k in LM_SETTINGS:  # the run goes on with its own settings
            setattr(a, k, saved[k] if k in saved else _SETTING_DEFAULTS[k])
    mg.manual_seed(a.seed)
    if not a.resume:
        tok = (CharTokenizer() if a.level == "char" else WordTokenizer(lower=a.lower))
        tok.fit(text, min_freq=a.min_freq, max_size=a.max_vocab)
        if len(tok) <= len(tok.vocab.specials):
            raise CLIError(f"the vocabulary holds only {tok.vocab.specials}: every token is "
                           f"rarer than --min-freq {a.min_freq} or cut by --max-vocab "
                           f"{a.max_vocab}")
    ids = tok.encode(text)
    if a.freeze_embeddings and not a.embeddings:
        raise CLIError("--freeze-embeddings needs --embeddings FILE (vectors to keep fixed)")
    if a.freeze_embeddings and a.tie:
        raise CLIError("--freeze-embeddings and --tie together would freeze the output "
                       "layer too: use one of them")
    try:
        train_ids, val_ids = split_train_val(ids, a.val_fraction)
        if a.max_train_tokens is not None:
            train_ids = train_ids[:a.max_train_tokens]
        if len(train_ids) < 2 * a.batch_size + 2:
            raise ValueError(f"{len(train_ids)} training tokens are too few for "
                             f"--batch-size {a.batch_size}")
        task = LMTask(train_ids, val_ids, batch_size=a.batch_size, seq_len=a.seq_len,
                      max_val_tokens=a.max_val_tokens)
        if not a.resume:
            vectors = _read_embeddings(a, tok) if a.embeddings else None
            model = LanguageModel(len(tok), a.embed, a.hidden, a.layers, a.cell, a.dropout,
                                  a.tie)
            if vectors is not None:
                # a copy (mg.tensor shares an array's memory); a tied decoder follows
                model.embedding.weight.data = mg.tensor(vectors)  # a copy of the vectors
    except ValueError as e:
        raise CLIError(str(e)) from None
    if a.freeze_embeddings:
        model.embedding.weight.requires_grad_(False)
    settings = {k: getattr(a, k) for k in LM_SETTINGS}
    optimizer = mg.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=a.lr)
    extra = {"kind": "lm", "config": model.config, "tokenizer": tok.to_dict(),
             "settings": settings, "text": a.text or "<pydoc_data.topics>",
             "text_sha256": digest}
    trainer = Trainer(model, optimizer, task, clip_norm=a.clip, patience=a.patience,
                      out_dir=a.out, extra=extra, progress=not a.quiet, log=say)
    if a.resume:
        trainer.resume(ckpt_path)
    baseline = unigram_entropy_bits(train_ids, len(tok))
    unit = "char" if a.level == "char" else "token"
    if banner:
        n_params = sum(p.numel() for p in model.parameters())
        say(f"{'resuming' if a.resume else 'training'} a {a.level}-level {a.cell.upper()} "
            f"({a.layers} x {a.hidden}, {n_params:,} parameters) on {len(train_ids):,} "
            f"{unit}s ({a.text or 'pydoc_data.topics'}), vocabulary {len(tok)}; "
            f"validation {len(val_ids):,} {unit}s")
    tok.save(os.path.join(a.out, "tokenizer.json"))
    trainer.fit(a.epochs, max_steps=a.max_steps, max_minutes=a.minutes)
    last = trainer.history[-1] if trainer.history else {}
    summary = {"val_loss": last.get("val_loss"), "val_bits": last.get("val_bpc"),
               "unigram_bits": baseline, "steps": trainer.step, "epochs": trainer.epoch,
               "level": a.level, "out": a.out}
    atomic_write_json(os.path.join(a.out, "history.json"), trainer.history)
    if trainer.history:
        plots.loss_curves(trainer.history, os.path.join(a.out, "loss.png"),
                          step_losses=trainer.step_losses, bits=True,
                          unit="character" if a.level == "char" else "word",
                          title=f"{a.cell.upper()} {a.level}-level language model")
    if summary["val_bits"] is not None:
        say(f"validation: {summary['val_bits']:.3f} bits per {unit} "
            f"(perplexity {np.exp(summary['val_loss']):.2f}); unigram baseline "
            f"{baseline:.3f} bits per {unit}")
    summary.update(model=model, tokenizer=tok, trainer=trainer, val_ids=val_ids)
    return summary


def run(a: argparse.Namespace) -> None:
    s = train_lm(a)
    seed = "The " if s["level"] == "char" else "the"
    more = s["model"].generate(s["tokenizer"], seed, 200 if s["level"] == "char" else 40,
                               temperature=0.8)
    say(f"sample: {seed}{more}")
    say(f"checkpoint, tokenizer, history and loss plot in {a.out}/ "
        f"(generate with: {PROG} generate --checkpoint {a.out} --seed \"...\" --words 10)")
