"""adoption/iam.py: IAM users lz names that exist already (moto in-process)."""

from __future__ import annotations

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


def test_the_seeded_brownfield_user_is_adopted_with_its_password(iam: Any) -> None:
    from tests.brownfield import IAM_USER, seed_iam_user

    seed_iam_user(iam)
    project = load_project(FIXTURE)[0].model_copy(update={"accounts": {"management": AccountSettings(groups=[IamGroup(name="admins", users=[IAM_USER])])}})
    assert adoption_iam.read(project, "management", iam) == ({f"management/{IAM_USER}": IAM_USER}, {f"management/{IAM_USER}": IAM_USER})
    assert set(adoption_iam.account_objects(project, "management", iam, None)) == {"management/alias", "management/password-policy"}


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
