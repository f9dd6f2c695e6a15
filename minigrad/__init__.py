"""minigrad: a small tensor/autograd engine built around sequence models.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()      # x.grad == 2x
"""
from os import environ as _environ

from minigrad.tensor import Tensor  # first: autograd and ops import it
from minigrad import autograd, backend
from minigrad.autograd import Function, enable_grad, is_grad_enabled, no_grad, scope
from minigrad.backend import (bool_, cuda_available, float16, float32, float64, int32, int64,
                              set_default_device, set_default_dtype)
from minigrad.creation import (arange, eye, from_numpy, full, linspace, manual_seed,
                               multinomial, ones, ones_like, rand, rand_like, randint, randn,
                               randn_like, randperm, tensor, zeros, zeros_like)
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.ops import *  # noqa: F403  (the op functions: mg.tanh, mg.cat, ...)
from minigrad.ops import __all__ as _ops_all
from minigrad.serialization import load, save
from minigrad import nn, optim  # after the engine they build on
from minigrad import viz


def _device_from_env() -> None:
    device = _environ.get("MINIGRAD_DEVICE")
    if device:
        set_default_device(device)


_device_from_env()

__version__ = "0.1.0"
__all__ = ["Tensor", "tensor", "from_numpy", "zeros", "ones", "full", "eye", "zeros_like",
           "ones_like", "randn", "rand", "randn_like", "rand_like", "randint", "randperm",
           "multinomial", "arange", "linspace",
           "manual_seed", "no_grad", "enable_grad", "is_grad_enabled", "scope", "Function",
           "gradcheck", "GradcheckError", "save", "load", "autograd", "backend", "nn", "optim",
           "float16", "float32", "float64", "int32", "int64", "bool_", "set_default_device",
           "set_default_dtype", "cuda_available", "viz", *_ops_all]
