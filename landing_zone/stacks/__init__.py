"""One stack class per layer, parameterised by account; layers.py's table names each layer's class."""

from landing_zone import bindings  # noqa: F401  (must precede any provider import)
from landing_zone.stacks.base import LayerStack

__all__ = ["LayerStack"]
