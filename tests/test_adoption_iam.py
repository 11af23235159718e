"""adoption/iam.py: IAM users lz names that exist already (moto in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from landing_zone import naming
from landing_zone.adoption import iam as adoption_iam
from landing_zone.adoption.model import ADOPTED_TAG
from landing_zone.config import load_project
from landing_zone.config.model import AccountSettings, IamGroup, Project
from tests.test_adoption_reads import FIXTURE, MANAGED


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


@pytest.fixture
def project() -> Project:
    people = AccountSettings(groups=[IamGroup(name="admins", users=["ada.lovelace", "alan.turing"]), IamGroup(name="devops", users=["grace.hopper"])])
    return load_project(FIXTURE)[0].model_copy(update={"accounts": {"security": people}})


def test_users_made_elsewhere_are_adopted_with_their_login_profile(iam: Any, project: Project) -> None:
    iam.create_user(UserName="ada.lovelace")
    iam.create_login_profile(UserName="ada.lovelace", Password="Xx1!" * 8)
    iam.create_user(UserName="alan.turing")  # no console password yet: lz creates one
    iam.create_user(UserName="ops.robot")  # not lz's: not its business
    assert adoption_iam.read(project, "security", iam) == (
        {"security/ada.lovelace": "ada.lovelace", "security/alan.turing": "alan.turing"},
        {"security/ada.lovelace": "ada.lovelace"},
    )


def test_users_lz_made_are_its_own_and_adopted_ones_stay_adopted(iam: Any, project: Project) -> None:
    iam.create_user(UserName="ada.lovelace", Tags=MANAGED)
    iam.create_user(UserName="grace.hopper", Tags=[*MANAGED, {"Key": ADOPTED_TAG, "Value": "true"}])
    assert adoption_iam.read(project, "security", iam) == ({"security/grace.hopper": "grace.hopper"}, {})
    assert adoption_iam.read(project, "shared", iam) == ({}, {})  # no users named there


def test_the_seeded_brownfield_user_is_adopted_with_its_password(iam: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.brownfield import IAM_USER, OAAR, seed_iam_user

    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # the seed attaches AdministratorAccess, as the emulator has it
    seed_iam_user(iam)
    project = load_project(FIXTURE)[0].model_copy(update={"accounts": {"management": AccountSettings(groups=[IamGroup(name="admins", users=[IAM_USER])])}})
    assert adoption_iam.read(project, "management", iam) == ({f"management/{IAM_USER}": IAM_USER}, {f"management/{IAM_USER}": IAM_USER})
    assert set(adoption_iam.account_objects(project, "management", iam, None)) == {"management/alias", "management/password-policy"}
    groups, roles, policies = adoption_iam.principals(project, "management", iam, None)
    assert (groups, roles) == ({"management/admins": "admins"}, {f"management/{OAAR}": OAAR})
    assert sorted(policies.values()) == [f"{OAAR}/arn:aws:iam::aws:policy/AdministratorAccess", "admins/arn:aws:iam::aws:policy/AdministratorAccess"]


def test_an_adopted_password_is_not_lz_s_to_show() -> None:
    from landing_zone.postdeploy.passwords import PostdeployError, encrypted_password

    with pytest.raises(PostdeployError, match="had a console password before lz adopted the user"):
        encrypted_password({"ada.lovelace": {"name": "ada.lovelace", "encrypted_password": None}}, "ada.lovelace", "management")
    with pytest.raises(PostdeployError, match="unknown user"):
        encrypted_password({}, "ada.lovelace", "management")


def test_an_existing_alias_and_password_policy_are_adopted(iam: Any, project: Project) -> None:
    assert adoption_iam.account_objects(project, "security", iam, None) == {}  # neither exists: lz creates them
    iam.create_account_alias(AccountAlias="acme-security")
    iam.update_account_password_policy(MinimumPasswordLength=12)
    assert adoption_iam.account_objects(project, "security", iam, None) == {
        "security/alias": "acme-security",
        "security/password-policy": "iam-account-password-policy",
    }


def test_an_alias_of_another_name_is_not_lz_s(iam: Any, project: Project) -> None:
    iam.create_account_alias(AccountAlias="our-security")
    assert adoption_iam.account_objects(project, "security", iam, None) == {}


def test_the_state_tells_lz_s_own_from_adopted(iam: Any, project: Project) -> None:
    iam.create_account_alias(AccountAlias="acme-security")
    iam.update_account_password_policy(MinimumPasswordLength=12)
    resources = [
        {"mode": "managed", "type": "aws_iam_account_alias", "instances": [{}]},
        {"mode": "managed", "type": "aws_iam_account_password_policy", "instances": [{}]},
    ]
    assert adoption_iam.account_objects(project, "security", iam, {"resources": resources}) == {}  # lz made both
    recorded = {"resources": resources, "outputs": {naming.ADOPTED_OUTPUT: {"value": ["password-policy"]}}}
    assert adoption_iam.account_objects(project, "security", iam, recorded) == {"security/password-policy": "iam-account-password-policy"}


ADMIN_ACCESS = "arn:aws:iam::123456789012:policy/Ours"  # moto in-process holds no AWS managed policy
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000123456789:root"}, "Action": "sts:AssumeRole"}]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}


def test_groups_and_roles_with_lz_s_names_are_adopted_with_what_hangs_on_them(iam: Any, project: Project) -> None:
    iam.create_policy(PolicyName="Ours", PolicyDocument=json.dumps(POLICY))
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=ADMIN_ACCESS)
    iam.put_group_policy(GroupName="admins", PolicyName="admins-policy", PolicyDocument=json.dumps(POLICY))
    iam.create_group(GroupName="ops")  # not a name project.yaml gives a group
    iam.create_role(RoleName="Admin", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="Admin", PolicyArn=ADMIN_ACCESS)
    iam.create_role(RoleName="DevOps", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="DevOps", PolicyName="DevOpsAccess", PolicyDocument=json.dumps(POLICY))
    iam.create_role(RoleName=naming.OAAR_ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))  # a member's: adopted by the stack, as ever
    assert adoption_iam.principals(project, "security", iam, None) == (
        {"security/admins": "admins"},
        {"security/Admin": "Admin", "security/DevOps": "DevOps"},
        {
            f"security/group/admins/{ADMIN_ACCESS}": f"admins/{ADMIN_ACCESS}",
            "security/group/admins/admins-policy": "admins:admins-policy",
            f"security/role/Admin/{ADMIN_ACCESS}": f"Admin/{ADMIN_ACCESS}",
            "security/role/DevOps/DevOpsAccess": "DevOps:DevOpsAccess",
        },
    )
    assert adoption_iam.principals(project, "network", iam, None)[0] == {}  # no groups named there


def test_groups_and_roles_lz_made_are_its_own(iam: Any, project: Project) -> None:
    iam.create_group(GroupName="admins")
    iam.create_group(GroupName="devops")
    iam.create_role(RoleName="Admin", AssumeRolePolicyDocument=json.dumps(TRUST), Tags=MANAGED)
    iam.create_role(RoleName="Auditor", AssumeRolePolicyDocument=json.dumps(TRUST), Tags=[*MANAGED, {"Key": ADOPTED_TAG, "Value": "true"}])
    # IAM groups take no tags: the identities state says which lz made, its output which it adopted
    group = {"mode": "managed", "type": "aws_iam_group", "instances": [{"attributes": {"name": "admins"}}, {"attributes": {"name": "devops"}}]}
    state = {"resources": [group], "outputs": {naming.ADOPTED_OUTPUT: {"value": ["group/devops"]}}}
    groups, roles, _ = adoption_iam.principals(project, "security", iam, state)
    assert (groups, roles) == ({"security/devops": "devops"}, {"security/Auditor": "Auditor"})
    assert adoption_iam.principals(project, "security", iam, None)[0] == {"security/admins": "admins", "security/devops": "devops"}
