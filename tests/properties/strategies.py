"""Hypothesis strategies shared by the property tests: shapes, broadcasting pairs and
float64 values kept away from the points where an op has a kink (relu and abs at 0,
clip at its bounds, max at ties), so finite differences measure a true derivative."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

SIDE = 3  # small sides: gradcheck costs two forwards per element


def shapes(min_dims: int = 0, max_dims: int = 3):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=SIDE)


def values(shape, low=-2.0, high=2.0, away_from=(), unique=False):
    """float64 arrays in [low, high], no element within 0.05 of the points ``away_from``."""
    def far(x):
        return all(abs(x - p) > 0.05 for p in away_from)
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False).filter(far)
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique)


def leaf(array) -> mg.Tensor:
    return mg.tensor(np.array(array, dtype=np.float64), requires_grad=True)


@st.composite
def broadcast_pair(draw, max_dims=3):
    """Two shapes that broadcast together (sometimes equal, sometimes one is 0-d)."""
    (sa, sb), _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0,
                                                         max_dims=max_dims, max_side=SIDE))
    return sa, sb


@st.composite
def axis_args(draw, ndim: int):
    """An axis argument for a reduction over ``ndim`` dims: None, one axis (maybe
    negative) or a tuple of distinct axes; and keepdims."""
    keepdims = draw(st.booleans())
    if ndim == 0:
        return None, keepdims
    kind = draw(st.sampled_from(["none", "one", "many"]))
    if kind == "none":
        return None, keepdims
    if kind == "one":
        return draw(st.integers(-ndim, ndim - 1)), keepdims
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(axes), keepdims
