"""`lz down`: refuses real AWS without --yes-really, and lifts prevent_destroy for what it destroys.

State buckets, lock tables, the state KMS key, the access-log bucket and member accounts
carry prevent_destroy in every synthesis but the one `lz down` makes (Settings.allow_destroy).
The integration part deploys the management tf-backend (KMS and access logging on) and
organizations stacks on their own emulator, shows that terraform refuses to destroy them as
synthesized for `lz up`, and that `lz down` removes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from landing_zone import naming
from landing_zone.cli import main as cli
from landing_zone.settings import Settings
from tests.conftest import ROOT
from tests.deployment import Deployment, start_deployment, stop_deployment
from tests.synth_helpers import fake_account_ids, prepare_project

HARDENED = "state_backend: {kms: true, access_logging: true}\n"
MGMT = naming.MANAGEMENT
PROTECTED_TYPES = {"aws_s3_bucket", "aws_dynamodb_table", "aws_kms_key", "aws_organizations_account", "aws_cloudtrail", "aws_cloudwatch_log_group"}


def _hardened_source(base: Path) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    (base / "project.yaml").write_text((ROOT / "project.yaml").read_text() + "\n" + HARDENED)
    return base / "project.yaml"


# --- the guard -----------------------------------------------------------------------------


def test_refuses_real_aws_without_yes_really(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[tuple] = []
    monkeypatch.setattr(cli, "_deploy_action", lambda *a, **k: calls.append(a))
    assert cli.main(["down", "--target", "aws", "--config", str(ROOT / "project.yaml")]) == 1
    assert capsys.readouterr().err == "error: refusing to destroy real AWS resources without --yes-really\n"
    assert calls == []
    monkeypatch.setenv("LZ_TARGET", "aws")  # the target from the environment is guarded too
    assert cli.main(["down", "--config", str(ROOT / "project.yaml")]) == 1
    assert calls == []


def test_yes_really_lets_it_through(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple] = []
    monkeypatch.setattr(cli, "_deploy_action", lambda *a, **k: calls.append(a))
    assert cli.main(["down", "--target", "aws", "--yes-really", "--config", str(ROOT / "project.yaml")]) == 0
    assert [c[0] for c in calls] == ["down"]


# --- prevent_destroy in the synthesized JSON ------------------------------------------------


def _synth(tmp: Path, *, allow_destroy: bool) -> dict[str, dict]:
    from landing_zone.config import load_project
    from landing_zone.synth import synth

    config = prepare_project(_hardened_source(tmp / "src"), tmp / "project")
    project, _ = load_project(config)
    settings = Settings(config_path=config, target="aws", work_dir=tmp / ".lz", out_dir=tmp / "cdktf.out", allow_destroy=allow_destroy)
    out = synth(project, settings, fake_account_ids(project))
    return {d.name: json.loads((d / "cdk.tf.json").read_text()) for d in (out / "stacks").iterdir()}


def _protection(stacks: dict[str, dict]) -> dict[str, bool]:
    """`<stack>/<construct path>` → prevent_destroy, for every resource of the protected types."""
    return {
        body["//"]["metadata"]["path"]: bool(body.get("lifecycle", {}).get("prevent_destroy"))
        for doc in stacks.values()
        for rtype, resources in doc.get("resource", {}).items()
        if rtype in PROTECTED_TYPES
        for body in resources.values()
    }


def test_only_the_down_synthesis_lifts_prevent_destroy(tmp_path: Path) -> None:
    normal = _protection(_synth(tmp_path / "up", allow_destroy=False))
    down = _protection(_synth(tmp_path / "down", allow_destroy=True))
    assert normal.keys() == down.keys()
    accounts = ("management", "security", "shared")
    expected = {f"{acct}-tf-backend/state/{r}" for acct in accounts for r in ("bucket", "logs-bucket", "lock-table", "key", "replica-bucket", "replica-key")}
    expected |= {f"management-organizations/org/account-{a}" for a in accounts}
    # The audit layer: the trail, its key (the logs cannot be read without it) and both log buckets.
    expected |= {
        "management-audit/trail/trail",
        "management-audit/trail/key",
        "security-audit/archive/bucket",
        "security-audit/archive/access-logs",
        "management-audit/trail/logs/group",
    }
    # The alerts' keys hold no state: lz down may remove them like any other resource.
    alert_keys = {f"{acct}-security-base/root-sign-in/key" for acct in accounts}
    assert set(normal) == expected | alert_keys
    assert {p for p, on in normal.items() if on} == expected
    # `lz down` releases the adopted management account (state rm): it stays protected.
    assert {p for p, on in down.items() if on} == {"management-organizations/org/account-management"}


def test_run_command_sets_allow_destroy_for_down_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import landing_zone.synth
    from landing_zone.adoption.model import NOTHING
    from landing_zone.config import load_project
    from landing_zone.deploy import command
    from landing_zone.deploy.context import DeployContext
    from landing_zone.deploy.orchestrate import Selection

    seen: dict[str, bool] = {}
    monkeypatch.setattr(landing_zone.synth, "synth", lambda project, settings, *ids, **options: seen.setdefault("synth", settings.allow_destroy))

    def run_stacks(ctx: DeployContext, action: str, *a: object, **k: object) -> list[object]:
        seen[action] = ctx.settings.allow_destroy
        return []

    monkeypatch.setattr(command, "run_stacks", run_stacks)
    monkeypatch.setattr(command.adopt, "read", lambda ctx, accounts=(): NOTHING)  # no organization to read here
    config = prepare_project(ROOT / "project.yaml", tmp_path / "project")  # with its users' GPG keys
    project, _ = load_project(config)
    settings = Settings(config_path=config, target="local", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out", endpoint="http://127.0.0.1:1")
    for action in ("up", "plan", "down"):
        seen.pop("synth", None)
        command.run_command(project, settings, action, Selection(), parallel=1, code_for=lambda p, s: "")
        assert seen["synth"] is (action == "down"), action
    assert seen == {"up": False, "plan": False, "down": True, "synth": True}


@pytest.mark.parametrize(
    ("enforced", "stacks", "expected", "enforced_after"),
    [
        # MFA on, the identities stacks among those destroyed: first back to MFA off (the identities
        # stacks and what they need, with the MFA sessions), then the destroy with the bootstrap keys.
        (True, (), [("up", "mfa", False, "identities"), ("down", "bootstrap", True, "all")], False),
        (True, ("shared-identities",), [("up", "mfa", False, "identities"), ("down", "bootstrap", True, "shared-identities")], False),
        (True, ("shared-security-base",), [("down", "mfa", True, "shared-security-base")], True),  # no role is destroyed
        (False, (), [("down", "bootstrap", True, "all")], False),
    ],
)
def test_down_with_mfa_on_first_drops_the_requirement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enforced: bool, stacks: tuple[str, ...], expected: list[tuple[str, str, bool, str]], enforced_after: bool
) -> None:
    from landing_zone.config import load_project
    from landing_zone.deploy import auth, command
    from landing_zone.deploy.orchestrate import Selection

    runs: list[tuple[str, str, bool, str]] = []

    def fake_run(project, settings, action, selection, *, enforced, parallel, code_for, on_synth=None, on_adopted=None, refresh=False):  # type: ignore[no-untyped-def]  # stands in for command._run, whatever it takes
        which = "identities" if selection.stacks == command.identities_stacks(project) and selection.with_deps else ",".join(selection.stacks) or "all"
        runs.append((action, auth.mode(enforced), project.require_mfa, which))
        return []

    monkeypatch.setattr(command, "_run", fake_run)
    config = prepare_project(ROOT / "project.yaml", tmp_path / "project")
    project, _ = load_project(config)
    project = project.model_copy(update={"require_mfa": True})
    settings = Settings(config_path=config, target="local", work_dir=tmp_path / ".lz", endpoint="http://127.0.0.1:1")
    auth.record(settings, enforced)
    command.run_command(project, settings, "down", Selection(stacks), parallel=1, code_for=lambda p, s: "")
    assert runs == expected
    assert auth.recorded(settings) is enforced_after


# --- on the emulator ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """management-tf-backend (KMS + access logs) and management-organizations, on their own emulator."""
    src = _hardened_source(tmp_path_factory.mktemp("down-src"))
    dep = start_deployment(tmp_path_factory.mktemp("down"), source=src)
    try:
        dep.runs["up"] = dep.lz("up", "--stack", f"{MGMT}-tf-backend", "--stack", f"{MGMT}-organizations")
        yield dep
    finally:
        stop_deployment(dep)


@pytest.mark.integration
@pytest.mark.own_deployment(minutes=5)
def test_hardened_state_storage_on_the_emulator(small: Deployment) -> None:
    assert "lz up: 2/2 stacks ok" in small.runs["up"].stderr, small.runs["up"].stderr
    bucket = naming.state_bucket(small.project.short_name, MGMT)
    s3, kms, ddb = small.client("s3"), small.client("kms"), small.client("dynamodb")
    key_arn = kms.describe_key(KeyId=f"alias/{bucket}")["KeyMetadata"]["Arn"]
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    # The backend writes state with the key too (with `encrypt` alone it would ask for AES256).
    state = s3.head_object(Bucket=bucket, Key=naming.state_key(MGMT, "organizations"))
    assert state["ServerSideEncryption"] == "aws:kms" and state["SSEKMSKeyId"].endswith(f"alias/{bucket}")
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert logging["TargetBucket"] == f"{bucket}-logs"
    assert s3.get_bucket_versioning(Bucket=f"{bucket}-logs")["Status"] == "Enabled"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=f"{bucket}-logs")["Rules"]
    assert rules[0]["Expiration"]["Days"] == 365
    table = ddb.describe_table(TableName=bucket)["Table"]
    assert table["SSEDescription"]["SSEType"] == "KMS" and table["SSEDescription"]["KMSMasterKeyArn"] == key_arn
    pitr = ddb.describe_continuous_backups(TableName=bucket)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    # Everything reads back as written: no perpetual diff.
    plan = small.lz("plan", "--stack", f"{MGMT}-tf-backend", "--stack", f"{MGMT}-organizations")
    assert plan.stderr.count("no changes") == 2, plan.stderr


@pytest.mark.integration
@pytest.mark.own_deployment(minutes=5)
def test_terraform_refuses_to_destroy_what_up_synthesized(small: Deployment) -> None:
    from landing_zone.deploy.context import DeployContext

    ctx = DeployContext(small.project, Settings.from_env(small.env))  # as `lz` runs it (provider mirror)
    for stack, address in ((f"{MGMT}-tf-backend", "aws_s3_bucket.state_bucket"), (f"{MGMT}-organizations", "aws_organizations_account.org_account-security")):
        tf = ctx.terraform(stack)
        tf.init("-reconfigure")
        proc = tf.run("plan", "-destroy", "-lock=false", "-input=false", "-no-color", check=False)
        assert proc.returncode == 1, proc.stdout[-2000:]
        assert "Instance cannot be destroyed" in proc.stderr and address in proc.stderr, proc.stderr[-2000:]


@pytest.mark.integration
@pytest.mark.own_deployment(minutes=5)
def test_down_removes_them(small: Deployment) -> None:
    from botocore.exceptions import ClientError

    bucket = naming.state_bucket(small.project.short_name, MGMT)
    kms = small.client("kms")
    key_arn = kms.describe_key(KeyId=f"alias/{bucket}")["KeyMetadata"]["Arn"]
    down = small.lz("down", "--stack", f"{MGMT}-tf-backend", "--stack", f"{MGMT}-organizations")
    assert "lz down: 2/2 stacks ok" in down.stderr, down.stderr
    s3 = small.client("s3")
    for name in (bucket, f"{bucket}-logs"):
        with pytest.raises(ClientError):
            s3.head_bucket(Bucket=name)
    assert bucket not in small.client("dynamodb").list_tables()["TableNames"]
    assert kms.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    with pytest.raises(ClientError) as org:
        small.client("organizations").describe_organization()
    assert org.value.response["Error"]["Code"] == "AWSOrganizationsNotInUseException"
    # What `lz down` synthesized lacks prevent_destroy; the next `lz up` synthesizes it back.
    doc = json.loads((small.dir / "cdktf.out" / "stacks" / f"{MGMT}-tf-backend" / "cdk.tf.json").read_text())
    assert not any(_protection({"tf-backend": doc}).values())


@pytest.mark.integration
@pytest.mark.own_deployment(minutes=5)
def test_after_down_nothing_is_left_and_plan_says_not_deployed(small: Deployment) -> None:
    """Runs after test_down_removes_them: the next plan must not fail at init (NoSuchBucket)."""
    stacks = (f"{MGMT}-tf-backend", f"{MGMT}-organizations")
    for stack in stacks:
        ws = small.work_dir / "stacks" / stack
        for leftover in ("lz_bootstrap_override.tf.json", "errored.tfstate", "terraform.tfstate"):
            assert not (ws / leftover).exists(), f"{stack}/{leftover}"
    assert not (small.work_dir / "account_ids.json").exists()
    plan = small.lz("plan", "--stack", stacks[0], "--stack", stacks[1])
    lines = {line.split(":")[0]: line for line in plan.stderr.splitlines() if line.startswith(stacks)}
    assert "not bootstrapped yet" in lines[stacks[0]], plan.stderr
    assert "not deployed" in lines[stacks[1]], plan.stderr
    assert "lz plan: 2/2 stacks ok" in plan.stderr
