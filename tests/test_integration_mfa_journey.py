"""The operator journey to an MFA-enforced landing zone, on the session deployment, last.

The session's `lz up` (MFA off) → credentials → the lockout guard → enroll → `lz mfa enable` → only trust
policies changed → every MFA role requires MFA → `lz up --refresh` through the MFA
profiles (pyotp codes) changes nothing.

It turns MFA on for good, so it runs after every other test of the session deployment
(marker `changes_deployment`: tests/conftest.py moves such tests to the end). Before, it
deployed a second landing zone from empty on an emulator of its own.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pyotp
import pytest

from landing_zone import layers, roles
from landing_zone.deploy.fingerprint import RECORD
from tests.deployment import Deployment, stack_results

pytestmark = [pytest.mark.integration, pytest.mark.changes_deployment]
USER = "natasha.romanoff"


@pytest.fixture(scope="module")
def journey(deployment: Deployment) -> Iterator[Deployment]:
    dep = deployment
    dep.env["LZ_AWS_DIR"] = str(dep.dir / "aws")
    try:
        for account, kind in (("management", "MANAGEMENT"), ("security", "SECURITY")):
            csv = dep.dir / f"{account}.csv"
            if kind == "MANAGEMENT":
                dep.lz("credentials", "configure", "--type", "BOOTSTRAP")
            dep.lz("credentials", "emulator-access-key", USER, "--account", account, "--out", str(csv))
            dep.lz("credentials", "configure", "--type", kind, "--credentials-file", str(csv))
        yield dep
    finally:
        del dep.env["LZ_AWS_DIR"]


def _enroll_all(dep: Deployment) -> None:
    for account, kind in (("management", "MANAGEMENT"), ("security", "SECURITY")):
        dep.lz("mfa", "enroll", USER, "--account", account, "--demo-codes")
        dep.lz("credentials", "configure", "--type", kind, "--skip-access-keys-setup", "--fetch-mfa-device")


def test_guard_refuses_without_mfa_device(journey: Deployment) -> None:
    before = journey.config.read_bytes()
    proc = journey.lz("mfa", "enable", "--yes", check=False)
    assert proc.returncode == 1
    # The stacks deploy through OAAR from the management keys: only that user's device counts.
    assert f"lz mfa enroll {USER}`" in proc.stderr and "--account security" not in proc.stderr
    assert "--fetch-mfa-device" in proc.stderr
    assert journey.config.read_bytes() == before
    assert not (journey.work_dir / "mfa-state.json").exists() or "true" not in (journey.work_dir / "mfa-state.json").read_text()


def _show_applied_plan(dep: Deployment, stack: str) -> dict:
    env = dict(dep.env)
    for line in dep.lz("env").stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value.strip("'")
    ws = dep.work_dir / "stacks" / stack
    out = subprocess.run(["terraform", "show", "-json", "last-applied.tfplan"], cwd=ws, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_enable_changes_only_mfa_trust_policies(journey: Deployment) -> None:
    _enroll_all(journey)
    enabled = journey.lz("mfa", "enable", "--yes", "--demo-codes")
    assert "require_mfa: true" in journey.config.read_text()
    assert json.loads((journey.work_dir / "mfa-state.json").read_text()) == {"enforced": True}
    assert "will require MFA" in enabled.stdout
    ids = json.loads((journey.work_dir / "account_ids.json").read_text())
    for account in ids:
        plan = _show_applied_plan(journey, f"{account}-identities")
        changed = [c for c in plan["resource_changes"] if c["change"]["actions"] != ["no-op"]]
        assert changed, f"{account}: nothing changed"
        for c in changed:
            assert c["type"] == "aws_iam_role" and c["change"]["actions"] == ["update"], c["address"]
            before, after = c["change"]["before"], c["change"]["after"]
            diff = {k for k in after if before.get(k) != after.get(k)}
            assert diff == {"assume_role_policy"}, (c["address"], diff)
            assert after["name"] in {r.name for r in roles.roles_in(account) if r.mfa}


def test_mfa_roles_require_mfa_everywhere(journey: Deployment) -> None:
    ids = json.loads((journey.work_dir / "account_ids.json").read_text())
    for account in ids:
        iam = journey.client("iam", account)
        for spec in roles.roles_in(account):
            doc = iam.get_role(RoleName=spec.name)["Role"]["AssumeRolePolicyDocument"]
            statement = (json.loads(doc) if isinstance(doc, str) else doc)["Statement"][0]
            if spec.requires_mfa(True):
                assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}, (account, spec.name)
                assert int(statement["Condition"]["NumericLessThan"]["aws:MultiFactorAuthAge"]) > 0
            else:
                assert "Condition" not in statement, (account, spec.name)


def test_up_through_mfa_profiles_changes_nothing(journey: Deployment) -> None:
    # Log in each MFA profile with a code pyotp computes from the enrolled device's seed.
    for seed_file in sorted((journey.work_dir / "demo-mfa").glob("*.seed")):
        account_id, user = seed_file.stem.split("-", 1)
        serial = f"arn:aws:iam::{account_id}:mfa/{user}"
        for section in _profiles_with_serial(journey, serial):
            code = pyotp.TOTP(seed_file.read_text().strip()).now()
            journey.lz("mfa", "login", "--profile", section, "--code", code)
    up = journey.lz("up", "--refresh")  # no --demo-codes: only the cached sessions can work
    # The suite's one full --refresh pass: every stack of the root project planned again. Those
    # `lz mfa enable` did not apply still hold what the session's first `lz up` deployed
    # (replicas, alarms in us-east-1, scoped roles); the identities stacks changed only their
    # trust policies (test_enable_changes_only_mfa_trust_policies).
    stacks = layers.stack_ids(journey.project)
    n = len(stacks)
    assert f"lz up: {n}/{n} stacks ok" in up.stderr, up.stderr
    done = stack_results(up.stderr)
    assert done == dict.fromkeys(stacks, "no changes"), up.stderr
    assert all((journey.work_dir / "stacks" / stack / RECORD).is_file() for stack in stacks)
    synthesized = json.loads((journey.dir / "cdktf.out" / "stacks" / "shared-identities" / "cdk.tf.json").read_text())
    provider = synthesized["provider"]["aws"][0]  # MFA mode: credentials come from the environment
    assert "access_key" not in provider and "assume_role" not in provider
    assert "assume_role" not in synthesized["terraform"]["backend"]["s3"]
    # Member stacks ran as OAAR from the management MFA session, never as DevOps.
    sessions = {
        json.loads(f.read_text())["RoleArn"].rsplit("/", 1)[-1] for f in (journey.dir / "aws" / journey.project.short_name / "cache").glob("*-oaar.json")
    }
    assert sessions == {"OrganizationAccountAccessRole"}, sessions
    for cache in (journey.dir / "aws" / journey.project.short_name / "cache").glob("*.json"):
        assert cache.stat().st_mode & 0o777 == 0o600


def test_reads_after_mfa_enable_use_the_mfa_sessions(journey: Deployment) -> None:
    """What the second `make demo` runs once MFA is on: reads of the deployed state go through
    the cached MFA sessions (before, `lz passwords show` failed: "No valid credential sources")."""
    shown = journey.lz("passwords", "show", USER, "--gnupghome", str(journey.gnupghome))
    assert shown.stdout.strip() and "initial password" in shown.stderr
    shown = journey.lz("passwords", "show", USER, "--account", "security", "--gnupghome", str(journey.gnupghome))
    assert shown.stdout.strip()
    assert journey.lz("inventory").stdout.startswith("organization ")
    again = journey.lz("up")  # the demo's second `lz up`: nothing to do
    n = len(layers.stacks(journey.project))
    assert f"lz up: {n}/{n} stacks ok" in again.stderr, again.stderr


def _profiles_with_serial(dep: Deployment, serial: str) -> list[str]:
    config = (dep.dir / "aws" / dep.project.short_name / "config").read_text()
    names, current = [], None
    for line in config.splitlines():
        if line.startswith("[profile "):
            current = line[len("[profile ") : -1]
        elif current and line.replace(" ", "") == f"mfa_serial={serial}":
            names.append(current)
    return [n for n in names if n.endswith(("-oaar", "-devops"))]
