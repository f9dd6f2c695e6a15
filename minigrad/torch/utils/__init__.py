"""``torch.utils``: the data-loading basics (``torch.utils.data``)."""
from minigrad.torch.utils import data

__all__ = ["data"]
