"""Bad input, family "models": the ready models (language model, forecaster,
classifier), the Keras-style front, and the graph drawing a learner calls on them."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg
import models.keras as K
from models.classifier import SequenceClassifier
from models.data import CharTokenizer
from models.forecaster import Forecaster
from models.lm import LanguageModel

TOK = CharTokenizer().fit("abcdef")


def lm():
    return LanguageModel(len(TOK), 4, 8)


def compiled(*layers, loss="mse"):
    model = K.Sequential(list(layers))
    model.compile(optimizer="adam", loss=loss)
    return model


def graph():
    return (mg.ones(2, requires_grad=True) * 2).sum()


CASES = [
    case("a language model of an unknown cell", lambda: LanguageModel(5, cell="transformer"),
         ValueError, "LanguageModel", "'transformer'"),
    case("a language model of no words", lambda: LanguageModel(0), ValueError,
         "LanguageModel", "vocab_size"),
    case("a language model of a float hidden size", lambda: LanguageModel(5, hidden_size=2.5),
         TypeError, "hidden_size", "2.5"),
    case("float token ids", lambda: lm()(np.ones((3, 2))), TypeError, "LanguageModel",
         "integers", "float64"),
    case("token ids of 1 dim", lambda: lm()(np.array([1, 2])), ValueError, "LanguageModel",
         "(T, B)", "(2,)"),
    case("a token id out of range", lambda: lm()(np.array([[100]])), IndexError, "embedding",
         "[100]"),
    case("an LSTM model given h alone", lambda: lm()(np.array([[1]]), mg.zeros(1, 1, 8)),
         TypeError, "LSTM", "(h_0, c_0)"),
    case("evaluating float ids", lambda: lm().evaluate(np.ones((10, 2))), TypeError,
         "integers"),
    case("generating -1 tokens", lambda: lm().generate(TOK, "ab", -1), ValueError,
         "generate", "-1"),
    case("generating 2.5 tokens", lambda: lm().generate(TOK, "ab", 2.5), TypeError,
         "generate", "2.5"),
    case("generating from a seed that is a number", lambda: lm().generate(TOK, 5, 3),
         TypeError, "generate", "seed_text", "int"),
    case("generating at temperature 0", lambda: lm().generate(TOK, "ab", 3, temperature=0),
         ValueError, "generate", "temperature"),
    case("generating with top_k 0", lambda: lm().generate(TOK, "ab", 3, top_k=0), ValueError,
         "generate", "top_k"),
    case("generating with another tokenizer",
         lambda: lm().generate(CharTokenizer().fit("xyz"), "x", 3), ValueError, "generate",
         "tokenizer has 4 tokens", "7"),
    case("generating from an empty seed", lambda: lm().generate(TOK, "", 3), ValueError,
         "generate", "seed text is empty"),
    case("a forecaster of size 0", lambda: Forecaster(0, 4), ValueError, "Forecaster"),
    case("a forecaster of an unknown cell", lambda: Forecaster(1, 4, cell="x"), ValueError,
         "Forecaster", "'x'"),
    case("predicting from one window unbatched", lambda: Forecaster(1, 4).predict(np.ones(5)),
         ValueError, "Forecaster.predict", "(5,)"),
    case("forecasting -1 steps", lambda: Forecaster(1, 4).forecast(np.ones(5), -1),
         ValueError, "Forecaster.forecast", "-1"),
    case("forecasting from no history", lambda: Forecaster(1, 4).forecast([], 3), ValueError,
         "Forecaster.forecast", "empty"),
    case("a classifier of 0 classes", lambda: SequenceClassifier(8, 4, 0), ValueError,
         "SequenceClassifier"),
    case("classifying rows of the wrong width",
         lambda: SequenceClassifier(8, 4, 3).predict(np.ones((2, 5, 7))), ValueError,
         "SequenceClassifier", "(5, 2, 7)"),
    case("a Keras LSTM of 0 units", lambda: K.LSTM(0), ValueError, "LSTM", "units"),
    case("a Keras Dense of 2.5 units", lambda: K.Dense(2.5), ValueError, "Dense", "2.5"),
    case("a Keras Dense with an unknown activation", lambda: K.Dense(2, activation="gelu"),
         ValueError, "Dense", "'gelu'"),
    case("fitting before compile",
         lambda: K.Sequential([K.Dense(2)]).fit(np.ones((4, 3)), np.ones(4)), RuntimeError,
         "compile"),
    case("compiling with an unknown optimizer",
         lambda: K.Sequential([K.Dense(2)]).compile(optimizer="lion", loss="mse"), ValueError,
         "compile", "'lion'"),
    case("compiling with an unknown loss",
         lambda: K.Sequential([K.Dense(2)]).compile(optimizer="adam", loss="hinge"),
         ValueError, "compile", "'hinge'"),
    case("fitting x and y of two lengths",
         lambda: compiled(K.Dense(1)).fit(np.ones((4, 3)), np.ones(3)), ValueError, "4", "3"),
    case("a validation split of everything",
         lambda: compiled(K.Dense(1)).fit(np.ones((4, 3)), np.ones((4, 1)),
                                          validation_split=1.0),
         ValueError, "validation_split"),
    case("drawing a number", lambda: mg.viz.draw(5), TypeError, "draw", "int"),
    case("drawing with a list of params", lambda: mg.viz.draw(graph(), params=[1]), TypeError,
         "draw", "params", "list"),
    case("drawing 0 steps", lambda: mg.viz.draw(graph(), max_steps=0), ValueError, "draw",
         "max_steps"),
    case("drawing gradients never recorded", lambda: mg.viz.draw(graph(), show_grad=True),
         RuntimeError, "show_grad", "record_grad_norms"),
    case("saving a drawing of an unknown format",
         lambda: mg.viz.save(graph(), "graph.foo"), ValueError, "viz.save", ".foo"),
    case("eval_mode of a number", lambda: mg.nn.eval_mode(5).__enter__(), TypeError,
         "eval_mode", "int"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(call, error, needles):
    check(call, error, needles)
