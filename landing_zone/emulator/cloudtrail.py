"""CloudTrail behaviour the audit layer needs that moto 5.2.5 lacks, patched onto moto's classes.

- RegisterOrganizationDelegatedAdmin / DeregisterOrganizationDelegatedAdmin (moto has neither):
  CloudTrail registers the account with Organizations for `cloudtrail.amazonaws.com`, which is
  what `aws_cloudtrail_organization_delegated_admin_account` reads back; moto's Organizations
  refuses that principal (and config's) as a delegated administrator's service.
- Organization trails in the member accounts: AWS shows the management account's organization
  trail in every member account (DescribeTrails, GetTrail, GetTrailStatus, GetEventSelectors by
  its ARN); moto keeps a trail in its own account only.

Tested in tests/test_emulator_cloudtrail.py; `install()` runs from handlers.install().
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

SERVICE_PRINCIPAL = "cloudtrail.amazonaws.com"


def _management_of(account_id: str) -> tuple[str, str] | None:
    """(management account id, partition) of the organization `account_id` is a member of."""
    from moto.organizations.models import organizations_backends

    found = organizations_backends.master_accounts.get(account_id)
    return found if found and found[0] != account_id else None


def organization_trails(account_id: str, region: str, include_shadow_trails: bool) -> list[Any]:
    """The organization trails a member account sees: its management account's, in this region
    (every region for a multi-region trail; its home region only without shadow trails)."""
    from moto.cloudtrail.models import cloudtrail_backends

    management = _management_of(account_id)
    if management is None:
        return []
    found = []
    for backend in cloudtrail_backends[management[0]].values():
        for trail in backend.trails.values():
            here = trail.region_name == region
            if trail.is_org_trail and (here or (include_shadow_trails and trail.is_multi_region)):
                found.append(trail)
    return found


def _patch_delegated_admin() -> None:
    from moto.cloudtrail.responses import CloudTrailResponse
    from moto.organizations.models import FakeDelegatedAdministrator, organizations_backends

    missing = [s for s in (SERVICE_PRINCIPAL, "config.amazonaws.com") if s not in FakeDelegatedAdministrator.SUPPORTED_SERVICES]
    FakeDelegatedAdministrator.SUPPORTED_SERVICES = [*FakeDelegatedAdministrator.SUPPORTED_SERVICES, *missing]

    def _organizations(self: CloudTrailResponse) -> Any:
        return organizations_backends[self.current_account][self.partition]

    def register_organization_delegated_admin(self: CloudTrailResponse) -> str:
        member = self._get_param("MemberAccountId")
        _organizations(self).register_delegated_administrator(AccountId=member, ServicePrincipal=SERVICE_PRINCIPAL)
        return json.dumps({})

    def deregister_organization_delegated_admin(self: CloudTrailResponse) -> str:
        member = self._get_param("DelegatedAdminAccountId")
        _organizations(self).deregister_delegated_administrator(AccountId=member, ServicePrincipal=SERVICE_PRINCIPAL)
        return json.dumps({})

    CloudTrailResponse.register_organization_delegated_admin = register_organization_delegated_admin  # type: ignore[attr-defined]
    CloudTrailResponse.deregister_organization_delegated_admin = deregister_organization_delegated_admin  # type: ignore[attr-defined]


def _patch_member_view() -> None:
    from moto.cloudtrail.models import CloudTrailBackend, Trail

    original_describe = CloudTrailBackend.describe_trails
    original_get = CloudTrailBackend.get_trail

    def describe_trails(self: CloudTrailBackend, include_shadow_trails: bool) -> Iterable[Trail]:
        own = list(original_describe(self, include_shadow_trails))
        return own + organization_trails(self.account_id, self.region_name, include_shadow_trails)

    def get_trail(self: CloudTrailBackend, name_or_arn: str) -> Trail:
        try:
            return original_get(self, name_or_arn)
        except Exception:  # moto's TrailNotFoundException: a member asks for the organization trail by ARN
            for trail in organization_trails(self.account_id, self.region_name, True):
                if trail.arn == name_or_arn:
                    return trail
            raise

    CloudTrailBackend.describe_trails = describe_trails  # type: ignore[method-assign]
    CloudTrailBackend.get_trail = get_trail  # type: ignore[method-assign]


def install() -> None:
    _patch_delegated_admin()
    _patch_member_view()
