"""Neural-network building blocks: Module, Parameter, layers, recurrent layers."""
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter

__all__ = ["Module", "Parameter"]
