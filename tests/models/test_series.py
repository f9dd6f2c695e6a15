"""models.data.series: the sunspot series, windows, scaling and splits."""
import numpy as np
import pytest

from models.data import Scaler, load_sunspots, make_windows, split_series


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
