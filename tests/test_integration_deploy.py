"""`lz up` on a fresh emulator, then everything read back with boto3."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest

from landing_zone import naming
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

MGMT = naming.MANAGEMENT


def test_up_reports_every_stack_ok(deployment) -> None:
    err = deployment.runs["up"].stderr
    assert "management-tf-backend: done" in err and "bootstrapped" in err
    from landing_zone import layers

    for account, layer in layers.stacks(deployment.project):
        assert f"{naming.stack_id(account, layer)}: done" in err
    assert "lz up: 11/11 stacks ok" in err and "failed" not in err


def test_organization(deployment) -> None:
    org = deployment.client("organizations")
    desc = org.describe_organization()["Organization"]
    assert desc["FeatureSet"] == "ALL"
    assert desc["MasterAccountId"] == deployment.project.management.id
    root = org.list_roots()["Roots"][0]
    enabled = {p["Type"] for p in root["PolicyTypes"] if p["Status"] == "ENABLED"}
    assert {"SERVICE_CONTROL_POLICY", "BACKUP_POLICY"} <= enabled
    principals = {p["ServicePrincipal"] for p in org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]}
    assert {"sso.amazonaws.com", "access-analyzer.amazonaws.com"} <= principals


def test_accounts_in_their_ous_with_scps(deployment) -> None:
    org = deployment.client("organizations")
    root_id = org.list_roots()["Roots"][0]["Id"]
    ous = {ou["Name"]: ou["Id"] for ou in org.list_organizational_units_for_parent(ParentId=root_id)["OrganizationalUnits"]}
    for ou_cfg in deployment.project.organization.organizational_units:
        members = {a["Name"] for a in org.list_accounts_for_parent(ParentId=ous[ou_cfg.name])["Accounts"]}
        assert members == {f"{deployment.project.project_name}-{a}" for a in ou_cfg.accounts}
        scps = {p["Name"] for p in org.list_policies_for_target(TargetId=ous[ou_cfg.name], Filter="SERVICE_CONTROL_POLICY")["Policies"]}
        assert set(ou_cfg.policy_names) <= scps


def test_management_account_adopted_not_created(deployment) -> None:
    org = deployment.client("organizations")
    accounts = org.list_accounts()["Accounts"]
    mgmt_id = deployment.project.management.id
    # Exactly the configured accounts: the management account was imported, no second one made.
    assert len(accounts) == len(deployment.project.organization.accounts)
    assert [a["Id"] for a in accounts].count(mgmt_id) == 1
    state = deployment.lz("plan", "--stack", f"{MGMT}-organizations")  # reads state through terraform
    assert "no changes" in state.stderr
    ids = json.loads((deployment.work_dir / "account_ids.json").read_text())
    assert ids[MGMT] == mgmt_id
    assert org.list_delegated_administrators(ServicePrincipal="access-analyzer.amazonaws.com")["DelegatedAdministrators"][0]["Id"] == ids["security"]


def test_state_backend_hardened(deployment) -> None:
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


def test_no_local_state_left(deployment) -> None:
    assert not list(deployment.work_dir.glob("stacks/*/terraform.tfstate*"))
    assert not list(deployment.work_dir.glob("stacks/*/lz_bootstrap_override.tf.json"))


def test_second_run_changes_nothing(deployment) -> None:
    again = deployment.lz("up")
    assert "lz up: 11/11 stacks ok" in again.stderr
    assert again.stderr.count("unchanged (skipped; --refresh to plan)") == 11, again.stderr


@pytest.mark.skipif(not shutil.which("npx"), reason="needs node")
def test_cdktf_cli_deploys_a_stack(deployment, tmp_path) -> None:
    """README's "Using cdktf directly", as written: `eval "$(lz env)"` then `npx cdktf deploy`,
    outside make (no LZ_PROVIDER_MIRROR exported: lz env finds the mirror itself)."""
    env = {k: v for k, v in deployment.env.items() if k != "LZ_PROVIDER_MIRROR"}
    lz = ROOT / ".venv" / "bin" / "lz"
    lz_cmd = shlex.quote(str(lz)) if lz.exists() else f"{shlex.quote(sys.executable)} -m landing_zone.cli.main"
    script = (f'eval "$({lz_cmd} env)" && npx cdktf deploy {MGMT}-organizations --skip-provider-lock --auto-approve '
              f"--output {shlex.quote(str(tmp_path / 'cdktf.out'))}")  # fmt: skip
    proc = subprocess.run(["sh", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "No changes" in proc.stdout
    assert not (ROOT / "cdktf.out" / "stacks" / f"{MGMT}-organizations" / "terraform.tfstate").exists()
    assert os.path.isdir(tmp_path / "cdktf.out" / "stacks" / f"{MGMT}-organizations")
