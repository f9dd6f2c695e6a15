"""Bad input, family "autograd": backward called wrongly, gradients set by hand,
hooks that return the wrong thing, gradcheck misused."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg


def leaf(*shape):
    return mg.ones(*shape, requires_grad=True)


def backward_twice():
    y = (leaf(2) * leaf(2)).sum()
    y.backward()
    y.backward()


def hook_returning(value, shape=(2, 3), on_leaf=False):
    def run():
        x = leaf(*shape)
        y = x * 2
        (x if on_leaf else y).register_hook(lambda g: value)
        y.sum().backward()
    return run


def with_grad_set_to(value):
    def run():
        x = leaf(2)
        x.grad = value
        (x * 2).sum().backward()
    return run


CASES = [
    case("backward a second time", backward_twice, RuntimeError, "backward", "second time",
         "retain_graph"),
    case("backward of a vector without grad", lambda: (leaf(2) * 2).backward(), RuntimeError,
         "backward", "(2,)"),
    case("backward of a tensor with no graph", lambda: mg.ones(2).sum().backward(),
         RuntimeError, "backward", "does not require grad"),
    case("backward with a grad of the wrong shape",
         lambda: (leaf(2) * 2).backward(mg.ones(3)), ValueError, "backward", "(3,)", "(2,)"),
    case("backward with a ragged grad", lambda: (leaf(2) * 2).backward([1.0, [2.0]]),
         ValueError, "ragged"),
    case("hook returning a smaller shape", hook_returning(mg.ones(3)), RuntimeError,
         "register_hook", "(3,)", "(2, 3)"),
    case("hook on a leaf broadcasting silently", hook_returning(mg.ones(3), on_leaf=True),
         RuntimeError, "register_hook", "(3,)", "(2, 3)"),
    case("hook returning another dtype", hook_returning(mg.ones(2, 3, dtype="float64")),
         RuntimeError, "register_hook", "float64", "float32"),
    case("hook returning a string", hook_returning("a"), TypeError, "register_hook", "str"),
    case("hook returning a list", hook_returning([1.0, 2.0], shape=(2,)), TypeError,
         "register_hook", "list"),
    case("hook that is not callable", lambda: leaf(2).register_hook(5), TypeError,
         "register_hook", "callable"),
    case("hook on a tensor without grad", lambda: mg.ones(2).register_hook(lambda g: g),
         RuntimeError, "register_hook", "does not require grad"),
    case("retain_grad without grad", lambda: mg.ones(2).retain_grad(), RuntimeError,
         "retain_grad", "does not require grad"),
    case(".grad set to the wrong shape", with_grad_set_to(mg.ones(3)), RuntimeError,
         "backward", ".grad", "(3,)", "(2,)"),
    case(".grad set to an array", with_grad_set_to(np.ones(2)), TypeError, "backward",
         ".grad", "ndarray"),
    case("requires_grad on ints", lambda: mg.tensor([1]).requires_grad_(), TypeError,
         "requires_grad", "int64"),
    case("requires_grad off on a non-leaf", lambda: (leaf(2) * 2).requires_grad_(False),
         RuntimeError, "non-leaf", "detach"),
    case("gradcheck in float32", lambda: mg.gradcheck(lambda x: x * 2, [leaf(2)]), TypeError,
         "gradcheck", "float32", "float64"),
    case("gradcheck with nothing to check",
         lambda: mg.gradcheck(lambda x: x * 2, [mg.ones(2, dtype="float64")]), ValueError,
         "gradcheck", "requires_grad"),
    case("gradcheck of arrays", lambda: mg.gradcheck(lambda x: x * 2, [np.ones(2)]),
         TypeError, "gradcheck", "ndarray"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)


def test_removing_a_hook_twice_is_harmless_and_removes_it():
    x = leaf(2)
    remove = x.register_hook(lambda g: g * 0)
    remove()
    remove()  # was: ValueError list.remove(x): x not in list
    (x * 3).sum().backward()
    assert x.grad.numpy().tolist() == [3.0, 3.0]


def test_backward_takes_a_number_or_a_list_as_grad_in_the_output_dtype():
    x = leaf(2)
    (x * 2).backward([1.0, 0.5])  # was: AttributeError 'list' object has no attribute 'shape'
    assert x.grad.dtype == x.dtype and x.grad.numpy().tolist() == [2.0, 1.0]
