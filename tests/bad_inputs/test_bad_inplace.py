"""Bad input, family "inplace": writes into tensors (x[i] = v, add_, fill_, copy_, the
random fills), new tensors made like others, to(), and the PyTorch-spelled extras
(minigrad.torch, LBFGS)."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg
import minigrad.torch as torch


def x():
    return mg.ones(2, 3)


def linear_params():
    return mg.nn.Linear(2, 2).parameters()


CASES = [
    case("x[0] = a row of another length", lambda: x().__setitem__(0, mg.ones(4)), ValueError,
         "setitem", "(4,)", "(2, 3)"),
    case("x[5] = 1 past the end", lambda: x().__setitem__(5, 1.0), IndexError, "setitem",
         "x[5]", "(2, 3)"),
    case("x[0] = a string", lambda: x().__setitem__(0, "a"), TypeError, "setitem", "'a'"),
    case("add_ of a shape that does not broadcast", lambda: mg.ones(2).add_(mg.ones(3)),
         ValueError, "add", "(2,)", "(3,)"),
    case("add_ that would grow the tensor", lambda: mg.ones(1).add_(mg.ones(3)), RuntimeError,
         "add_", "[1]", "[3]"),
    case("mul_ by a string", lambda: mg.ones(2).mul_("a"), TypeError, "not numeric"),
    case("add_ into a leaf that requires grad",
         lambda: mg.ones(2, requires_grad=True).add_(1), RuntimeError, "add_", "leaf",
         "no_grad"),
    case("fill_ with a string", lambda: mg.ones(2).fill_("a"), TypeError, "fill_", "'a'"),
    case("copy_ of another shape", lambda: mg.ones(2).copy_(mg.ones(3)), ValueError,
         "(3,)", "(2,)"),
    case("masked_fill_ with a mask of another shape",
         lambda: mg.ones(2).masked_fill_(np.array([True, False, True]), 0), ValueError,
         "masked_fill", "(3,)"),
    case("uniform_ into ints", lambda: mg.tensor([1, 2]).uniform_(), TypeError, "uniform_",
         "int64"),
    case("uniform_ with a > b", lambda: mg.ones(2).uniform_(1, 0), ValueError, "uniform_",
         "a=1"),
    case("normal_ with a negative std", lambda: mg.ones(2).normal_(0, -1), ValueError,
         "normal_", "std=-1"),
    case("new_zeros of a negative size", lambda: mg.ones(2).new_zeros(-1), ValueError,
         "new_full", "(-1,)"),
    case("new_full with a string", lambda: mg.ones(2).new_full((2,), "a"), ValueError,
         "new_full", "'a'"),
    case("view_as of another count", lambda: mg.ones(6).view_as(mg.ones(4)), ValueError,
         "reshape", "(6,)", "(4,)"),
    case("t() of 3 dims", lambda: mg.ones(2, 2, 2).t(), ValueError, "t:", "(2, 2, 2)"),
    case("to('gpu')", lambda: mg.ones(2).to("gpu"), TypeError, "to", "'gpu'", "device"),
    case("Module.to('gpu')", lambda: mg.nn.Linear(2, 2).to("gpu"), TypeError, "Linear.to",
         "'gpu'"),
    case("to() with an unknown keyword", lambda: mg.ones(2).to(foo=1), TypeError, "to",
         "['foo']"),
    case("a float tensor as a list index", lambda: [1, 2][mg.tensor(1.0)], TypeError,
         "integer", "float32"),
    case("topk of more than there are", lambda: x().topk(5), ValueError, "topk", "k=5"),
    case("narrow past the end", lambda: x().narrow(1, 2, 5), IndexError, "narrow", "(2, 3)"),
    case("index_select of floats", lambda: x().index_select(0, mg.tensor([0.0])), TypeError,
         "index_select", "integers"),
    case("index_select out of range", lambda: x().index_select(0, mg.tensor([5])),
         IndexError, "index_select", "[5]"),
    case("LBFGS without a closure", lambda: mg.optim.LBFGS(linear_params()).step(), TypeError,
         "LBFGS.step", "closure"),
    case("LBFGS with an unknown line search",
         lambda: mg.optim.LBFGS(linear_params(), line_search_fn="foo"), ValueError, "LBFGS",
         "'foo'"),
    case("LBFGS remembering 0 steps", lambda: mg.optim.LBFGS(linear_params(), history_size=0),
         ValueError, "LBFGS", "history_size"),
    case("torch.save of a function", lambda: torch.save(lambda: 1, "never.pt"), TypeError,
         "torch.save", "function"),
    case("torch.load of a missing file", lambda: torch.load("/nonexistent/m.pt"),
         FileNotFoundError, "no such file"),
    case("torch.device('tpu')", lambda: torch.device("tpu"), RuntimeError, "tpu"),
    case("torch.randint of an empty range", lambda: torch.randint(5, 2, (3,)), ValueError,
         "randint", "[5, 2)"),
    case("torch.multinomial of negative weights",
         lambda: torch.multinomial(mg.tensor([-1.0, 1.0]), 1), ValueError, "multinomial"),
    case("torch.set_grad_enabled('no')", lambda: torch.set_grad_enabled("no"), TypeError,
         "set_grad_enabled", "'no'"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)
