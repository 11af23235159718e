"""GuardDuty behaviour the audit layer needs that moto 5.2.5 lacks, patched onto moto's classes.

- DescribeOrganizationConfiguration / UpdateOrganizationConfiguration (GET/POST
  /detector/{id}/admin): `aws_guardduty_organization_configuration` in the delegated
  administrator. Kept per detector; only its administrator may call them, as in AWS.
- DisableOrganizationAdminAccount (POST /admin/disable): destroying
  `aws_guardduty_organization_admin_account` (moto has Enable but not Disable).

Tested in tests/test_emulator_guardduty.py; `install()` runs from handlers.install().
"""

from __future__ import annotations

import json
from typing import Any

# What a new organization configuration holds before anyone updates it (AWS's answer, trimmed).
_DEFAULT = {"autoEnable": False, "autoEnableOrganizationMembers": "NONE", "memberAccountLimitReached": False}


def _is_administrator(account_id: str) -> bool:
    """Whether a management account of moto's made `account_id` the GuardDuty administrator."""
    from moto.guardduty.models import guardduty_backends

    return any(account_id in backend.admin_account_ids for regions in guardduty_backends.values() for backend in regions.values())


def _error(code: str, message: str) -> Any:
    # moto takes the status from the headers (a 3-tuple's first item is ignored).
    return json.dumps({"__type": code, "message": message}), {"status": 400, "x-amzn-ErrorType": code}


def install() -> None:
    import moto.guardduty.urls as urls
    from moto.guardduty.models import GuardDutyBackend
    from moto.guardduty.responses import GuardDutyResponse

    # Read by moto's server when it first builds guardduty's routes, after install().
    urls.url_paths.setdefault("{0}/detector/(?P<detector_id>[^/]+)/admin$", GuardDutyResponse.dispatch)
    urls.url_paths.setdefault("{0}/admin/disable$", GuardDutyResponse.dispatch)

    def _configurations(backend: GuardDutyBackend) -> dict[str, dict[str, Any]]:
        if not hasattr(backend, "lz_org_configurations"):
            backend.lz_org_configurations = {}  # type: ignore[attr-defined]
        return backend.lz_org_configurations  # type: ignore[attr-defined]

    def _checked(self: GuardDutyResponse) -> tuple[str, Any]:
        detector_id = self.path.split("/")[-2]
        self.guardduty_backend.get_detector(detector_id)  # moto's not-found error for an unknown detector
        if not _is_administrator(self.current_account):
            return detector_id, _error(
                "BadRequestException", "The request is rejected because the current account has not been designated as the delegated administrator."
            )
        return detector_id, None

    def describe_organization_configuration(self: GuardDutyResponse) -> Any:
        detector_id, refused = _checked(self)
        if refused:
            return refused
        return json.dumps({**_DEFAULT, **_configurations(self.guardduty_backend).get(detector_id, {})})

    def update_organization_configuration(self: GuardDutyResponse) -> Any:
        detector_id, refused = _checked(self)
        if refused:
            return refused
        members = self._get_param("autoEnableOrganizationMembers")
        auto = self._get_param("autoEnable")
        update: dict[str, Any] = {}
        if members is not None:
            update = {"autoEnableOrganizationMembers": members, "autoEnable": members != "NONE"}
        elif auto is not None:
            update = {"autoEnable": bool(auto), "autoEnableOrganizationMembers": "NEW" if auto else "NONE"}
        _configurations(self.guardduty_backend).setdefault(detector_id, {}).update(update)
        return "{}"

    def disable_organization_admin_account(self: GuardDutyResponse) -> str:
        admin = self._get_param("adminAccountId")
        ids = self.guardduty_backend.admin_account_ids
        if admin in ids:
            ids.remove(admin)
        return "{}"

    GuardDutyResponse.describe_organization_configuration = describe_organization_configuration  # type: ignore[attr-defined]
    GuardDutyResponse.update_organization_configuration = update_organization_configuration  # type: ignore[attr-defined]
    GuardDutyResponse.disable_organization_admin_account = disable_organization_admin_account  # type: ignore[attr-defined]
