"""minigrad.optim.lr_scheduler: PyTorch's learning rates, and resuming a schedule."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim


def make_params():
    return [mg.nn.Parameter(np.ones((3, 2))), mg.nn.Parameter(np.zeros(4))]


def sched_lrs(make, epochs, lr=0.1):
    opt = optim.SGD(make_params(), lr=lr)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return lrs


def test_step_lr_values():
    lrs = sched_lrs(lambda o: optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 7)
    np.testing.assert_allclose(lrs, [0.1] * 3 + [0.05] * 3 + [0.025] * 2, rtol=1e-15)


def test_cosine_annealing_values():
    lrs = sched_lrs(lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
                    10)
    closed = [0.01 + 0.09 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(11)]
    np.testing.assert_allclose(lrs, closed, rtol=1e-12)


@pytest.mark.parametrize("kind", ["step", "exponential", "cosine"])
def test_schedules_equal_pytorch(kind):
    torch = pytest.importorskip("torch")

    def make(mod):
        def build(o):
            if kind == "step":
                return mod.StepLR(o, step_size=4, gamma=0.3)
            if kind == "exponential":
                return mod.ExponentialLR(o, gamma=0.87)
            return mod.CosineAnnealingLR(o, T_max=7, eta_min=0.001)
        return build
    ours = sched_lrs(make(optim.lr_scheduler), 20)
    topt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    tsched = make(torch.optim.lr_scheduler)(topt)
    theirs = [topt.param_groups[0]["lr"]]
    for _ in range(20):
        topt.step()
        tsched.step()
        theirs.append(tsched.get_last_lr()[0])
    np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_scheduler_state_dict_resumes(tmp_path):
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8)
    for _ in range(3):
        opt.step()
        sched.step()
    mg.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "s.mg")
    rest = []
    for _ in range(4):
        opt.step()
        sched.step()
        rest.append(sched.get_last_lr()[0])
    ckpt = mg.load(tmp_path / "s.mg")
    opt2 = optim.SGD(make_params(), lr=0.1)
    opt2.load_state_dict(ckpt["opt"])
    sched2 = optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=8)
    sched2.load_state_dict(ckpt["sched"])
    assert opt2.param_groups[0]["lr"] == ckpt["opt"]["param_groups"]["0"]["lr"]
    got = []
    for _ in range(4):
        opt2.step()
        sched2.step()
        got.append(sched2.get_last_lr()[0])
    assert got == rest


def test_exponential_lr_values():
    lrs = sched_lrs(lambda o: optim.lr_scheduler.ExponentialLR(o, gamma=0.9), 5)
    np.testing.assert_allclose(lrs, [0.1 * 0.9 ** e for e in range(6)], rtol=1e-14)


def plateau_lrs(mod, opt, metrics, **kw):
    sched = mod.ReduceLROnPlateau(opt, **kw)
    out = []
    for m in metrics:
        opt.step()
        sched.step(m)
        out.append([g["lr"] for g in opt.param_groups])
    return out, sched


METRICS = [5.0, 4.0, 4.0, 3.9999, 4.1, 4.2, 3.0, 3.5, 3.6, 3.7, 3.8, 3.9, 4.0, 2.0, 2.5, 2.6,
           2.7, 2.8, 2.9, 3.0, 3.1, 3.2]


def test_reduce_on_plateau_waits_patience_then_divides_then_cools_down():
    opt = optim.SGD(make_params(), lr=1.0)
    lrs, sched = plateau_lrs(optim.lr_scheduler, opt, [3, 3, 3, 3, 3, 3, 3, 3],
                             factor=0.25, patience=2, cooldown=1, min_lr=0.1)
    # best 3 at epoch 1; bad epochs 2, 3, then the 4th exceeds patience 2 -> 0.25;
    # one cooldown epoch, then three bad ones again -> 0.0625 is below min_lr: 0.1
    assert [g[0] for g in lrs] == [1.0, 1.0, 1.0, 0.25, 0.25, 0.25, 0.25, 0.1]
    assert sched.get_last_lr() == [0.1]
    with pytest.raises(ValueError, match="factor must be in"):
        optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)


@pytest.mark.parametrize("kw", [
    dict(),
    dict(patience=1, factor=0.5),
    dict(patience=2, cooldown=2, threshold=0.01, threshold_mode="abs", min_lr=0.02),
    dict(mode="max", patience=1, factor=0.3),
    dict(mode="max", patience=0, threshold_mode="abs", threshold=0.2),
])
def test_reduce_on_plateau_equals_pytorch(kw):
    torch = pytest.importorskip("torch")
    ours, _ = plateau_lrs(optim.lr_scheduler, optim.SGD(make_params(), lr=0.1), METRICS, **kw)
    topt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    theirs, _ = plateau_lrs(torch.optim.lr_scheduler, topt, METRICS, **kw)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)


def test_reduce_on_plateau_state_dict_resumes(tmp_path):
    opt = optim.SGD(make_params(), lr=0.1)
    _, sched = plateau_lrs(optim.lr_scheduler, opt, METRICS[:8], patience=1)
    mg.save({"sched": sched.state_dict()}, tmp_path / "s.mg")
    fresh = optim.lr_scheduler.ReduceLROnPlateau(optim.SGD(make_params(), lr=0.1), patience=1)
    fresh.load_state_dict(mg.load(tmp_path / "s.mg")["sched"])
    for k in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(fresh, k) == getattr(sched, k)
