"""Bad input, family "optim": optimizers given the wrong things or options out of range,
learning-rate schedules, gradient clipping."""
import pytest
from mistakes import case, check

import minigrad as mg

nn, optim = mg.nn, mg.optim
S = optim.lr_scheduler


def params():
    return nn.Linear(2, 2).parameters()


def sgd():
    return optim.SGD(params(), lr=0.1)


def with_grads():
    p = [mg.nn.Parameter(mg.ones(2))]
    p[0].grad = mg.ones(2)
    return p


CASES = [
    case("SGD of the model, not its parameters", lambda: optim.SGD(nn.Linear(2, 2), lr=0.1),
         TypeError, "SGD", "Linear", "model.parameters()"),
    case("Adam of the model", lambda: optim.Adam(nn.Linear(2, 2)), TypeError, "Adam",
         "model.parameters()"),
    case("SGD of one tensor", lambda: optim.SGD(mg.nn.Parameter(mg.ones(2)), lr=0.1),
         TypeError, "SGD", "single Tensor"),
    case("SGD of a number", lambda: optim.SGD(5, lr=0.1), TypeError, "SGD", "int"),
    case("SGD of nothing", lambda: optim.SGD([], lr=0.1), ValueError, "SGD", "empty"),
    case("SGD of a used-up generator", lambda: (lambda g: (list(g), optim.SGD(g, lr=0.1)))(
        params()), ValueError, "SGD", "empty"),
    case("SGD of a list of lists", lambda: optim.SGD([list(params())], lr=0.1), TypeError,
         "SGD", "parameter 0", "list"),
    case("SGD of a set", lambda: optim.SGD(set(params()), lr=0.1), TypeError, "SGD", "set"),
    case("SGD of an int tensor", lambda: optim.SGD([mg.tensor([1, 2])], lr=0.1), TypeError,
         "SGD", "int64"),
    case("SGD of a computed tensor", lambda: optim.SGD([mg.ones(2, requires_grad=True) * 2],
                                                       lr=0.1),
         ValueError, "SGD", "leaf"),
    case("SGD of one parameter twice", lambda: (lambda p: optim.SGD([p, p], lr=0.1))(
        mg.nn.Parameter(mg.ones(2))), ValueError, "SGD", "twice"),
    case("SGD with a negative lr", lambda: optim.SGD(params(), lr=-1), ValueError, "SGD",
         "lr", "-1"),
    case("SGD with lr nan", lambda: optim.SGD(params(), lr=float("nan")), ValueError, "SGD",
         "nan"),
    case("SGD with a string lr", lambda: optim.SGD(params(), lr="0.1"), TypeError, "SGD",
         "lr", "'0.1'"),
    case("SGD with lr None", lambda: optim.SGD(params(), lr=None), TypeError, "SGD", "None"),
    case("SGD with negative momentum", lambda: optim.SGD(params(), lr=0.1, momentum=-0.5),
         ValueError, "SGD", "momentum"),
    case("Nesterov without momentum", lambda: optim.SGD(params(), lr=0.1, nesterov=True),
         ValueError, "SGD", "nesterov"),
    case("a group without params", lambda: optim.SGD([{"lr": 0.1}]), TypeError, "SGD",
         "'params'"),
    case("a group with an unknown option",
         lambda: optim.SGD([{"params": params(), "betas": (0.9, 0.9)}], lr=0.1), TypeError,
         "SGD", "['betas']"),
    case("Adam with beta 1.0", lambda: optim.Adam(params(), betas=(1.0, 0.9)), ValueError,
         "Adam", "betas", "(1.0, 0.9)"),
    case("Adam with one beta", lambda: optim.Adam(params(), betas=0.9), TypeError, "Adam",
         "betas", "0.9"),
    case("Adam with three betas", lambda: optim.Adam(params(), betas=(0.9, 0.9, 0.9)),
         TypeError, "Adam", "pair"),
    case("Adam with a negative eps", lambda: optim.Adam(params(), eps=-1), ValueError, "Adam",
         "eps"),
    case("RMSprop with alpha 2", lambda: optim.RMSprop(params(), alpha=2), ValueError,
         "RMSprop", "alpha", "2"),
    case("Adagrad with a negative initial accumulator",
         lambda: optim.Adagrad(params(), initial_accumulator_value=-1), ValueError, "Adagrad",
         "initial_accumulator_value"),
    case("step with a closure that is a number", lambda: sgd().step(5), TypeError,
         "SGD.step", "closure"),
    case("StepLR of a model", lambda: S.StepLR(nn.Linear(2, 2), 1), TypeError, "StepLR",
         "Optimizer", "Linear"),
    case("StepLR of step 0", lambda: S.StepLR(sgd(), 0), ValueError, "StepLR", "step_size"),
    case("StepLR of a float step", lambda: S.StepLR(sgd(), 1.5), TypeError, "StepLR",
         "step_size", "1.5"),
    case("StepLR with a negative gamma", lambda: S.StepLR(sgd(), 1, gamma=-1), ValueError,
         "StepLR", "gamma", "-1"),
    case("ExponentialLR with gamma 0", lambda: S.ExponentialLR(sgd(), 0), ValueError,
         "ExponentialLR", "gamma"),
    case("ExponentialLR with a string gamma", lambda: S.ExponentialLR(sgd(), "a"), TypeError,
         "ExponentialLR", "gamma"),
    case("CosineAnnealingLR of T_max 0", lambda: S.CosineAnnealingLR(sgd(), 0), ValueError,
         "CosineAnnealingLR", "T_max"),
    case("CosineAnnealingLR to a negative lr",
         lambda: S.CosineAnnealingLR(sgd(), 5, eta_min=-1), ValueError, "CosineAnnealingLR",
         "eta_min"),
    case("ReduceLROnPlateau with factor 1", lambda: S.ReduceLROnPlateau(sgd(), factor=1.0),
         ValueError, "ReduceLROnPlateau", "factor"),
    case("ReduceLROnPlateau with an unknown mode",
         lambda: S.ReduceLROnPlateau(sgd(), mode="up"), ValueError, "ReduceLROnPlateau",
         "'up'"),
    case("ReduceLROnPlateau with negative patience",
         lambda: S.ReduceLROnPlateau(sgd(), patience=-1), ValueError, "ReduceLROnPlateau",
         "patience"),
    case("ReduceLROnPlateau stepped with a string",
         lambda: S.ReduceLROnPlateau(sgd()).step("a"), TypeError, "ReduceLROnPlateau.step",
         "'a'"),
    case("ReduceLROnPlateau stepped with a vector",
         lambda: S.ReduceLROnPlateau(sgd()).step(mg.ones(2)), TypeError, "one number"),
    case("a scheduler resumed without initial_lr", lambda: S.StepLR(sgd(), 2, last_epoch=3),
         KeyError, "StepLR", "initial_lr"),
    case("clip_grad_norm_ to a negative norm", lambda: optim.clip_grad_norm_(with_grads(), -1),
         ValueError, "clip_grad_norm_", "max_norm", "-1"),
    case("clip_grad_norm_ to nan", lambda: optim.clip_grad_norm_(with_grads(), float("nan")),
         ValueError, "clip_grad_norm_", "nan"),
    case("clip_grad_norm_ of order 0", lambda: optim.clip_grad_norm_(with_grads(), 1, 0),
         ValueError, "clip_grad_norm_", "norm_type"),
    case("clip_grad_norm_ of order 'fro'",
         lambda: optim.clip_grad_norm_(with_grads(), 1, "fro"), TypeError, "norm_type",
         "'fro'"),
    case("clip_grad_norm_ of a module", lambda: optim.clip_grad_norm_(nn.Linear(2, 2), 1.0),
         TypeError, "clip_grad_norm_", "Linear", "model.parameters()"),
    case("clip_grad_norm_ of a non-finite norm, asked to refuse", lambda: (
        lambda p: (setattr(p[0], "grad", mg.tensor([float("inf"), 1.0])),
                   optim.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)))(with_grads()),
         RuntimeError, "clip_grad_norm_", "inf"),
    case("clip_grad_value_ negative", lambda: optim.clip_grad_value_(with_grads(), -1),
         ValueError, "clip_grad_value_", "-1"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)


def test_a_negative_max_norm_no_longer_flips_the_gradients():
    p = with_grads()
    with pytest.raises(ValueError):
        optim.clip_grad_norm_(p, -1.0)
    assert p[0].grad.numpy().tolist() == [1.0, 1.0]  # untouched (was: [-0.707, -0.707])
