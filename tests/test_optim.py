"""minigrad.optim: update rules by hand and against torch.optim, state_dict resume,
gradient clipping and learning-rate schedules."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

SHAPES = [(3, 4), (5,)]
STEPS = 6


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    return [mg.nn.Parameter(rng.standard_normal(s)) for s in SHAPES]


def grads_at(step, seed=1):
    rng = np.random.default_rng(seed * 1000 + step)
    return [rng.standard_normal(s) for s in SHAPES]


def run(opt, params, steps, start=0):
    """Feed the same gradients (a function of the step and the params) to ``opt``."""
    for k in range(start, start + steps):
        for p, g in zip(params, grads_at(k)):
            p.grad = mg.tensor(g + 0.1 * p.numpy())
        opt.step()
    return [p.numpy().copy() for p in params]


CONFIGS = {
    "sgd": ("SGD", dict(lr=0.1)),
    "sgd_momentum": ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1)),
    "sgd_nesterov": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    "sgd_weight_decay": ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.01)),
    "adagrad": ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01,
                                initial_accumulator_value=0.1)),
    "adagrad_default": ("Adagrad", dict()),
    "rmsprop": ("RMSprop", dict(lr=0.01)),
    "rmsprop_centered_momentum": ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True,
                                                  weight_decay=0.01)),
    "adam": ("Adam", dict(lr=0.01)),
    "adam_wd_amsgrad": ("Adam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1,
                                     amsgrad=True)),
    "adamw": ("AdamW", dict(lr=0.01)),
    "adamw_amsgrad": ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
}


# ------------------------------------------------------------------ by hand
def test_sgd_by_hand():
    p0, g0, g1 = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([-1.0, 2.0])
    p = mg.nn.Parameter(p0.copy())
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)
    p.grad = mg.tensor(g0)
    opt.step()
    d0 = g0 + 0.01 * p0
    b = d0  # the first buffer is the gradient itself (no dampening)
    p1 = p0 - 0.1 * b
    np.testing.assert_allclose(p.numpy(), p1, rtol=1e-15)
    p.grad = mg.tensor(g1)
    opt.step()
    b = 0.9 * b + 0.8 * (g1 + 0.01 * p1)
    np.testing.assert_allclose(p.numpy(), p1 - 0.1 * b, rtol=1e-15)
    # nesterov: step along g + momentum * buffer
    q = mg.nn.Parameter(p0.copy())
    opt = optim.SGD([q], lr=0.1, momentum=0.9, nesterov=True)
    for g in (g0, g1):
        q.grad = mg.tensor(g)
        opt.step()
    b1 = 0.9 * g0 + g1
    expected = p0 - 0.1 * (g0 + 0.9 * g0) - 0.1 * (g1 + 0.9 * b1)
    np.testing.assert_allclose(q.numpy(), expected, rtol=1e-15)



@pytest.mark.parametrize("shape", [(300, 1000), (7,), (333, 101)],
                         ids=["blocks", "small", "ragged"])
def test_sgd_updates_a_large_parameter_in_blocks_to_the_same_bits(shape):
    """add_scaled_ takes p -= lr * g in blocks (no parameter-sized temporary): the
    numbers are those of the one expression, bit for bit, momentum included."""
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(shape).astype(np.float32)
    grads = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
    p = mg.nn.Parameter(p0.copy())
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.3)
    want, buf = p0.copy(), None
    for g in grads:
        p.grad = mg.tensor(g)
        opt.step()
        buf = g.copy() if buf is None else buf * np.float32(0.9) + np.float32(0.7) * g
        want -= np.float32(0.1) * buf
    np.testing.assert_array_equal(p.numpy(), want)
    np.testing.assert_array_equal(p.grad.numpy(), grads[-1])   # the gradient untouched


def test_add_scaled_of_a_transposed_gradient_takes_the_plain_expression():
    a = np.arange(200_000, dtype=np.float32).reshape(400, 500)
    g = np.ones((500, 400), dtype=np.float32).T
    want = a - np.float32(0.5) * g
    optim.sgd.add_scaled_(a, -0.5, g)
    np.testing.assert_array_equal(a, want)

def test_adagrad_by_hand():
    p0, g0, g1 = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([-1.0, 2.0])
    p = mg.nn.Parameter(p0.copy())
    opt = optim.Adagrad([p], lr=0.1, lr_decay=0.5, initial_accumulator_value=0.2, eps=1e-10)
    p.grad = mg.tensor(g0)
    opt.step()
    s = 0.2 + g0 ** 2
    p1 = p0 - 0.1 * g0 / (np.sqrt(s) + 1e-10)
    np.testing.assert_allclose(p.numpy(), p1, rtol=1e-15)
    p.grad = mg.tensor(g1)
    opt.step()
    s = s + g1 ** 2
    np.testing.assert_allclose(p.numpy(), p1 - 0.1 / 1.5 * g1 / (np.sqrt(s) + 1e-10),
                               rtol=1e-15)


def test_rmsprop_by_hand():
    p0, g0, g1 = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([-1.0, 2.0])
    p = mg.nn.Parameter(p0.copy())
    opt = optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-8)
    p.grad = mg.tensor(g0)
    opt.step()
    v = 0.1 * g0 ** 2
    p1 = p0 - 0.01 * g0 / (np.sqrt(v) + 1e-8)  # eps outside the square root
    np.testing.assert_allclose(p.numpy(), p1, rtol=1e-15)
    p.grad = mg.tensor(g1)
    opt.step()
    v = 0.9 * v + 0.1 * g1 ** 2
    np.testing.assert_allclose(p.numpy(), p1 - 0.01 * g1 / (np.sqrt(v) + 1e-8), rtol=1e-15)
    # centered, with momentum
    q = mg.nn.Parameter(p0.copy())
    opt = optim.RMSprop([q], lr=0.01, alpha=0.9, momentum=0.5, centered=True)
    q.grad = mg.tensor(g0)
    opt.step()
    v, m = 0.1 * g0 ** 2, 0.1 * g0
    b = g0 / (np.sqrt(v - m ** 2) + 1e-8)
    np.testing.assert_allclose(q.numpy(), p0 - 0.01 * b, rtol=1e-15)


def test_adam_and_adamw_by_hand():
    p0, g0, g1 = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([-1.0, 2.0])
    lr, b1, b2, eps, wd = 0.01, 0.9, 0.999, 1e-8, 0.1
    for cls in (optim.Adam, optim.AdamW):
        p = mg.nn.Parameter(p0.copy())
        opt = cls([p], lr=lr, weight_decay=wd)
        m = v = 0.0
        expected = p0.copy()
        for t, g in enumerate((g0, g1), start=1):
            p.grad = mg.tensor(g)
            opt.step()
            if cls is optim.AdamW:
                expected = expected * (1 - lr * wd)  # decoupled: decay the weight itself
            else:
                g = g + wd * expected  # coupled: L2 term in the gradient
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
            expected = expected - lr * m_hat / (np.sqrt(v_hat) + eps)
            np.testing.assert_allclose(p.numpy(), expected, rtol=1e-12, err_msg=cls.__name__)
    # first Adam step moves every coordinate by about lr (bias correction at work)
    p = mg.nn.Parameter(p0.copy())
    opt = optim.Adam([p], lr=0.01)
    p.grad = mg.tensor(g0)
    opt.step()
    np.testing.assert_allclose(p.numpy(), p0 - 0.01 * np.sign(g0), rtol=1e-6)


def test_amsgrad_uses_the_running_max_of_v():
    p = mg.nn.Parameter(np.array([0.0]))
    opt = optim.Adam([p], lr=0.1, betas=(0.0, 0.5), amsgrad=True, eps=0.0)
    for g in (4.0, 0.0):
        p.grad = mg.tensor(np.array([g]))
        opt.step()
    assert opt.state[p]["max_exp_avg_sq"][0] == 8.0  # max(0.5*16, 0.5*8): the first stays
    assert p.numpy()[0] == pytest.approx(-0.1)  # m = 0 at step 2: no second move


# ------------------------------------------------------------------ against torch
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_matches_torch_optim_step_by_step(name):
    torch = pytest.importorskip("torch")
    cls, kwargs = CONFIGS[name]
    params = make_params()
    ref = [torch.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    ours = getattr(optim, cls)(params, **kwargs)
    theirs = getattr(torch.optim, cls)(ref, **kwargs)
    for k in range(STEPS):
        for p, r, g in zip(params, ref, grads_at(k)):
            p.grad = mg.tensor(g + 0.1 * p.numpy())
            r.grad = torch.tensor(g + 0.1 * r.detach().numpy())
        ours.step()
        theirs.step()
        for p, r in zip(params, ref):
            np.testing.assert_allclose(p.numpy(), r.detach().numpy(), rtol=1e-6, atol=1e-9,
                                       err_msg=f"{name} step {k}")


def test_param_groups_have_their_own_options_like_torch():
    torch = pytest.importorskip("torch")
    params = make_params()
    ref = [torch.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    ours = optim.SGD([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.5}],
                     lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([{"params": [ref[0]]}, {"params": [ref[1]], "lr": 0.5}],
                             lr=0.1, momentum=0.9)
    for _ in range(3):
        for p, r, g in zip(params, ref, grads_at(0)):
            p.grad, r.grad = mg.tensor(g), torch.tensor(g)
        ours.step()
        theirs.step()
    for p, r in zip(params, ref):
        np.testing.assert_allclose(p.numpy(), r.detach().numpy(), rtol=1e-12)
    assert [g["lr"] for g in ours.param_groups] == [0.1, 0.5]


# ------------------------------------------------------------------ state_dict
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_state_dict_round_trip_resumes_to_identical_numbers(name, tmp_path):
    cls, kwargs = CONFIGS[name]
    straight = make_params()
    opt = getattr(optim, cls)(straight, **kwargs)
    run(opt, straight, 3)
    mg.save({"opt": opt.state_dict(), "params": [p.numpy() for p in straight][0]},
            tmp_path / "ckpt.mg")
    saved_params = [p.numpy().copy() for p in straight]
    expected = run(opt, straight, 3, start=3)

    resumed = [mg.nn.Parameter(a) for a in saved_params]
    opt2 = getattr(optim, cls)(resumed, lr=123.0)  # hyper-parameters come from the state
    opt2.load_state_dict(mg.load(tmp_path / "ckpt.mg")["opt"])
    def options(o):
        return {k: v for k, v in o.param_groups[0].items() if k != "params"}
    assert options(opt2) == options(opt)  # exactly: betas (0.9, 0.999) stay a float tuple
    got = run(opt2, resumed, 3, start=3)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_state_dict_holds_numpy_copies_and_bad_loads_change_nothing():
    params = make_params()
    opt = optim.Adam(params, lr=0.01)
    run(opt, params, 2)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sd["state"]["0"]["step"] == 2
    assert isinstance(sd["state"]["1"]["exp_avg"], np.ndarray)
    assert sd["param_groups"]["0"]["params"] == [0, 1]
    assert list(sd["param_groups"]["0"]["betas"]) == [0.9, 0.999]
    sd["state"]["0"]["exp_avg"][...] = 7  # a copy
    assert not (opt.state[params[0]]["exp_avg"] == 7).any()

    other = optim.Adam(make_params(), lr=0.5)
    bad = opt.state_dict()
    bad["state"]["1"]["exp_avg_sq"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"exp_avg_sq.*parameter 1.*\(4,\).*\(5,\)"):
        other.load_state_dict(bad)
    assert other.state == {} and other.param_groups[0]["lr"] == 0.5
    with pytest.raises(ValueError, match="1 parameters in the state, 2 here"):
        optim.Adam(make_params(), lr=0.5).load_state_dict(
            optim.Adam(make_params()[:1]).state_dict())
    with pytest.raises(KeyError, match="'state' and 'param_groups'"):
        other.load_state_dict({"state": {}})


def test_state_dict_list_form_loads_too():
    params = make_params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    run(opt, params, 1)
    sd = opt.state_dict()
    sd["param_groups"] = [sd["param_groups"]["0"]]
    sd["state"] = {int(k): v for k, v in sd["state"].items()}
    other = optim.SGD(make_params(), lr=0.1, momentum=0.9)
    other.load_state_dict(sd)
    assert len(other.state) == 2


# ------------------------------------------------------------------ behaviour
def test_zero_grad_and_params_without_grad_are_skipped():
    a, b = make_params()
    opt = optim.SGD([a, b], lr=1.0)
    a.grad = mg.ones(*SHAPES[0], dtype=mg.float64)
    before_b = b.numpy().copy()
    opt.step()
    np.testing.assert_array_equal(b.numpy(), before_b)
    assert b not in opt.state
    opt.zero_grad(set_to_none=False)
    assert (a.grad.numpy() == 0).all()
    opt.zero_grad()
    assert a.grad is None


def test_step_updates_in_place_without_recording_a_graph_and_keeps_float32():
    lin = mg.nn.Linear(3, 2)
    data = lin.weight.array
    opt = optim.Adam(lin.parameters(), lr=0.1)
    lin(mg.randn(4, 3)).sum().backward()
    opt.step()
    assert lin.weight.array is data and lin.weight.dtype == np.float32
    assert lin.weight.grad_fn is None and lin.weight.is_leaf
    assert opt.state[lin.weight]["exp_avg"].dtype == np.float32


def test_closure_is_called_with_grad_enabled():
    p = mg.nn.Parameter(np.array([3.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and p.numpy()[0] == 1.5


def test_training_a_model_reduces_the_loss():
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0]) > 0).astype(np.int64)
    model = mg.nn.Sequential(mg.nn.Linear(4, 16), mg.nn.Tanh(), mg.nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = mg.nn.functional.cross_entropy(model(mg.tensor(x)), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]


def test_optimizer_errors():
    p = make_params()
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr must be >= 0, got -1"):
        optim.Adam(p, lr=-1)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="appears twice"):
        optim.SGD([p[0], p[0]], lr=0.1)
    with pytest.raises(TypeError, match="not a Tensor"):
        optim.SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p[0], lr=0.1)
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['momentun'\]"):
        optim.SGD([{"params": p, "momentun": 0.9}], lr=0.1)


# ------------------------------------------------------------------ clipping
def test_clip_grad_norm_returns_the_pre_clip_norm_and_scales():
    a, b = make_params()
    ga, gb = grads_at(0)
    a.grad, b.grad = mg.tensor(ga.copy()), mg.tensor(gb.copy())
    total = math.sqrt((ga ** 2).sum() + (gb ** 2).sum())
    norm = mg.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert isinstance(norm, float) and norm == pytest.approx(total, rel=1e-12)
    scale = 1.0 / (total + 1e-6)
    np.testing.assert_allclose(a.grad.numpy(), ga * scale, rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), gb * scale, rtol=1e-12)
    new = math.sqrt((a.grad.numpy() ** 2).sum() + (b.grad.numpy() ** 2).sum())
    assert new == pytest.approx(1.0, rel=1e-5)
    # under the limit: untouched
    assert optim.clip_grad_norm_([a, b], max_norm=10.0) == pytest.approx(new)
    np.testing.assert_allclose(a.grad.numpy(), ga * scale, rtol=1e-12)


def test_clip_grad_norm_other_norms_and_edge_cases():
    a = mg.nn.Parameter(np.array([3.0, -4.0]))
    a.grad = mg.tensor(np.array([3.0, -4.0]))
    assert mg.nn.utils.clip_grad_norm_(a, 100.0, norm_type=1) == pytest.approx(7.0)
    assert mg.nn.utils.clip_grad_norm_(a, 2.0, norm_type=math.inf) == pytest.approx(4.0)
    np.testing.assert_allclose(a.grad.numpy(), np.array([3.0, -4.0]) * 2 / (4 + 1e-6))
    assert mg.nn.utils.clip_grad_norm_([mg.nn.Parameter(np.zeros(2))], 1.0) == 0.0
    a.grad = mg.tensor(np.array([np.nan, 1.0]))
    with pytest.raises(RuntimeError, match="nan"):
        mg.nn.utils.clip_grad_norm_(a, 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    params = make_params()
    ref = [torch.tensor(p.numpy(), requires_grad=True) for p in params]
    for p, r, g in zip(params, ref, grads_at(2)):
        p.grad, r.grad = mg.tensor(g * 3), torch.tensor(g * 3)
    for norm_type in (2.0, 1.0, 3.0):
        ours = mg.nn.utils.clip_grad_norm_(params, 1.5, norm_type)
        theirs = torch.nn.utils.clip_grad_norm_(ref, 1.5, norm_type)
        assert ours == pytest.approx(theirs.item(), rel=1e-10)
        for p, r in zip(params, ref):
            np.testing.assert_allclose(p.grad.numpy(), r.grad.numpy(), rtol=1e-10)


def test_clip_grad_value():
    a = mg.nn.Parameter(np.zeros(3))
    a.grad = mg.tensor(np.array([-2.0, 0.5, 3.0]))
    data = a.grad.array
    mg.nn.utils.clip_grad_value_([a], 1.0)
    assert a.grad.array is data
    np.testing.assert_array_equal(a.grad.numpy(), [-1.0, 0.5, 1.0])
