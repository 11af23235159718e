"""The GuardDuty gaps filled in landing_zone/emulator/guardduty.py, via boto3 (each fails on plain moto 5.2.5)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from landing_zone.emulator.server import EmulatorInfo
from tests.emulator_harness import client

_management_ids: Iterator[int] = itertools.count(240000000001)


@pytest.fixture
def org(emulator: EmulatorInfo) -> dict[str, Any]:
    """A fresh organization: its management account and the member to be GuardDuty's administrator."""
    management = f"{next(_management_ids):012d}"
    orgs = client("organizations", emulator.endpoint, management)
    orgs.create_organization(FeatureSet="ALL")
    status = orgs.create_account(AccountName="security", Email=f"security-{management}@example.com")["CreateAccountStatus"]
    aws = lambda account: client("guardduty", emulator.endpoint, account)  # noqa: E731
    return {"management": management, "admin": status["AccountId"], "aws": aws}


def test_organization_configuration_of_the_administrator(org: dict[str, Any]) -> None:
    aws, admin = org["aws"], org["admin"]
    aws(org["management"]).enable_organization_admin_account(AdminAccountId=admin)
    detector = aws(admin).create_detector(Enable=True)["DetectorId"]
    before = aws(admin).describe_organization_configuration(DetectorId=detector)
    assert before["AutoEnableOrganizationMembers"] == "NONE"
    aws(admin).update_organization_configuration(DetectorId=detector, AutoEnableOrganizationMembers="ALL")
    after = aws(admin).describe_organization_configuration(DetectorId=detector)
    assert (after["AutoEnableOrganizationMembers"], after["AutoEnable"]) == ("ALL", True)


def test_organization_configuration_refused_to_a_non_administrator(org: dict[str, Any]) -> None:
    aws, admin = org["aws"], org["admin"]
    detector = aws(admin).create_detector(Enable=True)["DetectorId"]  # not designated yet
    with pytest.raises(ClientError) as err:
        aws(admin).update_organization_configuration(DetectorId=detector, AutoEnableOrganizationMembers="ALL")
    assert err.value.response["Error"]["Code"] == "BadRequestException"


def test_unknown_detector_is_not_found(org: dict[str, Any]) -> None:
    aws, admin = org["aws"], org["admin"]
    aws(org["management"]).enable_organization_admin_account(AdminAccountId=admin)
    with pytest.raises(ClientError):
        aws(admin).describe_organization_configuration(DetectorId="0" * 32)


def test_disable_organization_admin_account(org: dict[str, Any]) -> None:
    aws, admin = org["aws"], org["admin"]
    aws(org["management"]).enable_organization_admin_account(AdminAccountId=admin)
    aws(org["management"]).disable_organization_admin_account(AdminAccountId=admin)
    assert aws(org["management"]).list_organization_admin_accounts()["AdminAccounts"] == []
