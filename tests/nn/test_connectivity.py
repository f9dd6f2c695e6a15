"""mg.nn.utils.connectivity: A[t, s] = ||d logit_t[y_t] / d x_s|| for a character model,
computed in batches and checked against one backward per t (retain_grad on the
embedded inputs), done the plain way."""
import numpy as np
import pytest

import minigrad as mg

TEXT = "the cat sat on the mat, the end"


class CharModel(mg.nn.Module):
    def __init__(self, vocab, cell="LSTM", **kw):
        super().__init__()
        self.embed = mg.nn.Embedding(vocab, 5, dtype="float64")
        self.rnn = getattr(mg.nn, cell)(5, 7, dtype="float64", **kw)
        self.head = mg.nn.Linear(7 * (2 if kw.get("bidirectional") else 1), vocab,
                                 dtype="float64")

    def logits(self, x):
        """Embedded inputs (T, B, E) -> logits (T, B, V)."""
        return self.head(self.rnn(x)[0])


def setup(cell="LSTM", **kw):
    vocab = sorted(set(TEXT))
    ids = np.array([vocab.index(c) for c in TEXT])
    mg.manual_seed(0)
    model = CharModel(len(vocab), cell, **kw)
    return model, ids


def one_backward_per_t(model, ids):
    """The reference: for each t, a fresh forward, retain_grad on the embedded inputs,
    backward from logit_t[y_t]."""
    T = len(ids) - 1
    A = np.zeros((T, T))
    for t in range(T):
        x = model.embed(ids[:-1].reshape(T, 1))       # (T, 1, E), not a leaf
        x.retain_grad()
        model.logits(x)[t, 0, int(ids[t + 1])].backward()
        A[t] = np.linalg.norm(x.grad.numpy()[:, 0], axis=1)
        model.zero_grad()
    return A


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_batched_connectivity_equals_one_backward_per_step(cell):
    model, ids = setup(cell)
    x = model.embed(ids[:-1])                          # (T, E)
    A = mg.nn.utils.connectivity(model.logits, x, ids[1:], batch=8)
    want = one_backward_per_t(model, ids)
    assert A.shape == (len(ids) - 1,) * 2
    np.testing.assert_allclose(A, want, rtol=1e-10, atol=1e-14)
    assert all(p.grad is None for p in model.parameters())  # the model's grads untouched


def test_a_causal_model_depends_on_nothing_after_t_and_on_every_input_before():
    model, ids = setup("GRU")
    A = mg.nn.utils.connectivity(model.logits, model.embed(ids[:-1]), ids[1:])
    upper = np.triu_indices(A.shape[0], k=1)
    assert np.all(A[upper] == 0)
    assert np.all(A[np.tril_indices(A.shape[0])] > 0)


def test_a_bidirectional_model_shows_the_future_too():
    model, ids = setup("LSTM", bidirectional=True)
    A = mg.nn.utils.connectivity(model.logits, model.embed(ids[:-1]), ids[1:])
    assert np.all(A[np.triu_indices(A.shape[0], k=1)] > 0)


def test_the_batch_size_does_not_change_the_answer():
    model, ids = setup()
    x = model.embed(ids[:-1])
    got = [mg.nn.utils.connectivity(model.logits, x, ids[1:], batch=b) for b in (1, 5, 100)]
    np.testing.assert_allclose(got[0], got[1], rtol=1e-12)
    np.testing.assert_allclose(got[0], got[2], rtol=1e-12)


def test_one_entry_against_finite_differences():
    model, ids = setup("RNN")
    x = model.embed(ids[:-1]).numpy()
    A = mg.nn.utils.connectivity(model.logits, x, ids[1:])
    t, s, eps = 9, 4, 1e-6
    grad = np.zeros(x.shape[1])
    for j in range(x.shape[1]):
        hi, lo = x.copy(), x.copy()
        hi[s, j] += eps
        lo[s, j] -= eps
        f = [model.logits(mg.tensor(z[:, None]))[t, 0, int(ids[t + 1])].item() for z in (hi, lo)]
        grad[j] = (f[0] - f[1]) / (2 * eps)
    assert A[t, s] == pytest.approx(np.linalg.norm(grad), rel=1e-6)


def test_bad_inputs_say_what_is_wrong():
    model, ids = setup()
    x = model.embed(ids[:-1])
    with pytest.raises(ValueError, match=r"connectivity: inputs must be .* \(T, E\)"):
        mg.nn.utils.connectivity(model.logits, x.reshape(-1, 1, 5), ids[1:])
    with pytest.raises(ValueError, match=r"connectivity: targets must be 30 integer ids"):
        mg.nn.utils.connectivity(model.logits, x, ids[2:])
    with pytest.raises(ValueError, match=r"connectivity: forward must return logits"):
        mg.nn.utils.connectivity(lambda e: model.logits(e)[-1], x, ids[1:])
