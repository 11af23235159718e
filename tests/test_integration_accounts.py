"""After `lz up` of every stack: each account read back with boto3 (members through OAAR)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config

from landing_zone import layers, naming
from tests.deployment import Deployment

pytestmark = pytest.mark.integration

MEMBER_ROLES = {naming.OAAR_ROLE, naming.DEVOPS_ROLE, naming.ADMIN_ROLE, naming.AUDITOR_ROLE}


def _ids(deployment: Deployment) -> dict[str, str]:
    return json.loads((deployment.work_dir / "account_ids.json").read_text())


def _trust(iam: Any, role: str) -> dict[str, Any]:  # iam: a boto3 client (untyped)
    doc = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    return json.loads(doc) if isinstance(doc, str) else doc


def _principals(statement: dict) -> set[str]:
    aws = statement["Principal"]["AWS"]
    return {aws} if isinstance(aws, str) else set(aws)


@pytest.mark.parametrize("account", ["management", "security", "shared"])
def test_resources_land_in_their_own_account(deployment: Deployment, account: str) -> None:
    ident = deployment.client("sts", account).get_caller_identity()
    assert ident["Account"] == _ids(deployment)[account]
    alias = deployment.client("iam", account).list_account_aliases()["AccountAliases"]
    assert alias == [naming.account_alias(deployment.project.project_name, account)]


@pytest.mark.parametrize("account", ["management", "security", "shared"])
def test_roles_and_trust(deployment: Deployment, account: str) -> None:
    ids = _ids(deployment)
    iam = deployment.client("iam", account)
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    expected = {naming.OAAR_ROLE} if account == "management" else set(MEMBER_ROLES)
    if account == "shared":
        expected.add(naming.DEPLOY_MASTER_ROLE)
    assert expected <= roles
    if account == "management":
        assert not roles & {naming.DEVOPS_ROLE, naming.ADMIN_ROLE}
    oaar = _trust(iam, naming.OAAR_ROLE)["Statement"][0]
    assert _principals(oaar) == {naming.root_arn(ids["management"])}
    assert "Condition" not in oaar  # require_mfa is false in the root project
    attached = {p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=naming.OAAR_ROLE)["AttachedPolicies"]}
    assert "AdministratorAccess" in attached
    for role in expected - {naming.OAAR_ROLE}:
        people, *pipelines = _trust(iam, role)["Statement"]
        assert _principals(people) == {naming.root_arn(ids["security"])}
        # DeployMaster alone also trusts the pipelines in its own account, without MFA.
        assert [_principals(s) for s in pipelines] == ([{naming.root_arn(ids["shared"])}] if role == naming.DEPLOY_MASTER_ROLE else [])


@pytest.mark.parametrize("account", ["management", "security"])
def test_users_groups_and_password_policy(deployment: Deployment, account: str) -> None:
    iam = deployment.client("iam", account)
    groups = deployment.project.accounts[account].groups
    users = {u for g in groups for u in g.users}
    assert {u["UserName"] for u in iam.list_users()["Users"]} >= users
    for user in users:
        profile = iam.get_login_profile(UserName=user)["LoginProfile"]
        assert profile["PasswordResetRequired"] is True
        assert iam.list_access_keys(UserName=user)["AccessKeyMetadata"] == []
    for group in groups:
        members = {u["UserName"] for u in iam.get_group(GroupName=group.name)["Users"]}
        assert members == set(group.users)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] >= 30
    assert policy["RequireSymbols"] and policy["RequireNumbers"] and policy["PasswordReusePrevention"] >= 24


def test_security_groups_may_assume_member_roles(deployment: Deployment) -> None:
    iam = deployment.client("iam", "security")
    ids = _ids(deployment)
    doc = iam.get_group_policy(GroupName="devops", PolicyName="devops-policy")["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    assume = next(s for s in doc["Statement"] if s.get("Sid") == "AssumeMemberRoles")
    assert naming.role_arn(ids["shared"], naming.DEVOPS_ROLE) in assume["Resource"]


@pytest.mark.parametrize("account", ["management", "security", "shared"])
def test_security_base(deployment: Deployment, account: str) -> None:
    ids = _ids(deployment)
    assert deployment.client("ec2", account).get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
    s3control = deployment.session(account).client("s3control", endpoint_url=deployment.endpoint, config=Config(proxies={"http": deployment.endpoint}))
    pab = s3control.get_public_access_block(AccountId=ids[account])["PublicAccessBlockConfiguration"]
    assert all(pab.values()) and len(pab) == 4
    events = deployment.client("events", account)
    rule = next(r for r in events.list_rules()["Rules"] if r["Name"].endswith("-root-sign-in"))
    assert json.loads(rule["EventPattern"])["detail"]["userIdentity"]["type"] == ["Root"]
    target = events.list_targets_by_rule(Rule=rule["Name"])["Targets"][0]["Arn"]
    topics = {t["TopicArn"] for t in deployment.client("sns", account).list_topics()["Topics"]}
    assert target in topics


def test_organization_analyzer_in_security(deployment: Deployment) -> None:
    analyzers = deployment.client("accessanalyzer", "security").list_analyzers()["analyzers"]
    assert [a["type"] for a in analyzers] == ["ORGANIZATION"]


def test_identity_center(deployment: Deployment) -> None:
    ids = _ids(deployment)
    sso = deployment.client("sso-admin")
    instance = sso.list_instances()["Instances"][0]
    arn, store = instance["InstanceArn"], instance["IdentityStoreId"]
    sets = {}
    for ps in sso.list_permission_sets(InstanceArn=arn)["PermissionSets"]:
        desc = sso.describe_permission_set(InstanceArn=arn, PermissionSetArn=ps)["PermissionSet"]
        sets[desc["Name"]] = ps
        assert desc["SessionDuration"] == "PT1H"
    assert set(sets) == {"Administrator", "DevOps", "FinOps", "SecurityAuditor", "ReadOnly"}
    expected = {
        "Administrator": {"management"},
        "FinOps": {"management"},
        "DevOps": {"security", "shared"},
        "SecurityAuditor": {"security", "shared"},
        "ReadOnly": {"shared"},
    }
    for name, accounts in expected.items():
        for account, account_id in ids.items():
            got = sso.list_account_assignments(InstanceArn=arn, AccountId=account_id, PermissionSetArn=sets[name])
            assert bool(got["AccountAssignments"]) == (account in accounts), (name, account)
    inline = json.loads(sso.get_inline_policy_for_permission_set(InstanceArn=arn, PermissionSetArn=sets["DevOps"])["InlinePolicy"])
    regions = inline["Statement"][0]["Condition"]["StringEquals"]["aws:RequestedRegion"]
    assert set(regions) == {deployment.project.primary_region, deployment.project.secondary_region}

    store_api = deployment.client("identitystore")
    groups = {g["DisplayName"]: g["GroupId"] for g in store_api.list_groups(IdentityStoreId=store)["Groups"]}
    users = {u["UserName"]: u["UserId"] for u in store_api.list_users(IdentityStoreId=store)["Users"]}
    for user in deployment.project.users:
        assert user.email in users
        for key in user.groups:
            display = {
                "administrators": "Administrators",
                "devops": "DevOps",
                "finops": "FinOps",
                "securityauditor": "SecurityAuditor",
                "readonly": "ReadOnly",
            }[key]
            members = store_api.list_group_memberships(IdentityStoreId=store, GroupId=groups[display])
            assert users[user.email] in {m["MemberId"]["UserId"] for m in members["GroupMemberships"]}


def test_every_stack_state_in_its_own_account_bucket(deployment: Deployment) -> None:
    for account in ("security", "shared"):
        s3 = deployment.client("s3", account)
        bucket = naming.state_bucket(deployment.project.short_name, account)
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
        expected = {naming.state_key(a, layer) for a, layer in layers.stacks(deployment.project) if a == account}
        assert {naming.state_key(account, "tf-backend"), naming.state_key(account, "identities")} <= expected
        assert keys == expected
