"""SSO-Admin attaches AWS managed policies that live under a path (emulator/handlers.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from landing_zone.emulator.server import EmulatorInfo
from tests.emulator_harness import client

ACCOUNT = "219999999999"


@pytest.mark.parametrize(
    "arn",
    ["arn:aws:iam::aws:policy/job-function/Billing", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
     "arn:aws:iam::aws:policy/SecurityAudit"],
)  # fmt: skip
def test_managed_policy_under_a_path_attaches(emulator: EmulatorInfo, arn: str) -> None:
    sso = client("sso-admin", emulator.endpoint, ACCOUNT)
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    ps = sso.create_permission_set(Name=arn.rsplit("/", 1)[-1], InstanceArn=instance)["PermissionSet"]["PermissionSetArn"]
    sso.attach_managed_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=ps, ManagedPolicyArn=arn)
    attached = sso.list_managed_policies_in_permission_set(InstanceArn=instance, PermissionSetArn=ps)
    assert [p["Arn"] for p in attached["AttachedManagedPolicies"]] == [arn]


def test_wrong_path_is_still_refused(emulator: EmulatorInfo) -> None:
    sso = client("sso-admin", emulator.endpoint, ACCOUNT)
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    ps = sso.create_permission_set(Name="Wrong", InstanceArn=instance)["PermissionSet"]["PermissionSetArn"]
    with pytest.raises(ClientError, match="Policy does not exist"):
        sso.attach_managed_policy_to_permission_set(
            InstanceArn=instance, PermissionSetArn=ps, ManagedPolicyArn="arn:aws:iam::aws:policy/ViewOnlyAccess"
        )
