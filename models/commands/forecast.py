"""``python -m models forecast``: train a forecaster on the yearly sunspot numbers and
plot its forecast, the way a user would do it in a script.

    python -m models forecast --cell lstm --out runs/forecast
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import minigrad as mg
from models import plots
from models.commands import CLIError, say
from models.data import Scaler, load_sunspots, make_windows, split_series
from models.forecaster import Forecaster, forecaster_task
from models.train import Trainer


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))


def run(a: argparse.Namespace) -> dict:
    """Sunspots: train on 1700..~1930, then predict the validation years two ways:
    one step ahead from the true past, and recursively from the end of training."""
    mg.manual_seed(a.seed)
    years, values = load_sunspots()
    train, val = split_series(values, 0.2)
    lags = a.lags
    if lags >= len(train) - 1:
        raise CLIError(f"--lags {lags} is too long for {len(train)} training years")
    scaler = Scaler("minmax").fit(train)
    x_tr, y_tr = make_windows(scaler.transform(train), lags)
    x_va, y_va = make_windows(scaler.transform(np.concatenate([train[-lags:], val])), lags)
    model = Forecaster(1, a.hidden, a.layers, a.cell)
    task = forecaster_task(x_tr, y_tr, x_va, y_va, batch_size=a.batch_size)
    opt = mg.optim.Adam(model.parameters(), lr=a.lr)
    extra = {"kind": "forecaster", "config": model.config, "scaler": scaler.state_dict(),
             "lags": lags}
    say(f"forecasting sunspots: {a.cell.upper()} {a.hidden} units, {lags}-year windows, "
        f"{len(x_tr)} training windows ({years[0]}-{years[len(train) - 1]}), "
        f"validation {years[len(train)]}-{years[-1]}")
    trainer = Trainer(model, opt, task, clip_norm=a.clip, patience=a.patience, out_dir=a.out,
                      extra=extra, progress=not a.quiet, log=lambda m: None)
    trainer.fit(a.epochs)
    one_step = scaler.inverse_transform(model.predict(x_va)[:, 0])
    recursive = scaler.inverse_transform(
        model.forecast(scaler.transform(train[-lags:]), len(val)))
    persistence = np.concatenate([train[-1:], val[:-1]])
    result = {"rmse_one_step": _rmse(one_step, val), "rmse_recursive": _rmse(recursive, val),
              "rmse_persistence": _rmse(persistence, val),
              "val_mse_scaled": trainer.history[-1].get("val_loss")}
    say(f"validation RMSE (sunspot number): one step ahead {result['rmse_one_step']:.1f}, "
        f"recursive {len(val)} years {result['rmse_recursive']:.1f}; "
        f"persistence baseline {result['rmse_persistence']:.1f}")
    vyears = years[len(train):]
    plots.forecast_plot(years, values, {"one step ahead": (vyears, one_step),
                                        f"recursive from {years[len(train) - 1]}":
                                        (vyears, recursive)},
                        os.path.join(a.out, "forecast.png"), split=float(vyears[0]),
                        title=f"Sunspots: {a.cell.upper()} forecast", ylabel="sunspot number")
    plots.loss_curves(trainer.history, os.path.join(a.out, "loss.png"),
                      title="forecaster: mean squared error (scaled)")
    say(f"plots and checkpoint in {a.out}/ (forecast.png, loss.png, checkpoint.mg)")
    return result
