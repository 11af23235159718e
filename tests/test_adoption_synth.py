"""What synth makes of the adoption reads: import blocks, the adopted tag, the release mark;
and the deploy step's stop before an apply that would replace an adopted object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from landing_zone.adoption.model import ADOPTED_ASSIGNMENTS_TAG, ADOPTED_DELEGATIONS_TAG, ADOPTED_ORGANIZATION_TAG, ADOPTED_TAG, ADOPTED_TARGETS_TAG, Adopted
from landing_zone.config import load_project
from landing_zone.deploy import adopt
from landing_zone.deploy.errors import DeployError
from landing_zone.settings import Settings
from tests.test_adoption_reads import FIXTURE

ADOPTED = Adopted(
    organization="o-abcdefghij",
    ous={"security": "ou-ab12-11111111", "prod": "ou-ab12-22222222"},
    accounts={"security": "111111111111", "network": "333333333333"},
    policies={"default": "p-11111111"},
    attachments={"default/security": "ou-ab12-11111111:p-11111111"},
    delegations={"security/access-analyzer.amazonaws.com": "111111111111/access-analyzer.amazonaws.com"},
)


def _organizations(tmp: Path, adopted: Adopted, *, allow_destroy: bool = False) -> dict[str, Any]:
    from landing_zone.synth import synth

    project, _ = load_project(FIXTURE)
    settings = Settings(config_path=FIXTURE, target="aws", work_dir=tmp / ".lz", out_dir=tmp / "cdktf.out", allow_destroy=allow_destroy)
    out = synth(project, settings, {}, adopted=adopted)
    return dict(json.loads((out / "stacks" / "management-organizations" / "cdk.tf.json").read_text()))


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _organizations(tmp_path_factory.mktemp("adopt"), ADOPTED)


def _by_id(doc: dict[str, Any]) -> dict[str, str]:
    return {block["id"]: block["to"] for block in doc["import"]}


def test_every_adopted_object_has_its_import_block(doc: dict[str, Any]) -> None:
    imports = _by_id(doc)
    expected = {
        "o-abcdefghij": "aws_organizations_organization.org_organization_",
        "ou-ab12-11111111": "aws_organizations_organizational_unit.org_ou-security_",
        "ou-ab12-22222222": "aws_organizations_organizational_unit.org_ou-prod_",
        "111111111111": "aws_organizations_account.org_account-security_",
        "333333333333": "aws_organizations_account.org_account-network_",
        "p-11111111": "aws_organizations_policy.scp_scp-default_",
        "ou-ab12-11111111:p-11111111": "aws_organizations_policy_attachment.scp_attach-default-security_",
        "000123456789": "aws_organizations_account.org_account-management_",  # as for every project
        "111111111111/access-analyzer.amazonaws.com": "aws_organizations_delegated_administrator.org_delegated-access-analyzer_",
    }
    assert {i: imports.get(i, "").rsplit("_", 1)[0] + "_" for i in expected} == expected
    assert len(imports) == len(expected)  # workloads, shared and workloads' attachment are created


def test_adopted_objects_are_tagged_and_marked_for_release(doc: dict[str, Any]) -> None:
    resources = {f"{rtype}.{name}": body for rtype, group in doc["resource"].items() for name, body in group.items()}
    for address in _by_id(doc).values():
        assert resources[address]["//"]["lz"] == {"release_on_destroy": True}, address
    tagged = {a for a, body in resources.items() if body.get("tags", {}).get(ADOPTED_TAG) == "true"}
    assert {a.split(".")[1].rsplit("_", 1)[0] for a in tagged} == {
        "org_ou-security",
        "org_ou-prod",
        "org_account-security",
        "org_account-network",
        "scp_scp-default",
    }
    security = next(body for a, body in resources.items() if "account-security" in a)
    assert security["tags"][ADOPTED_DELEGATIONS_TAG] == "access-analyzer.amazonaws.com"
    network = next(body for a, body in resources.items() if "account-network" in a)
    assert network["tags"][ADOPTED_DELEGATIONS_TAG] == "none"
    scp = next(body for a, body in resources.items() if "scp-default" in a)
    assert scp["tags"][ADOPTED_TARGETS_TAG] == "ou-ab12-11111111"  # where it was attached when adopted
    management = next(body for a, body in resources.items() if "account-management" in a)
    assert management["tags"] == {ADOPTED_ORGANIZATION_TAG: "true"}  # the organization has no tags of its own


def test_an_adopted_account_keeps_its_name_and_is_never_closed(doc: dict[str, Any]) -> None:
    accounts = doc["resource"]["aws_organizations_account"]
    network = next(body for name, body in accounts.items() if "network" in name)
    shared = next(body for name, body in accounts.items() if "shared" in name)
    assert "name" in network["lifecycle"]["ignore_changes"]  # a new name would replace the account
    assert "name" not in shared["lifecycle"]["ignore_changes"]
    assert network["lifecycle"]["prevent_destroy"] is True


def test_nothing_adopted_synthesizes_no_import_but_the_management_account(tmp_path: Path) -> None:
    doc = _organizations(tmp_path, Adopted())
    assert [block["id"] for block in doc["import"]] == ["000123456789"]
    assert all(ADOPTED_TAG not in json.dumps(body) for group in doc["resource"].values() for body in group.values())


class _ShowingTerraform:
    stack = "management-organizations"

    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan

    def run(self, *args: str, log_stdout: bool = True) -> Any:
        assert args[:2] == ("show", "-json") and not log_stdout
        return type("Proc", (), {"stdout": json.dumps(self.plan)})()


def _change(address: str, actions: list[str]) -> dict[str, Any]:
    return {"address": address, "change": {"actions": actions}}


def test_a_replace_of_an_adopted_object_stops_before_apply(doc: dict[str, Any]) -> None:
    account = next(to for i, to in _by_id(doc).items() if i == "333333333333")
    tf = _ShowingTerraform({"resource_changes": [_change(account, ["delete", "create"])]})
    with pytest.raises(DeployError) as err:
        adopt.refuse_replacing(tf, doc)  # type: ignore[arg-type]
    message = str(err.value)
    assert f"would replace {account} (the existing 333333333333)" in message and "nothing was applied" in message


def test_destroying_what_lz_created_is_not_refused(doc: dict[str, Any]) -> None:
    created = next(a for a in doc["resource"]["aws_organizations_policy_attachment"] if "workloads" in a)
    tf = _ShowingTerraform({"resource_changes": [_change(f"aws_organizations_policy_attachment.{created}", ["delete"])]})
    adopt.refuse_replacing(tf, doc)  # type: ignore[arg-type]


def test_an_adopted_identity_center_group_is_imported_and_says_so(tmp_path: Path) -> None:
    from landing_zone.synth import synth

    project, _ = load_project(FIXTURE)
    settings = Settings(config_path=FIXTURE, target="aws", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    ids = {"security": "111111111111", "shared": "222222222222", "network": "333333333333"}  # the sso stack waits for them
    out = synth(project, settings, ids, adopted=Adopted(groups={"Administrators": "d-1234567890/g-1"}))
    doc = json.loads((out / "stacks" / "management-sso" / "cdk.tf.json").read_text())
    assert [(b["id"], b["to"].split(".")[1].rsplit("_", 1)[0]) for b in doc["import"]] == [("d-1234567890/g-1", "identity-center_group-administrators")]
    groups = {name.rsplit("_", 1)[0]: body for name, body in doc["resource"]["aws_identitystore_group"].items()}
    assert groups["identity-center_group-administrators"]["description"] == "Administrators (landing-zone, adopted)"
    assert groups["identity-center_group-administrators"]["//"]["lz"] == {"release_on_destroy": True}
    assert groups["identity-center_group-devops"]["description"] == "DevOps (landing-zone)"  # lz's own, unchanged


def test_adopted_identity_center_users_permission_sets_and_assignments_are_imported(tmp_path: Path) -> None:
    from landing_zone.synth import synth

    project, _ = load_project(FIXTURE)
    settings = Settings(config_path=FIXTURE, target="aws", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    ids = {"security": "111111111111", "shared": "222222222222", "network": "333333333333"}
    ps, instance, admin = "arn:aws:sso:::instance/ssoins-1/ps-1", "arn:aws:sso:::instance/ssoins-1", "arn:aws:iam::aws:policy/AdministratorAccess"
    assignment = f"g-1,GROUP,000123456789,AWS_ACCOUNT,{ps},{instance}"
    adopted = Adopted(
        groups={"Administrators": "d-1234567890/g-1"},
        users={"ada.lovelace@acme.example.com": "d-1234567890/u-1"},
        memberships={"ada.lovelace@acme.example.com/Administrators": "d-1234567890/m-1"},
        permission_sets={"Administrator": f"{ps},{instance}"},
        permission_set_policies={f"Administrator/{admin}": f"{admin},{ps},{instance}"},
        assignments={"Administrator/000123456789": assignment},
    )
    out = synth(project, settings, ids, adopted=adopted)
    doc = json.loads((out / "stacks" / "management-sso" / "cdk.tf.json").read_text())
    imports = {b["id"]: b["to"].split(".")[0] for b in doc["import"]}
    assert imports == {
        "d-1234567890/g-1": "aws_identitystore_group",
        "d-1234567890/u-1": "aws_identitystore_user",
        "d-1234567890/m-1": "aws_identitystore_group_membership",
        f"{ps},{instance}": "aws_ssoadmin_permission_set",
        f"{admin},{ps},{instance}": "aws_ssoadmin_managed_policy_attachment",
        assignment: "aws_ssoadmin_account_assignment",
    }
    by_address = {b["to"]: b["id"] for b in doc["import"]}
    for rtype, group in doc["resource"].items():
        for name, body in group.items():
            # what was imported is released by `lz down`; what lz adds (other sets, assignments in members) is its own
            assert (body.get("//", {}).get("lz") == {"release_on_destroy": True}) == (f"{rtype}.{name}" in by_address), name
    users = list(doc["resource"]["aws_identitystore_user"].values())
    assert [u["user_type"] for u in users] == ["landing-zone, adopted"]
    sets = {body["name"]: body for body in doc["resource"]["aws_ssoadmin_permission_set"].values()}
    assert sets["Administrator"]["tags"] == {ADOPTED_TAG: "true", ADOPTED_ASSIGNMENTS_TAG: "000123456789"}
    assert "tags" not in sets["DevOps"]  # lz's own: the provider's default tags say so


def test_lz_made_users_say_so(tmp_path: Path) -> None:
    """A user lz creates carries lz's type: the next run's reads know it as lz's, not adoptable."""
    from landing_zone.synth import synth

    project, _ = load_project(FIXTURE)
    settings = Settings(config_path=FIXTURE, target="aws", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    out = synth(project, settings, {"security": "111111111111", "shared": "222222222222", "network": "333333333333"})
    doc = json.loads((out / "stacks" / "management-sso" / "cdk.tf.json").read_text())
    assert [u["user_type"] for u in doc["resource"]["aws_identitystore_user"].values()] == ["landing-zone"]
    assert "import" not in doc


def test_an_adopted_iam_user_is_imported_with_its_login_profile(tmp_path: Path) -> None:
    """Its login profile is imported, never recreated: the password stays, and lz does not know it."""
    from landing_zone.synth import synth
    from tests.brownfield import fixture_with_iam_users
    from tests.synth_helpers import prepare_project

    config = prepare_project(fixture_with_iam_users(FIXTURE, tmp_path / "src"), tmp_path / "project")
    project, _ = load_project(config)
    settings = Settings(config_path=config, target="aws", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    ids = {"security": "111111111111", "shared": "222222222222", "network": "333333333333"}
    adopted = Adopted(iam_users={"management/ada.lovelace": "ada.lovelace"}, iam_login_profiles={"management/ada.lovelace": "ada.lovelace"})
    out = synth(project, settings, ids, adopted=adopted)
    doc = json.loads((out / "stacks" / "management-identities" / "cdk.tf.json").read_text())
    assert sorted(b["to"].split(".")[0] for b in doc["import"]) == ["aws_iam_user", "aws_iam_user_login_profile"]
    assert {b["id"] for b in doc["import"]} == {"ada.lovelace"}
    (user,) = doc["resource"]["aws_iam_user"].values()
    (login,) = doc["resource"]["aws_iam_user_login_profile"].values()
    assert user["tags"] == {ADOPTED_TAG: "true"} and user["//"]["lz"] == {"release_on_destroy": True}
    assert login["//"]["lz"] == {"release_on_destroy": True} and "pgp_key" in login["lifecycle"]["ignore_changes"]
    # the same user in security (another account) is not this one
    security = json.loads((out / "stacks" / "security-identities" / "cdk.tf.json").read_text())
    assert "import" not in security or all("aws_iam_user" not in b["to"] for b in security["import"])


def test_an_adopted_alias_and_password_policy_are_imported_and_recorded(tmp_path: Path) -> None:
    from landing_zone import naming
    from landing_zone.synth import synth

    project, _ = load_project(FIXTURE)
    settings = Settings(config_path=FIXTURE, target="aws", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    ids = {"security": "111111111111", "shared": "222222222222", "network": "333333333333"}
    adopted = Adopted(iam_account={"security/alias": "acme-security", "security/password-policy": "iam-account-password-policy"})
    out = synth(project, settings, ids, adopted=adopted)
    doc = json.loads((out / "stacks" / "security-identities" / "cdk.tf.json").read_text())
    account_wide = [(b["to"].split(".")[0], b["id"]) for b in doc["import"] if "account" in b["to"].split(".")[0]]
    assert sorted(account_wide) == [
        ("aws_iam_account_alias", "acme-security"),
        ("aws_iam_account_password_policy", "iam-account-password-policy"),
    ]
    assert doc["output"][naming.ADOPTED_OUTPUT]["value"] == ["alias", "password-policy"]
    shared = json.loads((out / "stacks" / "shared-identities" / "cdk.tf.json").read_text())
    assert all(b["to"].startswith("aws_iam_role.") for b in shared["import"])  # member OAAR only, as ever
    assert naming.ADOPTED_OUTPUT not in shared["output"]  # lz's own there: no record


def test_an_adopted_group_and_role_are_imported_with_their_policies_and_released(tmp_path: Path) -> None:
    """Imported where they existed; what hangs on them but did not exist is created (idempotent in IAM);
    all released by `lz down`. The group's adoption is recorded (IAM groups take no tags)."""
    from landing_zone import naming
    from landing_zone.synth import synth
    from tests.brownfield import fixture_with_iam_users
    from tests.synth_helpers import prepare_project

    config = prepare_project(fixture_with_iam_users(FIXTURE, tmp_path / "src"), tmp_path / "project")
    project, _ = load_project(config)
    settings = Settings(config_path=config, target="aws", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    ids = {"security": "111111111111", "shared": "222222222222", "network": "333333333333"}
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    adopted = Adopted(
        iam_groups={"management/admins": "admins"},
        iam_roles={"management/OrganizationAccountAccessRole": "OrganizationAccountAccessRole"},
        iam_policies={
            f"management/group/admins/{admin}": f"admins/{admin}",
            f"management/role/OrganizationAccountAccessRole/{admin}": f"OrganizationAccountAccessRole/{admin}",
        },
    )
    out = synth(project, settings, ids, adopted=adopted)
    doc = json.loads((out / "stacks" / "management-identities" / "cdk.tf.json").read_text())
    imports = {b["to"].split(".")[0]: b["id"] for b in doc["import"]}
    assert imports == {
        "aws_iam_group": "admins",
        "aws_iam_group_policy_attachment": f"admins/{admin}",
        "aws_iam_role": "OrganizationAccountAccessRole",
        "aws_iam_role_policy_attachment": f"OrganizationAccountAccessRole/{admin}",
    }
    released = {f"{kind}.{name}" for kind, group in doc["resource"].items() for name, body in group.items() if body.get("//", {}).get("lz")}
    kinds = sorted(address.split(".")[0] for address in released)
    # the membership and inline policy did not exist: created, and released with their group
    assert kinds == [
        "aws_iam_group",
        "aws_iam_group_membership",
        "aws_iam_group_policy",
        "aws_iam_group_policy_attachment",
        "aws_iam_role",
        "aws_iam_role_policy_attachment",
    ]
    (role,) = doc["resource"]["aws_iam_role"].values()
    assert role["tags"] == {ADOPTED_TAG: "true"}
    assert doc["output"][naming.ADOPTED_OUTPUT]["value"] == ["group/admins"]
    # nothing adopted: the management OAAR is lz's own, nothing released
    plain = json.loads((synth(project, settings, ids) / "stacks" / "management-identities" / "cdk.tf.json").read_text())
    assert "import" not in plain and not any(body.get("//", {}).get("lz") for group in plain["resource"].values() for body in group.values())


def test_an_existing_state_bucket_and_lock_table_are_imported_by_the_bootstrap_and_released(tmp_path: Path) -> None:
    """The tf-backend stack's first run (the bootstrap's local-state apply) imports them instead of
    failing on BucketAlreadyOwnedByYou; `lz down` leaves them, with what lz set on them."""
    from landing_zone.synth import synth

    project, _ = load_project(FIXTURE)
    settings = Settings(config_path=FIXTURE, target="aws", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    ids = {"security": "111111111111", "shared": "222222222222", "network": "333333333333"}
    name = f"{project.short_name}-security-terraform-backend"
    out = synth(project, settings, ids, adopted=Adopted(state_backends={"security/bucket": name, "security/lock-table": name}))
    doc = json.loads((out / "stacks" / "security-tf-backend" / "cdk.tf.json").read_text())
    assert sorted((b["to"].split(".")[0], b["id"]) for b in doc["import"]) == [("aws_dynamodb_table", name), ("aws_s3_bucket", name)]
    (bucket,) = [b for b in doc["resource"]["aws_s3_bucket"].values() if b["bucket"] == name]  # beside the replica and log buckets
    (table,) = doc["resource"]["aws_dynamodb_table"].values()
    assert bucket["tags"] == table["tags"] == {ADOPTED_TAG: "true"}
    bodies = [body for group in doc["resource"].values() for body in group.values()]
    assert all(body.get("//", {}).get("lz") == {"release_on_destroy": True} for body in bodies)
    shared = json.loads((out / "stacks" / "shared-tf-backend" / "cdk.tf.json").read_text())  # another account's: lz's own
    assert "import" not in shared and not any(body.get("//", {}).get("lz") for group in shared["resource"].values() for body in group.values())
