"""The sequence node and its hand-off to fused steps: the gradient buffer the steps write
into and dW_hh in one matmul give exactly the gradients of the plain route (a split
and composite steps), whatever reaches the steps."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.recurrent import spec as specs
from minigrad.nn.recurrent.sequence import SequenceSteps, sequence_steps

T, B, F, H = 4, 2, 3, 5


def _unrolled(spec, fused, handoffs=True, hook=None, loss_steps=None, seed=0):
    """A layer's loop written out: XG (T*B, G*H) cut into steps, one step each; returns
    the loss and the leaves (XG, W_hh)."""
    rng = np.random.default_rng(seed)
    g = spec.gates * H
    xg = mg.tensor(rng.standard_normal((T * B, g)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((g, H)) * 0.5, requires_grad=True)
    if fused:
        node, steps = sequence_steps(xg, [B] * T, w if spec.sequence_dw_hh else None)
    else:
        node, steps = None, mg.split(xg, B, axis=0)
    if hook is not None:
        steps[1].register_hook(hook)
    state = [mg.zeros(B, H, dtype="float64") for _ in spec.state_names]
    total = 0
    for t, s in enumerate(steps):
        handoff = node.handoff(t, state[0].array) if node is not None and handoffs else None
        new = spec.step(fused)(s, *state, w, handoff=handoff)
        state = list(new) if spec.cell_state else [new]
        if loss_steps is None or t in loss_steps:
            total = total + (state[0] * state[0]).sum()
    return total, (xg, w)


def _grads(spec, fused, **kw):
    loss, leaves = _unrolled(spec, fused, **kw)
    loss.backward()
    return [leaf.grad.numpy() for leaf in leaves]


SPECS = [specs.RNN_TANH, specs.LSTM, specs.GRU]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
@pytest.mark.parametrize("case", [{}, {"loss_steps": {0, 1}}, {"handoffs": False},
                                  {"hook": lambda g: g * 2.0}, {"hook": lambda g: None}])
def test_hand_off_gives_the_plain_gradients(spec, case):
    """Every step reached; only early steps reached (the buffer's other rows are zero);
    no hand-offs (the steps keep their own backward); a hook changing or only
    reading a step input's gradient (the node takes the gradients as given)."""
    for a, b in zip(_grads(spec, True, **case), _grads(spec, False, **case)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_hand_off_gradcheck(spec):
    def f(xg, w):
        node, steps = sequence_steps(xg, [B] * T, w if spec.sequence_dw_hh else None)
        state = [mg.zeros(B, H, dtype="float64") for _ in spec.state_names]
        out = []
        for t, s in enumerate(steps):
            new = spec.fused(s, *state, w, handoff=node.handoff(t, state[0].array))
            state = list(new) if spec.cell_state else [new]
            out.append(state[0])
        return mg.stack(out)

    _, (xg, w) = _unrolled(spec, False)
    assert mg.gradcheck(f, [xg, w])


def test_a_retained_graph_backpropagates_twice_the_same():
    loss, (xg, w) = _unrolled(specs.LSTM, True)
    loss.backward(retain_graph=True)
    first = xg.grad.numpy().copy(), w.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(xg.grad.numpy(), 2 * first[0], rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), 2 * first[1], rtol=1e-12)


def test_dw_hh_arrives_once_on_the_nodes_edge():
    """With every step handed off, the steps return no W_hh share: the node's one
    matmul is the whole gradient."""
    loss, (xg, w) = _unrolled(specs.LSTM, True)
    with mg.autograd.record_grad_norms():
        loss.backward(retain_graph=True)
    cells, stack, seen = [], [loss.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        if fn.name == "LSTMCellFused":
            cells.append(fn)
        if isinstance(fn, SequenceSteps):
            assert fn.grad_norms[1] > 0                     # dW_hh on the node's edge
        stack += [x.grad_fn for x in fn.inputs if isinstance(x, mg.Tensor)]
    assert len(cells) == T and all(c.grad_norms[3] is None for c in cells)


def test_without_a_graph_there_is_no_hand_off():
    xg = mg.randn(T * B, 4 * H, dtype="float64")
    with mg.no_grad():
        node, steps = sequence_steps(xg, [B] * T, mg.randn(4 * H, H, dtype="float64"))
    assert node.handoff(0, mg.zeros(B, H).array) is None and len(steps) == T


@pytest.mark.parametrize("frozen", [("weight_ih_l0", "bias_ih_l0", "bias_hh_l0"),
                                    ("weight_hh_l0",)], ids=["only W_hh trains", "W_hh frozen"])
@pytest.mark.parametrize("cls", [mg.nn.LSTM, mg.nn.GRU, mg.nn.RNN])
def test_layer_with_frozen_weights(cls, frozen):
    x = mg.tensor(np.random.default_rng(9).standard_normal((T, B, F)))
    mg.manual_seed(3)
    fused = cls(F, H, dtype="float64", fused=True)
    composite = cls(F, H, dtype="float64", fused=False)
    composite.load_state_dict(fused.state_dict())
    grads = []
    for m in (fused, composite):
        for name in frozen:
            getattr(m, name).requires_grad_(False)
        m(x)[0].sum().backward()
        grads.append({k: p.grad.numpy() for k, p in m.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys() and not set(frozen) & grads[0].keys()
    for k in grads[0]:
        np.testing.assert_allclose(grads[0][k], grads[1][k], rtol=0, atol=1e-12)
