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


def _problem(seed=0):
    w = mg.zeros(4, dtype="float64", requires_grad=True)
    v = mg.ones(2, dtype="float64", requires_grad=True)
    a, b = mg.tensor(A), mg.tensor(B)

    def make_closure(opt):
        def closure():
            opt.zero_grad()
            r = a @ w - b
            loss = (r * r).sum() + ((v * v - 1.5) ** 2).sum() + (w ** 4).sum()
            loss.backward()
            return loss
        return closure
    return (w, v), make_closure


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_a_saved_and_loaded_history_resumes_to_the_same_numbers(line_search, tmp_path):
    """Two steps, save (weights and optimizer), a fresh LBFGS loads, two more steps:
    the same weights, bit for bit, as four steps in one go."""
    kw = dict(lr=0.5, max_iter=4, history_size=3, line_search_fn=line_search)
    params, make = _problem()
    opt = mg.optim.LBFGS(params, **kw)
    for _ in range(4):
        opt.step(make(opt))
    straight = np.concatenate([p.numpy() for p in params])

    params, make = _problem()
    opt = mg.optim.LBFGS(params, **kw)
    for _ in range(2):
        opt.step(make(opt))
    mg.save({"opt": opt.state_dict(), "w": [p.numpy() for p in params]}, tmp_path / "s.pt")
    saved = mg.load(tmp_path / "s.pt")
    assert len(saved["opt"]["state"]["0"]["old_dirs"]) >= 1
    params, make = _problem()
    for p, a in zip(params, saved["w"]):
        p.array[...] = a
    opt = mg.optim.LBFGS(params, **kw)
    opt.load_state_dict(saved["opt"])
    for _ in range(2):
        opt.step(make(opt))
    np.testing.assert_array_equal(np.concatenate([p.numpy() for p in params]), straight)


def test_a_history_of_other_sizes_is_refused_and_changes_nothing():
    params, make = _problem()
    opt = mg.optim.LBFGS(params, history_size=3)
    opt.step(make(opt))
    good = opt.state_dict()
    other = mg.optim.LBFGS([mg.zeros(5, dtype="float64", requires_grad=True)])
    with pytest.raises(ValueError, match=r"d has shape \(6,\).*must be \(5,\)"):
        other.load_state_dict(good)
    assert other.state == {}
    bad = opt.state_dict()
    bad["state"]["0"]["ro"] = bad["state"]["0"]["ro"] + [1.0]
    before = opt.state_dict()
    with pytest.raises(ValueError, match="as many entries"):
        opt.load_state_dict(bad)
    np.testing.assert_array_equal(opt.state_dict()["state"]["0"]["d"], before["state"]["0"]["d"])
    with pytest.raises(ValueError, match="one entry, '0'"):
        opt.load_state_dict({"state": {"1": {}}, "param_groups": good["param_groups"]})
