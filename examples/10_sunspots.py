"""10: forecasting the yearly sunspots, against the published results.

What you will see: the classic benchmark of Weigend, Huberman & Rumelhart (1990), the
lecturer's own research subject: train on 1700-1920, predict each year of 1921-1955
and 1956-1979 from the twelve before it, scored by ARV (the mean squared error
divided by the variance of the series). Persistence and AR(9) are computed in the
same run; the published TAR and 12-8-1 network figures are printed beside them. Then
LSTM and GRU forecasters, ten seeds each (their size chosen on years before 1921
only), a 12-8-1 feed-forward net trained the same way, and the 24-year forecast of
1956-1979 iterated from 1955, each prediction fed back as an input.

    python examples/10_sunspots.py            # full mode (a few minutes on 2 cores)
    python examples/10_sunspots.py --quick    # shorter (for the tests)

Writes DIR/10_sunspots.md (its section of docs/RESULTS.md), .json (headline numbers)
and DIR/10_sunspots/*.png;
DIR is --out (default docs/lessons, out/lessons with --quick). Every row of the table
is one command away: the section prints the `python -m models forecast --split
weigend ...` line that gives a seed's ARVs.

Step through it:  python -m pdb examples/10_sunspots.py --quick
"""
# %% [markdown]
# # 10. Sunspots: the Weigend split, AR(9), TAR and the 12-8-1 network
# The series: the yearly mean sunspot number, 1700-1988 (289 values). Weigend et al.
# trained on 1700-1920 and tested on two periods: 1921-1955, which resembles the
# training years, and 1956-1979, whose cycles are far stronger (the 1957 maximum,
# 190, is the largest of the series). Their measure is the average relative variance
#   ARV = (1/N) sum_t (x_t - x^_t)^2 / sigma^2,
# sigma^2 the variance of the whole series 1700-1979, one number for both periods.
# Predicting the mean scores 1. The lines to beat: AR(9) (0.126 / 0.351 when fitted by
# least squares on 1700-1920), TAR (0.097 / 0.28) and their 12-8-1 network
# (0.086 / 0.35).

# %% Settings
import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure     # no pyplot: no window, no backend to choose

import minigrad as mg
from models.data import Scaler, load_sunspots, period_windows, weigend_split, weigend_variance
from models.forecaster import Forecaster, LinearAR, forecaster_task
from models.metrics import arv
from models.task import SupervisedTask
from models.train import Trainer, decay_to

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="a short run (for the tests)")
parser.add_argument("--out", default=None,
                    help="output folder (default: docs/lessons; with --quick out/lessons)")
args = parser.parse_args()
NAME = "10_sunspots"
out = Path(args.out or ("out/lessons" if args.quick else "docs/lessons"))
(out / NAME).mkdir(parents=True, exist_ok=True)
started, load_at_start = time.perf_counter(), os.getloadavg()[0]

LAGS, BATCH, LR, FINAL_LR, CLIP = 12, 16, 1e-2, 1e-4, 1.0
CELLS = ("lstm", "gru")
if args.quick:
    EPOCHS, SEEDS, SIZES, SELECTION_SEEDS = 30, range(2), (8,), range(1)
else:
    EPOCHS, SEEDS, SIZES, SELECTION_SEEDS = 100, range(10), (8, 16, 32), range(3)
TESTS = ("1921-1955", "1956-1979")
PUBLISHED = {"TAR (Tong & Lim 1980)": (0.097, 0.28),
             "12-8-1 network (Weigend et al.)": (0.086, 0.35)}
AR9_QUOTED = (0.126, 0.351)   # AR(9) fitted by least squares on 1700-1920 (the issue)

# %% The data: the series, the split, the scale
# One scaler, fitted on the training years only, maps the numbers into [0, 1] for the
# networks; ARV is computed on the original scale (it is the same on any affine scale).
years, values = load_sunspots(np.float64)
variance = weigend_variance(years, values)          # of 1700-1979, population variance
scaler = Scaler("minmax").fit(values[years <= 1920])
split = weigend_split(years, scaler.transform(values).astype(np.float32), LAGS)
x_train, y_train, train_years = split["1700-1920"]
truth = {name: values[np.isin(years, split[name][2])] for name in TESTS}
print(f"sigma^2 = {variance:.1f} (variance of 1700-1979, sunspot number squared)")
for name, (x, _, ty) in split.items():
    v = values[np.isin(years, ty)]
    print(f"  {name}: {len(ty)} targets ({ty[0]}-{ty[-1]}), mean {v.mean():5.1f}, "
          f"std {v.std():5.1f}")

# %% Baselines computed here: persistence and AR(9) by least squares
# Persistence says "next year as this year". AR(9) is linear in the last nine years,
# fitted by least squares on the targets 1709-1920.
ar_split = weigend_split(years, values, 9)
ar9 = LinearAR(9).fit(*ar_split["1700-1920"][:2])
baseline = {"persistence": {n: arv(values[np.isin(years, split[n][2] - 1)], truth[n], variance)
                            for n in TESTS},
            "AR(9)": {n: arv(ar9.predict(ar_split[n][0]), truth[n], variance) for n in TESTS}}
for label, row in baseline.items():
    print(f"{label:12s} ARV " + "  ".join(f"{n} {row[n]:.3f}" for n in TESTS))


# %% One forecaster: the recipe of `python -m models forecast --split weigend`
def train_forecaster(cell, hidden, x, y, seed):
    """Seed, build and train a Forecaster on windows x (N, LAGS), y (N, 1): Adam, the
    learning rate decayed from LR to FINAL_LR over EPOCHS, gradient norm clipped."""
    mg.manual_seed(seed)
    model = Forecaster(1, hidden, 1, cell)
    task = forecaster_task(x, y, batch_size=BATCH)
    opt = mg.optim.Adam(model.parameters(), lr=LR)
    Trainer(model, opt, task, clip_norm=CLIP, scheduler=decay_to(opt, FINAL_LR, EPOCHS),
            progress=False, log=lambda m: None).fit(EPOCHS)
    return model


def one_step_arv(model, x, target):
    """ARV of the one-step-ahead predictions after windows x (scaled) against target."""
    predicted = scaler.inverse_transform(model.predict(x)[:, 0].astype(np.float64))
    return arv(predicted, target, variance), predicted


# %% The size, chosen without the test years: train on 1700-1890, validate on 1891-1920
scaled = scaler.transform(values).astype(np.float32)
x_in, y_in, _ = period_windows(years, scaled, 1700, 1890, LAGS)
x_va, _, va_years = period_windows(years, scaled, 1891, 1920, LAGS)
chosen, selection = {}, {}
print(f"\nchoosing the hidden size on 1891-1920 ({len(SELECTION_SEEDS)} seeds each):")
for cell in CELLS:
    for hidden in SIZES:
        scores = [one_step_arv(train_forecaster(cell, hidden, x_in, y_in, 100 + s), x_va,
                               values[np.isin(years, va_years)])[0] for s in SELECTION_SEEDS]
        selection[(cell, hidden)] = float(np.mean(scores))
        print(f"  {cell.upper():4s} {hidden:3d} units: validation ARV {np.mean(scores):.3f}",
              flush=True)
    chosen[cell] = min(SIZES, key=lambda h: selection[(cell, h)])
ar9_inner = LinearAR(9).fit(*period_windows(years, values, 1700, 1890, 9)[:2])
x9_va, y9_va, _ = period_windows(years, values, 1891, 1920, 9)
ar9_validation = arv(ar9_inner.predict(x9_va), y9_va, variance)
print(f"  (AR(9) fitted on 1700-1890: validation ARV {ar9_validation:.3f})")
print("chosen: " + ", ".join(f"{c.upper()} {h}" for c, h in chosen.items()))

# %% Ten seeds per cell on 1700-1920, scored on both test periods
# Each seed also forecasts 1956-1979 from 1955 on its own, feeding its predictions back.
runs = {}
history_1955 = scaler.transform(values[(years > 1955 - LAGS) & (years <= 1955)])
truth_iter = values[(years >= 1956) & (years <= 1979)]
print(f"\n{len(SEEDS)} seeds, {EPOCHS} epochs each:")
for cell in CELLS:
    for seed in SEEDS:
        t0 = time.perf_counter()
        model = train_forecaster(cell, chosen[cell], x_train, y_train, seed)
        r = {n: one_step_arv(model, split[n][0], truth[n]) for n in TESTS}
        path = scaler.inverse_transform(model.forecast(history_1955, 24).astype(np.float64))
        runs[(cell, seed)] = {"arv": {n: r[n][0] for n in TESTS},
                              "one_step": {n: r[n][1] for n in TESTS}, "iterated": path,
                              "arv_iterated": arv(path, truth_iter, variance)}
        print(f"  {cell.upper():4s} seed {seed}: ARV {r[TESTS[0]][0]:.3f} / {r[TESTS[1]][0]:.3f}"
              f", iterated {runs[(cell, seed)]['arv_iterated']:.3f} "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)


# %% The published network's shape, trained the same way: 12 inputs, 8 tanh units, 1 output
# Weigend et al. trained theirs with weight elimination (a penalty that prunes weights);
# this one has none: the same Adam recipe and epochs as the recurrent forecasters.
def train_mlp(seed):
    mg.manual_seed(seed)
    net = mg.nn.Sequential(mg.nn.Linear(LAGS, 8), mg.nn.Tanh(), mg.nn.Linear(8, 1))
    opt = mg.optim.Adam(net.parameters(), lr=LR)
    Trainer(net, opt, SupervisedTask(x_train, y_train, batch_size=BATCH, loss="mse"),
            clip_norm=CLIP, scheduler=decay_to(opt, FINAL_LR, EPOCHS), progress=False,
            log=lambda m: None).fit(EPOCHS)
    return net


mlp = {}
for seed in SEEDS:
    net = train_mlp(seed)
    with mg.no_grad():
        mlp[seed] = {n: arv(scaler.inverse_transform(net(mg.tensor(split[n][0])).numpy()[:, 0]
                                                      .astype(np.float64)), truth[n], variance)
                     for n in TESTS}
print("12-8-1 net, mean ARV: " + " / ".join(f"{np.mean([mlp[s][n] for s in SEEDS]):.3f}"
                                             for n in TESTS))


# %% The table: mean, standard deviation and best of the seeds
def stats(per_seed):
    a = np.asarray(per_seed)
    return {"mean": float(a.mean()), "std": float(a.std()), "best": float(a.min())}


table = {}
for cell in CELLS:
    table[f"{cell.upper()} {chosen[cell]}"] = {
        n: stats([runs[(cell, s)]["arv"][n] for s in SEEDS]) for n in TESTS}
table["12-8-1 net (ours)"] = {n: stats([mlp[s][n] for s in SEEDS]) for n in TESTS}
# An ensemble: the mean of the seeds' predictions, scored as one forecaster.
ensemble = {cell: {n: arv(np.mean([runs[(cell, s)]["one_step"][n] for s in SEEDS], axis=0),
                          truth[n], variance) for n in TESTS} for cell in CELLS}
iterated = {cell: stats([runs[(cell, s)]["arv_iterated"] for s in SEEDS]) for cell in CELLS}
ar9_iterated = ar9.forecast(values[years <= 1955], 24)
ar9_iterated_arv = arv(ar9_iterated, truth_iter, variance)

lines = [f"| model | ARV {TESTS[0]} | ARV {TESTS[1]} | source |", "|---|---|---|---|"]
for label, row in baseline.items():
    lines.append(f"| {label} | {row[TESTS[0]]:.3f} | {row[TESTS[1]]:.3f} | this run |")
for label, row in table.items():
    cells = [f"{row[n]['mean']:.3f} ± {row[n]['std']:.3f} (best {row[n]['best']:.3f})"
             for n in TESTS]
    lines.append(f"| {label} | {cells[0]} | {cells[1]} | this run, {len(SEEDS)} seeds |")
for cell in CELLS:
    row = ensemble[cell]
    lines.append(f"| {cell.upper()} {chosen[cell]}, mean of the {len(SEEDS)} seeds' predictions | "
                 f"{row[TESTS[0]]:.3f} | {row[TESTS[1]]:.3f} | this run, one ensemble |")
lines.append(f"| AR(9), as quoted | {AR9_QUOTED[0]:.3f} | {AR9_QUOTED[1]:.3f} | "
             f"least squares on 1700-1920 |")
for label, (v1, v2) in PUBLISHED.items():
    lines.append(f"| {label} | {v1:.3f} | {v2:.3f} | Weigend et al. 1990 |")
print("\n" + "\n".join(lines))
print(f"iterated 1956-1979 from 1955: AR(9) {ar9_iterated_arv:.3f}, " + ", ".join(
    f"{c.upper()} {iterated[c]['mean']:.3f} ± {iterated[c]['std']:.3f}" for c in CELLS))

# %% The pictures: one step ahead over both test periods; the forecast iterated from 1955
colours = {"lstm": "#2166ac", "gru": "#1a9641", "AR(9)": "#d7191c"}
fig = Figure(figsize=(9, 3.8))
ax = fig.subplots()
shown = (years >= 1900) & (years <= 1979)
ax.plot(years[shown], values[shown], color="black", lw=1.4, label="truth")
for cell in CELLS:
    for i, n in enumerate(TESTS):
        mean = np.mean([runs[(cell, s)]["one_step"][n] for s in SEEDS], axis=0)
        ax.plot(split[n][2], mean, color=colours[cell], lw=1.3,
                label=f"{cell.upper()} {chosen[cell]}, mean of {len(SEEDS)} seeds" if i == 0
                else None)
for i, n in enumerate(TESTS):
    ax.plot(split[n][2], ar9.predict(ar_split[n][0]), color=colours["AR(9)"], lw=1, ls="--",
            label="AR(9)" if i == 0 else None)
ax.axvline(1920.5, color="grey", ls=":", lw=1)
ax.axvline(1955.5, color="grey", ls=":", lw=1)
ax.set(xlabel="year", ylabel="sunspot number",
       title="One step ahead: each year predicted from the 12 true years before it")
ax.grid(alpha=0.3)
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
fig.savefig(out / NAME / "one_step.png", dpi=110)

fig = Figure(figsize=(9, 3.8))
ax = fig.subplots()
shown = (years >= 1940) & (years <= 1979)
ax.plot(years[shown], values[shown], color="black", lw=1.6, label="truth")
future = np.arange(1956, 1980)
for cell in CELLS:
    paths = np.array([runs[(cell, s)]["iterated"] for s in SEEDS])
    ax.fill_between(future, paths.min(axis=0), paths.max(axis=0), color=colours[cell],
                    alpha=0.15, lw=0)
    ax.plot(future, paths.mean(axis=0), color=colours[cell], lw=1.6,
            label=f"{cell.upper()} {chosen[cell]}: mean, and range of {len(SEEDS)} seeds")
ax.plot(future, ar9_iterated, color=colours["AR(9)"], lw=1.2, ls="--", label="AR(9)")
ax.axvline(1955.5, color="grey", ls=":", lw=1)
ax.set(xlabel="year", ylabel="sunspot number",
       title="1956-1979 iterated from 1955: every prediction fed back as an input")
ax.grid(alpha=0.3)
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
fig.savefig(out / NAME / "iterated.png", dpi=110)


# %% Write the section of RESULTS.md and the headline numbers
def verdict():
    """Honest sentences, read off the numbers: AR(9) on both periods, TAR on 1921-1955."""
    ar = baseline["AR(9)"]
    tar = PUBLISHED["TAR (Tong & Lim 1980)"][0]
    said = []
    for cell in CELLS:
        row = table[f"{cell.upper()} {chosen[cell]}"]
        m1, m2 = row[TESTS[0]]["mean"], row[TESTS[1]]["mean"]
        both = m1 < ar[TESTS[0]] and m2 < ar[TESTS[1]]
        beat = ("beats AR(9) on both periods" if both else
                "does not beat AR(9) on both periods" +
                "".join(f" ({n}: {m:.3f} against {ar[n]:.3f})"
                        for n, m in ((TESTS[0], m1), (TESTS[1], m2)) if m >= ar[n]))
        tar_said = (f"reaches TAR on 1921-1955 ({m1:.3f} < {tar})" if m1 < tar else
                    f"misses TAR on 1921-1955 by {m1 - tar:.3f} ({m1:.3f} against {tar})")
        said.append(f"On the ten-seed mean the {cell.upper()} {beat} and {tar_said}.")
        e = ensemble[cell]
        said.append(f"The ensemble of its ten seeds scores {e[TESTS[0]]:.3f} / "
                    f"{e[TESTS[1]]:.3f} ({'below' if e[TESTS[1]] < ar[TESTS[1]] else 'not below'}"
                    f" AR(9) on 1956-1979).")
    top = values[years <= 1920].max()
    above = int((truth_iter > top).sum())
    said.append(f"1956-1979 is the hard period for every model here: {above} of its 24 years "
                f"lie above the largest value of the training years ({top:.1f}), outside "
                f"the range the networks saw (scaled inputs above 1), where a linear "
                f"model extrapolates and saturating units do not.")
    return " ".join(said)


elapsed = time.perf_counter() - started
command = f"OPENBLAS_NUM_THREADS=1 python examples/{NAME}.py" + (" --quick" if args.quick else "")
cli = {cell: (f"python -m models forecast --split weigend --cell {cell} --hidden "
              f"{chosen[cell]} --epochs {EPOCHS} --lr {LR:g} --final-lr {FINAL_LR:g} "
              f"--batch-size {BATCH} --clip {CLIP:g} --seed 0") for cell in CELLS}
iterated_text = ", ".join(f"{c.upper()} {iterated[c]['mean']:.3f} ± {iterated[c]['std']:.3f} "
                          f"(best {iterated[c]['best']:.3f})" for c in CELLS)
section = f"""## 10. Sunspots: the Weigend split, AR(9), TAR and the 12-8-1 network

`{command}`: {elapsed / 60:.1f} min on this machine, {time.process_time() / 60:.1f} min of
CPU time ({os.cpu_count()} CPU cores, {platform.machine()}, shared with other jobs: load
average {load_at_start:.1f} when it started).

Benchmark of Weigend, Huberman & Rumelhart, "Predicting the future: a connectionist
approach", Int. J. Neural Systems 1 (1990): yearly sunspot numbers (`models/data/sunspots.csv`),
trained on 1700-1920, each year of 1921-1955 and 1956-1979 predicted from the 12 true
years before it. **ARV = MSE / sigma^2 with sigma^2 = {variance:.1f}, the population
variance of the whole series 1700-1979 on the original scale** (sunspot number
squared), the same sigma^2 for both periods; the networks see the values scaled to
[0, 1] by the minimum and maximum of 1700-1920, and their predictions are scaled back
before scoring (ARV is the same on any affine scale).

Forecasters: `Forecaster` (one {"/".join(c.upper() for c in CELLS)} layer, then Linear),
Adam from lr {LR:g} decayed exponentially to {FINAL_LR:g} over {EPOCHS} epochs, batch {BATCH},
gradient norm clipped to {CLIP:g}, no early stopping. The hidden size was chosen among
{", ".join(map(str, SIZES))} by the mean validation ARV of {len(SELECTION_SEEDS)} seeds trained
on 1700-1890 and validated on 1891-1920, so the test years chose nothing:
{", ".join(f"{c.upper()} {h} units" for c, h in chosen.items())}
(validation ARV {", ".join(f"{c.upper()} {h}: {v:.3f}" for (c, h), v in selection.items())};
AR(9) fitted on 1700-1890 scores {ar9_validation:.3f} there).
Ten seeds each (0-9) then train on all of 1700-1920. "Best" is the lowest seed in
each column: it is picked on the test years, so only the mean is a fair estimate.

{chr(10).join(lines)}

The 12-8-1 net (ours) has the published network's shape (12 inputs, 8 tanh units, one
linear output) and the forecasters' training recipe; it lacks Weigend et al.'s weight
elimination. The AR(9) row of this run is the quoted figure recomputed.

Iterated forecast of 1956-1979 from 1955 (24 years, each prediction fed back as the
newest input; ARV against the same sigma^2): AR(9) {ar9_iterated_arv:.3f}, {iterated_text}.

![one step ahead, 1921-1979](lessons/{NAME}/one_step.png)

![1956-1979 iterated from 1955](lessons/{NAME}/iterated.png)

{verdict()}

What was tried: the hidden size chosen on 1891-1920 (above), ten seeds, and the
ensemble of the ten. Before this recipe was fixed, a few variants were run with the
test years in view (so they cannot count as results): constant learning rates, 8 to 32
units, 100 to 200 epochs; their ten-seed means on 1956-1979 ranged from about 0.30 to
0.37, on either side of AR(9), while every one of them was below AR(9) on 1921-1955.
Choosing among them by the test years would have been tuning on the test set; the
recipe above was fixed without that choice.

One seed from the command line (prints the same two ARVs as that seed's run here, next
to AR(9), persistence and the published figures; `--seed N` for the others):
{chr(10).join(f"`{c}`" + chr(10) for c in cli.values())}
"""
(out / f"{NAME}.md").write_text(section)
summary = {"quick": args.quick, "elapsed_s": round(elapsed, 1),
           "cpu_s": round(time.process_time(), 1), "variance": variance,
           "epochs": EPOCHS, "lr": LR, "final_lr": FINAL_LR, "batch_size": BATCH,
           "clip": CLIP, "lags": LAGS, "chosen_hidden": chosen, "seeds": list(SEEDS),
           "baselines": baseline, "published": PUBLISHED,
           "table": table, "ensemble": ensemble, "iterated": iterated,
           "ar9_iterated": ar9_iterated_arv, "ar9_validation": ar9_validation,
           "selection": {f"{c} {h}": v for (c, h), v in selection.items()},
           "per_seed": {f"{c} seed {s}": runs[(c, s)]["arv"] for c, s in runs},
           "cli": cli}
(out / f"{NAME}.json").write_text(json.dumps(summary, indent=1))
print(f"\n{elapsed:.0f} s; wrote {out / NAME}.md, {out / NAME}.json and {out / NAME}/*.png")
