"""Bad input, family "creation": making tensors (from data, filled, random, ranges) and
choosing devices and dtypes for them."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg

CASES = [
    case("ragged nested list", lambda: mg.tensor([[1, 2], [3]]), ValueError,
         "tensor", "ragged", "row [1] has length 1"),
    case("ragged deeper", lambda: mg.tensor([[[1, 2], [3, 4]], [[1, 2], [3]]]), ValueError,
         "ragged", "row [1, 1]"),
    case("number among lists", lambda: mg.tensor([1, [2]]), ValueError, "ragged", "number"),
    case("tensors of two shapes in a list", lambda: mg.tensor([mg.ones(2), mg.ones(3)]),
         ValueError, "ragged", "length 3"),
    case("a string", lambda: mg.tensor("abc"), TypeError, "tensor", "not numeric"),
    case("None", lambda: mg.tensor(None), TypeError, "tensor", "NoneType"),
    case("a dict", lambda: mg.tensor({"a": 1}), TypeError, "tensor", "dict"),
    case("complex numbers", lambda: mg.tensor([1 + 2j]), TypeError, "complex128"),
    case("datetimes", lambda: mg.tensor(np.array(["2020-01-01"], dtype="datetime64[D]")),
         TypeError, "datetime64"),
    case("misspelt dtype", lambda: mg.tensor([1.0], dtype="flaot32"), TypeError,
         "not a dtype", "flaot32"),
    case("int tensor requiring grad", lambda: mg.tensor([1, 2], requires_grad=True),
         TypeError, "requires_grad", "int64"),
    case("zeros of a negative size", lambda: mg.zeros(-1, 2), ValueError, "zeros", "(-1, 2)"),
    case("zeros of a float size", lambda: mg.zeros(2.5), TypeError, "zeros", "2.5"),
    case("zeros of a string size", lambda: mg.zeros("3"), TypeError, "zeros", "'3'"),
    case("zeros of a bool size", lambda: mg.zeros(True), TypeError, "zeros", "True"),
    case("ones of a negative size in a tuple", lambda: mg.ones((2, -3)), ValueError, "ones",
         "(2, -3)"),
    case("full of a float shape", lambda: mg.full(2.5, 1.0), TypeError, "full", "2.5"),
    case("full with a string value", lambda: mg.full((2,), "a"), TypeError, "full", "'a'"),
    case("eye of a negative size", lambda: mg.eye(-2), ValueError, "eye", "-2"),
    case("linspace of negative steps", lambda: mg.linspace(0, 1, -5), ValueError, "linspace",
         "-5"),
    case("linspace of float steps", lambda: mg.linspace(0, 1, 2.5), TypeError, "linspace",
         "2.5"),
    case("arange with step 0", lambda: mg.arange(0, 5, 0), ValueError, "arange", "step",
         "nonzero"),
    case("arange walking away from its end", lambda: mg.arange(5, 0), ValueError, "arange",
         "5", "0"),
    case("arange to infinity", lambda: mg.arange(0, float("inf")), ValueError, "arange",
         "finite", "inf"),
    case("arange to nan", lambda: mg.arange(0, float("nan")), ValueError, "arange", "nan"),
    case("arange of a string", lambda: mg.arange("5"), TypeError, "arange", "'5'"),
    case("randn into integers", lambda: mg.randn(3, dtype="int64"), TypeError, "randn",
         "int64"),
    case("rand into integers", lambda: mg.rand(3, dtype="int32"), TypeError, "rand", "int32"),
    case("randn of a negative size", lambda: mg.randn(-2), ValueError, "randn", "-2"),
    case("randn of a float size", lambda: mg.randn(2.0), TypeError, "randn", "2.0"),
    case("from_numpy of a list", lambda: mg.from_numpy([1, 2]), TypeError, "from_numpy",
         "list"),
    case("from_numpy of objects", lambda: mg.from_numpy(np.array([None])), TypeError,
         "object"),
    case("manual_seed of a string", lambda: mg.manual_seed("a"), TypeError, "manual_seed",
         "'a'"),
    case("manual_seed of a float", lambda: mg.manual_seed(1.5), TypeError, "manual_seed",
         "1.5"),
    case("manual_seed negative", lambda: mg.manual_seed(-1), ValueError, "manual_seed", "-1"),
    case("default dtype of ints", lambda: mg.set_default_dtype("int32"), TypeError,
         "default dtype", "int32"),
    # devices (without a GPU: each request for one is one clear error)
    case("unknown device name", lambda: mg.tensor([1.0], device="gpu"), ValueError,
         "unknown device", "'gpu'"),
    case("unknown default device", lambda: mg.set_default_device("tpu"), ValueError,
         "unknown device", "'tpu'"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)


@pytest.mark.skipif(mg.cuda_available(), reason="a GPU is here: asking for one works")
@pytest.mark.parametrize("call", [lambda: mg.ones(2).to("cuda"),
                                  lambda: mg.nn.Linear(2, 2).to("cuda"),
                                  lambda: mg.zeros(2, device="cuda")],
                         ids=["tensor to cuda", "module to cuda", "zeros on cuda"])
def test_asking_for_a_missing_gpu_says_what_is_missing(call):
    check(call, RuntimeError, ("cuda", "CuPy"))
