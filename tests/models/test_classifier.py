"""Sequence classifier: shapes, bidirectional final states, learning, digits."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.optim
from models.classifier import SequenceClassifier, classifier_task
from models.data import load_digits_sequences, train_test_split
from models.train import Trainer


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_shapes(cell, bidirectional):
    m = SequenceClassifier(3, 5, 4, num_layers=2, cell=cell, bidirectional=bidirectional)
    assert m(np.zeros((6, 2, 3), np.float32)).shape == (2, 4)
    p = m.predict_proba(np.zeros((2, 6, 3), np.float32))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert m.predict(np.zeros((2, 6, 3), np.float32)).shape == (2,)


def test_uses_the_final_state():
    """The logits come from h_n (the last step), so changing an early input matters
    through the recurrence and the head sees the last layer's state."""
    mg.manual_seed(0)
    m = SequenceClassifier(2, 4, 3, cell="gru")
    x = np.random.default_rng(0).standard_normal((5, 1, 2)).astype(np.float32)
    out, h = m.rnn(mg.tensor(x))
    np.testing.assert_allclose(m(x).numpy(), m.head(out[-1]).numpy(), rtol=1e-6)


def test_learns_which_half_is_larger():
    mg.manual_seed(1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 6, 1)).astype(np.float32)
    y = (x[:, :3].sum(axis=(1, 2)) > x[:, 3:].sum(axis=(1, 2))).astype(np.int64)
    m = SequenceClassifier(1, 16, 2, cell="lstm")
    task = classifier_task(x[:240], y[:240], x[240:], y[240:], batch_size=20)
    hist = Trainer(m, mg.optim.Adam(m.parameters(), lr=0.02), task, progress=False,
                   log=lambda s: None).fit(12)
    assert hist[-1]["val_accuracy"] > 0.85
    assert (m.predict(x[240:]) == y[240:]).mean() == pytest.approx(hist[-1]["val_accuracy"])


def test_digits_as_sequences():
    pytest.importorskip("sklearn")
    mg.manual_seed(2)
    x, y = load_digits_sequences()
    x_tr, x_te, y_tr, y_te = train_test_split(x[:600], y[:600], 0.25, seed=0, stratify=True)
    m = SequenceClassifier(8, 32, 10, cell="gru")
    Trainer(m, mg.optim.Adam(m.parameters(), lr=0.02),
            classifier_task(x_tr, y_tr, batch_size=32), progress=False,
            log=lambda s: None).fit(6)
    assert (m.predict(x_te) == y_te).mean() > 0.7
