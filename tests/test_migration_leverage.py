"""The mapping of a Leverage reference layer's state onto lz's addresses: by what each object
is, never by its address. States are written from the reference's addresses
(../shared/reference/leverage-state-addresses.md); the stacks are lz's own synthesized JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from landing_zone.deploy.foreign_state import foreign_addresses, managed_addresses
from landing_zone.migration.leverage import Migration, Unmappable, plan_migration, state_instances

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"


def stack_doc(stack: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SNAPSHOTS / f"test_stack_snapshot[four-accounts-aws-mfa-off-{stack}].json").read_text())
    return doc


AWS = 'provider["registry.terraform.io/hashicorp/aws"]'


def resource(address: str, attributes: dict[str, Any] | list[tuple[Any, dict[str, Any]]], mode: str = "managed", provider: str = AWS) -> dict[str, Any]:
    """One state resource: `module.x["k"].aws_t.name` with one instance, or a list of (index_key, attributes)."""
    head, rtype, name = address.rsplit(".", 2)[0] if address.count(".") > 1 else "", *address.rsplit(".", 2)[-2:]
    instances = [{"index_key": k, "attributes": a} for k, a in attributes] if isinstance(attributes, list) else [{"attributes": attributes}]
    body: dict[str, Any] = {"mode": mode, "type": rtype, "name": name, "provider": provider, "instances": instances}
    if head:
        body["module"] = head
    return body


def state(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"version": 4, "resources": list(resources), "outputs": {}}


def lz(doc: dict[str, Any], rtype: str, name_part: str) -> str:
    """The lz address of the stack's `rtype` whose logical id starts with `name_part_`."""
    found = [n for n in doc["resource"][rtype] if n.rsplit("_", 1)[0] == name_part]
    assert len(found) == 1, (rtype, name_part, list(doc["resource"][rtype]))
    return f"{rtype}.{found[0]}"


ARN = "arn:aws:iam::222222222222"


def identities_state() -> dict[str, Any]:
    """The reference's security identities layer: module per user, group and role; a machine user."""
    users = [resource(f'module.user["{n}"].aws_iam_user.this', [(0, {"id": n, "name": n, "arn": f"{ARN}:user/{n}"})]) for n in ("ada.lovelace", "alan.turing")]
    profiles = [
        resource(f'module.user["{n}"].aws_iam_user_login_profile.this', [(0, {"id": n, "user": n, "encrypted_password": "wcBMA..."})])
        for n in ("ada.lovelace", "alan.turing")
    ]
    return state(
        *users,
        *profiles,
        resource('module.machine_user["ci"].aws_iam_user.this', [(0, {"id": "ci", "name": "ci", "arn": f"{ARN}:user/ci"})]),
        resource('module.machine_user["ci"].aws_iam_access_key.this', [(0, {"id": "AKIA1", "user": "ci"})]),
        resource("module.iam_group_admins.aws_iam_group.this", [(0, {"id": "admins", "name": "admins", "arn": f"{ARN}:group/admins"})]),
        resource("module.iam_group_admins.aws_iam_group_membership.this", [(0, {"id": "admins", "name": "admins", "group": "admins"})]),
        resource(
            "module.iam_group_admins.aws_iam_policy.iam_self_management",
            [(0, {"id": f"{ARN}:policy/IAMSelfManagement-1", "arn": f"{ARN}:policy/IAMSelfManagement-1", "name": "IAMSelfManagement-1"})],
        ),
        resource(
            "module.iam_group_admins.aws_iam_group_policy_attachment.iam_self_management",
            [(0, {"id": "admins-1", "group": "admins", "policy_arn": f"{ARN}:policy/IAMSelfManagement-1"})],
        ),
        resource("module.iam_assumable_role_devops.aws_iam_role.this", [(0, {"id": "DevOps", "name": "DevOps", "arn": f"{ARN}:role/DevOps"})]),
        resource(
            "module.iam_assumable_role_oaar.aws_iam_role.this",
            [(0, {"id": "OrganizationAccountAccessRole", "name": "OrganizationAccountAccessRole", "arn": f"{ARN}:role/OrganizationAccountAccessRole"})],
        ),
        resource(
            "module.iam_assumable_role_oaar.aws_iam_role_policy_attachment.admin",
            [(0, {"id": "x", "role": "OrganizationAccountAccessRole", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"})],
        ),
        resource(
            "module.iam_assumable_role_auditor.aws_iam_role_policy_attachment.readonly",
            [(0, {"id": "y", "role": "Auditor", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"})],
        ),
        resource("module.iam_assumable_role_auditor.aws_iam_role.this", [(0, {"id": "Auditor", "name": "Auditor", "arn": f"{ARN}:role/Auditor"})]),
        resource("module.iam_assumable_role_grafana.aws_iam_role.this", [(0, {"id": "Grafana", "name": "Grafana", "arn": f"{ARN}:role/Grafana"})]),
        resource("module.aws_iam_account_config.aws_iam_account_alias.this", {"id": "bb-security", "account_alias": "bb-security"}),
        resource("module.aws_iam_account_config.aws_iam_account_password_policy.this", [(0, {"id": "iam-account-password-policy"})]),
        resource("data.aws_caller_identity.current", {"account_id": "222222222222"}, mode="data"),
    )


def test_identities_move_by_name_and_forget_what_lz_does_not_manage() -> None:
    doc = stack_doc("security-identities")
    result = plan_migration("security-identities", doc, identities_state())
    moved = dict(result.moved)
    assert moved['module.user["ada.lovelace"].aws_iam_user.this[0]'] == lz(doc, "aws_iam_user", "iam_user-adalovelace")
    assert moved['module.user["alan.turing"].aws_iam_user_login_profile.this[0]'] == lz(doc, "aws_iam_user_login_profile", "iam_login-alanturing")
    assert moved["module.iam_group_admins.aws_iam_group.this[0]"] == lz(doc, "aws_iam_group", "group-admins_group")
    assert moved["module.iam_assumable_role_devops.aws_iam_role.this[0]"] == lz(doc, "aws_iam_role", "devops_role")
    assert moved["module.iam_assumable_role_oaar.aws_iam_role.this[0]"] == lz(doc, "aws_iam_role", "oaar_role")
    assert moved["module.iam_assumable_role_oaar.aws_iam_role_policy_attachment.admin[0]"] == lz(
        doc, "aws_iam_role_policy_attachment", "oaar_policy-AdministratorAccess"
    )
    assert moved["module.iam_assumable_role_auditor.aws_iam_role_policy_attachment.readonly[0]"] == lz(
        doc, "aws_iam_role_policy_attachment", "auditor_policy-ReadOnlyAccess"
    )
    assert moved["module.aws_iam_account_config.aws_iam_account_alias.this"] == lz(doc, "aws_iam_account_alias", "alias")
    assert moved["module.aws_iam_account_config.aws_iam_account_password_policy.this[0]"] == lz(doc, "aws_iam_account_password_policy", "password-policy")
    # One lz resource per reference object, never two onto one.
    assert len(set(moved.values())) == len(moved)
    assert set(result.forgotten) == {
        'module.machine_user["ci"].aws_iam_user.this[0]',
        'module.machine_user["ci"].aws_iam_access_key.this[0]',
        "module.iam_group_admins.aws_iam_group_membership.this[0]",
        "module.iam_group_admins.aws_iam_policy.iam_self_management[0]",
        "module.iam_group_admins.aws_iam_group_policy_attachment.iam_self_management[0]",
        "module.iam_assumable_role_grafana.aws_iam_role.this[0]",
    }


def test_a_machine_user_is_forgotten_but_an_unknown_person_stops_the_stack() -> None:
    doc = stack_doc("security-identities")
    extra = identities_state()
    extra["resources"].append(resource('module.user["grace.hopper"].aws_iam_user.this', [(0, {"id": "grace.hopper", "name": "grace.hopper"})]))
    extra["resources"].append(resource('module.user["grace.hopper"].aws_iam_user_login_profile.this', [(0, {"id": "grace.hopper", "user": "grace.hopper"})]))
    with pytest.raises(Unmappable, match=r"security-identities: 2 of .*module\.user\[\"grace\.hopper\"\]\.aws_iam_user\.this\[0\] \(name='grace\.hopper'\)"):
        plan_migration("security-identities", doc, extra)


def test_removed_blocks_name_config_addresses_and_keep_the_objects() -> None:
    blocks = plan_migration("security-identities", stack_doc("security-identities"), identities_state()).blocks()
    removed = [b["from"] for b in blocks["removed"]]
    # `removed` takes no module or instance keys: terraform rejects `module.machine_user["ci"]`.
    assert "module.machine_user.aws_iam_user.this" in removed
    assert all("[" not in a for a in removed)
    assert all(b["lifecycle"] == {"destroy": False} for b in blocks["removed"])
    assert {
        "from": 'module.user["ada.lovelace"].aws_iam_user.this[0]',
        "to": lz(stack_doc("security-identities"), "aws_iam_user", "iam_user-adalovelace"),
    } in blocks["moved"]


def test_after_migration_the_guard_sees_no_foreign_address() -> None:
    doc = stack_doc("security-identities")
    pulled = identities_state()
    assert foreign_addresses(managed_addresses(pulled), doc)  # today: stopped
    migrated = {**doc, **plan_migration("security-identities", doc, pulled).blocks()}
    assert foreign_addresses(managed_addresses(pulled), migrated) == []


SECONDARY = f"{AWS}.secondary"


def backend_state(short: str, account: str, *, ssenc: str = "without_server_side_encryption") -> dict[str, Any]:
    bucket = f"{short}-{account}-terraform-backend"
    replica = f"{bucket}-replica"
    m = "module.terraform_backend"
    return state(
        resource(f"{m}.aws_s3_bucket.default", {"id": bucket, "bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}),
        *(
            resource(f"{m}.{t}.default", {"id": bucket, "bucket": bucket})
            for t in ("aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_versioning", "aws_s3_bucket_public_access_block")
        ),
        resource(f"{m}.aws_s3_bucket_policy.default", [(0, {"id": bucket, "bucket": bucket})]),
        resource(f"{m}.aws_dynamodb_table.{ssenc}", [(0, {"id": bucket, "name": bucket, "arn": f"arn:aws:dynamodb:eu-west-1:111111111111:table/{bucket}"})]),
        resource(f"{m}.time_sleep.wait_30_secs", {"id": "2024-01-01T00:00:00Z"}),
        resource(f"{m}.aws_s3_bucket.replication_bucket", [(0, {"id": replica, "bucket": replica, "arn": f"arn:aws:s3:::{replica}"})], provider=SECONDARY),
        resource(f"{m}.aws_s3_bucket_versioning.replication_bucket", [(0, {"id": replica, "bucket": replica})], provider=SECONDARY),
        resource(f"{m}.aws_s3_bucket_replication_configuration.this", [(0, {"id": bucket, "bucket": bucket, "role": "arn:aws:iam::1:role/r"})]),
        resource(f"{m}.aws_iam_role.bucket_replication", [(0, {"id": f"{bucket}-replication", "name": f"{bucket}-replication", "arn": "arn:r"})]),
        resource(f"{m}.aws_iam_policy_attachment.bucket_replication", [(0, {"id": "a", "name": "x"})]),
    )


def without_replication(doc: dict[str, Any]) -> dict[str, Any]:
    """The stack with `state_backend.replication: false` (the snapshots replicate)."""
    resources = {t: {n: r for n, r in rs.items() if "replica" not in n} for t, rs in doc["resource"].items()}
    return {**doc, "resource": {t: rs for t, rs in resources.items() if rs}}


@pytest.mark.parametrize("ssenc", ["without_server_side_encryption", "with_server_side_encryption"])
def test_tf_backend_moves_bucket_and_table_and_forgets_the_replica_lz_does_not_make(ssenc: str) -> None:
    doc = without_replication(stack_doc("management-tf-backend"))
    result = plan_migration("management-tf-backend", doc, backend_state("acm", "management", ssenc=ssenc))
    moved = dict(result.moved)
    assert moved["module.terraform_backend.aws_s3_bucket.default"] == lz(doc, "aws_s3_bucket", "state_bucket")
    assert moved[f"module.terraform_backend.aws_dynamodb_table.{ssenc}[0]"] == lz(doc, "aws_dynamodb_table", "state_lock-table")
    assert moved["module.terraform_backend.aws_s3_bucket_versioning.default"] == lz(doc, "aws_s3_bucket_versioning", "state_versioning")
    assert moved["module.terraform_backend.aws_s3_bucket_policy.default[0]"] == lz(doc, "aws_s3_bucket_policy", "state_tls-only")
    assert set(result.forgotten) == {
        "module.terraform_backend.time_sleep.wait_30_secs",
        "module.terraform_backend.aws_s3_bucket.replication_bucket[0]",
        "module.terraform_backend.aws_s3_bucket_versioning.replication_bucket[0]",
        "module.terraform_backend.aws_s3_bucket_replication_configuration.this[0]",
        "module.terraform_backend.aws_iam_role.bucket_replication[0]",
        "module.terraform_backend.aws_iam_policy_attachment.bucket_replication[0]",
    }


def test_a_replica_lz_makes_too_is_moved_not_forgotten() -> None:
    doc = stack_doc("management-tf-backend")  # replication on: lz's replica has the reference's name
    moved = dict(plan_migration("management-tf-backend", doc, backend_state("acm", "management")).moved)
    assert moved["module.terraform_backend.aws_s3_bucket.replication_bucket[0]"] == lz(doc, "aws_s3_bucket", "state_replica-bucket")
    assert moved["module.terraform_backend.aws_s3_bucket_replication_configuration.this[0]"] == lz(
        doc, "aws_s3_bucket_replication_configuration", "state_replication"
    )


def test_another_projects_bucket_is_not_taken_for_this_one() -> None:
    # The reference's pre-2025 `bb-root-…` bucket is not lz's `acm-management-…`: nothing moves onto it.
    result = plan_migration("management-tf-backend", stack_doc("management-tf-backend"), backend_state("bb", "root"))
    assert not [m for m in result.moved if "aws_s3_bucket." in m[0]]


ORG = "o-abc123"
ROOT_ID = "r-ab12"
ACCOUNTS = {"management": ("111111111111", "aws@acme.example.com"), "security": ("222222222222", "aws+security@acme.example.com")}
ACCOUNTS |= {"network": ("333333333333", "aws+network@acme.example.com"), "shared": ("444444444444", "aws+shared@acme.example.com")}
OUS = {"security": "ou-ab12-sec", "infrastructure": "ou-ab12-inf", "network": "ou-ab12-net"}


def organizations_state(*, per_name: bool, management_name: str = "management") -> dict[str, Any]:
    """Today's `accounts["<name>"]` scheme, or the per-name addresses of states before mid-2023."""

    def account(name: str) -> dict[str, Any]:
        ident, email = ACCOUNTS[name]
        attrs = {"id": ident, "email": email, "name": f"bb-{name}", "arn": f"arn:aws:organizations::1:account/{ORG}/{ident}"}
        if name == "management":
            return resource(f"aws_organizations_account.{management_name}", attrs)
        return resource(f"aws_organizations_account.{name}", attrs) if per_name else resource("aws_organizations_account.accounts", [(name, attrs)])

    def unit(name: str) -> dict[str, Any]:
        attrs = {"id": OUS[name], "name": name, "arn": f"arn:ou/{OUS[name]}", "parent_id": ROOT_ID}
        return (
            resource(f"aws_organizations_organizational_unit.{name}", attrs)
            if per_name
            else resource("aws_organizations_organizational_unit.units", [(name, attrs)])
        )

    accounts = [account("management")]
    if per_name:
        accounts += [account(n) for n in ("security", "network", "shared")]
    else:  # one resource, one instance per key
        merged = account("security")
        for n in ("network", "shared"):
            merged["instances"] += account(n)["instances"]
        accounts.append(merged)
    units = (
        [unit(n) for n in OUS]
        if per_name
        else [resource("aws_organizations_organizational_unit.units", [(n, unit(n)["instances"][0]["attributes"]) for n in OUS])]
    )
    policies = [resource(f"aws_organizations_policy.{n}", {"id": f"p-{n}", "name": n, "arn": f"arn:p/{n}"}) for n in ("default", "standard")]
    attachments = resource(
        "aws_organizations_policy_attachment.policy_attachments",
        [
            ("network-default", {"id": f"{OUS['network']}:p-default", "target_id": OUS["network"], "policy_id": "p-default"}),
            ("security-default", {"id": "s", "target_id": OUS["security"], "policy_id": "p-default"}),
            ("infrastructure", {"id": "i", "target_id": OUS["infrastructure"], "policy_id": "p-standard"}),
            ("network-standard", {"id": "n", "target_id": OUS["network"], "policy_id": "p-standard"}),
        ],
    )
    return state(
        resource("aws_organizations_organization.main", {"id": ORG, "roots": [{"id": ROOT_ID, "name": "Root"}], "arn": f"arn:org/{ORG}"}),
        *accounts,
        *units,
        *policies,
        attachments,
        resource("aws_organizations_policy_attachment.default_fullawsaccess_root", {"id": "r", "target_id": ROOT_ID, "policy_id": "p-FullAWSAccess"}),
        resource(
            "aws_organizations_delegated_administrator.delegated_administrator",
            [("access-analyzer.amazonaws.com", {"id": "d", "account_id": ACCOUNTS["security"][0], "service_principal": "access-analyzer.amazonaws.com"})],
        ),
        resource("aws_cloudtrail_organization_delegated_admin_account.main", {"id": ACCOUNTS["security"][0], "account_id": ACCOUNTS["security"][0]}),
        resource("null_resource.ram_enable_sharing_with_aws_organization", {"id": "1"}),
    )


@pytest.mark.parametrize(("per_name", "management_name"), [(False, "management"), (False, "root"), (True, "root")], ids=["current", "current-root", "pre-2023"])
def test_organizations_map_in_every_address_scheme(per_name: bool, management_name: str) -> None:
    doc = stack_doc("management-organizations")
    result = plan_migration("management-organizations", doc, organizations_state(per_name=per_name, management_name=management_name))
    moved = dict(result.moved)
    security = "aws_organizations_account.security" if per_name else 'aws_organizations_account.accounts["security"]'
    network_ou = "aws_organizations_organizational_unit.network" if per_name else 'aws_organizations_organizational_unit.units["network"]'
    assert moved[f"aws_organizations_account.{management_name}"] == lz(doc, "aws_organizations_account", "org_account-management")
    assert moved[security] == lz(doc, "aws_organizations_account", "org_account-security")
    assert moved[network_ou] == lz(doc, "aws_organizations_organizational_unit", "org_ou-network")
    assert moved["aws_organizations_organization.main"] == lz(doc, "aws_organizations_organization", "org_organization")
    # Attachments match through the OU and policy they link, whose ids AWS made up.
    assert moved['aws_organizations_policy_attachment.policy_attachments["network-standard"]'] == lz(
        doc, "aws_organizations_policy_attachment", "scp_attach-standard-network"
    )
    assert moved['aws_organizations_policy_attachment.policy_attachments["security-default"]'] == lz(
        doc, "aws_organizations_policy_attachment", "scp_attach-default-security"
    )
    assert moved['aws_organizations_delegated_administrator.delegated_administrator["access-analyzer.amazonaws.com"]'] == lz(
        doc, "aws_organizations_delegated_administrator", "org_delegated-access-analyzer"
    )
    assert moved["aws_cloudtrail_organization_delegated_admin_account.main"] == lz(
        doc, "aws_cloudtrail_organization_delegated_admin_account", "cloudtrail-admin"
    )
    assert set(result.forgotten) == {"aws_organizations_policy_attachment.default_fullawsaccess_root", "null_resource.ram_enable_sharing_with_aws_organization"}
    assert len(result.moved) == len(set(moved.values())) == 4 + 3 + 2 + 1 + 4 + 2


def test_the_management_account_maps_by_the_id_lz_imports_whatever_its_email() -> None:
    """AWS keeps the email the management account was opened with; project.yaml may name another."""
    doc = stack_doc("management-organizations")
    (management_id,) = [b["id"] for b in doc["import"] if b["to"] == lz(doc, "aws_organizations_account", "org_account-management")]
    found = organizations_state(per_name=False)
    found["resources"][1]["instances"][0]["attributes"] |= {"id": management_id, "email": "opened-with@elsewhere.example.com", "name": "master"}
    moved = dict(plan_migration("management-organizations", doc, found).moved)
    assert moved["aws_organizations_account.management"] == lz(doc, "aws_organizations_account", "org_account-management")
    found["resources"][1]["instances"][0]["attributes"]["id"] = "999999999999"  # not the account lz imports: nothing it generates
    with pytest.raises(Unmappable, match="aws_organizations_account.management"):
        plan_migration("management-organizations", doc, found)


def test_an_account_project_yaml_does_not_name_stops_the_stack() -> None:
    doc = stack_doc("management-organizations")
    pulled = organizations_state(per_name=True)
    pulled["resources"].append(resource("aws_organizations_account.apps_devstg", {"id": "5", "email": "aws+devstg@acme.example.com"}))
    with pytest.raises(Unmappable, match=r"aws_organizations_account\.apps_devstg \(email='aws\+devstg@acme\.example\.com'\)"):
        plan_migration("management-organizations", doc, pulled)


def test_an_unknown_type_stops_the_stack_and_lists_it() -> None:
    pulled = state(resource("module.vpc.aws_vpc.this", [(0, {"id": "vpc-1"})]))
    with pytest.raises(Unmappable, match=r"module\.vpc\.aws_vpc\.this\[0\]: lz knows no aws_vpc"):
        plan_migration("security-identities", stack_doc("security-identities"), pulled)


def test_two_reference_objects_onto_one_lz_resource_stop_the_stack() -> None:
    pulled = state(
        resource("module.a.aws_iam_account_alias.this", {"id": "a", "account_alias": "a"}),
        resource("module.b.aws_iam_account_alias.this", {"id": "b", "account_alias": "b"}),
    )
    with pytest.raises(Unmappable, match="are both aws_iam_account_alias.alias"):
        plan_migration("security-identities", stack_doc("security-identities"), pulled)


def test_an_lz_state_needs_no_move() -> None:
    doc = stack_doc("security-identities")
    address = lz(doc, "aws_iam_user", "iam_user-adalovelace")
    rtype, name = address.split(".")
    result = plan_migration("security-identities", doc, state(resource(address, {"id": "ada.lovelace", "name": "ada.lovelace"})))
    assert result == Migration("security-identities", (), (), (address,))
    assert name in {i.address.split(".")[1] for i in state_instances(state(resource(address, {})))}


def _synth_one(config: Path, stack: str) -> dict[str, Any]:
    from landing_zone.config import load_project
    from landing_zone.settings import Settings
    from landing_zone.synth import synth
    from tests.synth_helpers import fake_account_ids

    project, _ = load_project(config)
    work = config.parent.parent
    settings = Settings(config_path=config, target="aws", work_dir=work / ".lz", out_dir=work / "cdktf.out")
    out = synth(project, settings, fake_account_ids(project), stacks=[stack])
    doc: dict[str, Any] = json.loads((out / "stacks" / stack / "cdk.tf.json").read_text())
    return doc


def test_a_written_migration_is_in_every_synth_of_its_stack_and_a_bad_file_is_refused(tmp_path: Path) -> None:
    from landing_zone.migration import blocks
    from landing_zone.migration.leverage import MigrationError
    from tests.synth_helpers import prepare_project

    config = prepare_project(Path(__file__).parent / "fixtures" / "four-accounts" / "project.yaml", tmp_path / "project")
    migration = plan_migration("security-identities", stack_doc("security-identities"), identities_state())
    written = blocks.write(config.parent, migration)
    assert written == config.parent / "migrations" / "security-identities.json"
    doc = _synth_one(config, "security-identities")
    assert doc["moved"] == migration.blocks()["moved"] and doc["removed"] == migration.blocks()["removed"]
    assert doc["removed"] and all(b["lifecycle"] == {"destroy": False} for b in doc["removed"])
    # The moved targets are the resources this synth generates (the logical ids are stable).
    assert {m["to"] for m in doc["moved"]} <= {f"{t}.{n}" for t, rs in doc["resource"].items() for n in rs}
    written.write_text('{"moved": [{"from": "a.b"}]}')
    with pytest.raises(MigrationError, match=r"security-identities\.json: moved\[0\]: expected an object with 'from' and 'to' addresses"):
        _synth_one(config, "security-identities")


def security_base_state(*, ebs_provider: str = AWS) -> dict[str, Any]:
    m = "module.root-login-notifications"
    return state(
        resource("aws_ebs_encryption_by_default.main", {"id": "true", "enabled": True}, provider=ebs_provider),
        resource("aws_s3_account_public_access_block.main", {"id": "210987654321", "account_id": "210987654321"}),
        resource(
            f"{m}.aws_cloudwatch_event_rule.main_com", [(0, {"id": "iam-root-login", "name": "iam-root-login", "arn": "arn:aws:events:eu-west-1:1:rule/x"})]
        ),
        resource(f"{m}.aws_cloudwatch_event_target.main", [(0, {"id": "iam-root-login/send-to-sns", "rule": "iam-root-login", "target_id": "send-to-sns"})]),
        resource(f"{m}.aws_cloudwatch_metric_alarm.alarm_cwe_triggered", {"id": "a", "alarm_name": "iam-root-login-alarm"}),
    )


def test_security_base_singletons_map_to_the_primary_regions_and_the_notifications_module_is_forgotten() -> None:
    doc = stack_doc("management-security-base")  # two EBS defaults: the primary region's and eu-central-1's
    result = plan_migration("management-security-base", doc, security_base_state())
    moved = dict(result.moved)
    assert moved["aws_ebs_encryption_by_default.main"] == lz(doc, "aws_ebs_encryption_by_default", "baseline_ebs-encryption")
    assert moved["aws_s3_account_public_access_block.main"] == lz(doc, "aws_s3_account_public_access_block", "baseline_s3-public-access-block")
    assert len(result.forgotten) == 3 and all(a.startswith("module.root-login-notifications.") for a in result.forgotten)


def test_a_regional_singleton_of_an_unknown_region_is_refused_not_guessed() -> None:
    with pytest.raises(Unmappable, match=r"aws_ebs_encryption_by_default\.main is any of aws_ebs_encryption_by_default\.baseline_ebs-encryption_\w+, "):
        plan_migration("management-security-base", stack_doc("management-security-base"), security_base_state(ebs_provider=SECONDARY))


STORE, INSTANCE = "d-1234", "arn:aws:sso:::instance/ssoins-1"


def sso_state() -> dict[str, Any]:
    def ps_arn(name: str) -> str:
        return f"arn:aws:sso:::permissionSet/ssoins-1/ps-{name.lower()}"

    users = [(u, f"u-{i}") for i, u in enumerate(("ada.lovelace", "alan.turing"))]
    groups = [("administrators", "Administrators", "g-1"), ("devops", "DevOps", "g-2")]
    return state(
        resource(
            "aws_identitystore_user.default",
            [(u, {"id": f"{STORE}/{uid}", "user_id": uid, "user_name": f"{u}@acme.example.com", "identity_store_id": STORE}) for u, uid in users],
        ),
        resource(
            "aws_identitystore_group.default",
            [(k, {"id": f"{STORE}/{gid}", "group_id": gid, "display_name": n, "identity_store_id": STORE}) for k, n, gid in groups],
        ),
        resource(
            "aws_identitystore_group_membership.default",
            [
                ("ada.lovelace_administrators", {"id": f"{STORE}/m-1", "group_id": "g-1", "member_id": "u-0"}),
                ("alan.turing_devops", {"id": f"{STORE}/m-2", "group_id": "g-2", "member_id": "u-1"}),
            ],
        ),
        resource(
            "module.permission_sets.aws_ssoadmin_permission_set.this",
            [(n, {"id": f"{ps_arn(n)},{INSTANCE}", "arn": ps_arn(n), "name": n, "instance_arn": INSTANCE}) for n in ("Administrator", "DevOps")],
        ),
        resource("module.permission_sets.aws_ssoadmin_permission_set_inline_policy.this", [("DevOps", {"id": "x", "permission_set_arn": ps_arn("DevOps")})]),
        resource(
            "module.permission_sets.aws_ssoadmin_managed_policy_attachment.this",
            [
                (
                    "Administrator.arn:aws:iam::aws:policy/AdministratorAccess",
                    {"id": "y", "permission_set_arn": ps_arn("Administrator"), "managed_policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                )
            ],
        ),
        resource(
            "module.account_assignments.aws_ssoadmin_account_assignment.this",
            [
                (
                    "210987654321-G-Administrators-Administrator",
                    {"id": "z", "permission_set_arn": ps_arn("Administrator"), "principal_id": "g-1", "principal_type": "GROUP", "target_id": "210987654321"},
                )
            ],
        ),
        resource("module.account_assignments.null_resource.dependency", {"id": "1"}),
        resource("aws_ssoadmin_application.client_vpn", [(0, {"id": "app", "name": "client-vpn"})]),
    )


def test_sso_objects_map_through_the_ids_identity_center_made_up() -> None:
    doc = stack_doc("management-sso")
    result = plan_migration("management-sso", doc, sso_state())
    moved = dict(result.moved)
    assert moved['aws_identitystore_user.default["ada.lovelace"]'] == lz(doc, "aws_identitystore_user", "identity-center_user-adalovelace")
    assert moved['aws_identitystore_group.default["devops"]'] == lz(doc, "aws_identitystore_group", "identity-center_group-devops")
    # Memberships, attachments and assignments: by the group, user and permission set ids they link.
    assert moved['aws_identitystore_group_membership.default["alan.turing_devops"]'] == lz(
        doc, "aws_identitystore_group_membership", "identity-center_member-alanturing-devops"
    )
    assert moved['module.permission_sets.aws_ssoadmin_permission_set_inline_policy.this["DevOps"]'] == lz(
        doc, "aws_ssoadmin_permission_set_inline_policy", "identity-center_pset-devops-inline"
    )
    assert moved['module.permission_sets.aws_ssoadmin_managed_policy_attachment.this["Administrator.arn:aws:iam::aws:policy/AdministratorAccess"]'] == lz(
        doc, "aws_ssoadmin_managed_policy_attachment", "identity-center_pset-administrators-AdministratorAccess"
    )
    assert moved['module.account_assignments.aws_ssoadmin_account_assignment.this["210987654321-G-Administrators-Administrator"]'] == lz(
        doc, "aws_ssoadmin_account_assignment", "identity-center_assign-administrators-management"
    )
    assert set(result.forgotten) == {"module.account_assignments.null_resource.dependency", "aws_ssoadmin_application.client_vpn[0]"}
    assert len(result.moved) == 2 + 2 + 2 + 2 + 1 + 1 + 1


def test_an_identity_center_user_project_yaml_does_not_name_stops_the_stack() -> None:
    pulled = sso_state()
    pulled["resources"][0]["instances"].append({"index_key": "grace", "attributes": {"user_id": "u-9", "user_name": "grace@acme.example.com"}})
    with pytest.raises(Unmappable, match=r"aws_identitystore_user\.default\[\"grace\"\] \(user_name='grace@acme\.example\.com'\)"):
        plan_migration("management-sso", stack_doc("management-sso"), pulled)
