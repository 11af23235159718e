"""One stack class per layer, parameterised by account."""

from landing_zone import bindings  # noqa: F401  (must precede any provider import)
from landing_zone.stacks.base import LayerStack
from landing_zone.stacks.organizations import OrganizationsStack
from landing_zone.stacks.tf_backend import TfBackendStack

STACKS: dict[str, type[LayerStack]] = {cls.layer: cls for cls in (TfBackendStack, OrganizationsStack)}

__all__ = ["STACKS", "LayerStack"]
