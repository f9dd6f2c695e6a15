"""Time-series forecasting: a window of past values -> the next value(s).

    fc = Forecaster(hidden_size=32, cell="lstm")
    y_hat = fc(x)                          # x (T, B, 1) past values -> (B, horizon)
    path = fc.forecast(history, steps=20)  # feed each prediction back as an input

The recurrent layer reads the window one value per step; a Linear layer maps its last
hidden state to the next ``horizon`` values. ``forecast`` goes further than the
horizon by sliding the window: each prediction becomes the newest input.
``forecaster_task`` turns windows of a series into a task for ``models.train.Trainer``.

``LinearAR`` is the classic baseline every forecaster is measured against: an
autoregressive model AR(p) fitted by least squares on the same windows.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg
from models.recurrent import CELLS, recurrent_layer
from models.task import SupervisedTask

__all__ = ["Forecaster", "forecaster_task", "LinearAR"]


class Forecaster(mg.nn.Module):
    """RNN/LSTM/GRU over a window of ``input_size``-dimensional values, then Linear to
    the next ``horizon`` values (of the first feature, the series being forecast)."""

    def __init__(self, input_size: int = 1, hidden_size: int = 32, num_layers: int = 1,
                 cell: str = "lstm", horizon: int = 1, dropout: float = 0.0):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"Forecaster: unknown cell {cell!r}: use one of {CELLS}")
        if min(input_size, hidden_size, num_layers, horizon) < 1:
            raise ValueError("Forecaster: sizes and horizon must be positive")
        self.config = {"input_size": input_size, "hidden_size": hidden_size,
                       "num_layers": num_layers, "cell": cell, "horizon": horizon,
                       "dropout": float(dropout)}
        self.input_size, self.horizon = input_size, horizon
        self.rnn = recurrent_layer(cell, input_size, hidden_size, num_layers, dropout)
        self.head = mg.nn.Linear(hidden_size, horizon)

    @classmethod
    def from_config(cls, config: dict) -> Forecaster:
        return cls(**config)

    def forward(self, x: Any) -> mg.Tensor:
        """x: (T, B, input_size), or (T, B) for one feature -> (B, horizon)."""
        x = x if isinstance(x, mg.Tensor) else mg.tensor(np.asarray(x, dtype=np.float32))
        if x.ndim == 2 and self.input_size == 1:
            x = x.unsqueeze(2)
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"Forecaster: expected input (T, B, {self.input_size}), "
                             f"got {x.shape}")
        out, _ = self.rnn(x)
        return self.head(out[-1])

    def predict(self, windows: Any) -> np.ndarray:
        """windows (B, T) or (B, T, F) as stored by ``make_windows`` -> (B, horizon)."""
        w = np.asarray(windows, dtype=np.float32)
        if w.ndim not in (2, 3):
            raise ValueError(f"Forecaster.predict: windows must be (B, T) or (B, T, F), got "
                             f"shape {w.shape} (one window: windows[None])")
        w = w[:, :, None] if w.ndim == 2 else w
        with mg.nn.eval_mode(self), mg.no_grad():
            return self(np.swapaxes(w, 0, 1)).numpy()

    def forecast(self, history: Any, steps: int) -> np.ndarray:
        """Predict ``steps`` values after a 1-D ``history`` (at least one window long,
        in the scaled units the model was trained on), feeding each prediction back
        in as the newest input. With ``horizon`` > 1 it advances a whole horizon per
        call and keeps the first ``steps`` values."""
        if self.input_size != 1:
            raise ValueError("Forecaster.forecast: feeding predictions back needs "
                             "input_size=1 (a univariate series)")
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
            raise ValueError(f"Forecaster.forecast: steps must be an integer >= 0, got "
                             f"{steps!r}")
        window = [float(v) for v in np.asarray(history, dtype=np.float64).reshape(-1)]
        if not window:
            raise ValueError("Forecaster.forecast: history is empty")
        n_lags = len(window)
        out: list[float] = []
        while len(out) < steps:
            nxt = self.predict(np.asarray(window[-n_lags:])[None])[0]
            out.extend(float(v) for v in nxt)
            window.extend(float(v) for v in nxt)
        return np.asarray(out[:steps], dtype=np.float32)


def forecaster_task(x_train: Any, y_train: Any, x_val: Any = None, y_val: Any = None,
                    batch_size: int = 16):
    """A ``SupervisedTask`` (mean squared error) over windows from ``make_windows``:
    x (N, T) or (N, T, F), y (N, horizon)."""
    def prep(x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        return x[:, :, None] if x.ndim == 2 else x

    val = None if x_val is None else (prep(x_val), np.asarray(y_val, dtype=np.float32))
    return SupervisedTask(prep(x_train), np.asarray(y_train, dtype=np.float32),
                          batch_size=batch_size, loss="mse", val=val, time_major=True)


class LinearAR:
    """AR(p): the next value as a linear function of the last ``order`` values,

        x^_t = c + a_1 x_{t-1} + ... + a_p x_{t-p}

    fitted by ordinary least squares (``np.linalg.lstsq``) on one-step-ahead windows.
    Windows wider than ``order`` are fine: the last ``order`` columns are used."""

    def __init__(self, order: int):
        if order < 1:
            raise ValueError(f"LinearAR: order must be >= 1, got {order}")
        self.order = order
        self.coef: np.ndarray | None = None   # (order + 1,): c, then a_p ... a_1

    def _design(self, windows: Any, op: str) -> np.ndarray:
        w = np.asarray(windows, dtype=np.float64)
        if w.ndim != 2 or w.shape[1] < self.order:
            raise ValueError(f"LinearAR.{op}: windows must be (N, >= {self.order}), "
                             f"got shape {w.shape}")
        return np.hstack([np.ones((len(w), 1)), w[:, -self.order:]])

    def fit(self, windows: Any, targets: Any) -> LinearAR:
        """windows (N, >= order), targets (N,) or (N, 1): the value after each window."""
        a = self._design(windows, "fit")
        t = np.asarray(targets, dtype=np.float64).reshape(-1)
        if len(t) != len(a) or len(a) <= self.order:
            raise ValueError(f"LinearAR.fit: {len(a)} windows and {len(t)} targets "
                             f"(need equal numbers, more than order={self.order})")
        self.coef = np.linalg.lstsq(a, t, rcond=None)[0]
        return self

    def predict(self, windows: Any) -> np.ndarray:
        """The one-step-ahead prediction after each window: (N,) float64."""
        if self.coef is None:
            raise RuntimeError("LinearAR.predict: call fit(windows, targets) first")
        return self._design(windows, "predict") @ self.coef

    def forecast(self, history: Any, steps: int) -> np.ndarray:
        """``steps`` values after ``history`` (1-D, at least ``order`` long), each
        prediction fed back as the newest value."""
        window = list(np.asarray(history, dtype=np.float64).reshape(-1))
        if len(window) < self.order:
            raise ValueError(f"LinearAR.forecast: history has {len(window)} values, "
                             f"needs {self.order}")
        for _ in range(steps):
            window.append(float(self.predict(np.asarray(window[-self.order:])[None])[0]))
        return np.asarray(window[len(window) - steps:])
