"""models.data.digits: scikit-learn's digits read as 8-step sequences."""
import sys

import numpy as np
import pytest

from models.data import load_digits_sequences, train_test_split


def test_digits_are_8_step_sequences_in_unit_range():
    pytest.importorskip("sklearn")
    x, y = load_digits_sequences()
    assert x.shape == (1797, 8, 8) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))


def test_train_test_split_is_a_seeded_partition():
    x, y = np.arange(100).reshape(50, 2), np.arange(50) % 5
    xtr, xte, ytr, yte = train_test_split(x, y, 0.2, seed=1)
    assert len(xte) == 10 and len(xtr) == 40
    assert sorted(np.concatenate([xtr[:, 0], xte[:, 0]]).tolist()) == list(range(0, 100, 2))
    assert (ytr == (xtr[:, 0] // 2) % 5).all()                  # pairs stay together
    again = train_test_split(x, y, 0.2, seed=1)
    assert (again[1] == xte).all()
    assert not (train_test_split(x, y, 0.2, seed=2)[1] == xte).all()


def test_train_test_split_stratified_keeps_class_shares():
    y = np.array([0] * 80 + [1] * 20)
    _, _, ytr, yte = train_test_split(np.zeros((100, 3)), y, 0.25, seed=0, stratify=True)
    assert (yte == 1).sum() == 5 and (ytr == 1).sum() == 15


def test_train_test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="x has 3 samples but y has 2"):
        train_test_split(np.zeros(3), np.zeros(2))


def test_missing_scikit_learn_is_a_clear_error(monkeypatch):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)         # import sklearn -> ImportError
    with pytest.raises(ImportError, match="needs scikit-learn.*pip install scikit-learn"):
        load_digits_sequences()


def test_digits_read_pixel_by_pixel_are_the_same_images_in_64_steps():
    pytest.importorskip("sklearn")
    rows, y = load_digits_sequences("rows")
    pixels, y2 = load_digits_sequences(read="pixels")
    assert pixels.shape == (1797, 64, 1) and pixels.dtype == np.float32
    assert (y == y2).all()
    assert (pixels[5, :8, 0] == rows[5, 0]).all()           # the first row, pixel by pixel
    assert (pixels[5, 8:16, 0] == rows[5, 1]).all()         # then the second
    with pytest.raises(ValueError, match="read must be 'rows' or 'pixels'"):
        load_digits_sequences("columns")
