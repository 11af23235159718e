"""`lz adopt`'s reading (adoption/describe.py) and writing (config/editor.py) on the seeded
brownfield organization (moto in-process): what it can express, and a comment for the rest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from landing_zone.adoption.describe import account_name, describe
from landing_zone.adoption.model import AdoptionError
from landing_zone.config import editor, load_project
from tests.brownfield import ADA, DENY_REGIONS, Seeded, seed, seed_identity_center
from tests.test_adoption_reads import FIXTURE


@pytest.fixture
def seeded() -> Iterator[tuple[Any, Seeded]]:
    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        yield org, seed(org)


def test_account_names_follow_lz_rules() -> None:
    taken: set[str] = set()
    assert account_name("acme", "acme-Shared Services", taken) == "shared-services"
    assert account_name("acme", "Shared  services!", taken) == "shared-services-2"  # unique
    assert account_name("acme", "42 things", taken) == "account-42-things"  # starts with a letter
    assert account_name("acme", "Management", taken) == "management-2"  # lz's own name stays the management account's
    assert len(account_name("acme", "x" * 80, taken)) == 31


def test_the_organization_is_described_and_the_rest_noted(seeded: tuple[Any, Seeded]) -> None:
    org, ids = seeded
    found = describe(load_project(FIXTURE)[0], org)
    accounts = {a["name"]: a for a in found.organization["accounts"]}
    # names project.yaml already gives are kept (state is keyed by them); new ones from AWS's
    assert {n: a["id"] for n, a in accounts.items() if n != "management"} == {n: ids.accounts[n] for n in ("security", "shared", "legacy")}
    assert accounts["legacy"]["email"] == "legacy@acme.example.com"
    ous = {ou["name"]: ou for ou in found.organization["organizational_units"]}
    assert ous["prod"] == {"name": "prod", "parent": "workloads", "policy": ["deny-regions"], "accounts": ["shared"]}
    assert ous["security"]["policy"] == ["default"] and ous["sandbox"]["accounts"] == ["legacy"]
    assert found.organization["policies"] == [{"name": "deny-regions", "description": "deny-regions", "file": "policies/deny-regions.json"}]
    assert json.loads(found.policy_files["policies/deny-regions.json"]) == DENY_REGIONS
    network = next(n for n in found.notes if ids.accounts["network"] in n)
    assert "at the organization root" in network
    assert any(ids.policies["default"] in n and "built-in" in n for n in found.notes)
    assert len(found.notes) == 2


def test_the_written_file_validates_and_keeps_the_rest(seeded: tuple[Any, Seeded], tmp_path: Path) -> None:
    org, ids = seeded
    found = describe(load_project(FIXTURE)[0], org)
    text = editor.with_organization(FIXTURE.read_text(), found.organization, found.notes)
    for rel, body in found.policy_files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body)
    (tmp_path / "project.yaml").write_text(text)
    project, _ = load_project(tmp_path / "project.yaml")  # raises on any problem
    assert project.short_name == "acm" and project.users[0].email == "ada.lovelace@acme.example.com"
    assert "# The brownfield fixture" in text  # the file's own comments survive
    comment = text[: text.index("\norganization:")]
    assert f"# - account Network ({ids.accounts['network']}" in comment
    assert {p.name for p in project.organization.policies} == {"deny-regions"}
    legacy = project.ou_of("legacy")
    assert legacy is not None and legacy.name == "sandbox"


def test_no_organization_is_one_error() -> None:
    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        with pytest.raises(AdoptionError, match="in no organization: there is nothing to adopt"):
            describe(load_project(FIXTURE)[0], org)


def test_identity_center_users_are_described_and_the_rest_noted() -> None:
    from landing_zone.adoption import describe_identity_center
    from landing_zone.emulator import handlers

    handlers._patch_ssoadmin_tags()  # the emulator's sso-admin tag calls (moto lacks them)
    accounts = [{"name": "management", "id": "000123456789"}, {"name": "security", "id": "111111111111"}]
    with mock_aws():
        sso, store = boto3.client("sso-admin", region_name="us-east-1"), boto3.client("identitystore", region_name="us-east-1")
        ic = seed_identity_center(sso, store, "000123456789")
        platform = store.create_group(IdentityStoreId=ic.store, DisplayName="Platform")["GroupId"]
        store.create_group_membership(IdentityStoreId=ic.store, GroupId=platform, MemberId={"UserId": ic.other_user})
        sso.create_account_assignment(  # lz assigns Administrator in management only
            InstanceArn=ic.instance,
            TargetId="111111111111",
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=ic.permission_set,
            PrincipalType="GROUP",
            PrincipalId=ic.group,
        )
        found = describe_identity_center.describe(sso, store, accounts)
    assert found.users == [
        {"first_name": "Ada", "last_name": "Lovelace", "email": ADA, "groups": ["administrators"]},
        {"first_name": "Ops", "last_name": "Robot", "email": "ops@acme.example.com"},
    ]
    assert found.notes == [
        f"Identity Center group Platform ({platform}): lz has its five groups only; left alone",
        f"Identity Center user ops@acme.example.com ({ic.other_user}) is a member of Platform: left alone",
        "assignment of Administrator to group Administrators in account security: "
        "lz assigns Administrator to Administrators in lz's accounts for it only; left alone",
        f"permission set Legacy ({ic.other_permission_set}): lz has its five permission sets only; it and its assignments are left alone",
    ]
    text = editor.with_users(FIXTURE.read_text(), found.users)
    assert text.count(ADA) == 1  # the file's entry is kept
    assert "- {first_name: Ops, last_name: Robot, email: ops@acme.example.com}" in text
    assert [u.email for u in load_project_text(text).users] == [ADA, "ops@acme.example.com"]


def load_project_text(text: str) -> Any:
    from landing_zone.config.loader import parse_project

    return parse_project(text, FIXTURE)[0]
