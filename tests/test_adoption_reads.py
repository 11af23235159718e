"""adoption/organizations.py: how an existing organization is matched to project.yaml (moto in-process).

The seeded organization is tests/brownfield.py's, the one the integration test adopts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from landing_zone import naming
from landing_zone.adoption import identity_center, organizations
from landing_zone.adoption.model import (
    ADOPTED_ASSIGNMENTS_TAG,
    ADOPTED_DELEGATIONS_TAG,
    ADOPTED_TAG,
    ADOPTED_TARGETS_TAG,
    NOTHING,
    AdoptionError,
)
from landing_zone.config import load_project
from landing_zone.config.model import Project
from landing_zone.deploy.context import DeployContext
from tests.brownfield import ADA, ADMINISTRATOR_ACCESS, ANALYZER, Seeded, SeededIdentityCenter, seed, seed_identity_center
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "brownfield" / "project.yaml"
MANAGED = [{"Key": "ManagedBy", "Value": "landing-zone"}]


@pytest.fixture
def org() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("organizations", region_name="us-east-1")


@pytest.fixture
def project() -> Project:
    return load_project(FIXTURE)[0]


def test_no_organization_adopts_nothing(org: Any, project: Project) -> None:
    assert organizations.read(project, org) == NOTHING


def test_what_project_yaml_describes_is_adopted_by_id(org: Any, project: Project) -> None:
    seeded: Seeded = seed(org)
    found = organizations.read(project, org)
    assert found.organization == seeded.organization
    assert found.ous == {name: seeded.ous[name] for name in ("security", "workloads", "prod")}
    assert found.accounts == {name: seeded.accounts[name] for name in ("security", "shared", "network")}
    assert found.policies == {"default": seeded.policies["default"]}
    assert found.delegations == {f"security/{ANALYZER}": f"{seeded.accounts['security']}/{ANALYZER}"}
    # attached by hand where project.yaml attaches it: imported; workloads' is lz's to add
    assert found.attachments == {"default/security": f"{seeded.ous['security']}:{seeded.policies['default']}"}


def test_what_it_does_not_describe_is_listed_once(org: Any, project: Project) -> None:
    seeded = seed(org)
    unmanaged = organizations.read(project, org).unmanaged
    assert unmanaged == (
        f"account Legacy ({seeded.accounts['legacy']}, legacy@acme.example.com)",
        f"OU sandbox ({seeded.ous['sandbox']})",
        f"SCP deny-regions ({seeded.policies['deny-regions']})",
    )


def test_a_name_match_with_another_email_names_both(org: Any, tmp_path: Path) -> None:
    seed(org)
    org.create_account(AccountName="acme-audit", Email="audit@elsewhere.example.com")
    text = FIXTURE.read_text().replace("  - {name: network,", "  - {name: audit, email: aws+audit@acme.example.com}\n  - {name: network,")
    text = text.replace("accounts: [network]}", "accounts: [network, audit]}")
    (tmp_path / "project.yaml").write_text(text)
    changed = load_project(tmp_path / "project.yaml")[0]
    with pytest.raises(AdoptionError) as err:
        organizations.read(changed, org)
    message = str(err.value)
    assert "aws+audit@acme.example.com" in message and "audit@elsewhere.example.com" in message and "acme-audit" in message


def test_what_lz_created_is_its_own_not_adopted(org: Any, project: Project) -> None:
    """Tagged ManagedBy=landing-zone (the stacks' default tags) without lz-adopted: lz made it and
    `lz down` destroys it; tagged lz-adopted: adopted in an earlier run, still released."""
    seeded = seed(org)
    management = org.describe_organization()["Organization"]["MasterAccountId"]
    for resource in (management, seeded.ous["prod"], seeded.accounts["shared"], seeded.policies["default"]):
        org.tag_resource(ResourceId=resource, Tags=MANAGED)
    org.tag_resource(ResourceId=seeded.ous["security"], Tags=[*MANAGED, {"Key": ADOPTED_TAG, "Value": "true"}])
    found = organizations.read(project, org)
    assert found.organization is None
    assert "prod" not in found.ous and "shared" not in found.accounts and "default" not in found.policies
    assert found.ous["security"] == seeded.ous["security"]
    assert found.attachments == {}  # an lz-made SCP's attachments are lz's, on an adopted OU too


def test_attachments_lz_added_to_an_adopted_scp_stay_its_own(org: Any, project: Project) -> None:
    """The SCP's lz-adopted-targets tag says where it was attached when adopted: an attachment lz
    added since (to workloads) is not imported, so `lz down` detaches it instead of releasing it."""
    seeded = seed(org)
    org.attach_policy(PolicyId=seeded.policies["default"], TargetId=seeded.ous["workloads"])  # as lz up does
    org.tag_resource(
        ResourceId=seeded.policies["default"],
        Tags=[*MANAGED, {"Key": ADOPTED_TAG, "Value": "true"}, {"Key": ADOPTED_TARGETS_TAG, "Value": seeded.ous["security"]}],
    )
    found = organizations.read(project, org)
    assert found.attachments == {"default/security": f"{seeded.ous['security']}:{seeded.policies['default']}"}


def test_delegations_lz_made_since_adoption_stay_its_own(org: Any, project: Project) -> None:
    """An adopted account's lz-adopted-delegations tag lists what it administered when adopted."""
    seeded = seed(org)
    org.tag_resource(
        ResourceId=seeded.accounts["security"], Tags=[*MANAGED, {"Key": ADOPTED_TAG, "Value": "true"}, {"Key": ADOPTED_DELEGATIONS_TAG, "Value": "none"}]
    )
    assert organizations.read(project, org).delegations == {}


def test_identity_center_groups_made_by_hand_are_adopted_by_display_name(project: Project) -> None:
    with mock_aws():
        sso, store = boto3.client("sso-admin", region_name="us-east-1"), boto3.client("identitystore", region_name="us-east-1")
        store_id = sso.list_instances()["Instances"][0]["IdentityStoreId"]
        admins = store.create_group(IdentityStoreId=store_id, DisplayName="Administrators", Description="our admins")["GroupId"]
        store.create_group(IdentityStoreId=store_id, DisplayName="DevOps", Description=naming.sso_group_description("DevOps"))  # lz's own
        store.create_group(IdentityStoreId=store_id, DisplayName="Platform")  # not one of lz's: not its business
        assert identity_center.read(project, sso, store, NOTHING).groups == {"Administrators": f"{store_id}/{admins}"}


@pytest.fixture
def center() -> Iterator[tuple[Any, Any, SeededIdentityCenter]]:
    from landing_zone.emulator import handlers

    handlers._patch_ssoadmin_tags()  # moto lacks sso-admin's tag calls and UpdateUser; the emulator adds them
    handlers._patch_identitystore_updates()
    with mock_aws():
        sso, store = boto3.client("sso-admin", region_name="us-east-1"), boto3.client("identitystore", region_name="us-east-1")
        yield sso, store, seed_identity_center(sso, store, "000123456789")


def test_identity_center_objects_made_by_hand_are_adopted_by_name(center: tuple[Any, Any, SeededIdentityCenter], project: Project) -> None:
    sso, store, seeded = center
    found = identity_center.read(project, sso, store, NOTHING)
    assert found.groups == {"Administrators": f"{seeded.store}/{seeded.group}"}
    assert found.users == {ADA: f"{seeded.store}/{seeded.user}"}
    assert found.memberships == {f"{ADA}/Administrators": f"{seeded.store}/{seeded.membership}"}
    assert found.permission_sets == {"Administrator": f"{seeded.permission_set},{seeded.instance}"}
    assert found.permission_set_policies == {f"Administrator/{ADMINISTRATOR_ACCESS}": f"{ADMINISTRATOR_ACCESS},{seeded.permission_set},{seeded.instance}"}
    assert found.assignments == {"Administrator/000123456789": f"{seeded.group},GROUP,000123456789,AWS_ACCOUNT,{seeded.permission_set},{seeded.instance}"}
    assert found.unmanaged == (f"permission set Legacy ({seeded.other_permission_set})", f"Identity Center user ops@acme.example.com ({seeded.other_user})")


def test_identity_center_objects_lz_made_are_its_own(center: tuple[Any, Any, SeededIdentityCenter], project: Project) -> None:
    sso, store, seeded = center
    sso.tag_resource(InstanceArn=seeded.instance, ResourceArn=seeded.permission_set, Tags=MANAGED)
    store.update_user(IdentityStoreId=seeded.store, UserId=seeded.user, Operations=[{"AttributePath": "userType", "AttributeValue": naming.sso_user_type()}])
    found = identity_center.read(project, sso, store, NOTHING)
    assert (found.users, found.memberships, found.permission_sets, found.assignments) == ({}, {}, {}, {})


def test_users_lz_made_before_users_had_a_type_are_its_own(center: tuple[Any, Any, SeededIdentityCenter], project: Project) -> None:
    """0.1.0 made users without a type: the ids in lz's sso state say they are lz's."""
    sso, store, seeded = center
    assert identity_center.read(project, sso, store, NOTHING, own_users={seeded.user}).users == {}


def test_assignments_lz_made_since_adoption_stay_its_own(center: tuple[Any, Any, SeededIdentityCenter], project: Project) -> None:
    """An adopted permission set's lz-adopted-assignments tag lists the accounts it was assigned in when adopted."""
    sso, store, seeded = center
    sso.tag_resource(
        InstanceArn=seeded.instance,
        ResourceArn=seeded.permission_set,
        Tags=[*MANAGED, {"Key": ADOPTED_TAG, "Value": "true"}, {"Key": ADOPTED_ASSIGNMENTS_TAG, "Value": "none"}],
    )
    found = identity_center.read(project, sso, store, NOTHING)
    assert "Administrator" in found.permission_sets and found.assignments == {}


def test_lz_own_users_come_from_its_sso_state(project: Project) -> None:
    from landing_zone.deploy import adopt

    state = {
        "resources": [
            {"mode": "managed", "type": "aws_identitystore_user", "instances": [{"attributes": {"user_id": "u-old", "user_type": ""}}]},
            {
                "mode": "managed",
                "type": "aws_identitystore_user",
                "instances": [{"attributes": {"user_id": "u-adopted", "user_type": "landing-zone, adopted"}}],
            },
            {"mode": "data", "type": "aws_identitystore_user", "instances": [{"attributes": {"user_id": "u-data"}}]},
        ]
    }

    class Ctx:
        def __init__(self) -> None:
            self.project = project

        backend_location = DeployContext.backend_location  # the real one: it reads only the project

        def client(self, service: str, account: str = naming.MANAGEMENT) -> Any:
            return boto3.client(service, region_name="us-east-1")

    with mock_aws():
        ctx: Any = Ctx()
        assert adopt._own_users(ctx) == set()  # no state bucket yet
        s3 = ctx.client("s3")
        bucket = naming.state_bucket(project.short_name, naming.MANAGEMENT)
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key=naming.state_key(naming.MANAGEMENT, "sso"), Body=json.dumps(state).encode())
        assert adopt._own_users(ctx) == {"u-old"}


def test_backup_and_tag_policies_project_yaml_cannot_describe_are_listed_not_adopted(org: Any, project: Project) -> None:
    seeded = seed(org)
    # moto implements tag policies (not backup policies, which the same loop reads)
    content = json.dumps({"tags": {"CostCenter": {"tag_key": {"@@assign": "CostCenter"}}}})
    tag_policy = org.create_policy(Name="cost-center", Description="ours", Type="TAG_POLICY", Content=content)["Policy"]["PolicySummary"]["Id"]
    found = organizations.read(project, org)
    assert found.policies == {"default": seeded.policies["default"]}
    assert found.unmanaged[-1] == f"tag policy cost-center ({tag_policy})"
    from landing_zone.adoption import describe

    assert f"tag policy cost-center ({tag_policy}): project.yaml describes SCPs only; left alone" in describe.describe(project, org).notes
