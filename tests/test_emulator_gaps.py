"""Emulator gaps filled in emulator/handlers.py: SSO-Admin policy paths, IAM login-profile reset flag,
IdentityStore UpdateUser/UpdateGroup."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from landing_zone.emulator.server import EmulatorInfo
from tests.emulator_harness import client

ACCOUNT = "219999999999"


@pytest.mark.parametrize(
    "arn",
    ["arn:aws:iam::aws:policy/job-function/Billing", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "arn:aws:iam::aws:policy/SecurityAudit"],
)
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
        sso.attach_managed_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=ps, ManagedPolicyArn="arn:aws:iam::aws:policy/ViewOnlyAccess")


def test_login_profile_keeps_password_reset_required(emulator: EmulatorInfo) -> None:
    """IAM CreateLoginProfile with PasswordResetRequired=true is reported back as such."""
    iam = client("iam", emulator.endpoint, ACCOUNT)
    for user, reset in (("must.reset", True), ("may.keep", False)):
        iam.create_user(UserName=user)
        created = iam.create_login_profile(UserName=user, Password="Xx1!" * 8, PasswordResetRequired=reset)
        assert created["LoginProfile"]["PasswordResetRequired"] is reset
        assert iam.get_login_profile(UserName=user)["LoginProfile"]["PasswordResetRequired"] is reset


def test_identity_store_users_and_groups_update_in_place(emulator: EmulatorInfo) -> None:
    """What the provider sends to bring an adopted user or group to lz's attributes; ids stay."""
    sso, store = client("sso-admin", emulator.endpoint, ACCOUNT), client("identitystore", emulator.endpoint, ACCOUNT)
    store_id = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    user = store.create_user(IdentityStoreId=store_id, UserName="ada@x.example", DisplayName="Ada", Name={"GivenName": "Ada", "FamilyName": "L"})["UserId"]
    operations = [
        {"AttributePath": "userType", "AttributeValue": "landing-zone, adopted"},
        {"AttributePath": "name.familyName", "AttributeValue": "Lovelace"},
        {"AttributePath": "emails", "AttributeValue": [{"value": "ada@x.example", "type": "work", "primary": True}]},
        {"AttributePath": "title"},
    ]
    store.update_user(IdentityStoreId=store_id, UserId=user, Operations=operations)
    found = store.describe_user(IdentityStoreId=store_id, UserId=user)
    assert (found["UserType"], found["Name"], found["Emails"]) == (
        "landing-zone, adopted",
        {"GivenName": "Ada", "FamilyName": "Lovelace"},
        [{"Value": "ada@x.example", "Type": "work", "Primary": True}],
    )
    group = store.create_group(IdentityStoreId=store_id, DisplayName="Administrators", Description="ours")["GroupId"]
    store.update_group(
        IdentityStoreId=store_id, GroupId=group, Operations=[{"AttributePath": "description", "AttributeValue": "Administrators (landing-zone)"}]
    )
    assert store.describe_group(IdentityStoreId=store_id, GroupId=group)["Description"] == "Administrators (landing-zone)"
    with pytest.raises(ClientError, match="ResourceNotFound"):
        store.update_user(IdentityStoreId=store_id, UserId="nobody", Operations=operations)
