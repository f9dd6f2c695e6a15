"""The fused switch's old spelling (``mg.nn.cells.use_fused``); it lives in
``minigrad.nn.recurrent.switch``."""
from minigrad.nn.recurrent.switch import fused_default, set_fused_default, use_fused  # noqa: F401
