"""Typed constructs of the landing zone, one AWS concern per module."""

from landing_zone import bindings  # noqa: F401  (must precede any provider import)
