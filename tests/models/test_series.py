"""models.data.series: the sunspot series, windows, scaling and splits."""
import numpy as np
import pytest

from models.data import (Scaler, load_sunspots, make_windows, period_windows, split_series,
                         weigend_split, weigend_variance)


def test_sunspots_has_289_years_1700_to_1988():
    years, values = load_sunspots()
    assert len(years) == len(values) == 289
    assert years[0] == 1700 and years[-1] == 1988
    assert (np.diff(years) == 1).all()
    assert years.dtype == np.int64 and values.dtype == np.float32


def test_sunspots_known_values():
    years, values = load_sunspots()
    by_year = dict(zip(years.tolist(), values.tolist()))
    assert by_year[1700] == 5.0
    assert by_year[1701] == 11.0
    assert by_year[1957] == pytest.approx(190.2)      # the series' maximum
    assert by_year[1988] == pytest.approx(100.2)
    assert values.min() == 0.0 and values.max() == pytest.approx(190.2)


def test_make_windows_pairs_the_past_with_what_follows():
    x, y = make_windows(np.arange(10.0), n_lags=3, horizon=2)
    assert x.shape == (6, 3) and y.shape == (6, 2)
    assert x[0].tolist() == [0, 1, 2] and y[0].tolist() == [3, 4]
    assert x[-1].tolist() == [5, 6, 7] and y[-1].tolist() == [8, 9]
    x1, y1 = make_windows(np.arange(5.0), 4)
    assert x1.shape == (1, 4) and y1.tolist() == [[4.0]]


def test_make_windows_rejects_a_too_short_series():
    with pytest.raises(ValueError, match="too short"):
        make_windows(np.arange(3.0), n_lags=3)


@pytest.mark.parametrize("kind", ["minmax", "standard"])
def test_scaler_inverse_undoes_transform(kind):
    _, values = load_sunspots(dtype=np.float64)
    train, val = split_series(values, 0.2)
    s = Scaler(kind).fit(train)
    for part in (train, val):
        assert np.allclose(s.inverse_transform(s.transform(part)), part)
    z = s.transform(train)
    if kind == "minmax":
        assert z.min() == pytest.approx(0.0) and z.max() == pytest.approx(1.0)
    else:
        assert z.mean() == pytest.approx(0.0, abs=1e-9) and z.std() == pytest.approx(1.0)
    assert Scaler.from_state_dict(s.state_dict()).transform(val) == pytest.approx(
        s.transform(val))


def test_scaler_fits_on_train_only_and_needs_fit():
    s = Scaler("minmax", feature_range=(-1, 1)).fit(np.array([0.0, 10.0]))
    assert s.transform(np.array([20.0])).tolist() == [3.0]     # beyond the train range
    with pytest.raises(RuntimeError, match="fit"):
        Scaler().transform([1.0])
    assert Scaler().fit([5.0, 5.0]).transform([5.0]).tolist() == [0.0]   # constant series


def test_split_series_is_contiguous():
    train, val = split_series(np.arange(10), 0.3)
    assert train.tolist() == list(range(7)) and val.tolist() == [7, 8, 9]


def test_period_windows_predict_a_period_from_the_true_past():
    years, values = np.arange(1900, 1920), np.arange(20.0)
    x, y, target_years = period_windows(years, values, 1910, 1912, n_lags=3)
    assert target_years.tolist() == [1910, 1911, 1912]
    assert x[0].tolist() == [7.0, 8.0, 9.0] and y[:, 0].tolist() == [10.0, 11.0, 12.0]
    # a period at the start begins n_lags years late: the first target needs a window
    assert period_windows(years, values, 1900, 1905, 3)[2].tolist() == [1903, 1904, 1905]


def test_period_windows_rejects_gaps_and_empty_periods():
    with pytest.raises(ValueError, match="consecutive"):
        period_windows(np.array([1, 2, 4, 5, 6]), np.arange(5.0), 1, 6, 2)
    with pytest.raises(ValueError, match="no target year in 1950-1960"):
        period_windows(np.arange(1900, 1920), np.arange(20.0), 1950, 1960, 3)
    with pytest.raises(ValueError, match="equal length"):
        period_windows(np.arange(5), np.arange(4.0), 0, 4, 2)


def test_weigend_split_and_variance_of_the_sunspots():
    years, values = load_sunspots(np.float64)
    split = weigend_split(years, values, n_lags=12)
    assert list(split) == ["1700-1920", "1921-1955", "1956-1979"]
    sizes = {name: len(split[name][2]) for name in split}
    assert sizes == {"1700-1920": 209, "1921-1955": 35, "1956-1979": 24}
    assert split["1700-1920"][2][0] == 1712 and split["1956-1979"][2][-1] == 1979
    x, y, ty = split["1956-1979"]
    assert y[1, 0] == values[years == 1957][0]           # 190.2, the series' maximum
    assert x[1].tolist() == values[(years >= 1945) & (years <= 1956)].tolist()
    variance = weigend_variance(years, values)
    assert variance == pytest.approx(values[years <= 1979].var())
    assert variance == pytest.approx(1495.59, abs=0.01)
    assert variance != pytest.approx(values.var())      # not the variance up to 1988
    with pytest.raises(ValueError, match="cover 1700-1979"):
        weigend_variance(years[years < 1950], values[years < 1950])
