"""`lz up` on an organization that already exists (tests/brownfield.py, seeded once): the
organizations stack imports it, keeps every id, leaves what project.yaml does not describe
alone, has nothing to do the second time, `lz adopt` describes the organization in a
project.yaml that validates and plans with no destroy, and `lz down` releases what it adopted.

One emulator, one seeded organization, two `lz up`s and one `lz down` of the stacks that hold
the organization and Identity Center (management-tf-backend, management-organizations,
management-sso): the member stacks add nothing to what adoption shows.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.brownfield import (
    ADA,
    ADMINISTRATOR_ACCESS,
    DENY_REGIONS,
    IAM_USER,
    MANAGEMENT_ALIAS,
    OAAR,
    STATE_BACKEND,
    Seeded,
    SeededIamUser,
    SeededIdentityCenter,
    fixture_with_iam_users,
    seed,
    seed_iam_user,
    seed_identity_center,
    seed_state_backend,
)
from tests.deployment import Deployment, start_deployment, stop_deployment
from tests.test_adoption_reads import FIXTURE

pytestmark = [pytest.mark.integration, pytest.mark.own_deployment(minutes=5)]
STACKS = ("--stack", "management-organizations", "--stack", "management-sso", "--stack", "management-identities", "--with-deps")


@dataclass
class Adoption:
    dep: Deployment
    seeded: Seeded
    center: SeededIdentityCenter
    iam_user: SeededIamUser
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    after_up: dict[str, Any]  # the organization as boto3 reads it after the two runs
    center_after_up: dict[str, Any]  # Identity Center, likewise
    iam_after_up: dict[str, Any]  # ada.lovelace in management, likewise
    adopted: Path  # what `lz adopt` wrote
    adopt: subprocess.CompletedProcess[str]
    adopted_plan: subprocess.CompletedProcess[str]  # `lz plan` of what `lz adopt` wrote
    down: subprocess.CompletedProcess[str]
    after_down: dict[str, Any]
    center_after_down: dict[str, Any]


def _read_center(sso: Any, store: Any, seeded: SeededIdentityCenter) -> dict[str, Any]:
    users = {u["UserName"]: u for u in store.list_users(IdentityStoreId=seeded.store)["Users"]}
    groups = {g["DisplayName"]: g["GroupId"] for g in store.list_groups(IdentityStoreId=seeded.store)["Groups"]}
    sets = {}
    for arn in sso.list_permission_sets(InstanceArn=seeded.instance)["PermissionSets"]:
        described = sso.describe_permission_set(InstanceArn=seeded.instance, PermissionSetArn=arn)["PermissionSet"]
        sets[described["Name"]] = described
    member = {"UserId": users[ADA]["UserId"]} if ADA in users else {}
    memberships = store.list_group_memberships_for_member(IdentityStoreId=seeded.store, MemberId=member)["GroupMemberships"] if member else []
    assigned = sso.list_account_assignments_for_principal(InstanceArn=seeded.instance, PrincipalId=seeded.group, PrincipalType="GROUP")
    policies = sso.list_managed_policies_in_permission_set(InstanceArn=seeded.instance, PermissionSetArn=seeded.permission_set)
    return {
        "users": users,
        "groups": groups,
        "sets": sets,
        "memberships": {m["GroupId"]: m["MembershipId"] for m in memberships},
        "assignments": sorted((a["PermissionSetArn"], a["AccountId"]) for a in assigned["AccountAssignments"]),
        "policies": [p["Arn"] for p in policies["AttachedManagedPolicies"]],
    }


def _read(org: Any) -> dict[str, Any]:
    root = org.list_roots()["Roots"][0]["Id"]
    ous: dict[str, str] = {}

    def walk(parent: str) -> None:
        for ou in org.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]:
            ous[ou["Name"]] = ou["Id"]
            walk(ou["Id"])

    walk(root)
    accounts = {a["Email"]: a["Id"] for a in org.list_accounts()["Accounts"]}
    parents = {a: org.list_parents(ChildId=i)["Parents"][0]["Id"] for a, i in accounts.items()}
    policies = {p["Name"]: p["Id"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    targets = {name: sorted(t["TargetId"] for t in org.list_targets_for_policy(PolicyId=pid)["Targets"]) for name, pid in policies.items()}
    content = {name: org.describe_policy(PolicyId=pid)["Policy"]["Content"] for name, pid in policies.items()}
    return {
        "organization": org.describe_organization()["Organization"]["Id"],
        "ous": ous,
        "accounts": accounts,
        "parents": parents,
        "policies": policies,
        "targets": targets,
        "content": content,
    }


def _read_iam_user(iam: Any) -> dict[str, Any]:
    user = iam.get_user(UserName=IAM_USER)["User"]
    return {
        "id": user["UserId"],
        "tags": {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=IAM_USER)["Tags"]},
        "keys": [k["AccessKeyId"] for k in iam.list_access_keys(UserName=IAM_USER)["AccessKeyMetadata"]],
        "mfa": [d["SerialNumber"] for d in iam.list_mfa_devices(UserName=IAM_USER)["MFADevices"]],
        "login": iam.get_login_profile(UserName=IAM_USER)["LoginProfile"]["CreateDate"],
        "aliases": iam.list_account_aliases()["AccountAliases"],
        "password_length": iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"],
        "group": iam.get_group(GroupName="admins")["Group"]["GroupId"],
        "members": [u["UserName"] for u in iam.get_group(GroupName="admins")["Users"]],
        "role": iam.get_role(RoleName=OAAR)["Role"]["RoleId"],
        "trust": iam.get_role(RoleName=OAAR)["Role"]["AssumeRolePolicyDocument"],
        "role_policies": [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=OAAR)["AttachedPolicies"]],
    }


@pytest.fixture(scope="module")
def adoption(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Adoption]:
    base = tmp_path_factory.mktemp("brownfield")
    dep = start_deployment(base, fixture_with_iam_users(FIXTURE, base / "source"))
    try:
        seeded = seed(dep.client("organizations"))
        sso, store = dep.client("sso-admin"), dep.client("identitystore")
        center = seed_identity_center(sso, store, dep.client("organizations").describe_organization()["Organization"]["MasterAccountId"])
        iam_user = seed_iam_user(dep.client("iam"))
        seed_state_backend(dep.client("s3"), dep.client("dynamodb"))
        first = dep.lz("up", *STACKS)
        second = dep.lz("up", "--refresh", *STACKS)
        after_up = _read(dep.client("organizations"))
        center_after_up = _read_center(sso, store, center)
        iam_after_up = _read_iam_user(dep.client("iam"))
        adopted = dep.dir / "adopted" / "project.yaml"
        shutil.copytree(dep.dir / "keys", adopted.parent / "keys")  # the IAM users' GPG keys, as a team would add them
        adopt = dep.lz("adopt", "--output", str(adopted))
        adopted_plan = dep.lz("plan", "--config", str(adopted), "--stack", "management-organizations")
        down = dep.lz("down", "--stack", "management-sso", "--stack", "management-organizations")
        after_down = _read(dep.client("organizations"))
        center_after_down = _read_center(sso, store, center)
        yield Adoption(
            dep,
            seeded,
            center,
            iam_user,
            first,
            second,
            after_up,
            center_after_up,
            iam_after_up,
            adopted,
            adopt,
            adopted_plan,
            down,
            after_down,
            center_after_down,
        )
    finally:
        stop_deployment(dep)


def _detail(run: subprocess.CompletedProcess[str], stack: str) -> str:
    lines = [line for line in (run.stdout + run.stderr).splitlines() if line.startswith(f"{stack}: done")]
    assert lines, run.stdout + run.stderr
    return lines[-1]


def test_up_imports_the_organization_without_destroying_anything(adoption: Adoption) -> None:
    detail = _detail(adoption.first, "management-organizations")
    assert "11 to import" in detail and "destroy" not in detail, detail


def test_every_existing_id_is_kept(adoption: Adoption) -> None:
    seeded, found = adoption.seeded, adoption.after_up
    assert found["organization"] == seeded.organization
    assert {name: found["ous"][name] for name in seeded.ous} == seeded.ous
    assert set(seeded.accounts.values()) <= set(found["accounts"].values())
    assert found["policies"]["default"] == seeded.policies["default"]


def test_described_objects_become_what_project_yaml_says_in_place(adoption: Adoption) -> None:
    seeded, found = adoption.seeded, adoption.after_up
    assert found["parents"]["aws+network@acme.example.com"] == seeded.ous["workloads"]  # moved, same id
    assert found["targets"]["default"] == sorted([seeded.ous["security"], seeded.ous["workloads"]])
    assert "organizations:LeaveOrganization" in found["content"]["default"] and "iam:CreateUser" not in found["content"]["default"]
    assert found["content"]["default"] != '{"Version": "2012-10-17"'  # lz's body replaced the hand-made one


def test_what_project_yaml_does_not_describe_is_listed_and_untouched(adoption: Adoption) -> None:
    seeded, found = adoption.seeded, adoption.after_up
    notice = next(line for line in adoption.first.stderr.splitlines() if line.startswith("not managed by this project"))
    assert f"account Legacy ({seeded.accounts['legacy']}" in notice and "OU sandbox" in notice and "SCP deny-regions" in notice
    assert found["parents"]["legacy@acme.example.com"] == seeded.ous["sandbox"]
    assert found["targets"]["deny-regions"] == [seeded.ous["prod"]]
    import json

    assert json.loads(found["content"]["deny-regions"]) == DENY_REGIONS


def test_a_second_up_has_nothing_to_do(adoption: Adoption) -> None:
    assert _detail(adoption.second, "management-organizations").endswith("no changes")
    assert _detail(adoption.second, "management-sso").endswith("no changes")


def test_an_iam_user_alias_and_password_policy_are_adopted(adoption: Adoption) -> None:
    detail = _detail(adoption.first, "management-identities")
    # the user, its login profile, the alias, the password policy; the admins group and its
    # AdministratorAccess, OrganizationAccountAccessRole and its AdministratorAccess
    assert "8 to import" in detail and "destroy" not in detail and "replace" not in detail, detail
    assert _detail(adoption.second, "management-identities").endswith("no changes")
    seeded, found = adoption.iam_user, adoption.iam_after_up
    assert (found["id"], found["keys"], found["mfa"]) == (seeded.user, [seeded.access_key], [seeded.mfa_serial])
    assert found["tags"]["lz-adopted"] == "true"
    assert found["aliases"] == [MANAGEMENT_ALIAS] and found["password_length"] == 30  # lz's policy, in place


def test_an_iam_group_and_role_with_lz_s_names_keep_their_ids(adoption: Adoption) -> None:
    seeded, found = adoption.iam_user, adoption.iam_after_up
    assert (found["group"], found["role"]) == (seeded.group, seeded.role)
    assert found["members"] == [IAM_USER] and found["role_policies"] == [ADMINISTRATOR_ACCESS]
    assert "000000000000" not in str(found["trust"])  # lz's trust, updated in place


def test_an_existing_state_bucket_and_lock_table_are_imported_by_the_bootstrap(adoption: Adoption) -> None:
    detail = _detail(adoption.first, "management-tf-backend")
    assert "bootstrapped" in detail and "2 to import" in detail and "destroy" not in detail, detail
    tags = adoption.dep.client("s3").get_bucket_tagging(Bucket=STATE_BACKEND)["TagSet"]
    assert {"Key": "lz-adopted", "Value": "true"} in tags


def test_identity_center_is_imported_without_destroying_anything(adoption: Adoption) -> None:
    detail = _detail(adoption.first, "management-sso")
    # Administrators, ada, her membership, Administrator, its AdministratorAccess, its assignment in management
    assert "6 to import" in detail and "destroy" not in detail, detail


def test_identity_center_ids_are_kept_and_updated_in_place(adoption: Adoption) -> None:
    seeded, found = adoption.center, adoption.center_after_up
    assert found["users"][ADA]["UserId"] == seeded.user and found["users"][ADA]["UserType"] == "landing-zone, adopted"
    assert found["groups"]["Administrators"] == seeded.group
    assert found["memberships"] == {seeded.group: seeded.membership}
    admin = found["sets"]["Administrator"]
    assert admin["PermissionSetArn"] == seeded.permission_set and admin["Description"] == "Full access" and admin["SessionDuration"] == "PT1H"
    assert found["policies"] == [ADMINISTRATOR_ACCESS]
    assert (seeded.permission_set, seeded.management) in found["assignments"]


def test_identity_center_objects_not_described_are_listed_and_untouched(adoption: Adoption) -> None:
    seeded, found = adoption.center, adoption.center_after_up
    notice = next(line for line in adoption.first.stderr.splitlines() if line.startswith("not managed by this project"))
    assert f"permission set Legacy ({seeded.other_permission_set})" in notice
    assert f"Identity Center user ops@acme.example.com ({seeded.other_user})" in notice
    assert found["sets"]["Legacy"]["PermissionSetArn"] == seeded.other_permission_set
    assert found["users"]["ops@acme.example.com"]["UserId"] == seeded.other_user


def test_lz_adopt_writes_a_project_that_validates_and_plans_no_destroy(adoption: Adoption) -> None:
    seeded = adoption.seeded
    text = adoption.adopted.read_text()
    for account_id in seeded.accounts.values():  # network sits in workloads since the first up
        assert f"id: '{account_id}'" in text
    assert "{name: sandbox, accounts: [legacy]}" in text and "file: policies/deny-regions.json" in text
    assert adoption.dep.lz("validate", str(adoption.adopted)).stdout.strip().endswith(": ok")
    detail = _detail(adoption.adopted_plan, "management-organizations")
    # legacy, sandbox, deny-regions and its attachment to prod come in; nothing goes
    assert "4 to import" in detail and "destroy" not in detail, detail
    assert "- {first_name: Ops, last_name: Robot, email: ops@acme.example.com}" in text
    assert f"permission set Legacy ({adoption.center.other_permission_set})" in text  # noted: lz's model has five sets
    # it describes everything lz's model can say: what is left is the permission set it cannot
    notice = [line for line in adoption.adopted_plan.stderr.splitlines() if line.startswith("not managed by this project")]
    assert notice == [f"not managed by this project (left untouched): permission set Legacy ({adoption.center.other_permission_set})"]


def test_down_releases_what_was_adopted(adoption: Adoption) -> None:
    seeded, found = adoption.seeded, adoption.after_down
    assert "released" in _detail(adoption.down, "management-organizations")
    assert found["organization"] == seeded.organization
    assert set(found["accounts"].values()) >= set(seeded.accounts.values())  # none closed or removed
    assert {name: found["ous"].get(name) for name in seeded.ous} == seeded.ous
    assert found["targets"]["default"] == [seeded.ous["security"]]  # lz's own attachment (workloads) destroyed
    center, ic = adoption.center, adoption.center_after_down
    assert ic["users"][ADA]["UserId"] == center.user and ic["groups"]["Administrators"] == center.group
    assert ic["sets"]["Administrator"]["PermissionSetArn"] == center.permission_set and ic["memberships"] == {center.group: center.membership}
    assert "DevOps" not in ic["sets"] and "DevOps" not in ic["groups"]  # lz's own: destroyed
