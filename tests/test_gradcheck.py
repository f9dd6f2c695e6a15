"""gradcheck itself: it must catch a wrong backward, and demand float64."""
import pytest

import minigrad as mg
from minigrad.autograd import Function


class WrongSquare(Function):
    def forward(self, x):
        self.saved = x
        return x * x

    def backward(self, g):
        return g * 3 * self.saved  # should be 2x


def test_gradcheck_catches_a_wrong_backward_and_names_the_element():
    x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    with pytest.raises(mg.GradcheckError, match=r"input 0 element \(\d,\)"):
        mg.gradcheck(lambda a: WrongSquare()(a), [x])
    assert mg.gradcheck(lambda a: WrongSquare()(a), [x], raise_exception=False) is False


def test_gradcheck_passes_a_right_backward_and_demands_float64():
    x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda a: a * a, [x])
    with pytest.raises(TypeError, match="float64"):
        mg.gradcheck(lambda a: a * a, [mg.tensor([1.0], requires_grad=True)])
