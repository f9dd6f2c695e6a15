"""06: vanishing and exploding gradients, measured, bounded and clipped.

What you will see: how much of the gradient of a loss at the last of 100 steps reaches
each earlier hidden state, ||dL/dh_t|| against the lag T - t, for a tanh RNN, an LSTM
and a GRU (hidden 64, five seeds); then the tanh RNN with its recurrent matrix set to
a scaled orthogonal one (largest singular value 0.5 ... 2.0), the measured per-step
factor next to the bound of Pascanu, Mikolov & Bengio (2013); and finally a training
run whose gradient explodes (loss inf), and the same run rescued by gradient-norm
clipping (their Algorithm 1, ``mg.nn.utils.clip_grad_norm_``).

    python examples/06_vanishing_gradients.py            # full mode (about a minute)
    python examples/06_vanishing_gradients.py --quick    # shorter (for the tests)

Writes DIR/06_vanishing_gradients.md (its section of docs/RESULTS.md), .json (headline
numbers) and DIR/06_vanishing_gradients/*.png; DIR is --out (default docs/lessons).

Step through it:  python -m pdb examples/06_vanishing_gradients.py --quick
"""
# %% [markdown]
# # 06. Vanishing and exploding gradients
# Back-propagation through time multiplies one Jacobian per step:
#     dL/dh_{t-1} = (dh_t/dh_{t-1})^T dL/dh_t,   dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh
# for a tanh RNN. If every factor shrinks the vector, the gradient that reaches step 1
# from a loss at step 100 is a product of 99 shrinkings: it vanishes exponentially
# (Hochreiter 1991; Bengio, Simard & Frasconi 1994). The LSTM's cell state adds
# instead of multiplying: dc_{t-1} gets f_t * dc_t, so the forget gate f sets the
# rate. Below: that, measured with the engine's own gradients
# (``mg.nn.utils.state_grad_norms``), then the bound, then an explosion and its cure.

# %% Settings
import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure     # no pyplot: no window, no backend to choose

import minigrad as mg
import minigrad.nn.functional as F

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="a short run (for the tests)")
parser.add_argument("--out", default="docs/lessons", help="output folder (default: docs/lessons)")
args = parser.parse_args()
NAME = "06_vanishing_gradients"
out = Path(args.out)
(out / NAME).mkdir(parents=True, exist_ok=True)
started, load_at_start = time.perf_counter(), os.getloadavg()[0]

T, HIDDEN, FEATURES = 100, 64, 64        # the settings: hidden 64, T = 100
SEEDS = range(5)
BATCH = 8 if args.quick else 32
SIGMAS = (0.5, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0)
ITERATIONS = 500 if args.quick else 1500  # the training run of part 3, with SGD at
LR = 0.1
COLOURS = {"RNN": "#d7191c", "LSTM": "#2166ac", "GRU": "#1a9641"}


# %% 1. How far back does a last-step loss reach? RNN, LSTM, GRU at initialisation
def make_layer(kind, seed, forget_bias=None):
    """A fresh float64 layer (PyTorch's init); an LSTM may get its forget gate's bias
    set (gate order i, f, g, o: the rows H..2H of the bias)."""
    mg.manual_seed(seed)
    layer = getattr(mg.nn, kind)(FEATURES, HIDDEN, dtype="float64")
    if forget_bias is not None:
        layer.bias_ih_l0.array[HIDDEN:2 * HIDDEN] = forget_bias   # outside any graph
        layer.bias_hh_l0.array[HIDDEN:2 * HIDDEN] = 0.0
    return layer


def last_step_grad_norms(layer, seed, input_scale=1.0):
    """||dL/dh_t|| for t = 1..T, shape (T, BATCH), L = the MSE of a linear read-out
    of h_T against a random target: a loss at the last step only."""
    data = np.random.default_rng(1000 + seed)
    x = mg.tensor(input_scale * data.standard_normal((T, BATCH, FEATURES)))
    y = mg.tensor(data.standard_normal((BATCH, 1)))
    mg.manual_seed(2000 + seed)
    head = mg.nn.Linear(HIDDEN, 1, dtype="float64")
    norms = mg.nn.utils.state_grad_norms(layer, x, lambda out, state: F.mse_loss(head(out[-1]), y))
    return norms.states[0]["h"]


def carry_gate(kind, layer, seed):
    """The mean of the gate that carries the state from step to step at init: the
    LSTM's forget gate f, the GRU's update gate z (h_t = (1 - z) n + z h_{t-1})."""
    if kind == "RNN":
        return None
    x = mg.tensor(np.random.default_rng(1000 + seed).standard_normal((T, BATCH, FEATURES)))
    with mg.no_grad(), mg.nn.utils.record_states() as rec:
        layer(x)
    return float(rec[layer][0]["f" if kind == "LSTM" else "z"].mean())


MODELS = [("RNN", "RNN", None), ("LSTM", "LSTM", None), ("LSTM, b_f = 1", "LSTM", 1.0),
          ("LSTM, b_f = 3", "LSTM", 3.0), ("GRU", "GRU", None)]
decay = {}
print(f"Loss at step {T} only; ||dL/dh_t|| averaged over {BATCH} sequences, {len(SEEDS)} seeds")
print(f"{'model':>14} {'ratio ||dL/dh_1|| / ||dL/dh_T|| (per seed)':>58} {'per step':>9} "
      f"{'carry gate':>11}")
for label, kind, fb in MODELS:
    curves, ratios, gates = [], [], []
    for seed in SEEDS:
        layer = make_layer(kind, seed, fb)
        h = last_step_grad_norms(layer, seed)
        curves.append(np.log10(h / h[-1]).mean(axis=1))      # per step, log of the ratio
        ratios.append(float(np.exp(np.log(h[0] / h[-1]).mean())))  # geometric mean over batch
        gates.append(carry_gate(kind, layer, seed))
    geo = float(np.exp(np.mean(np.log(ratios))))
    decay[label] = dict(curves=np.array(curves), ratios=ratios, ratio=geo,
                        per_step=geo ** (1 / (T - 1)),
                        gate=None if gates[0] is None else float(np.mean(gates)))
    d = decay[label]
    gate = "-" if d["gate"] is None else f"{'f' if kind == 'LSTM' else 'z'} = {d['gate']:.3f}"
    per_seed = " ".join(f"{r:9.1e}" for r in ratios)
    print(f"{label:>14} {per_seed:>58} {d['per_step']:9.3f} {gate:>11}")

# %% The picture: log ||dL/dh_t|| against the lag
fig = Figure(figsize=(7.5, 4.4))
ax = fig.subplots()
lag = np.arange(T)[::-1]                  # step t = 1..T has lag T - t = T-1..0
styles = {"LSTM, b_f = 1": "--", "LSTM, b_f = 3": ":"}
for label, kind, _ in MODELS:
    c = decay[label]["curves"]
    ax.fill_between(lag, c.min(axis=0), c.max(axis=0), color=COLOURS[kind], alpha=0.18, lw=0)
    ax.plot(lag, c.mean(axis=0), color=COLOURS[kind], ls=styles.get(label, "-"), lw=1.8,
            label=f"{label}: ratio {decay[label]['ratio']:.0e}")
ax.set_xlabel("lag T - t (steps back from the loss)")
ax.set_ylabel("log10 ||dL/dh_t|| / ||dL/dh_T||")
ax.set_title(f"Gradient of a loss at step {T} reaching back, at initialisation\n"
             f"hidden {HIDDEN}, mean and range over {len(SEEDS)} seeds", fontsize=10)
ax.set_xlim(0, T - 1)
ax.grid(alpha=0.3)
ax.legend(fontsize=8, loc="lower left")
fig.tight_layout()
fig.savefig(out / NAME / "decay.png", dpi=110)


# %% 2. The bound: tanh RNN, W_hh = sigma * (a random orthogonal matrix)
# Every singular value of W_hh is then sigma, and |tanh'| <= 1, so each step can
# multiply the gradient's norm by at most sigma_max(W_hh) * max|tanh'| = sigma
# (Pascanu et al. 2013, section 2.1, gamma = 1): below 1 it *must* vanish. Above 1 it
# may grow, but need not: saturated units (tanh' ~ 0) pull the factor down. The
# inputs decide how saturated the units are, so the sweep runs with inputs of
# standard deviation 1 and 0.1.
def rnn_with_sigma(sigma, seed):
    layer = make_layer("RNN", seed)
    mg.nn.init.orthogonal_(layer.weight_hh_l0, gain=sigma)
    return layer


INPUT_SCALES = (1.0, 0.1)
sweep = {}
print(f"\nTanh RNN, W_hh = sigma * orthogonal; measured mean per-step factor "
      f"(||dL/dh_1|| / ||dL/dh_T||)^(1/{T - 1}) and the largest single step, {len(SEEDS)} seeds")
print(f"{'sigma_max':>9} {'bound':>6} " + " ".join(f"{'mean (x~' + str(s) + ')':>13} "
                                                   f"{'max step':>9}" for s in INPUT_SCALES))
for sigma in SIGMAS:
    row = {}
    for scale in INPUT_SCALES:
        means, steps, curves = [], [], []
        for seed in SEEDS:
            h = last_step_grad_norms(rnn_with_sigma(sigma, seed), seed, scale)
            means.append(float(np.exp(np.log(h[0] / h[-1]).mean() / (T - 1))))
            steps.append(float((h[:-1] / h[1:]).max()))           # one step back, worst case
            curves.append(np.log10(h / h[-1]).mean(axis=1))
        row[scale] = dict(mean=float(np.exp(np.mean(np.log(means)))), max_step=max(steps),
                          curve=np.mean(curves, axis=0))
    sweep[sigma] = row
    print(f"{sigma:9.1f} {sigma:6.2f} " + " ".join(
        f"{row[x]['mean']:13.3f} {row[x]['max_step']:9.3f}" for x in INPUT_SCALES))

# %% The picture: the decay for each sigma, and the measured factor against the bound
fig = Figure(figsize=(10, 4.2))
left, right = fig.subplots(1, 2)
shades = [(0.15 + 0.7 * i / (len(SIGMAS) - 1)) for i in range(len(SIGMAS))]
for sigma, shade in zip(SIGMAS, shades):
    left.plot(lag, sweep[sigma][1.0]["curve"], color=(shade, 0.2, 1 - shade), lw=1.6,
              label=f"sigma_max {sigma:g}")
left.set_xlabel("lag T - t")
left.set_ylabel("log10 ||dL/dh_t|| / ||dL/dh_T||")
left.set_title("tanh RNN, inputs of std 1", fontsize=10)
left.set_xlim(0, T - 1)
left.grid(alpha=0.3)
left.legend(fontsize=7, loc="lower left")
grid = np.linspace(0.4, 2.1, 50)
right.plot(grid, grid, color="#555555", ls="--", lw=1.2, label="bound: sigma_max * max|tanh'|")
right.axhline(1.0, color="#999999", ls=":", lw=1)
for scale, marker in zip(INPUT_SCALES, ("o", "s")):
    right.plot(SIGMAS, [sweep[s][scale]["mean"] for s in SIGMAS], marker=marker, lw=1.4,
               color=COLOURS["RNN"] if scale == 1.0 else "#fdae61",
               label=f"measured mean, inputs of std {scale:g}")
right.set_xlabel("sigma_max(W_hh)")
right.set_ylabel("per-step factor of ||dL/dh_t||")
right.set_title("Pascanu, Mikolov & Bengio 2013: vanishing is\nguaranteed below 1",
                fontsize=10)
right.grid(alpha=0.3)
right.legend(fontsize=8, loc="upper left")
fig.tight_layout()
fig.savefig(out / NAME / "sweep.png", dpi=110)


# %% 3. Exploding gradients in a real training run, and clipping (Algorithm 1)
# Task (short memory, easy for a tanh RNN): read x_t ~ U[-1, 1] and output
# y_t = x_t + x_{t-2} at every one of 100 steps (MSE; predicting 0 scores 2/3).
# The run starts with W_hh = 2 * orthogonal and small inputs: the regime where the
# sweep measured growth. Plain SGD, lr 0.1. Clipping rescales the whole gradient to
# norm 1 whenever it is longer (Pascanu et al. 2013, Algorithm 1):
#     g <- dL/dtheta;  if ||g|| >= threshold: g <- (threshold / ||g||) g
def echo_batch(rng, batch=32):
    x = rng.uniform(-1, 1, (T + 2, batch, 1))
    return mg.tensor(x[2:].astype(np.float32)), mg.tensor((x[2:] + x[:-2]).astype(np.float32))


def train(sigma=None, clip=None, iterations=ITERATIONS, lr=LR, seed=0):
    """Train RNN(1, 64) + Linear(64, 1) with SGD; W_hh = sigma * orthogonal (or
    PyTorch's init when sigma is None); return the loss and gradient norm (before
    clipping) of every iteration, stopping at the first non-finite loss."""
    mg.manual_seed(seed)
    rnn, head = mg.nn.RNN(1, HIDDEN), mg.nn.Linear(HIDDEN, 1)
    if sigma is not None:
        mg.nn.init.orthogonal_(rnn.weight_hh_l0, gain=sigma)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = mg.optim.SGD(params, lr=lr)
    data = np.random.default_rng(seed + 1)
    losses, norms = [], []
    with np.errstate(over="ignore", invalid="ignore"):    # an explosion overflows
        for _ in range(iterations):
            x, y = echo_batch(data)
            out, _ = rnn(x)
            loss = F.mse_loss(head(out.reshape(-1, HIDDEN)), y.reshape(-1, 1))
            opt.zero_grad()
            loss.backward()
            norms.append(mg.nn.utils.clip_grad_norm_(params, clip if clip else math.inf))
            losses.append(loss.item())
            if not math.isfinite(losses[-1]) or not math.isfinite(norms[-1]):
                break
            opt.step()
    return dict(loss=losses, norm=norms, sigma=sigma, clip=clip)


RUNS = {"W_hh = 2 * orthogonal, no clipping": train(sigma=2.0),
        "W_hh = 2 * orthogonal, clipped at 1": train(sigma=2.0, clip=1.0),
        "PyTorch's init, no clipping (the task is easy)": train()}
print(f"\nEcho task y_t = x_t + x_(t-2), T = {T}, SGD lr {LR:g}, batch 32, {ITERATIONS} iterations")
print(f"{'run':>47} {'iterations':>10} {'first ||g||':>12} {'max ||g||':>10} "
      f"{'final loss':>11} {'first non-finite loss':>22}")
for label, r in RUNS.items():
    r["blew_up_at"] = next((i + 1 for i, v in enumerate(r["loss"]) if not math.isfinite(v)), None)
    r["final"] = r["loss"][-1]
    r["tail"] = float(np.mean(r["loss"][-50:]))
    r["clipped_late"] = float(np.mean(np.array(r["norm"][-100:]) > 1.0))
    r["left_regime"] = next((i + 1 for i, n in enumerate(r["norm"]) if n < 1e3), None)
    print(f"{label:>47} {len(r['loss']):10d} {r['norm'][0]:12.3g} {max(r['norm']):10.3g} "
          f"{r['final']:11.4g} {str(r['blew_up_at'] or '-'):>22}")

# %% The picture: loss and gradient norm per iteration
fig = Figure(figsize=(10, 4.2))
left, right = fig.subplots(1, 2)
run_style = dict(zip(RUNS, [("#d7191c", "-"), ("#2166ac", "-"), ("#777777", ":")]))
for label, r in RUNS.items():
    colour, ls = run_style[label]
    its = np.arange(1, len(r["loss"]) + 1)
    finite = np.isfinite(r["loss"])
    left.plot(its[finite], np.array(r["loss"])[finite], color=colour, ls=ls, lw=1.3, label=label)
    right.plot(its, np.minimum(r["norm"], 1e30), color=colour, ls=ls, lw=1.1, label=label)
    if r["blew_up_at"]:
        for ax in (left, right):
            ax.axvline(r["blew_up_at"], color=colour, lw=0.8, alpha=0.6)
        left.annotate(f"off the scale: loss {r['loss'][-2]:.0e} at iteration "
                      f"{r['blew_up_at'] - 1},\n{r['loss'][-1]} at iteration {r['blew_up_at']}",
                      (r["blew_up_at"], 300), xytext=(r["blew_up_at"] * 1.5, 30), fontsize=8,
                      color=colour, arrowprops=dict(arrowstyle="->", color=colour))
left.axhline(2 / 3, color="#555555", ls="--", lw=1, label="predict 0 (2/3)")
right.axhline(1.0, color="#2166ac", ls="--", lw=1, label="clipping threshold 1")
for ax, name in ((left, "training loss (MSE)"), (right, "gradient norm ||g|| before clipping")):
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel(name)
    ax.grid(alpha=0.3, which="both")
left.set_ylim(1e-3, 1e3)
left.legend(fontsize=7, loc="lower left")
fig.suptitle(f"Tanh RNN, hidden {HIDDEN}, T = {T}, plain SGD lr {LR:g}: exploding gradients "
             "and norm clipping", fontsize=10)
fig.tight_layout()
fig.savefig(out / NAME / "clipping.png", dpi=110)

# %% Write the section of RESULTS.md and the headline numbers
elapsed = time.perf_counter() - started
command = f"OPENBLAS_NUM_THREADS=1 python examples/{NAME}.py" + (" --quick" if args.quick else "")
rnn, lstm, gru = decay["RNN"], decay["LSTM"], decay["GRU"]
decay_rows = "\n".join(
    f"| {label} | {d['ratio']:.1e} | {min(d['ratios']):.1e} ... {max(d['ratios']):.1e} | "
    f"{d['per_step']:.3f} | {'-' if d['gate'] is None else format(d['gate'], '.3f')} |"
    for label, d in decay.items())
sweep_rows = "\n".join(
    f"| {s:g} | {s:.2f} | " + " | ".join(
        f"{sweep[s][x]['mean']:.3f} | {sweep[s][x]['max_step']:.3f}" for x in INPUT_SCALES)
    + " |" for s in SIGMAS)
run_rows = "\n".join(
    f"| {label} | {len(r['loss'])} | {r['norm'][0]:.3g} | {max(r['norm']):.3g} | "
    f"{r['final']:.4g} | {r['blew_up_at'] or '-'} |" for label, r in RUNS.items())
bad, good, easy = RUNS.values()
above = [s for s in SIGMAS if any(sweep[s][x]["max_step"] > s * (1 + 1e-9) for x in INPUT_SCALES)]
within_bound = ("No measured step exceeded the bound" if not above else
                f"A step exceeded the bound at sigma {above} (an error: the bound is a theorem)")
grew = [s for s in SIGMAS if sweep[s][0.1]["mean"] > 1]
grew_1 = [s for s in SIGMAS if sweep[s][1.0]["mean"] > 1]
section = f"""## 06. Vanishing and exploding gradients

`{command}`: {elapsed / 60:.1f} min on this machine ({os.cpu_count()} CPU cores,
{platform.machine()}, shared with other jobs: load average {load_at_start:.1f} when it
started).

**How far back a last-step loss reaches.** One layer (PyTorch's initialisation), hidden
{HIDDEN}, {FEATURES} input features of N(0, 1), T = {T}, the loss (MSE of a linear read-out
of h_T) at the last step only; ||dL/dh_t|| from `mg.nn.utils.state_grad_norms` (the
engine's own BPTT), {BATCH} sequences per seed, {len(SEEDS)} seeds, float64. The ratio is
the geometric mean over sequences and seeds; the per-step factor is ratio^(1/{T - 1}); the
carry gate is the mean forget gate f (LSTM) or update gate z (GRU) over the sequence.
"b_f" is the forget gate's bias (0 by PyTorch's default init; 1 is the usual
recommendation, Jozefowicz, Zaremba & Sutskever 2015).

| model | ratio ‖dL/dh_1‖ / ‖dL/dh_T‖ | range over seeds | per-step factor | carry gate |
|---|---|---|---|---|
{decay_rows}

![log gradient norm against the lag](lessons/{NAME}/decay.png)

The tanh RNN's gradient falls by a factor {rnn['per_step']:.2f} per step, to
{rnn['ratio']:.0e} of its size after {T - 1} steps: the exponential decay of Hochreiter
(1991) and Bengio, Simard & Frasconi (1994). At initialisation the gated cells vanish too,
only more slowly ({lstm['ratio']:.0e} for the LSTM, {gru['ratio']:.0e} for the GRU, i.e.
{math.log10(lstm['ratio'] / rnn['ratio']):.0f} and {math.log10(gru['ratio'] / rnn['ratio']):.0f}
orders of magnitude more than the RNN): with PyTorch's init the forget gate sits near
{lstm['gate']:.2f}, and along the cell state each step multiplies the gradient by about f.
The per-step factor follows the carry gate (f = {decay['LSTM, b_f = 1']['gate']:.2f} gives
{decay['LSTM, b_f = 1']['per_step']:.2f}, f = {decay['LSTM, b_f = 3']['gate']:.2f} gives
{decay['LSTM, b_f = 3']['per_step']:.2f} per step), so the LSTM's memory is something it
can *set*: a larger forget bias, or training (lessons 07-09), opens the gate, and at
f = 1 (Hochreiter & Schmidhuber's 1997 cell had no forget gate) the error flows back
unchanged: the constant error carousel.

**The bound of Pascanu, Mikolov & Bengio (2013).** Tanh RNN, W_hh = sigma times a random
orthogonal matrix (every singular value is sigma), the same loss; mean per-step factor
(||dL/dh_1|| / ||dL/dh_T||)^(1/{T - 1}) and the largest single step
||dL/dh_(t-1)|| / ||dL/dh_t|| seen, for inputs of standard deviation 1 and 0.1. The bound
per step is sigma_max(W_hh) * max|tanh'| = sigma_max (their section 2.1, gamma = 1 for
tanh): below 1 the gradient must vanish; above 1 it may explode (necessary, not
sufficient).

| sigma_max(W_hh) | bound | mean factor, inputs std 1 | largest step, std 1 | \
mean factor, inputs std 0.1 | largest step, std 0.1 |
|---|---|---|---|---|---|
{sweep_rows}

![the sweep against the bound](lessons/{NAME}/sweep.png)

{within_bound},
and for every sigma_max < 1 the gradient vanished, as the bound guarantees. The bound is
nearly tight when the inputs are small and the units stay in tanh's linear range (std
0.1: the mean factor is within {max(s - sweep[s][0.1]['mean'] for s in SIGMAS if s <= 1):.2f}
of sigma for sigma <= 1), and the gradient grew for sigma_max in {grew}. With inputs of
std 1 the units saturate (tanh' < 1), the factor stays well under the bound, and the
gradient grew only for sigma_max in {grew_1 or 'none of the values'}: above 1, the bound
allows explosion but does not force it, exactly as the paper says.

**Exploding gradients in a training run, and clipping.** A tanh RNN (1 input, hidden
{HIDDEN}) + Linear learns the echo task y_t = x_t + x_(t-2), x_t ~ U[-1, 1], loss (MSE) at
every one of T = {T} steps, plain SGD with lr {LR:g}, batch 32, {ITERATIONS} iterations, a
fresh batch each. It starts with W_hh = 2 * orthogonal, where the sweep above measured
growth. Clipping is Pascanu et al.'s Algorithm 1 (`mg.nn.utils.clip_grad_norm_(params, 1.0)`:
if ||g|| >= 1, g <- g / ||g||); the runs are the same model, data and seed.

| run | iterations run | first ‖g‖ | largest ‖g‖ | last loss | first non-finite loss at |
|---|---|---|---|---|---|
{run_rows}

![loss and gradient norm per iteration](lessons/{NAME}/clipping.png)

Without clipping, the first gradient has norm {bad['norm'][0]:.1e}, so SGD's first step
moves the weights by lr * ||g|| = {LR * bad['norm'][0]:.1e}; from there the loss grows by
orders of magnitude per iteration ({bad['loss'][-2]:.0e} at iteration
{bad['blew_up_at'] - 1}) and is {bad['loss'][-1]} at iteration {bad['blew_up_at']}: the run is
lost. With clipping the
same start stays finite: every step has length at most lr * 1, the gradient norm
falls from {good['norm'][0]:.1e} to {good['norm'][-1]:.2g} as the weights leave the
exploding regime, and the loss ends at {good['final']:.3g} (mean of the last 50
iterations {good['tail']:.3g}; predicting 0 scores 0.667). The same task from PyTorch's
gentler init, unclipped, reaches {easy['tail']:.3g}: clipping rescued the run, but did
not make it as good in {ITERATIONS} iterations. The gradient is still longer than the
threshold in {good['clipped_late']:.0%} of the last 100 iterations, so SGD still moves at
the fixed step length lr * 1, and the first ~{good['left_regime']} iterations went into
leaving the exploding regime (||g|| > 1000).
"""
(out / f"{NAME}.md").write_text(section)
summary = {"quick": args.quick, "elapsed_s": round(elapsed, 1), "T": T, "hidden": HIDDEN,
           "decay": {label: dict(ratio=d["ratio"], ratios=d["ratios"], per_step=d["per_step"],
                                 gate=d["gate"]) for label, d in decay.items()},
           "sweep": {str(s): {str(x): {k: sweep[s][x][k] for k in ("mean", "max_step")}
                              for x in INPUT_SCALES} for s in SIGMAS},
           "clipping": {key: dict(iterations=len(r["loss"]), first_norm=r["norm"][0],
                                  max_norm=max(r["norm"]), blew_up_at=r["blew_up_at"],
                                  final_loss=r["final"] if math.isfinite(r["final"]) else None,
                                  tail_loss=r["tail"] if math.isfinite(r["tail"]) else None,
                                  share_clipped_late=r["clipped_late"])
                        for key, r in zip(("unclipped", "clipped", "default_init"), RUNS.values())}}
(out / f"{NAME}.json").write_text(json.dumps(summary, indent=1))
print(f"\n{elapsed:.0f} s; wrote {out / NAME}.md, {out / NAME}.json and {out / NAME}/*.png")
