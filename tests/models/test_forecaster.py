"""Forecaster: shapes, feeding predictions back, learning a periodic series."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.optim
from models.data import load_sunspots, make_windows, weigend_split, weigend_variance
from models.forecaster import Forecaster, LinearAR, forecaster_task
from models.metrics import arv
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


def test_linear_ar_recovers_the_coefficients_of_an_ar2_series():
    rng = np.random.default_rng(0)
    x = np.zeros(600)
    for t in range(2, 600):
        x[t] = 0.5 + 0.6 * x[t - 1] - 0.3 * x[t - 2] + 0.1 * rng.standard_normal()
    windows, targets = make_windows(x, 5)               # wider than the order: last 2 used
    ar = LinearAR(2).fit(windows, targets)
    np.testing.assert_allclose(ar.coef, [0.5, -0.3, 0.6], atol=0.02)  # c, a_2, a_1
    np.testing.assert_allclose(ar.predict(windows[:3]),
                               0.5 + 0.6 * windows[:3, -1] - 0.3 * windows[:3, -2], atol=0.02)
    path = ar.forecast(x[-5:], 3)
    first = ar.predict(x[-2:][None])[0]
    assert path.shape == (3,) and path[0] == pytest.approx(first)
    assert path[1] == pytest.approx(ar.predict(np.array([[x[-1], first]]))[0])


def test_linear_ar9_on_the_sunspots_gives_the_quoted_arv():
    """AR(9) by least squares on 1700-1920: ARV 0.126 / 0.351 (Weigend et al.'s split)."""
    years, values = load_sunspots(np.float64)
    split = weigend_split(years, values, 9)
    ar = LinearAR(9).fit(*split["1700-1920"][:2])
    variance = weigend_variance(years, values)
    got = [arv(ar.predict(split[p][0]), split[p][1], variance) for p in ("1921-1955", "1956-1979")]
    assert got == pytest.approx([0.126, 0.351], abs=5e-4)


def test_linear_ar_rejects_bad_input():
    with pytest.raises(ValueError, match="order must be >= 1"):
        LinearAR(0)
    with pytest.raises(RuntimeError, match="call fit"):
        LinearAR(2).predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"windows must be \(N, >= 3\)"):
        LinearAR(3).fit(np.zeros((10, 2)), np.zeros(10))
    with pytest.raises(ValueError, match="10 windows and 9 targets"):
        LinearAR(2).fit(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="history has 1 values, needs 2"):
        LinearAR(2).fit(np.random.default_rng(0).random((10, 2)), np.zeros(10)).forecast([1.0], 3)
