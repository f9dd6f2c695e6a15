"""Bad input, family "recurrent": RNN, LSTM, GRU and their cells: sizes, options,
inputs and hidden states of the wrong shape, type or dtype, lengths out of range."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg

nn = mg.nn
X = mg.ones(5, 2, 3)  # (T, B, F)


def lstm(**kw):
    return nn.LSTM(3, 2, **kw)


def _recorded(layer):
    with nn.utils.record_states() as rec:
        layer(X)
    return rec


CASES = [
    case("RNN of a negative input size", lambda: nn.RNN(-1, 2), ValueError, "RNN",
         "input_size", "-1"),
    case("RNN of a float hidden size", lambda: nn.RNN(3, 2.5), TypeError, "RNN",
         "hidden_size", "2.5"),
    case("LSTM of 0 layers", lambda: nn.LSTM(3, 2, num_layers=0), ValueError, "LSTM",
         "num_layers", "0"),
    case("LSTM of 1.5 layers", lambda: nn.LSTM(3, 2, num_layers=1.5), TypeError, "LSTM",
         "num_layers", "1.5"),
    case("GRU of a string size", lambda: nn.GRU("3", 2), TypeError, "GRU", "input_size"),
    case("RNN with a sigmoid", lambda: nn.RNN(3, 2, nonlinearity="sigmoid"), ValueError,
         "RNN", "'sigmoid'"),
    case("LSTM dropout 1", lambda: lstm(dropout=1.0), ValueError, "LSTM", "dropout", "1.0"),
    case("LSTM dropout -0.5", lambda: lstm(dropout=-0.5), ValueError, "LSTM", "-0.5"),
    case("LSTM dropout a string", lambda: lstm(dropout="0.1"), TypeError, "LSTM", "dropout"),
    case("LSTM fed one step of 1 dim", lambda: lstm()(mg.ones(3)), ValueError, "LSTM",
         "(3,)"),
    case("LSTM fed 4 dims", lambda: lstm()(mg.ones(1, 2, 3, 3)), ValueError, "LSTM",
         "(1, 2, 3, 3)"),
    case("LSTM fed the wrong features", lambda: lstm()(mg.ones(5, 2, 4)), ValueError, "LSTM",
         "(5, 2, 4)", "3"),
    case("LSTM fed an empty sequence", lambda: lstm()(mg.ones(0, 2, 3)), ValueError, "LSTM",
         "empty", "(0, 2, 3)"),
    case("LSTM fed a NumPy array", lambda: lstm()(np.ones((5, 2, 3), np.float32)), TypeError,
         "LSTM", "ndarray"),
    case("LSTM fed a list", lambda: lstm()([[[1.0, 2.0, 3.0]]]), TypeError, "LSTM", "list"),
    case("LSTM given one tensor as hx", lambda: lstm()(X, mg.zeros(1, 2, 2)), TypeError,
         "LSTM", "(h_0, c_0)"),
    case("LSTM given three states", lambda: lstm()(X, (mg.zeros(1, 2, 2),) * 3), TypeError,
         "LSTM", "(h_0, c_0)"),
    case("LSTM h_0 of another batch", lambda: lstm()(X, (mg.zeros(1, 3, 2),) * 2),
         ValueError, "LSTM", "h_0", "(1, 2, 2)", "(1, 3, 2)"),
    case("LSTM h_0 without the layer axis", lambda: lstm()(X, (mg.zeros(2, 2),) * 2),
         ValueError, "LSTM", "h_0", "(2, 2)"),
    case("LSTM states as NumPy arrays",
         lambda: lstm()(X, (np.zeros((1, 2, 2), np.float32),) * 2), TypeError, "LSTM", "h_0",
         "ndarray"),
    case("GRU given (h, c)", lambda: nn.GRU(3, 2)(X, (mg.zeros(1, 2, 2),) * 2), TypeError,
         "GRU", "h_0", "tuple"),
    case("GRU h_0 for 1 layer of 2", lambda: nn.GRU(3, 2, num_layers=2)(X, mg.zeros(1, 2, 2)),
         ValueError, "GRU", "(2, 2, 2)", "(1, 2, 2)"),
    case("bidirectional RNN h_0 for one direction",
         lambda: nn.RNN(3, 2, bidirectional=True)(X, mg.zeros(1, 2, 2)), ValueError, "RNN",
         "(2, 2, 2)"),
    case("RNN h_0 as a list", lambda: nn.RNN(3, 2)(X, [[0.0, 0.0]]), TypeError, "RNN",
         "list"),
    case("lengths beyond the sequence", lambda: lstm()(X, lengths=[6, 1]), ValueError,
         "LSTM", "lengths", "[6, 1]"),
    case("a length of 0", lambda: lstm()(X, lengths=[0, 1]), ValueError, "LSTM", "[0, 1]"),
    case("one length for two sequences", lambda: lstm()(X, lengths=[3]), ValueError, "LSTM",
         "2 integers"),
    case("float lengths", lambda: lstm()(X, lengths=[3.0, 2.0]), ValueError, "LSTM",
         "float"),
    case("lengths for an unbatched input", lambda: lstm()(mg.ones(5, 3), lengths=[5]),
         ValueError, "LSTM", "lengths"),
    case("RNNCell of size 0", lambda: nn.RNNCell(0, 2), ValueError, "RNNCell", "input_size"),
    case("GRUCell of a float size", lambda: nn.GRUCell(3, 2.0), TypeError, "GRUCell",
         "hidden_size"),
    case("RNNCell with gelu", lambda: nn.RNNCell(3, 2, nonlinearity="gelu"), ValueError,
         "RNNCell", "'gelu'"),
    case("LSTMCell given one tensor as hx",
         lambda: nn.LSTMCell(3, 2)(mg.ones(4, 3), mg.zeros(4, 2)), TypeError, "LSTMCell",
         "(h, c)"),
    case("LSTMCell given three states",
         lambda: nn.LSTMCell(3, 2)(mg.ones(4, 3), (mg.zeros(4, 2),) * 3), TypeError,
         "LSTMCell", "(h, c)"),
    case("LSTMCell states of another batch",
         lambda: nn.LSTMCell(3, 2)(mg.ones(4, 3), (mg.zeros(3, 2),) * 2), ValueError,
         "LSTMCell", "(4, 2)", "(3, 2)"),
    case("LSTMCell states as NumPy arrays",
         lambda: nn.LSTMCell(3, 2)(mg.ones(4, 3), (np.zeros((4, 2), np.float32),) * 2),
         TypeError, "LSTMCell", "ndarray"),
    case("LSTMCell fed a sequence", lambda: nn.LSTMCell(3, 2)(mg.ones(5, 4, 3)), ValueError,
         "LSTMCell", "(5, 4, 3)"),
    case("GRUCell given (h, c)",
         lambda: nn.GRUCell(3, 2)(mg.ones(4, 3), (mg.zeros(4, 2),) * 2), TypeError,
         "GRUCell", "tuple"),
    case("RNNCell fed a NumPy array", lambda: nn.RNNCell(3, 2)(np.ones((4, 3), np.float32)),
         TypeError, "RNNCell", "ndarray"),
    case("RNNCell state as a NumPy array",
         lambda: nn.RNNCell(3, 2)(mg.ones(4, 3), np.zeros((4, 2), np.float32)), TypeError,
         "RNNCell", "ndarray"),
    case("RNNCell fed float64", lambda: nn.RNNCell(3, 2)(mg.ones(4, 3, dtype="float64")),
         TypeError, "RNNCell", "float64"),
    case("padding sequences of two widths",
         lambda: nn.utils.rnn.pad_sequence([mg.ones(2, 3), mg.ones(2, 4)]), ValueError,
         "pad_sequence", "(2, 4)"),
    case("padding no sequences", lambda: nn.utils.rnn.pad_sequence([]), ValueError,
         "pad_sequence", "non-empty"),
    case("packing unsorted lengths",
         lambda: nn.utils.rnn.pack_padded_sequence(mg.ones(5, 2, 3), [2, 5]), ValueError,
         "pack_padded_sequence", "[2, 5]", "enforce_sorted"),
    case("packing lengths beyond the padding",
         lambda: nn.utils.rnn.pack_padded_sequence(mg.ones(5, 2, 3), [6, 2]), ValueError,
         "pack_padded_sequence", "[6, 2]"),
    case("a PackedSequence of other features",
         lambda: lstm()(nn.utils.rnn.pack_sequence([mg.ones(3, 4), mg.ones(2, 4)])),
         ValueError, "LSTM", "PackedSequence", "(5, 4)"),
    case("a PackedSequence with lengths=",
         lambda: lstm()(nn.utils.rnn.pack_sequence([mg.ones(3, 3), mg.ones(2, 3)]),
                        lengths=[3, 2]), ValueError, "LSTM", "lengths="),
    case("a recording of a layer not called", lambda: _recorded(lstm())[nn.LSTM(3, 2)],
         KeyError, "record_states", "not called"),
    case("a recording of a layer index out of range", lambda: _recorded(
        (m := lstm()))[m][5], IndexError, "record_states", "index 5"),
    case("a recording of a gate the cell lacks", lambda: _recorded((m := lstm()))[m][0]["z"],
         KeyError, "record_states", "'z'", "'f'"),
    case("state_grad_norms of a Linear",
         lambda: nn.utils.state_grad_norms(nn.Linear(3, 2), X, lambda o, s: o.sum()),
         TypeError, "state_grad_norms", "Linear"),
    case("state_grad_norms with a number for the loss",
         lambda: nn.utils.state_grad_norms(lstm(), X, 5), TypeError, "state_grad_norms",
         "loss_fn"),
    case("state_grad_norms of a loss that is a vector",
         lambda: nn.utils.state_grad_norms(lstm(), X, lambda o, s: o), ValueError,
         "state_grad_norms", "one-element", "(5, 2, 2)"),
    case("the fused switch set to a string", lambda: nn.recurrent.set_fused_default("no"),
         TypeError, "set_fused_default", "'no'"),
    case("unpacking a tensor", lambda: nn.utils.rnn.pad_packed_sequence(mg.ones(2)),
         TypeError, "pad_packed_sequence", "Tensor"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)
