"""The audit layer's synthesized JSON: what must hold whatever a snapshot update says (trail
flags, the archive's hardening and lifecycle from project.yaml, the key policy), its place in the
dependency graph, and a project without a security account (the archive in management)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from landing_zone import layers, naming
from landing_zone.constructs.service_control_policies import BUILTIN_DIR
from tests.conftest import ROOT
from tests.synth_helpers import root_project_without_security, synth_stacks

SHORT = "me"


def _resources(stack: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return list((stack.get("resource") or {}).get(kind, {}).values())


def _one(stack: dict[str, Any], kind: str) -> dict[str, Any]:
    found = _resources(stack, kind)
    assert len(found) == 1, f"{kind}: {len(found)}"
    return found[0]


def _by_bucket(stack: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Bucket-keyed resources: the bucket a `${aws_s3_bucket.x.id}` reference names → the resource."""
    names = {key: body["bucket"] for key, body in stack["resource"]["aws_s3_bucket"].items()}
    return {names[body["bucket"].split(".")[1]]: body for body in _resources(stack, kind)}


def _project_with(tmp_path: Path, extra: str) -> Path:
    config = tmp_path / "project.yaml"
    config.write_text((ROOT / "project.yaml").read_text() + extra)
    return config


@pytest.fixture(scope="module")
def root() -> dict[str, dict[str, Any]]:
    return synth_stacks(ROOT / "project.yaml", "aws", False)


def test_trail_is_an_encrypted_validated_organization_trail_of_every_region(root: dict[str, Any]) -> None:
    stack = root["management-audit"]
    trail = _one(stack, "aws_cloudtrail")
    assert trail["is_organization_trail"] is True and trail["is_multi_region_trail"] is True
    assert trail["include_global_service_events"] is True and trail["enable_log_file_validation"] is True
    assert trail["enable_logging"] is True
    assert trail["name"] == naming.audit_trail(SHORT)
    assert trail["s3_bucket_name"] == naming.audit_bucket(SHORT, naming.SECURITY)  # the archive in security
    key_key = next(iter(stack["resource"]["aws_kms_key"]))
    assert trail["kms_key_id"] == f"${{aws_kms_key.{key_key}.arn}}"
    assert trail["lifecycle"] == {"prevent_destroy": True}


def test_trail_key_policy(root: dict[str, Any]) -> None:
    stack = root["management-audit"]
    key = _one(stack, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    statements = {st["Sid"]: st for st in json.loads(key["policy"])["Statement"]}
    management, security = "000123456789", "111111111111"  # synth_helpers.fake_account_ids
    trail_arn = naming.trail_arn("us-east-1", management, naming.audit_trail(SHORT))
    encrypt = statements["CloudTrailEncrypts"]
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"} and encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"]["StringEquals"] == {"aws:SourceArn": trail_arn}
    assert encrypt["Condition"]["StringLike"] == {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{management}:trail/*"}
    decrypt = statements["ArchiveAccountDecryptsLogs"]
    assert decrypt["Principal"] == {"AWS": naming.root_arn(security)} and "kms:Decrypt" in decrypt["Action"]
    assert decrypt["Condition"]["StringEquals"] == {"kms:CallerAccount": security}
    assert statements["AccountIamPolicies"]["Principal"] == {"AWS": naming.root_arn(management)}
    # Nobody else: no statement for a wildcard principal, none for another account.
    assert all(st["Principal"] != "*" and st["Principal"] != {"AWS": "*"} for st in statements.values())
    assert _one(stack, "aws_kms_alias")["name"] == naming.audit_key_alias(SHORT)


def test_archive_and_access_log_buckets_are_hardened(root: dict[str, Any]) -> None:
    stack = root["security-audit"]
    archive, access = naming.audit_bucket(SHORT, naming.SECURITY), naming.audit_access_log_bucket(SHORT, naming.SECURITY)
    assert {b["bucket"] for b in _resources(stack, "aws_s3_bucket")} == {archive, access}
    for bucket in (archive, access):
        pab = _by_bucket(stack, "aws_s3_bucket_public_access_block")[bucket]
        assert all(pab[flag] is True for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
        assert _by_bucket(stack, "aws_s3_bucket_versioning")[bucket]["versioning_configuration"] == {"status": "Enabled"}
        assert _by_bucket(stack, "aws_s3_bucket_ownership_controls")[bucket]["rule"] == {"object_ownership": "BucketOwnerEnforced"}
        policy = json.loads(_by_bucket(stack, "aws_s3_bucket_policy")[bucket]["policy"])
        tls = next(st for st in policy["Statement"] if st["Sid"] == "DenyInsecureTransport")
        assert tls["Effect"] == "Deny" and tls["Action"] == "s3:*" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert tls["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    statements = {st["Sid"]: st for st in json.loads(_by_bucket(stack, "aws_s3_bucket_policy")[archive]["policy"])["Statement"]}
    deny = statements["DenyLogDeletion"]
    assert (deny["Effect"], deny["Principal"], deny["Resource"]) == ("Deny", "*", f"arn:aws:s3:::{archive}/*")
    assert set(deny["Action"]) == {"s3:DeleteObject", "s3:DeleteObjectVersion"} and "Condition" not in deny
    write = statements["CloudTrailWrite"]
    trail_arn = naming.trail_arn("us-east-1", "000123456789", naming.audit_trail(SHORT))
    assert write["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn  # this trail only
    assert not any(st.get("Effect") == "Allow" and st.get("Principal") in ("*", {"AWS": "*"}) for st in statements.values())
    logging = _one(stack, "aws_s3_bucket_logging")
    assert logging["target_prefix"] and "archive_access-logs" in logging["target_bucket"]


def _lifecycle_of(stack: dict[str, Any], bucket: str) -> dict[str, Any]:
    rules = _by_bucket(stack, "aws_s3_bucket_lifecycle_configuration")[bucket]["rule"]
    assert len(rules) == 1
    return dict(rules[0])


def test_lifecycle_days_come_from_project_yaml(root: dict[str, Any], tmp_path: Path) -> None:
    rule = _lifecycle_of(root["security-audit"], naming.audit_bucket(SHORT, naming.SECURITY))
    assert rule["transition"] == [{"days": 90, "storage_class": "GLACIER"}] and rule["expiration"] == [{"days": 365}]
    assert rule["status"] == "Enabled" and rule["filter"] == [{}]  # every object
    custom = synth_stacks(_project_with(tmp_path, "\naudit:\n  glacier_days: 30\n  retention_days: 2557\n"), "aws", False)
    rule = _lifecycle_of(custom["security-audit"], naming.audit_bucket(SHORT, naming.SECURITY))
    assert rule["transition"] == [{"days": 30, "storage_class": "GLACIER"}] and rule["expiration"] == [{"days": 2557}]
    access = _lifecycle_of(custom["security-audit"], naming.audit_access_log_bucket(SHORT, naming.SECURITY))
    assert access["expiration"] == [{"days": 2557}] and "transition" not in access


def test_layer_order(root: dict[str, Any]) -> None:
    deps = layers.dependencies(_root_project())
    assert set(deps[(naming.SECURITY, "audit")]) >= {(naming.SECURITY, "tf-backend"), (naming.MANAGEMENT, "organizations")}
    assert (naming.SECURITY, "audit") in deps[(naming.MANAGEMENT, "audit")]
    assert (naming.MANAGEMENT, "organizations") in deps[(naming.MANAGEMENT, "audit")]
    assert not any(s[1] == "audit" for s in deps if s[0] == naming.SHARED)  # management and security only
    assert layers.layer("audit").needs_member_ids


def _root_project() -> Any:
    from ruamel.yaml import YAML

    from landing_zone.config.model import Project

    return Project.model_validate(YAML(typ="safe").load((ROOT / "project.yaml").read_text()))


def test_cloudtrail_delegated_administrator_is_security(root: dict[str, Any]) -> None:
    admin = _one(root["management-organizations"], "aws_cloudtrail_organization_delegated_admin_account")
    accounts = root["management-organizations"]["resource"]["aws_organizations_account"]
    security_key = next(k for k, body in accounts.items() if body["name"].endswith(f"-{naming.SECURITY}"))
    assert admin["account_id"] == f"${{aws_organizations_account.{security_key}.id}}"
    org = _one(root["management-organizations"], "aws_organizations_organization")
    assert "cloudtrail.amazonaws.com" in org["aws_service_access_principals"]


def test_support_role_in_every_account(root: dict[str, Any]) -> None:
    security = naming.root_arn("111111111111")
    for stack_id in ("management-audit", "security-identities", "shared-identities"):
        roles = {b["name"]: b for b in _resources(root[stack_id], "aws_iam_role")}
        trust = json.loads(roles[naming.SUPPORT_ROLE]["assume_role_policy"])["Statement"]
        assert [st["Principal"] for st in trust] == [{"AWS": [security]}], stack_id  # the identity account only
        assert trust[0]["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
        attached = [b["policy_arn"] for b in _resources(root[stack_id], "aws_iam_role_policy_attachment") if naming.SUPPORT_ROLE.lower() in b["role"]]
        assert attached == ["arn:aws:iam::aws:policy/AWSSupportAccess"], stack_id


@pytest.mark.parametrize("scp", ["default", "standard"])
def test_protection_scps_name_the_archive_and_exempt_the_deploy_roles(scp: str) -> None:
    from fnmatch import fnmatch

    from landing_zone.roles import DEPLOY_ROLES

    doc = json.loads((BUILTIN_DIR / f"{scp}.json").read_text())
    statements = {st["Sid"]: st for st in doc["Statement"]}
    archive = statements["ProtectAuditArchive"]
    for bucket in (naming.audit_bucket(SHORT, naming.SECURITY), naming.audit_access_log_bucket(SHORT, naming.SECURITY)):
        assert any(fnmatch(f"arn:aws:s3:::{bucket}", pattern) for pattern in archive["Resource"]), bucket
    assert "cloudtrail:PutEventSelectors" in statements["ProtectAuditTrail"]["Action"]
    for st in (archive, statements["ProtectAuditTrail"]):
        exempt = st["Condition"]["StringNotLike"]["aws:PrincipalArn"]
        assert sorted(exempt) == sorted(f"arn:aws:iam::*:role/{r}" for r in DEPLOY_ROLES)


def test_without_a_security_account_the_archive_is_in_management(tmp_path: Path) -> None:
    config = root_project_without_security(tmp_path)
    stacks = synth_stacks(config, "aws", False)
    assert "security-audit" not in stacks
    stack = stacks["management-audit"]
    archive = naming.audit_bucket(SHORT, naming.MANAGEMENT)
    assert _one(stack, "aws_cloudtrail")["s3_bucket_name"] == archive
    assert archive in {b["bucket"] for b in _resources(stack, "aws_s3_bucket")}
    policy_key = next(k for k, b in stack["resource"]["aws_s3_bucket_policy"].items() if "archive_bucket" in b["bucket"])
    assert f"aws_s3_bucket_policy.{policy_key}" in _one(stack, "aws_cloudtrail")["depends_on"]  # CreateTrail checks it
