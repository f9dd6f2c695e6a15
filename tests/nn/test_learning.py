"""Learning works end to end: tiny character models overfit a short text."""
import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
import minigrad.optim

TEXT = "hello world, hello minigrad"


def _data():
    chars = sorted(set(TEXT))
    ids = np.array([chars.index(ch) for ch in TEXT])
    return len(chars), ids[:-1].reshape(-1, 1), ids[1:]   # (T, 1) inputs, (T,) targets


def test_char_lstm_overfits_with_adam():
    mg.manual_seed(0)
    vocab, x, y = _data()
    emb, lstm, head = mg.nn.Embedding(vocab, 16), mg.nn.LSTM(16, 64), mg.nn.Linear(64, vocab)
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]
    opt = mg.optim.Adam(params, lr=0.02)
    for _ in range(150):
        opt.zero_grad()
        out, _ = lstm(emb(x))
        loss = F.cross_entropy(head(out.reshape(len(y), 64)), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    # and it now predicts every next character of the text
    out, _ = lstm(emb(x))
    assert (head(out.reshape(len(y), 64)).numpy().argmax(1) == y).all()


def test_vanilla_rnn_overfits_with_sgd():
    mg.manual_seed(1)
    vocab, x, y = _data()
    rnn, head = mg.nn.RNN(vocab, 64), mg.nn.Linear(64, vocab)
    params = [*rnn.parameters(), *head.parameters()]
    opt = mg.optim.SGD(params, lr=0.1, momentum=0.9)
    xs = mg.one_hot(x, vocab)                                 # (T, 1, vocab)
    for _ in range(300):
        opt.zero_grad()
        out, _ = rnn(xs)
        loss = F.cross_entropy(head(out.reshape(len(y), 64)), y)
        loss.backward()
        mg.optim.clip_grad_value_(params, 5.0)
        opt.step()
    assert loss.item() < 0.05
