"""Bad input, family "state_dict": loading state that does not fit into a module, an
optimizer or a schedule. Every refusal leaves the object exactly as it was."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg

nn, optim = mg.nn, mg.optim


def linear_state(**change):
    state = nn.Linear(2, 3).state_dict()
    state.update(change)
    return state


def buffered():
    """A Linear(2, 3) with a persistent buffer ``running`` of shape (3,)."""
    model = nn.Linear(2, 3)
    model.register_buffer("running", mg.zeros(3))
    return model


def trained(opt_class, **kw):
    """A model and an optimizer that has taken a step (so it has moment buffers)."""
    model = nn.Linear(2, 2)
    opt = opt_class(model.parameters(), **kw)
    model(mg.ones(1, 2)).sum().backward()
    opt.step()
    return model, opt


def snapshot(opt):
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    state = {id(p): {k: np.copy(v) for k, v in s.items()} for p, s in opt.state.items()}
    return groups, state


def same(a, b):
    (ga, sa), (gb, sb) = a, b
    return ga == gb and sa.keys() == sb.keys() and all(
        sa[p].keys() == sb[p].keys() and all(np.array_equal(sa[p][k], sb[p][k]) for k in sa[p])
        for p in sa)


MODULE_CASES = [
    case("a missing key", lambda: nn.Linear(2, 3).load_state_dict(
        {"weight": linear_state()["weight"]}), KeyError, "Linear", "missing", "['bias']"),
    case("an unexpected key", lambda: nn.Linear(2, 3).load_state_dict(
        linear_state(foo=np.ones(1))), KeyError, "Linear", "unexpected", "['foo']"),
    case("a transposed weight", lambda: nn.Linear(2, 3).load_state_dict(
        linear_state(weight=np.ones((2, 3)))), ValueError, "Linear", "weight", "(2, 3)",
        "(3, 2)"),
    case("a wrong shape with strict=False", lambda: nn.Linear(2, 3).load_state_dict(
        {"weight": np.ones((3, 3))}, strict=False), ValueError, "weight", "(3, 3)"),
    case("a string for a weight", lambda: nn.Linear(2, 3).load_state_dict(
        linear_state(weight="abc")), TypeError, "Linear", "weight", "not an array"),
    case("None for a weight", lambda: nn.Linear(2, 3).load_state_dict(
        linear_state(weight=None)), TypeError, "weight"),
    case("complex weights", lambda: nn.Linear(2, 3).load_state_dict(
        linear_state(weight=np.ones((3, 2), dtype=complex))), TypeError, "weight", "complex"),
    case("a list, not a dict", lambda: nn.Linear(2, 3).load_state_dict([1, 2]), TypeError,
         "Linear", "list"),
    case("a whole checkpoint", lambda: nn.Linear(2, 3).load_state_dict(
        {"model": linear_state(), "optimizer": None}), KeyError, "unexpected",
        "state['model']"),
    case("a buffer missing", lambda: buffered().load_state_dict(linear_state()), KeyError,
         "missing keys ['running']"),
    case("a buffer of the wrong shape", lambda: buffered().load_state_dict(
        linear_state(running=np.ones(4))), ValueError, "running", "(4,)", "(3,)"),
]

OPTIMIZER_CASES = [
    case("not a dict", lambda: trained(optim.SGD, lr=0.1)[1].load_state_dict([1]), TypeError,
         "SGD.load_state_dict", "list"),
    case("a model's state_dict", lambda: optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
         .load_state_dict(nn.Linear(2, 2).state_dict()), KeyError, "SGD.load_state_dict",
         "'param_groups'"),
    case("a group without params", lambda: trained(optim.SGD, lr=0.1)[1].load_state_dict(
        {"state": {}, "param_groups": {"0": {"lr": 0.1}}}), ValueError, "param group 0",
        "'params'"),
    case("a negative lr in the state", lambda: trained(optim.SGD, lr=0.1)[1].load_state_dict(
        {"state": {}, "param_groups": {"0": {"params": [0, 1], "lr": -5.0}}}), ValueError,
        "SGD.load_state_dict", "lr", "-5.0"),
    case("a state key that is no index", lambda: trained(optim.SGD, lr=0.1)[1]
         .load_state_dict({"state": {"x": {}}, "param_groups": {"0": {"params": [0, 1],
                                                                       "lr": 0.1}}}),
         ValueError, "SGD.load_state_dict", "'x'"),
    case("scheduler state of another kind", lambda: optim.lr_scheduler.StepLR(
        optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), 2).load_state_dict(
        optim.lr_scheduler.CosineAnnealingLR(optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1),
                                             5).state_dict()),
        KeyError, "StepLR.load_state_dict", "T_max"),
    case("scheduler state that is not a dict", lambda: optim.lr_scheduler.StepLR(
        optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), 2).load_state_dict(5), TypeError,
        "StepLR.load_state_dict", "int"),
]


@pytest.mark.parametrize("call, error, needles", MODULE_CASES + OPTIMIZER_CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)


def test_a_failed_module_load_changes_nothing():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    before = model.state_dict()
    bad = model.state_dict()
    bad["0.weight"] = bad["0.weight"] + 1   # fits: would load first...
    bad["1.weight"] = np.ones((2, 2))       # ...but this one does not
    with pytest.raises(ValueError, match=r"1\.weight"):
        model.load_state_dict(bad)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize("src, dst", [
    ((optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.Adam, {})),
    ((optim.Adam, {}), (optim.SGD, dict(lr=0.1))),
    ((optim.RMSprop, {}), (optim.Adagrad, {})),
    ((optim.Adagrad, {}), (optim.Adam, {})),
], ids=["SGD state into Adam", "Adam state into SGD", "RMSprop state into Adagrad",
        "Adagrad state into Adam"])
def test_a_state_of_another_optimizer_is_refused_and_changes_nothing(src, dst):
    """Was: Adam accepted an SGD state, then step() failed with KeyError 'step' and
    the optimizer half-changed (SGD's options in Adam's groups)."""
    _, source = trained(src[0], **src[1])
    _, target = trained(dst[0], **dst[1])
    before = snapshot(target)
    with pytest.raises(ValueError, match="another kind of optimizer"):
        target.load_state_dict(source.state_dict())
    assert same(before, snapshot(target))
    target.step()  # still works


def test_a_state_for_other_shapes_is_refused_and_changes_nothing():
    _, big = trained(optim.Adam)
    small = optim.Adam(nn.Linear(3, 3).parameters())
    before = snapshot(small)
    with pytest.raises(ValueError, match=r"exp_avg.*\(2, 2\).*\(3, 3\)"):
        small.load_state_dict(big.state_dict())
    assert same(before, snapshot(small))
