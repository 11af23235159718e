"""The next milestone's resource types, applied by terraform (AWS provider 5.100.0) to the emulator.

One workspace holds them all: apply once, check what landed with boto3, a second plan must
be empty, destroy must succeed. A member account is created first (Organizations) and
reached through a provider alias that assumes its OrganizationAccountAccessRole, which the
workspace also adopts with import blocks (as the identities stack does).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from landing_zone.emulator.server import EmulatorInfo
from tests.emulator_harness import ACCOUNT_ID, DEFAULT_TAGS, REGION, GpgKey, Workspace, cli_config, client, gpg_key, provider_block

pytestmark = pytest.mark.integration

OAAR = "OrganizationAccountAccessRole"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
INSTANCE = "${tolist(data.aws_ssoadmin_instances.this.arns)[0]}"
IDENTITY_STORE = "${tolist(data.aws_ssoadmin_instances.this.identity_store_ids)[0]}"
DENY_BUCKET_DELETE = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}
MFA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        }
    ],
}
MANAGEMENT_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"}],
}
ROOT_SIGN_IN = {"detail-type": ["AWS Console Sign In via CloudTrail"], "detail": {"userIdentity": {"type": ["Root"]}}}


def _sso_resources() -> dict[str, Any]:
    ps_arn = "${aws_ssoadmin_permission_set.admin.arn}"
    return {
        "aws_ssoadmin_permission_set": {"admin": {"name": "Admin", "description": "admins", "instance_arn": INSTANCE, "session_duration": "PT1H"}},
        "aws_ssoadmin_managed_policy_attachment": {"ro": {"instance_arn": INSTANCE, "permission_set_arn": ps_arn, "managed_policy_arn": READ_ONLY}},
        "aws_ssoadmin_permission_set_inline_policy": {
            "deny": {"instance_arn": INSTANCE, "permission_set_arn": ps_arn, "inline_policy": json.dumps(DENY_BUCKET_DELETE)}
        },
        "aws_identitystore_group": {"admins": {"identity_store_id": IDENTITY_STORE, "display_name": "Admins", "description": "admins"}},
        "aws_identitystore_user": {
            "alice": {
                "identity_store_id": IDENTITY_STORE,
                "user_name": "alice@example.com",
                "display_name": "Alice Liddell",
                "name": [{"given_name": "Alice", "family_name": "Liddell"}],
                "emails": [{"value": "alice@example.com", "primary": True}],
            }
        },
        "aws_identitystore_group_membership": {
            "alice": {
                "identity_store_id": IDENTITY_STORE,
                "group_id": "${aws_identitystore_group.admins.group_id}",
                "member_id": "${aws_identitystore_user.alice.user_id}",
            }
        },
        "aws_ssoadmin_account_assignment": {
            "admins": {
                "instance_arn": INSTANCE,
                "permission_set_arn": ps_arn,
                "principal_id": "${aws_identitystore_group.admins.group_id}",
                "principal_type": "GROUP",
                "target_id": ACCOUNT_ID,
                "target_type": "AWS_ACCOUNT",
            }
        },
    }


def _iam_resources(pgp_key: str) -> dict[str, Any]:
    return {
        "aws_iam_user": {"bob": {"name": "bob", "force_destroy": True}},
        "aws_iam_user_login_profile": {"bob": {"user": "${aws_iam_user.bob.name}", "pgp_key": pgp_key, "password_reset_required": True}},
        "aws_iam_group": {"admins": {"name": "admins"}, "readers": {"name": "readers"}},
        "aws_iam_group_membership": {"admins": {"name": "admins", "group": "${aws_iam_group.admins.name}", "users": ["${aws_iam_user.bob.name}"]}},
        "aws_iam_user_group_membership": {"bob": {"user": "${aws_iam_user.bob.name}", "groups": ["${aws_iam_group.readers.name}"]}},
        "aws_iam_group_policy_attachment": {"admins": {"group": "${aws_iam_group.admins.name}", "policy_arn": ADMIN}},
        "aws_iam_account_password_policy": {
            "strict": {
                "minimum_password_length": 14,
                "require_symbols": True,
                "require_numbers": True,
                "require_uppercase_characters": True,
                "require_lowercase_characters": True,
                "allow_users_to_change_password": True,
                "max_password_age": 90,
                "password_reuse_prevention": 24,
            }
        },
        "aws_iam_account_alias": {"alias": {"account_alias": "lz-probe"}},
        "aws_iam_role": {"admin": {"name": "Admin", "assume_role_policy": json.dumps(MFA_TRUST)}},
        "aws_iam_role_policy_attachment": {"admin": {"role": "${aws_iam_role.admin.name}", "policy_arn": ADMIN}},
    }


def _security_resources() -> dict[str, Any]:
    topic = "${aws_sns_topic.alerts.arn}"
    topic_policy = (
        '${jsonencode({Version = "2012-10-17", Statement = [{Sid = "events", Effect = "Allow", '
        'Principal = {Service = "events.amazonaws.com"}, Action = "sns:Publish", Resource = aws_sns_topic.alerts.arn}]})}'
    )
    return {
        "aws_ebs_encryption_by_default": {"on": {"enabled": True}},
        "aws_s3_account_public_access_block": {
            "account": {
                "account_id": ACCOUNT_ID,
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            }
        },
        "aws_accessanalyzer_analyzer": {"org": {"analyzer_name": "org", "type": "ORGANIZATION"}, "account": {"analyzer_name": "account", "type": "ACCOUNT"}},
        "aws_sns_topic": {"alerts": {"name": "security-alerts"}},
        "aws_sns_topic_policy": {"alerts": {"arn": topic, "policy": topic_policy}},
        "aws_cloudwatch_event_rule": {"root_sign_in": {"name": "root-sign-in", "event_pattern": json.dumps(ROOT_SIGN_IN)}},
        "aws_cloudwatch_event_target": {"sns": {"rule": "${aws_cloudwatch_event_rule.root_sign_in.name}", "arn": topic, "target_id": "sns"}},
    }


def _member_resources() -> dict[str, Any]:
    on_member = {"provider": "aws.member"}
    return {
        "aws_iam_role": {
            "probe": {**on_member, "name": "probe", "assume_role_policy": json.dumps(MANAGEMENT_TRUST)},
            "oaar": {**on_member, "name": OAAR, "assume_role_policy": json.dumps(MANAGEMENT_TRUST)},
        },
        "aws_iam_role_policy_attachment": {"oaar": {**on_member, "role": "${aws_iam_role.oaar.name}", "policy_arn": ADMIN}},
    }


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        for rtype, items in part.items():
            merged.setdefault(rtype, {}).update(items)
    return merged


@dataclass
class Probe:
    ws: Workspace
    endpoint: str
    member: str
    key: GpgKey
    outputs: dict[str, Any]

    def aws(self, service: str, **kwargs: Any) -> Any:
        return client(service, self.endpoint, **kwargs)

    def member_aws(self, service: str) -> Any:
        role = f"arn:aws:iam::{self.member}:role/{OAAR}"
        creds = self.aws("sts").assume_role(RoleArn=role, RoleSessionName="check")["Credentials"]
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )


def _create_member_account(endpoint: str) -> str:
    org = client("organizations", endpoint)
    org.create_organization(FeatureSet="ALL")
    status = org.create_account(Email="member@example.com", AccountName="member")["CreateAccountStatus"]
    return str(status["AccountId"])


@pytest.fixture(scope="module")
def probe(emulator: EmulatorInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    member = _create_member_account(emulator.endpoint)
    key = gpg_key()
    root = tmp_path_factory.mktemp("tf-probe")
    ws = Workspace(root=root / "ws", endpoint=emulator.endpoint, cli_config_file=cli_config(root / "work"))
    ws.write(
        _merge(_sso_resources(), _iam_resources(key.public_b64), _security_resources(), _member_resources()),
        data={"aws_ssoadmin_instances": {"this": {}}},
        providers=[provider_block(emulator.endpoint, alias="member", assume_role_arn=f"arn:aws:iam::{member}:role/{OAAR}")],
        imports=[
            {"to": "aws_iam_role.oaar", "id": OAAR, "provider": "aws.member"},
            {"to": "aws_iam_role_policy_attachment.oaar", "id": f"{OAAR}/{ADMIN}", "provider": "aws.member"},
        ],
        outputs={
            "encrypted_password": "${aws_iam_user_login_profile.bob.encrypted_password}",
            "permission_set_arn": "${aws_ssoadmin_permission_set.admin.arn}",
            "instance_arn": INSTANCE,
            "identity_store_id": IDENTITY_STORE,
            "group_id": "${aws_identitystore_group.admins.group_id}",
            "user_id": "${aws_identitystore_user.alice.user_id}",
        },
    )
    ws.init()
    ws.apply()
    try:
        yield Probe(ws=ws, endpoint=emulator.endpoint, member=member, key=key, outputs=ws.outputs())
    finally:
        key.close()
        if ws.state_resources():  # test_destroy did not run or failed
            ws.run("destroy", "-auto-approve", ok_codes=(0, 1))


def test_second_plan_has_no_changes(probe: Probe) -> None:
    assert probe.ws.plan_changes() == ""


def test_sso_permission_set(probe: Probe) -> None:
    sso, out = probe.aws("sso-admin"), probe.outputs
    instance, ps_arn = out["instance_arn"], out["permission_set_arn"]
    ps = sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=ps_arn)["PermissionSet"]
    assert (ps["Name"], ps["SessionDuration"]) == ("Admin", "PT1H")
    tags = sso.list_tags_for_resource(InstanceArn=instance, ResourceArn=ps_arn)["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == DEFAULT_TAGS
    managed = sso.list_managed_policies_in_permission_set(InstanceArn=instance, PermissionSetArn=ps_arn)["AttachedManagedPolicies"]
    assert [p["Arn"] for p in managed] == [READ_ONLY]
    inline = sso.get_inline_policy_for_permission_set(InstanceArn=instance, PermissionSetArn=ps_arn)["InlinePolicy"]
    assert json.loads(inline) == DENY_BUCKET_DELETE


def test_sso_group_assignment(probe: Probe) -> None:
    sso, out = probe.aws("sso-admin"), probe.outputs
    assignments = sso.list_account_assignments(InstanceArn=out["instance_arn"], AccountId=ACCOUNT_ID, PermissionSetArn=out["permission_set_arn"])[
        "AccountAssignments"
    ]
    assert [(a["PrincipalType"], a["PrincipalId"]) for a in assignments] == [("GROUP", out["group_id"])]


def test_identity_store(probe: Probe) -> None:
    ids, out = probe.aws("identitystore"), probe.outputs
    user = ids.describe_user(IdentityStoreId=out["identity_store_id"], UserId=out["user_id"])
    assert user["UserName"] == "alice@example.com"
    assert user["Emails"][0]["Value"] == "alice@example.com"
    members = ids.list_group_memberships(IdentityStoreId=out["identity_store_id"], GroupId=out["group_id"])
    assert [m["MemberId"]["UserId"] for m in members["GroupMemberships"]] == [out["user_id"]]


def test_iam_user_login_profile_decrypts(probe: Probe) -> None:
    iam = probe.aws("iam")
    assert iam.get_login_profile(UserName="bob")["LoginProfile"]["PasswordResetRequired"] is True
    password = probe.key.decrypt(probe.outputs["encrypted_password"])
    assert len(password) >= 14


def test_iam_groups_and_policies(probe: Probe) -> None:
    iam = probe.aws("iam")
    assert sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName="bob")["Groups"]) == ["admins", "readers"]
    assert [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName="admins")["AttachedPolicies"]] == [ADMIN]
    role = iam.get_role(RoleName="Admin")["Role"]
    assert role["AssumeRolePolicyDocument"] == MFA_TRUST  # moto keeps MFA conditions (never enforces them)
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="Admin")["AttachedPolicies"]] == [ADMIN]


def test_iam_account_settings(probe: Probe) -> None:
    iam = probe.aws("iam")
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert (policy["MinimumPasswordLength"], policy["PasswordReusePrevention"], policy["MaxPasswordAge"]) == (14, 24, 90)
    assert iam.list_account_aliases()["AccountAliases"] == ["lz-probe"]


def test_account_security_settings(probe: Probe) -> None:
    assert probe.aws("ec2").get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
    # Account-level S3 calls go to <account>.127.0.0.1:<port>: through the emulator as a proxy.
    s3control = probe.aws("s3control", config=Config(proxies={"http": probe.endpoint}))
    block = s3control.get_public_access_block(AccountId=ACCOUNT_ID)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    analyzers = probe.aws("accessanalyzer").list_analyzers()["analyzers"]
    assert sorted((a["name"], a["type"]) for a in analyzers) == [("account", "ACCOUNT"), ("org", "ORGANIZATION")]
    assert all(a["tags"] == DEFAULT_TAGS for a in analyzers)


def test_root_sign_in_alerts(probe: Probe) -> None:
    events, sns = probe.aws("events"), probe.aws("sns")
    rule = events.describe_rule(Name="root-sign-in")
    assert json.loads(rule["EventPattern"]) == ROOT_SIGN_IN
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:security-alerts"
    assert [t["Arn"] for t in events.list_targets_by_rule(Rule="root-sign-in")["Targets"]] == [topic]
    policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}


def test_member_account_through_assume_role(probe: Probe) -> None:
    member_iam = probe.member_aws("iam")
    assert {r["RoleName"] for r in member_iam.list_roles()["Roles"]} == {OAAR, "probe"}
    assert "probe" not in {r["RoleName"] for r in probe.aws("iam").list_roles()["Roles"]}
    attached = member_iam.list_attached_role_policies(RoleName=OAAR)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [ADMIN]  # adopted by import, AdministratorAccess kept
    assert {"aws_iam_role.oaar", "aws_iam_role_policy_attachment.oaar"} <= set(probe.ws.state_resources())


def test_destroy(probe: Probe) -> None:
    """Last: destroy succeeds (force_destroy user, SSO, analyzers) and leaves nothing behind."""
    probe.ws.destroy()
    assert probe.ws.state_resources() == []
    with pytest.raises(ClientError):
        probe.aws("iam").get_user(UserName="bob")
    sso = probe.aws("sso-admin")
    assert sso.list_permission_sets(InstanceArn=probe.outputs["instance_arn"])["PermissionSets"] == []
    assert probe.aws("accessanalyzer").list_analyzers()["analyzers"] == []
    assert probe.member_aws("iam").list_roles()["Roles"] == []  # the adopted OAAR is destroyed too
