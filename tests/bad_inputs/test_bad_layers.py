"""Bad input, family "layers": Linear, Embedding, Dropout, LayerNorm, the activation
modules, containers, Module itself and the initialisers."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg
import minigrad.nn.functional as F

nn = mg.nn


class NoSuper(nn.Module):
    def __init__(self):
        self.w = 1


CASES = [
    case("Linear of a negative size", lambda: nn.Linear(-1, 2), ValueError, "Linear",
         "in_features", "-1"),
    case("Linear of a float size", lambda: nn.Linear(2.5, 2), TypeError, "Linear",
         "in_features", "2.5"),
    case("Linear of a string size", lambda: nn.Linear(3, "2"), TypeError, "Linear",
         "out_features", "'2'"),
    case("Linear fed the wrong features", lambda: nn.Linear(3, 2)(mg.ones(2, 4)), ValueError,
         "linear", "(2, 4)", "in_features=3"),
    case("Linear fed a 0-d tensor", lambda: nn.Linear(3, 2)(mg.tensor(1.0)), ValueError,
         "linear", "()"),
    case("Linear fed a list", lambda: nn.Linear(3, 2)([[1.0, 2.0, 3.0]]), TypeError,
         "linear", "list", "mg.tensor"),
    case("Linear fed a NumPy array", lambda: nn.Linear(3, 2)(np.ones((2, 3), np.float32)),
         TypeError, "linear", "ndarray"),
    case("F.linear with a 1-d weight", lambda: F.linear(mg.ones(2, 3), mg.ones(3)),
         ValueError, "linear", "2-D", "(3,)"),
    case("F.linear with a bias of the wrong size",
         lambda: F.linear(mg.ones(2, 3), mg.ones(4, 3), mg.ones(3)), ValueError, "linear",
         "bias", "(4,)", "(3,)"),
    case("Embedding of 0 rows", lambda: nn.Embedding(0, 2), ValueError, "Embedding",
         "num_embeddings", "0"),
    case("Embedding of a float size", lambda: nn.Embedding(2.5, 2), TypeError, "Embedding",
         "2.5"),
    case("Embedding padding_idx out of range", lambda: nn.Embedding(3, 2, padding_idx=3),
         ValueError, "Embedding", "padding_idx", "3"),
    case("Embedding of an id out of range", lambda: nn.Embedding(3, 2)(np.array([3])),
         IndexError, "embedding", "[3]"),
    case("Embedding of float ids", lambda: nn.Embedding(3, 2)(mg.tensor([1.0])), TypeError,
         "embedding", "integers"),
    case("Embedding.from_pretrained of 1 dim",
         lambda: nn.Embedding.from_pretrained(np.ones(3)), ValueError, "from_pretrained",
         "(3,)"),
    case("Embedding.from_pretrained of ints",
         lambda: nn.Embedding.from_pretrained(np.ones((3, 2), dtype=int)), TypeError,
         "from_pretrained", "int64"),
    case("Dropout with p > 1", lambda: nn.Dropout(2), ValueError, "Dropout", "p", "2"),
    case("Dropout with p < 0", lambda: nn.Dropout(-0.1), ValueError, "Dropout", "-0.1"),
    case("Dropout with p nan", lambda: nn.Dropout(float("nan")), ValueError, "Dropout",
         "nan"),
    case("Dropout with a string", lambda: nn.Dropout("0.5"), TypeError, "Dropout", "'0.5'"),
    case("F.dropout with p > 1", lambda: F.dropout(mg.ones(3), 1.5), ValueError, "dropout",
         "1.5"),
    case("LayerNorm of size 0", lambda: nn.LayerNorm(0), ValueError, "LayerNorm", "0"),
    case("LayerNorm with a negative eps", lambda: nn.LayerNorm(3, eps=-1), ValueError,
         "LayerNorm", "eps", "-1"),
    case("LayerNorm fed the wrong last dim", lambda: nn.LayerNorm(4)(mg.ones(2, 3)),
         ValueError, "layer_norm", "(2, 3)", "(4,)"),
    case("F.layer_norm with a weight of another shape",
         lambda: F.layer_norm(mg.ones(2, 3), 3, mg.ones(4)), ValueError, "layer_norm",
         "weight", "(4,)", "(3,)"),
    case("LeakyReLU with a string slope", lambda: nn.LeakyReLU("a")(mg.ones(2)), TypeError,
         "leaky_relu", "'a'"),
    case("Sequential of a function", lambda: nn.Sequential(nn.Linear(2, 2), lambda x: x),
         TypeError, "Sequential", "'1'", "function"),
    case("Sequential of a list", lambda: nn.Sequential([nn.Linear(2, 2)]), TypeError,
         "Sequential", "list"),
    case("ModuleList of a number", lambda: nn.ModuleList([3]), TypeError, "ModuleList",
         "int"),
    case("ModuleList index out of range", lambda: nn.ModuleList([nn.Linear(2, 2)])[3],
         IndexError, "ModuleList", "3"),
    case("ModuleDict key with a dot", lambda: nn.ModuleDict({"a.b": nn.Linear(2, 2)}),
         KeyError, "ModuleDict", "'a.b'"),
    case("ModuleDict missing key", lambda: nn.ModuleDict({"a": nn.Linear(2, 2)})["b"],
         KeyError, "ModuleDict", "'b'", "['a']"),
    case("Module without super().__init__()", NoSuper, RuntimeError, "NoSuper",
         "super().__init__()"),
    case("Module without forward", lambda: nn.Module()(1), NotImplementedError, "forward"),
    case("Module.train of a string", lambda: nn.Linear(2, 2).train("no"), ValueError,
         "train", "'no'"),
    case("Module.to of nonsense", lambda: nn.Linear(2, 2).to("foo"), TypeError, "'foo'"),
    case("xavier init of a vector", lambda: nn.init.xavier_uniform_(mg.ones(3)), ValueError,
         "xavier_uniform_", "(3,)"),
    case("init of a NumPy array", lambda: nn.init.normal_(np.ones(3)), TypeError, "normal_",
         "ndarray"),
    case("uniform_ with a > b", lambda: nn.init.uniform_(mg.ones(3), 1, 0), ValueError,
         "uniform_", "a=1", "b=0"),
    case("normal_ with a negative std", lambda: nn.init.normal_(mg.ones(3), 0, -1),
         ValueError, "normal_", "std=-1"),
    case("kaiming with an unknown mode",
         lambda: nn.init.kaiming_uniform_(mg.ones(3, 3), mode="foo"), ValueError,
         "kaiming_uniform_", "'foo'"),
    case("a gain for an unknown nonlinearity", lambda: nn.init.calculate_gain("gelu"),
         ValueError, "calculate_gain", "'gelu'"),
    case("a buffer name with a dot", lambda: nn.Linear(2, 2).register_buffer("a.b", mg.ones(1)),
         KeyError, "Linear.register_buffer", "can't contain", "'a.b'"),
    case("an empty buffer name", lambda: nn.Linear(2, 2).register_buffer("", mg.ones(1)),
         KeyError, "register_buffer", "empty string"),
    case("a buffer name that is not a string",
         lambda: nn.Linear(2, 2).register_buffer(3, mg.ones(1)), TypeError, "register_buffer",
         "should be a string", "int"),
    case("a buffer named like a parameter",
         lambda: nn.Linear(2, 2).register_buffer("weight", mg.ones(1)), KeyError,
         "register_buffer", "attribute 'weight' already exists"),
    case("a buffer named like a method",
         lambda: nn.Linear(2, 2).register_buffer("forward", mg.ones(1)), KeyError,
         "attribute 'forward' already exists"),
    case("a NumPy array as a buffer",
         lambda: nn.Linear(2, 2).register_buffer("m", np.ones(2)), TypeError,
         "register_buffer", "'ndarray'", "buffer 'm'"),
    case("a number assigned to a buffer", lambda: setattr(_with_buffer(), "m", 1.0), TypeError,
         "cannot assign 'float' as buffer 'm'"),
    case("a buffer before Module.__init__", lambda: _NoInit().register_buffer("m", mg.ones(1)),
         AttributeError, "before Module.__init__()"),
]


def _with_buffer():
    m = nn.Linear(2, 2)
    m.register_buffer("m", mg.ones(2))
    return m


class _NoInit(nn.Module):
    def __init__(self):  # forgets super().__init__()
        pass


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)


def test_initialising_an_empty_tensor_is_a_no_op_not_a_zero_division():
    w = mg.ones(3, 0)
    assert nn.init.kaiming_uniform_(w) is w  # was: ZeroDivisionError
    assert nn.init.xavier_normal_(mg.ones(0, 0)).shape == (0, 0)
