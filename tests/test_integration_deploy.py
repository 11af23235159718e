"""`lz up` on a fresh emulator, then everything read back with boto3."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from landing_zone import layers, naming
from landing_zone.deploy.fingerprint import RECORD, SKIPPED
from tests.conftest import ROOT
from tests.deployment import Deployment
from tests.synth_helpers import management_id

pytestmark = pytest.mark.integration

MGMT = naming.MANAGEMENT


def test_up_reports_every_stack_ok(deployment: Deployment) -> None:
    err = deployment.runs["up"].stderr
    assert "management-tf-backend: done" in err and "bootstrapped" in err
    for account, layer in layers.stacks(deployment.project):
        assert f"{naming.stack_id(account, layer)}: done" in err
    n = len(layers.stacks(deployment.project))
    assert f"lz up: {n}/{n} stacks ok" in err and "failed" not in err


def test_organization(deployment: Deployment) -> None:
    org = deployment.client("organizations")
    desc = org.describe_organization()["Organization"]
    assert desc["FeatureSet"] == "ALL"
    assert desc["MasterAccountId"] == deployment.project.management.id
    root = org.list_roots()["Roots"][0]
    enabled = {p["Type"] for p in root["PolicyTypes"] if p["Status"] == "ENABLED"}
    assert {"SERVICE_CONTROL_POLICY", "BACKUP_POLICY"} <= enabled
    principals = {p["ServicePrincipal"] for p in org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]}
    assert {"sso.amazonaws.com", "access-analyzer.amazonaws.com"} <= principals


def test_accounts_in_their_ous_with_scps(deployment: Deployment) -> None:
    org = deployment.client("organizations")
    root_id = org.list_roots()["Roots"][0]["Id"]
    ous = {ou["Name"]: ou["Id"] for ou in org.list_organizational_units_for_parent(ParentId=root_id)["OrganizationalUnits"]}
    for ou_cfg in deployment.project.organization.organizational_units:
        members = {a["Name"] for a in org.list_accounts_for_parent(ParentId=ous[ou_cfg.name])["Accounts"]}
        assert members == {f"{deployment.project.project_name}-{a}" for a in ou_cfg.accounts}
        scps = {p["Name"] for p in org.list_policies_for_target(TargetId=ous[ou_cfg.name], Filter="SERVICE_CONTROL_POLICY")["Policies"]}
        assert set(ou_cfg.policy_names) <= scps


def test_management_account_adopted_not_created(deployment: Deployment) -> None:
    org = deployment.client("organizations")
    accounts = org.list_accounts()["Accounts"]
    mgmt_id = deployment.project.management.id
    # Exactly the configured accounts: the management account was imported, no second one made.
    assert len(accounts) == len(deployment.project.organization.accounts)
    assert [a["Id"] for a in accounts].count(mgmt_id) == 1
    # The stack's state holds the management account at its own id (imported): the full
    # --refresh pass of the MFA journey plans that stack with no changes.
    bucket = naming.state_bucket(deployment.project.short_name, MGMT)
    body = deployment.client("s3").get_object(Bucket=bucket, Key=naming.state_key(MGMT, "organizations"))["Body"].read()
    held = [i["attributes"]["id"] for r in json.loads(body)["resources"] if r["type"] == "aws_organizations_account" for i in r["instances"]]
    assert held.count(mgmt_id) == 1 and len(held) == len(accounts), held
    ids = json.loads((deployment.work_dir / "account_ids.json").read_text())
    assert ids[MGMT] == mgmt_id
    assert org.list_delegated_administrators(ServicePrincipal="access-analyzer.amazonaws.com")["DelegatedAdministrators"][0]["Id"] == ids["security"]


def test_state_backend_hardened(deployment: Deployment) -> None:
    s3 = deployment.client("s3")
    bucket = naming.state_bucket(deployment.project.short_name, MGMT)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(pab[k] for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"))
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert any(s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in policy["Statement"])
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert {naming.state_key(MGMT, "tf-backend"), naming.state_key(MGMT, "organizations")} <= keys
    table = deployment.client("dynamodb").describe_table(TableName=naming.lock_table(deployment.project.short_name, MGMT))
    assert table["Table"]["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]


def test_no_local_state_left(deployment: Deployment) -> None:
    assert not list(deployment.work_dir.glob("stacks/*/terraform.tfstate*"))
    assert not list(deployment.work_dir.glob("stacks/*/lz_bootstrap_override.tf.json"))


def _logs(deployment: Deployment) -> dict[str, int]:
    """Size of each stack's terraform log (the emulator's own log sits beside them)."""
    logs = deployment.work_dir / "logs"
    return {s: (logs / f"{s}.log").stat().st_size for s in _stacks(deployment)}


def _commands_since(deployment: Deployment, sizes: dict[str, int]) -> dict[str, list[str]]:
    """The terraform commands each stack's log gained since `sizes` was taken."""
    logs, ran = deployment.work_dir / "logs", {}
    for stack, size in sizes.items():
        with (logs / f"{stack}.log").open(encoding="utf-8") as fh:
            fh.seek(size)
            ran[stack] = [line.split()[2] for line in fh if line.startswith("$ terraform ")]
    return ran


def _records(deployment: Deployment) -> dict[str, bytes]:
    return {s: (deployment.work_dir / "stacks" / s / RECORD).read_bytes() for s in _stacks(deployment)}


def _stacks(deployment: Deployment) -> list[str]:
    return layers.stack_ids(deployment.project)


def test_second_run_skips_every_stack_without_running_terraform(deployment: Deployment) -> None:
    """Before anything but `lz up` wrote state (test_cdktf_cli_deploys_a_stack, below, does).
    The plain `--refresh` pass, every stack planned with no changes, is the MFA journey's."""
    logs, records = _logs(deployment), _records(deployment)
    again = deployment.lz("up")
    n = len(_stacks(deployment))
    assert f"lz up: {n}/{n} stacks ok" in again.stderr
    assert again.stderr.count(": done (") == n and again.stderr.count(SKIPPED) == n, again.stderr
    # No plan or apply ran (every terraform command is appended to its stack's log); only
    # organizations reads its outputs again, to keep the member account ids current.
    # (How fast a skip is belongs to benchmarks/run.py, not to a timed test.)
    ran = _commands_since(deployment, logs)
    assert {stack: cmds for stack, cmds in ran.items() if cmds} in ({}, {"management-organizations": ["output"]}), ran
    assert _records(deployment) == records


@pytest.mark.skipif(not shutil.which("npx"), reason="needs node")
def test_cdktf_cli_deploys_a_stack(deployment: Deployment, tmp_path: Path) -> None:
    """README's "Using cdktf directly", as written: `eval "$(lz env)"` then `npx cdktf deploy`,
    outside make (no LZ_PROVIDER_MIRROR exported: lz env finds the mirror itself)."""
    env = {k: v for k, v in deployment.env.items() if k != "LZ_PROVIDER_MIRROR"}
    lz = ROOT / ".venv" / "bin" / "lz"
    lz_cmd = shlex.quote(str(lz)) if lz.exists() else f"{shlex.quote(sys.executable)} -m landing_zone.cli.main"
    script = (
        f'eval "$({lz_cmd} env)" && npx cdktf deploy {MGMT}-organizations --skip-provider-lock --auto-approve '
        f"--output {shlex.quote(str(tmp_path / 'cdktf.out'))}"
    )
    proc = subprocess.run(["sh", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "No changes" in proc.stdout
    assert not (ROOT / "cdktf.out" / "stacks" / f"{MGMT}-organizations" / "terraform.tfstate").exists()
    assert os.path.isdir(tmp_path / "cdktf.out" / "stacks" / f"{MGMT}-organizations")


# --- the audit layer (issue 16) ---


def test_organization_trail_logs_every_account_into_the_archive(deployment: Deployment) -> None:
    """An organization trail from management, every region, validated and KMS-encrypted, delivering
    into the security account's archive; the member accounts see it as theirs."""
    short, ids = deployment.project.short_name, _account_ids(deployment)
    trail_name, archive = naming.audit_trail(short), naming.audit_bucket(short, naming.SECURITY)
    (trail,) = [t for t in deployment.client("cloudtrail").describe_trails()["trailList"] if t["Name"] == trail_name]
    assert trail["IsOrganizationTrail"] and trail["IsMultiRegionTrail"] and trail["IncludeGlobalServiceEvents"]
    assert trail["LogFileValidationEnabled"] and trail["S3BucketName"] == archive
    assert trail["TrailARN"] == naming.trail_arn(deployment.project.primary_region, ids[MGMT], trail_name)
    key = deployment.client("kms").describe_key(KeyId=naming.audit_key_alias(short))["KeyMetadata"]
    assert trail["KmsKeyId"] == key["Arn"] and key["KeyManager"] == "CUSTOMER"
    assert deployment.client("cloudtrail").get_trail_status(Name=trail["TrailARN"])["IsLogging"]
    # The archive is another account's bucket: the trail delivers across accounts.
    assert archive in {b["Name"] for b in deployment.client("s3", naming.SECURITY).list_buckets()["Buckets"]}
    assert archive not in {b["Name"] for b in deployment.client("s3").list_buckets()["Buckets"]}
    for member in (a.name for a in deployment.project.member_accounts):
        seen = deployment.client("cloudtrail", member).describe_trails()["trailList"]
        assert [(t["TrailARN"], t["IsOrganizationTrail"]) for t in seen] == [(trail["TrailARN"], True)], member
    admins = deployment.client("organizations").list_delegated_administrators(ServicePrincipal="cloudtrail.amazonaws.com")
    assert [a["Id"] for a in admins["DelegatedAdministrators"]] == [ids[naming.SECURITY]]


def test_log_archive_settings(deployment: Deployment) -> None:
    short, audit = deployment.project.short_name, deployment.project.audit
    archive, access = naming.audit_bucket(short, naming.SECURITY), naming.audit_access_log_bucket(short, naming.SECURITY)
    s3 = deployment.client("s3", naming.SECURITY)
    for bucket in (archive, access):
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        assert "DenyInsecureTransport" in {st["Sid"] for st in policy["Statement"]}
    statements = {st["Sid"]: st for st in json.loads(s3.get_bucket_policy(Bucket=archive)["Policy"])["Statement"]}
    assert statements["DenyLogDeletion"]["Effect"] == "Deny" and statements["DenyLogDeletion"]["Principal"] == "*"
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=archive)["Rules"]
    assert rule["Status"] == "Enabled" and rule["Expiration"] == {"Days": audit.retention_days}
    assert rule["Transitions"] == [{"Days": audit.glacier_days, "StorageClass": "GLACIER"}]
    assert s3.get_bucket_logging(Bucket=archive)["LoggingEnabled"]["TargetBucket"] == access


def test_support_role_in_every_account(deployment: Deployment) -> None:
    security = naming.root_arn(_account_ids(deployment)[naming.SECURITY])
    for account in deployment.project.account_names:
        iam = deployment.client("iam", account)
        role = iam.get_role(RoleName=naming.SUPPORT_ROLE)["Role"]
        assert [st["Principal"] for st in role["AssumeRolePolicyDocument"]["Statement"]] == [{"AWS": [security]}], account
        attached = iam.list_attached_role_policies(RoleName=naming.SUPPORT_ROLE)["AttachedPolicies"]
        assert [p["PolicyName"] for p in attached] == ["AWSSupportAccess"], account


def _account_ids(deployment: Deployment) -> dict[str, str]:
    from landing_zone.deploy.account_ids import known_account_ids

    return {MGMT: management_id(deployment.project), **known_account_ids(deployment.settings)}
