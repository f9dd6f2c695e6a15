"""``python -m models forecast``: train a forecaster on the yearly sunspot numbers and
plot its forecast, the way a user would do it in a script.

    python -m models forecast --cell lstm --out runs/forecast
    python -m models forecast --split weigend --cell lstm --hidden 16 --epochs 100 \\
        --final-lr 1e-4 --seed 3            # the ARVs of lesson 10's seed 3

``--split tail`` (the default) validates on the last 20% of the years. ``--split
weigend`` is the benchmark of Weigend, Huberman & Rumelhart (1990): train on
1700-1920, report the ARV one step ahead on 1921-1955 and 1956-1979 next to AR(9),
persistence and the published figures (``examples/10_sunspots.py`` is its lesson).
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import minigrad as mg
from models import plots
from models.commands import CLIError, say
from models.data import (Scaler, load_sunspots, make_windows, split_series, weigend_split,
                         weigend_variance)
from models.forecaster import Forecaster, LinearAR, forecaster_task
from models.metrics import arv
from models.train import Trainer, decay_to

#: Weigend, Huberman & Rumelhart (1990), ARV one step ahead on 1921-1955 and 1956-1979
PUBLISHED = {"TAR (Tong & Lim 1980)": (0.097, 0.28), "12-8-1 network": (0.086, 0.35)}
TESTS = ("1921-1955", "1956-1979")


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))


def train_forecaster(a: argparse.Namespace, x: np.ndarray, y: np.ndarray, val: tuple = (None, None),
                     extra: dict | None = None) -> tuple[Forecaster, Trainer]:
    """Seed, build and train a Forecaster on windows x (N, lags), y (N, 1) with the
    options of the command line: the one recipe both splits (and lesson 10) follow."""
    mg.manual_seed(a.seed)
    model = Forecaster(1, a.hidden, a.layers, a.cell)
    extra = {**(extra or {}), "config": model.config}
    task = forecaster_task(x, y, *val, batch_size=a.batch_size)
    opt = mg.optim.Adam(model.parameters(), lr=a.lr)
    schedule = None if a.final_lr is None else decay_to(opt, a.final_lr, a.epochs)
    trainer = Trainer(model, opt, task, clip_norm=a.clip, scheduler=schedule,
                      patience=a.patience, out_dir=a.out, extra=extra,
                      progress=not a.quiet, log=lambda m: None)
    trainer.fit(a.epochs)
    return model, trainer


def run(a: argparse.Namespace) -> dict:
    if a.lags >= 200:
        raise CLIError(f"--lags {a.lags} is too long for the sunspot series")
    return (_run_weigend if a.split == "weigend" else _run_tail)(a)


def _run_tail(a: argparse.Namespace) -> dict:
    """Sunspots: train on 1700..~1930, then predict the validation years two ways:
    one step ahead from the true past, and recursively from the end of training."""
    years, values = load_sunspots()
    train, val = split_series(values, 0.2)
    lags = a.lags
    if lags >= len(train) - 1:
        raise CLIError(f"--lags {lags} is too long for {len(train)} training years")
    scaler = Scaler("minmax").fit(train)
    x_tr, y_tr = make_windows(scaler.transform(train), lags)
    x_va, y_va = make_windows(scaler.transform(np.concatenate([train[-lags:], val])), lags)
    say(f"forecasting sunspots: {a.cell.upper()} {a.hidden} units, {lags}-year windows, "
        f"{len(x_tr)} training windows ({years[0]}-{years[len(train) - 1]}), "
        f"validation {years[len(train)]}-{years[-1]}")
    extra = {"kind": "forecaster", "scaler": scaler.state_dict(), "lags": lags}
    model, trainer = train_forecaster(a, x_tr, y_tr, (x_va, y_va), extra)
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


def _run_weigend(a: argparse.Namespace) -> dict:
    """Weigend et al.'s split: train on 1700-1920 (values scaled to [0, 1] by that part's
    minimum and maximum), ARV one step ahead on each test period against the variance
    of 1700-1979, and the 1956-1979 forecast iterated from 1955."""
    years, values = load_sunspots(np.float64)
    variance = weigend_variance(years, values)
    scaler = Scaler("minmax").fit(values[years <= 1920])
    split = weigend_split(years, scaler.transform(values).astype(np.float32), a.lags)
    x_tr, y_tr, train_years = split["1700-1920"]
    say(f"forecasting sunspots, the split of Weigend et al. (1990): {a.cell.upper()} "
        f"{a.hidden} units, {a.lags}-year windows, {len(x_tr)} training targets "
        f"({train_years[0]}-{train_years[-1]}), {a.epochs} epochs, seed {a.seed}")
    extra = {"kind": "forecaster", "scaler": scaler.state_dict(), "lags": a.lags,
             "split": "weigend"}
    model, _ = train_forecaster(a, x_tr, y_tr, extra=extra)
    ar_split = weigend_split(years, values, 9)
    ar9 = LinearAR(9).fit(*ar_split["1700-1920"][:2])

    label = f"{a.cell.upper()} {a.hidden}, one step ahead"
    table: dict = {label: {}, "AR(9), least squares on 1700-1920": {},
                   "persistence (last year's value)": {}}
    predicted = {}
    for name in TESTS:
        x, _, target_years = split[name]
        truth = values[np.isin(years, target_years)]
        predicted[name] = (target_years,
                           scaler.inverse_transform(model.predict(x)[:, 0].astype(np.float64)))
        guesses = (predicted[name][1], ar9.predict(ar_split[name][0]),
                   values[np.isin(years, target_years - 1)])
        for row, guess in zip(table.values(), guesses):
            row[name] = arv(guess, truth, variance)
    history = scaler.transform(values[(years > 1955 - a.lags) & (years <= 1955)])
    iterated = scaler.inverse_transform(model.forecast(history, 24).astype(np.float64))
    iterated_arv = arv(iterated, values[(years >= 1956) & (years <= 1979)], variance)

    say(f"ARV = MSE / {variance:.1f} (the variance of 1700-1979, in sunspot numbers squared)")
    say(f"{'':40s} {TESTS[0]:>10s} {TESTS[1]:>10s}")
    for row_label, row in table.items():
        say(f"{row_label:40s} {row[TESTS[0]]:10.3f} {row[TESTS[1]]:10.3f}")
    say(f"{a.cell.upper() + ' iterated from 1955 (24 years)':40s} {'-':>10s} "
        f"{iterated_arv:10.3f}")
    for pub_label, (v1, v2) in PUBLISHED.items():
        say(f"{'published: ' + pub_label:40s} {v1:10.3f} {v2:10.3f}")
    shown = {f"one step ahead, {n}": p for n, p in predicted.items()}
    shown["iterated from 1955"] = (np.arange(1956, 1980), iterated)
    keep = (years >= 1900) & (years <= 1979)
    plots.forecast_plot(years[keep], values[keep], shown, os.path.join(a.out, "forecast.png"),
                        split=1920.5, title=f"Sunspots: {a.cell.upper()} {a.hidden}, "
                        f"trained on 1700-1920", ylabel="sunspot number", split_label="test")
    say(f"plot and checkpoint in {a.out}/ (forecast.png, checkpoint.mg)")
    rows = list(table.values())
    return {"variance": variance, "arv": rows[0], "ar9": rows[1], "persistence": rows[2],
            "arv_iterated_1956_1979": iterated_arv}
