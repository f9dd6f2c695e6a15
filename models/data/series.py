"""Time series for forecasting: the yearly sunspot numbers, windows and scaling.

    years, values = load_sunspots()                  # 1700..1988, 289 values
    train, val = split_series(values, 0.2)           # contiguous: the tail validates
    scaler = Scaler("minmax").fit(train)             # statistics of the train part only
    X, y = make_windows(scaler.transform(train), n_lags=12)   # (N, 12), (N, 1)
    # validation windows may look back into the train part:
    Xv, yv = make_windows(scaler.transform(np.concatenate([train[-12:], val])), 12)
    # an RNN wants (T, B, F): X.T[:, :, None]

Fitting the scaler on the training part only matters: statistics taken over the
validation years would leak their future into training.

The classic benchmark split (Weigend, Huberman & Rumelhart, 1990) trains on 1700-1920
and tests one step ahead on 1921-1955 and 1956-1979, scored by ARV
(``models.metrics.arv``) against the variance of 1700-1979::

    split = weigend_split(years, scaler.transform(values), n_lags=12)
    x, y, target_years = split["1921-1955"]      # windows whose target is in 1921-1955
    variance = weigend_variance(years, values)   # of 1700-1979, in sunspot units
"""
from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np

from models.data.text import split_train_val

__all__ = ["load_sunspots", "make_windows", "Scaler", "split_series", "period_windows",
           "weigend_split", "weigend_variance", "WEIGEND_PERIODS"]

#: Weigend, Huberman & Rumelhart (1990): train on 1700-1920, test on two later periods
#: (the quiet 1921-1955 and the unusually active 1956-1979). Years are inclusive.
WEIGEND_PERIODS = {"1700-1920": (1700, 1920), "1921-1955": (1921, 1955),
                   "1956-1979": (1956, 1979)}


def load_sunspots(dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """The yearly sunspot numbers 1700-1988: ``(years int64 (289,), values (289,))``.

    Shipped with the package as ``models/data/sunspots.csv``, taken from the
    statsmodels ``sunspots`` dataset (public domain, NOAA's National Geophysical Data
    Center); see the header of the file."""
    text = resources.files("models.data").joinpath("sunspots.csv").read_text(encoding="utf-8")
    years, values = [], []
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#") or line == "year,value":
            continue
        try:
            year, value = line.split(",")
            years.append(int(year))
            values.append(float(value))
        except ValueError:
            raise ValueError(f"load_sunspots: sunspots.csv line {lineno} is not "
                             f"'year,value': {line!r}") from None
    return np.array(years, dtype=np.int64), np.array(values, dtype=dtype)


def split_series(values: Any, val_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Contiguous split of a series: the last ``val_fraction`` of it validates (a
    forecaster is judged on years after the ones it learned from)."""
    return split_train_val(np.asarray(values), val_fraction)


def make_windows(values: Any, n_lags: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Supervised pairs from a 1-D series: ``X[i] = values[i : i+n_lags]`` (the past)
    and ``y[i] = values[i+n_lags : i+n_lags+horizon]`` (what follows).

    Returns X (N, n_lags) and y (N, horizon), N = len - n_lags - horizon + 1, copies
    in the dtype of ``values``."""
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"make_windows: values must be 1-D, got shape {values.shape}")
    if n_lags < 1 or horizon < 1:
        raise ValueError(f"make_windows: n_lags and horizon must be >= 1, "
                         f"got {n_lags} and {horizon}")
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        at = int(np.flatnonzero(~np.isfinite(values))[0])
        raise ValueError(f"make_windows: values[{at}] is {values[at]}; a series with NaN or "
                         f"infinity cannot train a model (fill or drop the gap first)")
    n = len(values) - n_lags - horizon + 1
    if n < 1:
        raise ValueError(f"make_windows: a series of {len(values)} values is too short for "
                         f"n_lags={n_lags} and horizon={horizon}")
    win = np.lib.stride_tricks.sliding_window_view(values, n_lags + horizon)[:n]
    return win[:, :n_lags].copy(), win[:, n_lags:].copy()


def period_windows(years: Any, values: Any, first: int, last: int,
                   n_lags: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The windows whose *target* year lies in ``first..last`` (inclusive): one-step-ahead
    pairs ``x`` (N, n_lags), the ``n_lags`` values just before each target (they may
    lie before ``first``: a test year is predicted from the true past, as in the
    literature), ``y`` (N, 1) and the target years (N,). A target needs a full window
    behind it, so a period at the start of the series begins ``n_lags`` years late."""
    years, values = np.asarray(years), np.asarray(values)
    if years.shape != values.shape or years.ndim != 1:
        raise ValueError(f"period_windows: years and values must be 1-D and of equal length, "
                         f"got {years.shape} and {values.shape}")
    if len(years) > 1 and not (np.diff(years) == 1).all():
        raise ValueError("period_windows: years must be consecutive (one value per year)")
    x, y = make_windows(values, n_lags)
    target_years = years[n_lags:]
    keep = (target_years >= first) & (target_years <= last)
    if not keep.any():
        raise ValueError(f"period_windows: no target year in {first}-{last} with {n_lags} "
                         f"years before it (the series covers {years[0]}-{years[-1]})")
    return x[keep], y[keep], target_years[keep]


def weigend_split(years: Any, values: Any,
                  n_lags: int = 12) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``{"1700-1920": (x, y, target_years), "1921-1955": ..., "1956-1979": ...}``: the
    windows of each period of ``WEIGEND_PERIODS`` (``period_windows``). Pass the values
    already scaled (by a Scaler fitted on the training years) to get scaled windows."""
    return {name: period_windows(years, values, first, last, n_lags)
            for name, (first, last) in WEIGEND_PERIODS.items()}


def weigend_variance(years: Any, values: Any) -> float:
    """The variance that normalises the sunspot ARV: of the whole series Weigend et al.
    used, 1700-1979, population variance (divided by N), on the scale of ``values``
    (1,495.6 for the sunspot numbers). Their ARVs, and the AR(9) figures quoted with them,
    use this one variance for both test periods."""
    years, values = np.asarray(years), np.asarray(values, dtype=np.float64)
    first, last = WEIGEND_PERIODS["1700-1920"][0], WEIGEND_PERIODS["1956-1979"][1]
    keep = (years >= first) & (years <= last)
    if keep.sum() != last - first + 1:
        raise ValueError(f"weigend_variance: the series must cover {first}-{last}")
    return float(values[keep].var())


class Scaler:
    """Affine scaling of values, fitted on the training part only.

    ``"minmax"``: x -> (x - min) / (max - min) * (hi - lo) + lo, into ``feature_range``
    (default [0, 1]). ``"standard"``: x -> (x - mean) / std. A constant series gets a
    scale of 1 (no division by zero). ``inverse_transform`` undoes it exactly, which
    is how forecasts are reported in the original units. One set of statistics over
    all values (the series is univariate)."""

    def __init__(self, kind: str = "minmax", feature_range: tuple[float, float] = (0.0, 1.0)):
        if kind not in ("minmax", "standard"):
            raise ValueError(f"Scaler: kind must be 'minmax' or 'standard', got {kind!r}")
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"Scaler: feature_range must be (low, high) with low < high, "
                             f"got {feature_range}")
        self.kind = kind
        self.feature_range = (float(lo), float(hi))
        self.shift: float | None = None   # x_scaled = (x - shift) / scale (+ lo for minmax)
        self.scale: float | None = None

    def fit(self, values: Any) -> Scaler:
        v = np.asarray(values, dtype=np.float64)
        if v.size == 0:
            raise ValueError("Scaler.fit: no values")
        if not np.isfinite(v).all():
            raise ValueError("Scaler.fit: values contain NaN or infinity")
        if self.kind == "minmax":
            lo, hi = self.feature_range
            span = float(v.max() - v.min())
            self.shift = float(v.min())
            self.scale = (span / (hi - lo)) if span > 0 else 1.0
        else:
            std = float(v.std())
            self.shift = float(v.mean())
            self.scale = std if std > 0 else 1.0
        return self

    def _check(self, op: str) -> None:
        if self.scale is None:
            raise RuntimeError(f"Scaler.{op}: call fit(train_values) first")

    def _offset(self) -> float:
        return self.feature_range[0] if self.kind == "minmax" else 0.0

    def transform(self, values: Any) -> np.ndarray:
        self._check("transform")
        v = np.asarray(values)
        dtype = v.dtype if v.dtype.kind == "f" else np.float64
        return ((v - self.shift) / self.scale + self._offset()).astype(dtype, copy=False)

    def inverse_transform(self, values: Any) -> np.ndarray:
        self._check("inverse_transform")
        v = np.asarray(values.numpy() if hasattr(values, "numpy") else values)
        dtype = v.dtype if v.dtype.kind == "f" else np.float64
        return ((v - self._offset()) * self.scale + self.shift).astype(dtype, copy=False)

    def fit_transform(self, values: Any) -> np.ndarray:
        return self.fit(values).transform(values)

    def state_dict(self) -> dict:
        """Plain numbers, for a checkpoint (JSON-friendly)."""
        return {"kind": self.kind, "feature_range": list(self.feature_range),
                "shift": self.shift, "scale": self.scale}

    @classmethod
    def from_state_dict(cls, d: dict) -> Scaler:
        s = cls(d["kind"], tuple(d["feature_range"]))
        s.shift, s.scale = d["shift"], d["scale"]
        return s

    def __repr__(self) -> str:
        return f"Scaler({self.kind!r}, shift={self.shift}, scale={self.scale})"
