"""Property: the fused recurrent cells (one node per step, hand-written backward) and
the composite ones (every gate a node) give the same outputs, states and gradients, for
random kinds, sizes, layers, directions, lengths and initial states; chosen through the
public ``fused=`` switch of the layers and cells. One node per sequence
(``fused="sequence"``) gives the numbers of one node per step exactly."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg

nn = mg.nn
KINDS = {"RNN tanh": (nn.RNN, {}), "RNN relu": (nn.RNN, {"nonlinearity": "relu"}),
         "LSTM": (nn.LSTM, {}), "LSTM peephole": (nn.LSTM, {"peephole": True}),
         "GRU": (nn.GRU, {})}
CELLS = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}


def _twins(make, forms=(True, False)):
    """The same layer twice, in two forms (fused and composite unless told), with the
    same float64 weights."""
    mg.manual_seed(0)
    first, second = make(forms[0]), make(forms[1])
    second.load_state_dict(first.state_dict())
    return first, second


def _grads(model, x, run):
    for p in model.parameters():
        p.grad = None
    x.grad = None
    flat = _tensors(run(model))  # output, h_n (and c_n): every one of them
    rng = np.random.default_rng(1)
    loss = sum((o * mg.tensor(rng.standard_normal(o.shape))).sum() for o in flat)
    loss.backward()
    return [o.numpy() for o in flat], [p.grad.numpy() for p in model.parameters()] + [
        x.grad.numpy()]


def _tensors(out) -> list:
    """The tensors in a layer's or cell's result: out, (out, h), (out, (h, c)), (h, c)."""
    stack, found = [out], []
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(reversed(item))
        else:
            found.append(item)
    return found


def _initial_state(cls, rng, n, batch, hidden):
    """Random h_0 (and c_0 for an LSTM), (n, batch, hidden) each."""
    h0 = mg.tensor(rng.standard_normal((n, batch, hidden)))
    return (h0, mg.tensor(rng.standard_normal((n, batch, hidden)))) if cls is nn.LSTM else h0


def _same(a, b):
    for u, v in zip(a, b, strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-9, atol=1e-11)


@settings(max_examples=300)
@given(st.sampled_from(sorted(KINDS)), st.integers(1, 4), st.integers(1, 4), st.integers(1, 2),
       st.booleans(), st.booleans(), st.integers(1, 3), st.integers(1, 5), st.booleans(),
       st.booleans(), st.data())
def test_fused_and_composite_layers_agree(kind, features, hidden, layers, bidirectional,
                                          batch_first, batch, steps, with_lengths,
                                          with_state, data):
    cls, extra = KINDS[kind]
    fused, composite = _twins(lambda f: cls(
        features, hidden, num_layers=layers, bidirectional=bidirectional,
        batch_first=batch_first, dtype="float64", fused=f, **extra))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    shape = (batch, steps, features) if batch_first else (steps, batch, features)
    x = mg.tensor(rng.standard_normal(shape), requires_grad=True)
    lengths = (data.draw(st.lists(st.integers(1, steps), min_size=batch, max_size=batch))
               if with_lengths else None)
    state = _initial_state(cls, rng, layers * (2 if bidirectional else 1), batch, hidden) \
        if with_state else None

    def run(model):
        return model(x, state, lengths=lengths)

    out_f, grads_f = _grads(fused, x, run)
    out_c, grads_c = _grads(composite, x, run)
    _same(out_f, out_c)
    _same(grads_f, grads_c)


@settings(max_examples=150)
@given(st.sampled_from(sorted(KINDS)), st.integers(1, 4), st.integers(1, 2), st.booleans(),
       st.integers(1, 3), st.integers(1, 6), st.booleans(), st.booleans(), st.integers(0, 2**16))
def test_one_node_per_sequence_gives_the_per_step_numbers_exactly(
        kind, hidden, layers, bidirectional, batch, steps, with_state, rows_first, seed):
    cls, extra = KINDS[kind]
    per_step, whole = _twins(lambda f: cls(
        3, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=rows_first,
        dtype="float64", fused=f, **extra), forms=(True, "sequence"))
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal((batch, steps, 3) if rows_first else (steps, batch, 3)),
                  requires_grad=True)
    state = _initial_state(cls, rng, layers * (2 if bidirectional else 1), batch, hidden) \
        if with_state else None

    def run(model):
        return model(x, state)

    for a, b in zip(_grads(per_step, x, run), _grads(whole, x, run)):
        for u, v in zip(a, b, strict=True):
            np.testing.assert_array_equal(u, v)


@settings(max_examples=200)
@given(st.sampled_from(sorted(CELLS)), st.integers(1, 4), st.integers(1, 4),
       st.integers(1, 3), st.booleans(), st.booleans(), st.data())
def test_fused_and_composite_cells_agree(name, features, hidden, batch, unbatched,
                                         with_state, data):
    cls = CELLS[name]
    fused, composite = _twins(lambda f: cls(features, hidden, dtype="float64", fused=f))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    shape = (features,) if unbatched else (batch, features)
    x = mg.tensor(rng.standard_normal(shape), requires_grad=True)
    hs = (hidden,) if unbatched else (batch, hidden)
    state = None
    if with_state:
        h = mg.tensor(rng.standard_normal(hs))
        state = (h, mg.tensor(rng.standard_normal(hs))) if cls is nn.LSTMCell else h

    def run(model):
        return model(x, state)

    out_f, grads_f = _grads(fused, x, run)
    out_c, grads_c = _grads(composite, x, run)
    _same(out_f, out_c)
    _same(grads_f, grads_c)
