"""The Keras-style front: fit / evaluate / predict over minigrad's own modules."""
import numpy as np
import pytest

import minigrad as mg
from models.keras import GRU, LSTM, Adam, Dense, Dropout, Embedding, Sequential, SimpleRNN


def _next_token_data(n=240, vocab=12, steps=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, vocab, (n, steps))
    return x, (x[:, -1] + 1) % vocab            # "the next word" is the last one plus 1


def test_lecture_style_next_word_model():
    mg.manual_seed(0)
    x, y = _next_token_data()
    model = Sequential([Embedding(12, 16), LSTM(24), Dense(12, activation="softmax")])
    model.compile(optimizer=Adam(learning_rate=0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x, y, epochs=6, batch_size=32, validation_split=0.2, verbose=0)
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(hist.history["loss"]) == 6
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    loss, acc = model.evaluate(x, y)
    assert acc > 0.5
    p = model.predict(x[:7])
    assert p.shape == (7, 12)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    # one engine: the parameters are minigrad Parameters, the layers mg.nn modules
    assert isinstance(model.layers[1].layer, mg.nn.LSTM)
    assert all(isinstance(p, mg.nn.Parameter) for p in model.parameters())


def test_sequences_shapes_and_other_cells():
    x = np.random.default_rng(1).standard_normal((4, 6, 3)).astype(np.float32)
    for layer in (LSTM(5, return_sequences=True), GRU(5, return_sequences=True),
                  SimpleRNN(5, return_sequences=True)):
        m = Sequential([layer, Dropout(0.1), Dense(2)])
        assert m.predict(x).shape == (4, 6, 2)
    m = Sequential([GRU(5), Dense(1)])
    assert m.predict(x).shape == (4, 1)


def test_regression_with_mse_and_summary(capsys):
    mg.manual_seed(2)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 4, 1)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None]
    m = Sequential([SimpleRNN(8), Dense(1)])
    m.compile(optimizer=Adam(0.03), loss="mse")
    h = m.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    assert isinstance(m.evaluate(x, y), float)
    m.summary()
    out = capsys.readouterr().out
    assert "SimpleRNN" in out and "total parameters" in out


def test_binary_crossentropy_with_sigmoid():
    mg.manual_seed(3)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((80, 3, 2)).astype(np.float32)
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.float32)
    m = Sequential([LSTM(8), Dense(1, activation="sigmoid")])
    m.compile(optimizer=Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    m.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert m.evaluate(x, y)[1] > 0.8
    assert np.all((m.predict(x) > 0) & (m.predict(x) < 1))


def test_errors():
    m = Sequential([Embedding(5, 3), LSTM(4), Dense(5, activation="softmax")])
    with pytest.raises(RuntimeError, match="compile"):
        m.fit(np.zeros((4, 3), dtype=np.int64), np.zeros(4, dtype=np.int64), verbose=0)
    with pytest.raises(ValueError, match="optimizer"):
        m.compile(optimizer="lbfgs")
    with pytest.raises(ValueError, match="loss"):
        m.compile(loss="hinge")
    with pytest.raises(ValueError, match="activation"):
        Dense(3, activation="swish")
    with pytest.raises(TypeError):
        Sequential([mg.nn.Linear(2, 2)])
