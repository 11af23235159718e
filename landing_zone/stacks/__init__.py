"""One stack class per layer, parameterised by account."""

from landing_zone import bindings  # noqa: F401  (must precede any provider import)
from landing_zone.stacks.audit import AuditStack
from landing_zone.stacks.base import LayerStack
from landing_zone.stacks.ci import CiStack
from landing_zone.stacks.config_recorder import ConfigStack
from landing_zone.stacks.guardduty import GuardDutyStack
from landing_zone.stacks.identities import IdentitiesStack
from landing_zone.stacks.organizations import OrganizationsStack
from landing_zone.stacks.security_base import SecurityBaseStack
from landing_zone.stacks.sso import SsoStack
from landing_zone.stacks.tf_backend import TfBackendStack

STACKS: dict[str, type[LayerStack]] = {
    cls.layer: cls
    for cls in (TfBackendStack, OrganizationsStack, SecurityBaseStack, SsoStack, IdentitiesStack, CiStack, AuditStack, ConfigStack, GuardDutyStack)
}

__all__ = ["STACKS", "LayerStack"]
