"""The CloudTrail gaps filled in landing_zone/emulator/cloudtrail.py, via boto3 (each fails on plain moto 5.2.5)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from landing_zone.emulator.server import EmulatorInfo
from tests.emulator_harness import REGION, client

_management_ids: Iterator[int] = itertools.count(230000000001)
OTHER_REGION = "eu-west-1"


@pytest.fixture
def org(emulator: EmulatorInfo) -> dict[str, Any]:
    """A fresh organization: its management account, one member, and a bucket for trails."""
    management = f"{next(_management_ids):012d}"
    orgs = client("organizations", emulator.endpoint, management)
    orgs.create_organization(FeatureSet="ALL")
    status = orgs.create_account(AccountName="member", Email=f"member-{management}@example.com")["CreateAccountStatus"]
    bucket = f"trail-logs-{management}"
    client("s3", emulator.endpoint, management).create_bucket(Bucket=bucket)
    aws = lambda service, account, **kw: client(service, emulator.endpoint, account, **kw)  # noqa: E731
    return {"management": management, "member": status["AccountId"], "bucket": bucket, "aws": aws}


def test_register_and_deregister_cloudtrail_delegated_admin(org: dict[str, Any]) -> None:
    aws, member = org["aws"], org["member"]
    aws("cloudtrail", org["management"]).register_organization_delegated_admin(MemberAccountId=member)
    admins = aws("organizations", org["management"]).list_delegated_administrators(ServicePrincipal="cloudtrail.amazonaws.com")
    assert [a["Id"] for a in admins["DelegatedAdministrators"]] == [member]
    aws("cloudtrail", org["management"]).deregister_organization_delegated_admin(DelegatedAdminAccountId=member)
    admins = aws("organizations", org["management"]).list_delegated_administrators(ServicePrincipal="cloudtrail.amazonaws.com")
    assert admins["DelegatedAdministrators"] == []


def test_delegated_admin_of_an_unknown_account_is_refused(org: dict[str, Any]) -> None:
    with pytest.raises(ClientError):
        org["aws"]("cloudtrail", org["management"]).register_organization_delegated_admin(MemberAccountId="999999999990")


def _trail(org: dict[str, Any], name: str, *, organization: bool, multi_region: bool) -> str:
    made = org["aws"]("cloudtrail", org["management"]).create_trail(
        Name=name, S3BucketName=org["bucket"], IsOrganizationTrail=organization, IsMultiRegionTrail=multi_region
    )
    return str(made["TrailARN"])


def test_member_accounts_see_the_organization_trail(org: dict[str, Any]) -> None:
    arn = _trail(org, "org-trail", organization=True, multi_region=True)
    _trail(org, "own-trail", organization=False, multi_region=True)  # the management account's own: not shown
    for region in (REGION, OTHER_REGION):  # a multi-region trail is in every region
        trails = org["aws"]("cloudtrail", org["member"], region_name=region).describe_trails()["trailList"]
        assert [(t["TrailARN"], t["IsOrganizationTrail"], t["HomeRegion"]) for t in trails] == [(arn, True, REGION)]
    member = org["aws"]("cloudtrail", org["member"])
    assert member.get_trail(Name=arn)["Trail"]["TrailARN"] == arn
    assert member.get_trail_status(Name=arn)["IsLogging"] is False  # nobody started it
    org["aws"]("cloudtrail", org["management"]).start_logging(Name="org-trail")
    assert member.get_trail_status(Name=arn)["IsLogging"] is True
    assert member.get_event_selectors(TrailName=arn)["TrailARN"] == arn


def test_single_region_organization_trail_only_in_its_region(org: dict[str, Any]) -> None:
    arn = _trail(org, "org-here", organization=True, multi_region=False)
    assert [t["TrailARN"] for t in org["aws"]("cloudtrail", org["member"]).describe_trails()["trailList"]] == [arn]
    assert org["aws"]("cloudtrail", org["member"], region_name=OTHER_REGION).describe_trails()["trailList"] == []


def test_accounts_outside_the_organization_see_no_organization_trail(org: dict[str, Any], emulator: EmulatorInfo) -> None:
    _trail(org, "org-private", organization=True, multi_region=True)
    outsider = f"{next(_management_ids):012d}"
    assert client("cloudtrail", emulator.endpoint, outsider).describe_trails()["trailList"] == []
    with pytest.raises(ClientError, match="TrailNotFound"):
        client("cloudtrail", emulator.endpoint, outsider).get_trail(Name=f"arn:aws:cloudtrail:{REGION}:{org['management']}:trail/org-private")
