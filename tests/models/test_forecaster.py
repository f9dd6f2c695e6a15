"""Forecaster: shapes, feeding predictions back, learning a periodic series."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.optim  # noqa: F401
from models.data import make_windows
from models.forecaster import Forecaster, forecaster_task
from models.train import Trainer


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_shapes(cell):
    m = Forecaster(1, 6, cell=cell, horizon=3)
    assert m(np.zeros((5, 4, 1), np.float32)).shape == (4, 3)
    assert m(np.zeros((5, 4), np.float32)).shape == (4, 3)   # one feature: (T, B) is fine
    assert m.predict(np.zeros((4, 5), np.float32)).shape == (4, 3)
    with pytest.raises(ValueError, match="expected input"):
        m(np.zeros((5, 4, 2), np.float32))


def test_forecast_feeds_predictions_back():
    mg.manual_seed(0)
    m = Forecaster(1, 4, horizon=2)
    history = np.linspace(0, 1, 6)
    path = m.forecast(history, 5)
    assert path.shape == (5,)
    # by hand: predict two, append them, predict from the newest 6 again
    first = m.predict(history[None])[0]
    second = m.predict(np.concatenate([history, first])[-6:][None])[0]
    np.testing.assert_allclose(path[:4], np.concatenate([first, second]), rtol=1e-6)
    with pytest.raises(ValueError, match="empty"):
        m.forecast([], 3)


def test_learns_a_sine_wave():
    mg.manual_seed(1)
    t = np.arange(160)
    series = (0.5 + 0.4 * np.sin(2 * np.pi * t / 16)).astype(np.float32)
    x, y = make_windows(series, 8)
    m = Forecaster(1, 16, cell="gru")
    task = forecaster_task(x[:120], y[:120], x[120:], y[120:], batch_size=16)
    hist = Trainer(m, mg.optim.Adam(m.parameters(), lr=0.02), task, progress=False,
                   log=lambda s: None).fit(25)
    assert hist[-1]["val_loss"] < 0.1 * hist[0]["val_loss"]
    assert hist[-1]["val_loss"] < 2e-3
    path = m.forecast(series[-8:], 16)      # one period ahead, fed back
    truth = 0.5 + 0.4 * np.sin(2 * np.pi * np.arange(160, 176) / 16)
    assert np.sqrt(np.mean((path - truth) ** 2)) < 0.1
