"""LBFGS takes a closure and follows PyTorch's algorithm test for test: the losses at
every closure call and the final weights agree with PyTorch's to round-off (float64),
with and without the strong-Wolfe line search, across several step() calls (the
history carries over)."""
import numpy as np
import pytest

import minigrad as mg

rng = np.random.default_rng(0)
A, B = rng.standard_normal((6, 4)), rng.standard_normal(6)


def run(lib, line_search, steps=4, **kw):
    if lib is mg:
        w, v = mg.zeros(4, dtype="float64", requires_grad=True), \
            mg.ones(2, dtype="float64", requires_grad=True)
    else:
        w = lib.zeros(4, dtype=lib.float64, requires_grad=True)
        v = lib.ones(2, dtype=lib.float64, requires_grad=True)
    a, b = lib.tensor(A), lib.tensor(B)
    opt = lib.optim.LBFGS([w, v], line_search_fn=line_search, **kw)
    losses = []

    def closure():
        opt.zero_grad()
        r = a @ w - b
        loss = (r * r).sum() + ((v * v - 1.5) ** 2).sum() + (w ** 4).sum()
        loss.backward()
        losses.append(loss.item())
        return loss

    returned = [opt.step(closure).item() for _ in range(steps)]
    return losses, returned, np.concatenate([w.detach().numpy(), v.detach().numpy()])


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
@pytest.mark.parametrize("kw", [dict(lr=0.5, max_iter=7, history_size=3), dict()])
def test_iterates_match_pytorch(line_search, kw):
    torch = pytest.importorskip("torch")
    ours, theirs = run(mg, line_search, **kw), run(torch, line_search, **kw)
    assert len(ours[0]) == len(theirs[0])  # the same number of closure calls
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)  # step() returns the first loss
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_it_minimises(line_search):
    losses, _, x = run(mg, line_search, steps=5, lr=1 if line_search else 0.5)
    assert losses[-1] < 0.5 * losses[0]


def test_bad_use_is_explained():
    p = mg.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        mg.optim.LBFGS([p]).step()
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        mg.optim.LBFGS([p], line_search_fn="armijo")
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        mg.optim.LBFGS([{"params": [p]}, {"params": [mg.zeros(1, requires_grad=True)]}])
