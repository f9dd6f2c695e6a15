"""The differentiable ops, one theme per module; each is a class (forward and backward
side by side) and a lowercase function that calls it."""
from minigrad.ops.arithmetic import add, div, matmul, mul, neg, pow, sub
from minigrad.ops.classify import allclose, isclose, isfinite, isinf, isnan, sign
from minigrad.ops.elementwise import (abs, astype, clamp, clip, compare, cos, exp,
                                      leaky_relu, log, log1p, masked_fill, maximum, minimum,
                                      relu, sigmoid, sin, softplus, sqrt, tanh, to_device,
                                      where)
from minigrad.ops.indexing import (embedding, gather, getitem, index_select, one_hot, scatter,
                                   scatter_add, setitem)
from minigrad.ops.norms import norm
from minigrad.ops.reductions import (all, any, argmax, argmin, log_softmax, logsumexp, max,
                                     mean, min, prod, softmax, std, sum, var)
from minigrad.ops.scans import cumsum
from minigrad.ops.selection import sort, topk
from minigrad.ops.shape import (broadcast_to, cat, chunk, clone, concat, contiguous, expand,
                                flatten, flip, narrow, permute, repeat, reshape, split, squeeze,
                                stack, t, transpose, unbind, unsqueeze)
from minigrad.ops import inplace  # noqa: F401  (Tensor's in-place methods; after the ops)

__all__ = [
    "add", "sub", "mul", "div", "pow", "neg", "matmul",
    "abs", "astype", "clamp", "clip", "compare", "cos", "exp", "leaky_relu", "log", "log1p",
    "masked_fill", "maximum", "minimum", "relu", "sigmoid", "sin", "softplus", "sqrt", "tanh",
    "to_device", "where",
    "embedding", "getitem", "index_select", "one_hot", "setitem", "sort", "topk",
    "gather", "scatter", "scatter_add",
    "argmax", "argmin", "log_softmax", "logsumexp", "max", "mean", "min", "softmax", "sum",
    "all", "any", "cumsum", "norm", "prod", "std", "var",
    "allclose", "isclose", "isfinite", "isinf", "isnan", "sign",
    "broadcast_to", "cat", "chunk", "clone", "concat", "contiguous", "expand", "flatten", "flip",
    "narrow", "permute", "repeat", "reshape", "split", "squeeze", "stack", "t", "transpose",
    "unbind", "unsqueeze",
]
