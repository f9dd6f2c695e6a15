"""A Keras-style front for people coming from Keras lecture code, built over minigrad's
own modules and ``models.train`` (no second engine: every layer here wraps an
``mg.nn`` layer, and ``model.module`` is a plain ``mg.nn.Module``).

    from models.keras import Sequential, Embedding, LSTM, Dense

    model = Sequential([Embedding(vocab_size, 32), LSTM(64),
                        Dense(vocab_size, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, batch_size=64, validation_split=0.1)
    model.evaluate(x_test, y_test)          # [loss, accuracy]
    model.predict(x[:1])                    # probabilities, a numpy array

As in Keras, inputs are batch-first: ids (B, T) for an Embedding, values (B, T, F) for
a recurrent layer, which returns its last output (B, units) unless
``return_sequences=True`` (B, T, units). Layers learn their input size from the first
batch they see. A softmax (or sigmoid) output paired with a cross-entropy loss is
computed from the logits, as Keras does, so the loss stays finite.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from models.recurrent import recurrent_layer
from models.task import SupervisedTask
from models.train import Trainer

__all__ = ["Sequential", "Embedding", "LSTM", "GRU", "SimpleRNN", "Dense", "Dropout",
           "History", "Adam", "SGD", "RMSprop", "Adagrad"]

_ACTIVATIONS = {None: None, "linear": None, "relu": mg.relu, "tanh": mg.tanh,
                "sigmoid": mg.sigmoid, "softmax": lambda x: x.softmax(-1)}


# ------------------------------------------------------------------ layers
class Layer(mg.nn.Module):
    """A Keras-like layer: built on first call, once the input size is known."""

    def __init__(self) -> None:
        super().__init__()
        self.built = False

    def build(self, input_dim: int) -> None:
        self.built = True

    def output_dim(self, input_dim: int) -> int:
        return input_dim

    def forward(self, x: Any) -> Any:
        if not self.built:
            self.build(x.shape[-1] if hasattr(x, "shape") and len(x.shape) else 0)
        return self.call(x)

    def call(self, x: Any) -> Any:
        raise NotImplementedError


class Embedding(Layer):
    """``Embedding(input_dim, output_dim)``: ids (B, T) -> vectors (B, T, output_dim)."""

    def __init__(self, input_dim: int, output_dim: int):
        super().__init__()
        self.input_dim, self.units = input_dim, output_dim
        self.layer = mg.nn.Embedding(input_dim, output_dim)
        self.built = True

    def output_dim(self, input_dim: int) -> int:
        return self.units

    def call(self, x: Any) -> mg.Tensor:
        return self.layer(np.asarray(x.array if isinstance(x, mg.Tensor) else x, np.int64))



def _check_units(layer: str, units: Any) -> None:
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise ValueError(f"{layer}: units must be a positive integer, got {units!r}")

class _Recurrent(Layer):
    kind = ""

    def __init__(self, units: int, return_sequences: bool = False, return_state: bool = False):
        super().__init__()
        if return_state:
            raise NotImplementedError(f"{type(self).__name__}: return_state is not supported")
        _check_units(type(self).__name__, units)
        self.units, self.return_sequences = units, return_sequences

    def build(self, input_dim: int) -> None:
        self.layer = recurrent_layer(self.kind, input_dim, self.units, batch_first=True)
        self.built = True

    def output_dim(self, input_dim: int) -> int:
        return self.units

    def call(self, x: Any) -> mg.Tensor:
        x = x if isinstance(x, mg.Tensor) else mg.tensor(np.asarray(x, dtype=np.float32))
        if x.ndim != 3:
            raise ValueError(f"{type(self).__name__}: expected input (batch, steps, "
                             f"features), got shape {x.shape}")
        out, _ = self.layer(x)                       # (B, T, units)
        return out if self.return_sequences else out[:, -1]


class LSTM(_Recurrent):
    """``LSTM(units, return_sequences=False)`` over (B, T, F)."""
    kind = "lstm"


class GRU(_Recurrent):
    """``GRU(units, return_sequences=False)`` over (B, T, F)."""
    kind = "gru"


class SimpleRNN(_Recurrent):
    """``SimpleRNN(units, return_sequences=False)``: the Elman RNN (tanh)."""
    kind = "rnn"


class Dense(Layer):
    """``Dense(units, activation=None)`` on the last axis (any leading axes)."""

    def __init__(self, units: int, activation: str | None = None):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"Dense: unknown activation {activation!r} "
                             f"(use one of {[a for a in _ACTIVATIONS if a]})")
        _check_units("Dense", units)
        self.units, self.activation = units, activation

    def build(self, input_dim: int) -> None:
        self.layer = mg.nn.Linear(input_dim, self.units)
        self.built = True

    def output_dim(self, input_dim: int) -> int:
        return self.units

    def logits(self, x: Any) -> mg.Tensor:
        if not self.built:
            self.build(x.shape[-1])
        x = x if isinstance(x, mg.Tensor) else mg.tensor(np.asarray(x, dtype=np.float32))
        lead = x.shape[:-1]
        z = self.layer(x.reshape(-1, x.shape[-1]))
        return z.reshape(*lead, self.units)

    def call(self, x: Any) -> mg.Tensor:
        z = self.logits(x)
        act = _ACTIVATIONS[self.activation]
        return z if act is None else act(z)


class Dropout(Layer):
    """``Dropout(rate)``: active only while fitting."""

    def __init__(self, rate: float):
        super().__init__()
        self.layer = mg.nn.Dropout(rate)
        self.built = True

    def call(self, x: Any) -> mg.Tensor:
        return self.layer(x)


# ------------------------------------------------------------------ optimizers
class _OptimizerSpec:
    name = ""

    def __init__(self, learning_rate: float = 0.001, **kwargs: Any):
        self.learning_rate, self.kwargs = learning_rate, kwargs

    def make(self, params: list):
        return getattr(mg.optim, self.name)(params, lr=self.learning_rate, **self.kwargs)


class Adam(_OptimizerSpec):
    name = "Adam"


class SGD(_OptimizerSpec):
    name = "SGD"

    def __init__(self, learning_rate: float = 0.01, **kwargs: Any):
        super().__init__(learning_rate, **kwargs)


class RMSprop(_OptimizerSpec):
    name = "RMSprop"


class Adagrad(_OptimizerSpec):
    name = "Adagrad"


_OPTIMIZERS = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad}
_LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "mse",
           "mean_squared_error", "binary_crossentropy")


class History:
    """What ``fit`` returns: ``history.history["loss"]``, ``["val_loss"]``, ... per epoch."""

    def __init__(self, entries: list[dict]):
        self.epochs = [dict(e) for e in entries]
        self.history: dict[str, list[float]] = {}
        for e in entries:
            for k, v in e.items():
                if k in ("epoch", "step", "partial", "lr", "grad_norm", "stopped_early"):
                    continue
                key = k[len("train_"):] if k.startswith("train_") else k
                self.history.setdefault(key, []).append(v)


# ------------------------------------------------------------------ the model
class Sequential(mg.nn.Module):
    """A stack of the layers above; see the module docstring."""

    def __init__(self, layers: list | None = None):
        super().__init__()
        self.layers: list[Layer] = []
        for layer in layers or []:
            self.add(layer)
        self._optimizer: Any = None
        self._opt: Any = None
        self._loss: str | None = None
        self._metrics: list[str] = []

    def add(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential: {type(layer).__name__} is not a models.keras layer")
        setattr(self, f"layer{len(self.layers)}", layer)
        self.layers.append(layer)

    @property
    def module(self) -> Sequential:
        return self

    def forward(self, x: Any, logits: bool = False) -> mg.Tensor:
        """Batch-first input -> output; ``logits=True`` skips the last Dense's activation."""
        for i, layer in enumerate(self.layers):
            last = i == len(self.layers) - 1
            x = layer.logits(x) if (logits and last and isinstance(layer, Dense)) else layer(x)
        return x

    def build(self, x: Any) -> None:
        """Create every layer's weights for inputs like ``x`` (a small batch suffices)."""
        with mg.no_grad():
            self.forward(np.asarray(x)[:1])

    def compile(self, optimizer: Any = "adam", loss: str = "sparse_categorical_crossentropy",
                metrics: list | None = None) -> None:
        if isinstance(optimizer, str):
            if optimizer.lower() not in _OPTIMIZERS:
                raise ValueError(f"compile: unknown optimizer {optimizer!r} "
                                 f"(use one of {sorted(_OPTIMIZERS)})")
            optimizer = _OPTIMIZERS[optimizer.lower()]()
        if loss not in _LOSSES:
            raise ValueError(f"compile: unknown loss {loss!r} (use one of {list(_LOSSES)})")
        for m in metrics or []:
            if m not in ("accuracy", "acc"):
                raise ValueError(f"compile: unknown metric {m!r} (only 'accuracy')")
        self._optimizer, self._loss = optimizer, loss
        self._metrics = ["accuracy" for _ in metrics or []][:1]
        self._opt = None

    # loss on the logits when the output is softmax/sigmoid (finite, as Keras does)
    def _loss_fn(self, x: Any, y: np.ndarray) -> tuple[mg.Tensor, dict]:
        loss, last = self._loss, self.layers[-1]
        act = getattr(last, "activation", None)
        if loss in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
            z = self.forward(x, logits=act == "softmax")
            yy = y if loss == "sparse_categorical_crossentropy" else y.argmax(-1)
            flat = z.reshape(-1, z.shape[-1])
            value = (F.cross_entropy(flat, yy.reshape(-1)) if act == "softmax" else
                     F.nll_loss((flat + 1e-7).log(), yy.reshape(-1)))
            correct = float((z.array.argmax(-1) == yy).sum())
            return value, ({"accuracy": correct} if self._metrics else {})
        if loss == "binary_crossentropy":
            z = self.forward(x, logits=act == "sigmoid")
            t = y.astype(np.float32).reshape(z.shape)
            value = (F.binary_cross_entropy_with_logits(z, t) if act == "sigmoid" else
                     -(t * (z + 1e-7).log() + (1 - t) * (1 - z + 1e-7).log()).mean())
            pred = (z.array > (0 if act == "sigmoid" else 0.5))
            return value, ({"accuracy": float((pred == (t > 0.5)).sum())}
                           if self._metrics else {})
        out = self.forward(x)
        return F.mse_loss(out, mg.tensor(y.astype(np.float32).reshape(out.shape))), {}

    def _task(self, x: Any, y: Any, batch_size: int, shuffle: bool, val: Any):
        if self._loss is None:
            raise RuntimeError("Sequential: call compile(optimizer=..., loss=...) first")
        return SupervisedTask(x, y, batch_size=batch_size, shuffle=shuffle, val=val,
                              compute=Sequential._loss_fn)

    def fit(self, x: Any, y: Any, epochs: int = 1, batch_size: int = 32,
            validation_data: tuple | None = None, validation_split: float = 0.0,
            shuffle: bool = True, verbose: int = 1, clipnorm: float | None = None,
            patience: int | None = None) -> History:
        """Train; returns a ``History``. ``validation_split`` holds out the last part of
        the data (before shuffling, as Keras does)."""
        if self._loss is None:
            raise RuntimeError("Sequential: call compile(optimizer=..., loss=...) first")
        x, y = np.asarray(x), np.asarray(y)
        if validation_data is None and validation_split:
            n_val = int(round(len(x) * validation_split))
            if not 0 < n_val < len(x):
                raise ValueError(f"fit: validation_split={validation_split} leaves no data")
            x, y, validation_data = x[:-n_val], y[:-n_val], (x[-n_val:], y[-n_val:])
        self.build(x)
        if self._opt is None:
            self._opt = self._optimizer.make(list(self.parameters()))
        task = self._task(x, y, batch_size, shuffle, validation_data)
        log = print if verbose else (lambda msg: None)
        trainer = Trainer(self, self._opt, task, clip_norm=clipnorm, patience=patience,
                          progress=verbose == 1, log=log)
        return History(trainer.fit(epochs))

    def evaluate(self, x: Any, y: Any, batch_size: int = 256) -> float | list[float]:
        """The loss (and the metrics, as a list, when compiled with some)."""
        task = self._task(np.asarray(x), np.asarray(y), batch_size, False, None)
        with mg.nn.eval_mode(self):
            result = task.evaluate(self, x, y)
        return [result["loss"], result["accuracy"]] if self._metrics else result["loss"]

    def predict(self, x: Any, batch_size: int = 256) -> np.ndarray:
        """Outputs for x, batch by batch, as a numpy array (activation applied)."""
        x = np.asarray(x)
        with mg.nn.eval_mode(self), mg.no_grad():
            outs = [self.forward(x[i:i + batch_size]).numpy()
                    for i in range(0, len(x), batch_size)]
        return np.concatenate(outs, axis=0)

    def summary(self, print_fn: Any = print) -> None:
        """Layer, output size and parameter count, as Keras prints it."""
        print_fn(f"{'layer':<28}{'output':>10}{'params':>12}")
        total = 0
        for i, layer in enumerate(self.layers):
            n = sum(p.numel() for p in layer.parameters())
            total += n
            units = getattr(layer, "units", "")
            state = "" if layer.built else " (not built)"
            print_fn(f"{type(layer).__name__ + state:<28}{units!s:>10}{n:>12,}")
        print_fn(f"total parameters: {total:,}")
