"""models.metrics: ARV, distinct-n and the confusion matrix, on numbers worked by hand."""
import numpy as np
import pytest

from models.metrics import arv, confusion_matrix, distinct_ngrams


def test_arv_is_mse_over_the_given_variance():
    truth = np.array([1.0, 2.0, 3.0, 4.0])
    assert arv(truth, truth, 2.0) == 0.0
    assert arv(truth + 1.0, truth, 2.0) == pytest.approx(0.5)       # MSE 1 / 2
    # predicting the mean scores the ratio of the period's variance to the given one
    assert arv(np.full(4, truth.mean()), truth, truth.var()) == pytest.approx(1.0)
    # scale-free: the same ARV in other units when the variance is in those units too
    assert arv(3 * (truth + 1.0), 3 * truth, 9 * 2.0) == pytest.approx(0.5)


def test_arv_rejects_bad_input():
    with pytest.raises(ValueError, match="same, non-zero number"):
        arv([1.0, 2.0], [1.0], 1.0)
    with pytest.raises(ValueError, match="same, non-zero number"):
        arv([], [], 1.0)
    with pytest.raises(ValueError, match="variance must be > 0"):
        arv([1.0], [1.0], 0.0)


def test_distinct_ngrams_counts_different_ngrams():
    words = "the cat sat on the cat".split()
    assert distinct_ngrams(words, 1) == pytest.approx(4 / 6)
    assert distinct_ngrams(words, 2) == pytest.approx(4 / 5)         # "the cat" twice
    assert distinct_ngrams(["a"] * 10, 2) == pytest.approx(1 / 9)      # a loop
    assert distinct_ngrams("abcd", 3) == 1.0                          # characters work too
    with pytest.raises(ValueError, match="hold no 3-gram"):
        distinct_ngrams(["a", "b"], 3)
    with pytest.raises(ValueError, match="n must be >= 1"):
        distinct_ngrams(["a"], 0)


def test_confusion_matrix_rows_are_the_truth():
    c = confusion_matrix([0, 1, 1, 2, 2], [0, 1, 2, 2, 2], 3)
    assert c.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 2]]
    assert c.dtype == np.int64 and c.sum() == 5 and np.trace(c) == 4


def test_confusion_matrix_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    truth, predicted = rng.integers(0, 10, 200), rng.integers(0, 10, 200)
    np.testing.assert_array_equal(confusion_matrix(predicted, truth, 10),
                                  metrics.confusion_matrix(truth, predicted, labels=range(10)))


def test_confusion_matrix_rejects_ids_out_of_range():
    with pytest.raises(ValueError, match=r"predicted must hold class ids in \[0, 3\)"):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError, match="truth must hold class ids"):
        confusion_matrix([0, 1], [0.5, 1.0], 3)
    with pytest.raises(ValueError, match="2 predictions for 3 labels"):
        confusion_matrix([0, 1], [0, 1, 2], 3)
