"""Pictures of a training run, as PNG files (matplotlib, no display needed).

    loss_curves(history, "loss.png", step_losses=trainer.step_losses)
    forecast_plot(years, truth, {"LSTM": predicted}, "forecast.png", split=1950)
    grad_norm_plot({"LSTM (trained)": norms}, "grad_norms.png")
    confusion_plot(models.metrics.confusion_matrix(pred, y, 10), "confusion.png")

Each function renders its figure to PNG bytes, writes exactly the path it is given
(``minigrad.backend.atomic_write``: a failed write leaves the previous file) and
returns it. matplotlib is optional: it is imported through ``require`` on the first
call (one clear line if it is missing), with the non-interactive Agg backend.
"""
from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

from minigrad.backend import atomic_write
from models.optional import require

__all__ = ["loss_curves", "forecast_plot", "grad_norm_plot", "confusion_plot"]


def _pyplot():
    require("matplotlib", "plotting").use("Agg")  # files only, no window
    return require("matplotlib.pyplot", "plotting")


def _save(fig: Any, path: str | os.PathLike) -> str:
    """Render ``fig`` to PNG bytes, close it, and write them with ``atomic_write``."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    finally:
        _pyplot().close(fig)
    atomic_write(path, buf.getvalue())
    return os.fspath(path)


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    head = np.cumsum(values[:window - 1]) / np.arange(1, window)
    return np.concatenate([head, np.convolve(values, kernel, mode="valid")])


def loss_curves(history: list[dict], path: str | os.PathLike, step_losses: Any = None,
                title: str = "loss", bits: bool = False, unit: str = "token") -> str:
    """Training and validation loss against optimizer steps.

    ``history``: the trainer's per-epoch dicts (``train_loss``, ``val_loss``, ``step``).
    ``step_losses``: every step's training loss (drawn faint, with a moving average).
    ``bits=True`` divides by ln 2 (nats -> bits per ``unit``, e.g. per character)."""
    plt = _pyplot()
    scale = 1.0 / np.log(2.0) if bits else 1.0
    fig, ax = plt.subplots(figsize=(7, 4))
    if step_losses is not None and len(step_losses):
        s = np.asarray(step_losses, dtype=np.float64) * scale
        x = np.arange(1, len(s) + 1)
        ax.plot(x, s, color="tab:blue", alpha=0.25, lw=0.8)
        ax.plot(x, _smooth(s, max(1, len(s) // 50)), color="tab:blue", lw=1.5,
                label="train (per step, smoothed)")
    steps = [e["step"] for e in history]
    train = [e.get("train_loss", np.nan) * scale for e in history]
    ax.plot(steps, train, "o", color="tab:blue", label="train (epoch mean)")
    val = [(e["step"], e["val_loss"] * scale) for e in history if "val_loss" in e]
    if val:
        vx, vy = zip(*val)
        ax.plot(vx, vy, "s-", color="tab:orange", lw=1.5, label="validation")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel(f"bits per {unit}" if bits else "loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def forecast_plot(x: Any, truth: Any, predictions: dict, path: str | os.PathLike,
                  split: float | None = None, title: str = "forecast",
                  ylabel: str = "value", split_label: str = "validation") -> str:
    """The true series and one or more predicted ones (``{label: (x, values)}`` or
    ``{label: values}`` aligned with ``x``); ``split`` marks where ``split_label``
    (the held-out part: validation, test) begins."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(np.asarray(x), np.asarray(truth), color="black", lw=1.2, label="truth")
    for label, pred in predictions.items():
        px, py = pred if isinstance(pred, tuple) else (x, pred)
        ax.plot(np.asarray(px), np.asarray(py), lw=1.5, label=label)
    if split is not None:
        ax.axvline(split, color="grey", ls="--", lw=1)
        ax.text(split, ax.get_ylim()[0], " " + split_label, va="bottom", color="grey")
    ax.set_xlabel("year" if title.lower().startswith("sunspot") else "t")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def grad_norm_plot(norms: dict, path: str | os.PathLike,
                   title: str = "gradient of the last step's loss, per input step") -> str:
    """``{label: norms}``, norms[t] = |dL/dx_t| for L the loss at the last step: how far
    back in time the gradient reaches (log scale; vanishing gradients fall away)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, n in norms.items():
        n = np.asarray(n, dtype=np.float64)
        ax.semilogy(np.arange(len(n)), np.maximum(n, 1e-30), lw=1.5, label=label)
    ax.set_xlabel("input step t (the loss is at the last step)")
    ax.set_ylabel("|dL / dx_t|")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return _save(fig, path)


def confusion_plot(matrix: Any, path: str | os.PathLike, labels: Any = None,
                   title: str = "confusion matrix") -> str:
    """A confusion matrix (``C[i, j]``: items of true class i predicted as j) as a
    heatmap with the count written in every non-empty cell; rows are the truth."""
    plt = _pyplot()
    c = np.asarray(matrix)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"confusion_plot: the matrix must be square, got shape {c.shape}")
    labels = [str(v) for v in (range(len(c)) if labels is None else labels)]
    fig, ax = plt.subplots(figsize=(0.45 * len(c) + 2.2, 0.45 * len(c) + 1.6))
    im = ax.imshow(c, cmap="Blues")
    top = c.max() if c.size else 0
    for i in range(len(c)):
        for j in range(len(c)):
            if c[i, j]:
                ax.text(j, i, str(c[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if c[i, j] > top / 2 else "black")
    ax.set_xticks(range(len(c)), labels)
    ax.set_yticks(range(len(c)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return _save(fig, path)
