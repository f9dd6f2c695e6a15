"""Bad input, family "dtypes": integers where floats are meant, one dtype where another
is, dtypes a tensor cannot hold.

Two kinds of row. An error, where PyTorch refuses too (a float64 batch into a float32
layer). An answer, where PyTorch computes the right thing and minigrad used to answer
garbage: a real-valued function of integers promotes them to the default float dtype
(``sigmoid`` of a uint8 tensor negated the unsigned numbers, which wrap around)."""
import numpy as np
import pytest
from mistakes import answer, case, check, check_answer

import minigrad as mg
import minigrad.nn.functional as F


def u8(*values):
    return mg.tensor(np.array(values, dtype=np.uint8))


def sig(x):
    return 1 / (1 + np.exp(-np.asarray(x, dtype=np.float64)))


ANSWERS = [
    answer("sigmoid of uint8", lambda: u8(0, 1, 200).sigmoid(), sig([0, 1, 200]), "float32"),
    answer("sigmoid of int64", lambda: mg.tensor([0, 1, -2]).sigmoid(), sig([0, 1, -2]),
           "float32"),
    answer("exp of uint8", lambda: u8(0, 1).exp(), np.exp([0.0, 1.0]), "float32"),
    answer("tanh of ints", lambda: mg.tensor([0, 1]).tanh(), np.tanh([0.0, 1.0]), "float32"),
    answer("log of ints", lambda: mg.tensor([1, 2]).log(), np.log([1.0, 2.0]), "float32"),
    answer("softplus of ints", lambda: mg.softplus(mg.tensor([-1, 2])),
           np.log1p(np.exp([-1.0, 2.0])), "float32"),
    answer("leaky_relu of ints", lambda: mg.leaky_relu(mg.tensor([-1, 2])), [-0.01, 2.0],
           "float32"),
    answer("softmax of ints", lambda: mg.tensor([1, 2]).softmax(),
           np.exp([1, 2]) / np.exp([1, 2]).sum(), "float32"),
    answer("sin of bools", lambda: mg.tensor([True, False]).sin(), np.sin([1.0, 0.0]),
           "float32"),
]

CASES = [
    case("float64 batch into a float32 Linear",
         lambda: mg.nn.Linear(3, 2)(mg.ones(2, 3, dtype="float64")), TypeError, "linear",
         "float64", "float32"),
    case("int batch into a Linear", lambda: mg.nn.Linear(3, 2)(mg.tensor([[1, 2, 3]])),
         TypeError, "linear", "int64"),
    case("float64 batch into a float32 LayerNorm",
         lambda: mg.nn.LayerNorm(3)(mg.ones(2, 3, dtype="float64")), TypeError, "layer_norm",
         "float64", "float32"),
    case("int batch into a LayerNorm without weights",
         lambda: mg.nn.LayerNorm(3, elementwise_affine=False)(mg.tensor([[1, 2, 3]])),
         TypeError, "layer_norm", "int64"),
    case("float64 batch into a float32 LSTM",
         lambda: mg.nn.LSTM(3, 2)(mg.ones(5, 2, 3, dtype="float64")), TypeError, "LSTM",
         "float64", "float32"),
    case("float64 hidden state into a float32 GRU",
         lambda: mg.nn.GRU(3, 2)(mg.ones(5, 2, 3), mg.zeros(1, 2, 2, dtype="float64")),
         TypeError, "GRU", "h_0", "float64"),
    case("float64 target tensor for a float32 mse_loss",
         lambda: F.mse_loss(mg.ones(4), mg.ones(4, dtype="float64")), TypeError, "mse_loss",
         "float64", "float32"),
    case("int target tensor for an l1_loss", lambda: F.l1_loss(mg.ones(2), mg.tensor([1, 2])),
         TypeError, "l1_loss", "int64"),
    case("int logits for cross_entropy",
         lambda: F.cross_entropy(mg.tensor([[1, 2]]), np.array([0])), TypeError,
         "cross_entropy", "floating", "int64"),
    case("float class targets for cross_entropy",
         lambda: F.cross_entropy(mg.ones(2, 3), np.array([0.0, 1.0])), TypeError,
         "cross_entropy", "integers", "float64"),
    case("int logits for BCE with logits",
         lambda: F.binary_cross_entropy_with_logits(mg.tensor([1, 0]), mg.tensor([1, 0])),
         TypeError, "binary_cross_entropy_with_logits", "floating"),
    case("int tensor into mse_loss", lambda: F.mse_loss(mg.tensor([1, 2]), mg.tensor([1, 2])),
         TypeError, "mse_loss", "floating"),
    case("dropout of ints", lambda: F.dropout(mg.tensor([1, 2, 3]), 0.5), TypeError,
         "dropout", "floating"),
    case("astype to strings", lambda: mg.ones(2).astype(str), TypeError, "astype"),
    case("astype to objects", lambda: mg.ones(2).astype(object), TypeError, "astype",
         "object"),
    case("astype to complex", lambda: mg.ones(2).astype("complex64"), TypeError, "astype",
         "complex64"),
    case("a Module converted to ints", lambda: mg.nn.Linear(2, 2).to("int64"), TypeError,
         "Linear.to", "int64"),
    case("an int Linear", lambda: mg.nn.Linear(3, 2, dtype="int64"), TypeError, "int64"),
    case("random init of an int tensor", lambda: mg.nn.init.normal_(mg.tensor([1, 2])),
         TypeError, "normal_", "int64"),
    case("backward through a cast to int", lambda: (
        mg.ones(2, requires_grad=True).astype("int64") * 2).sum().backward(), RuntimeError,
         "backward", "does not require grad"),
]


@pytest.mark.parametrize("call, expected, dtype", ANSWERS)
def test_answer(call, expected, dtype):
    check_answer(call, expected, dtype)


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)
