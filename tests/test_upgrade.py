"""Upgrade as a team does it: the previous release (CHANGELOG.md) deploys with its own demo,
then today's `lz plan` and `lz up` run in the same work dir against the same emulator.

The previous release is checked out from git history into a temporary worktree and runs its
own scripts/demo.sh (emulator, `lz up`, credentials, MFA devices, `lz mfa enable`; its
closing confirmation pass is left out), with this checkout's .venv: its Pipfile is a subset of ours (0.2.0 only added
packages), so its dependencies are ours. The emulator is today's throughout: it stands for
AWS, which does not change with lz (0.1.0's emulator rejects a service principal today's
organizations stack enables). Then today's lz runs in that clone (PYTHONSAFEPATH:
the clone's old package on the working directory is never imported) without
LZ_PROVIDER_MIRROR (the old work dir recorded none). Nothing people sign in with, nothing
holding state, no account or role may be destroyed or replaced: their ids are compared.

One deployment of its own, minutes on a busy machine (marker `own_deployment`: scheduled
early, beside the session deployment's tests; tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from landing_zone import layers
from landing_zone.config import load_project
from landing_zone.emulator import server
from landing_zone.settings import EMULATOR_SECRET, emulator_access_key
from tests.conftest import ROOT, provider_mirror
from tests.deployment import stack_results
from tests.releases import previous_release

pytestmark = [pytest.mark.integration, pytest.mark.own_deployment(minutes=8)]
USER = "natasha.romanoff"
OLD_DEMO_TIMEOUT = 3600
RELEASE_DESTROYS = ("security-identities", "shared-identities")  # CHANGELOG.md: "Destroyed", the root project
# 0.1.0's DevOps and DeployMaster role attachments, which 0.2.0 replaced by scoped policies (CHANGELOG.md).
RETIRED = re.compile(r"aws_iam_role_policy_attachment\.(?:devops|deploymaster)_policy-\w+")
CHANGES = re.compile(r"\b\d+ to (add|change|destroy|import)\b")


@dataclass
class Upgrade:
    clone: Path
    env: dict[str, str]  # today's lz, in the clone as a user's shell after `git checkout`
    endpoint: str
    accounts: dict[str, str]
    before: dict[str, str]
    old_demo: subprocess.CompletedProcess[str]
    runs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    def lz(self, *args: str, check: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        proc = _run_group([sys.executable, "-m", "landing_zone.cli.main", *args], self.clone, self.env, timeout)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"lz {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}" + _failed_logs(self.clone / ".lz", self.clone.parent)
            )
        return proc


def _client(endpoint: str, account_id: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=emulator_access_key(account_id),
        aws_secret_access_key=EMULATOR_SECRET,
        region_name="us-east-1",
    )


def kept_ids(endpoint: str, accounts: dict[str, str]) -> dict[str, str]:
    """What must survive an upgrade, by the id AWS gave it (a replacement gets a new one)."""
    ids: dict[str, str] = {}
    for name, account_id in accounts.items():
        iam = _client(endpoint, account_id, "iam")
        for user in iam.list_users()["Users"]:
            who = f"{name}/{user['UserName']}"
            ids[f"user {who}"] = user["UserId"]
            try:
                ids[f"login profile {who}"] = str(iam.get_login_profile(UserName=user["UserName"])["LoginProfile"]["CreateDate"])
            except iam.exceptions.NoSuchEntityException:
                pass
            for key in iam.list_access_keys(UserName=user["UserName"])["AccessKeyMetadata"]:
                ids[f"access key {who} {key['AccessKeyId']}"] = key["Status"]
        for device in iam.list_virtual_mfa_devices()["VirtualMFADevices"]:
            ids[f"mfa device {device['SerialNumber']}"] = f"{device.get('User', {}).get('UserName')} {device.get('EnableDate')}"
        for role in iam.list_roles()["Roles"]:
            ids[f"role {name}/{role['RoleName']}"] = role["RoleId"]
        for bucket in _client(endpoint, account_id, "s3").list_buckets()["Buckets"]:
            ids[f"bucket {bucket['Name']}"] = str(bucket["CreationDate"])
    org = _client(endpoint, accounts["management"], "organizations")
    ids["organization"] = org.describe_organization()["Organization"]["Id"]
    for account in org.list_accounts()["Accounts"]:
        ids[f"account {account['Name']}"] = account["Id"]
    for instance in _client(endpoint, accounts["management"], "sso-admin").list_instances()["Instances"]:
        store = _client(endpoint, accounts["management"], "identitystore")
        for user in store.list_users(IdentityStoreId=instance["IdentityStoreId"])["Users"]:
            ids[f"sso user {user['UserName']}"] = user["UserId"]
        for group in store.list_groups(IdentityStoreId=instance["IdentityStoreId"])["Groups"]:
            ids[f"sso group {group['DisplayName']}"] = group["GroupId"]
    return ids


def _run_group(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run in a process group of its own, killed whole on timeout or interrupt (the old lz left
    terraform running when only its shell was killed)."""
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _failed_logs(work: Path, keep: Path) -> str:
    """The tails of the stack logs that hold a terraform error, also copied beside the test's temp
    dir: the clone holding them is removed when the fixture ends."""
    tails = []
    for log in sorted(work.glob("**/*.log")):
        text = log.read_text(errors="replace")
        if "Error: " in text:
            (keep / "failed-logs").mkdir(exist_ok=True)
            shutil.copy(log, keep / "failed-logs" / log.name)
            tails.append(f"\n--- {log} (last 60 lines) ---\n" + "\n".join(text.splitlines()[-60:]))
    emulator_log = work / "logs" / "emulator.log"  # what the emulator was asked, and answered
    if tails and emulator_log.is_file():
        shutil.copy(emulator_log, keep / "failed-logs" / emulator_log.name)
    return "".join(tails)


def _demo_until_mfa_enable(script: Path) -> str:
    """The release's demo up to and including `lz mfa enable` (which applies the MFA trust): its
    closing `lz up --refresh` only confirms no changes, a full pass the upgrade does not need.
    Run as `bash -c TEXT SCRIPT`: $0 stays the script's path, which it cd's by."""
    lines = script.read_text().splitlines()
    last = next(i for i, line in enumerate(lines) if line.startswith("run lz mfa enable"))
    return "\n".join(lines[: last + 1]) + "\n"


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LZ_", "AWS_", "PYTHON", "GNUPG"))}
    env.update(HOME=str(home), AWS_EC2_METADATA_DISABLED="true")
    return env


@pytest.fixture(scope="module")
def upgrade(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upgrade]:
    release = previous_release()
    assert release.commit, "CHANGELOG.md names no previous release's commit"
    base = tmp_path_factory.mktemp("upgrade")
    clone = base / "clone"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(clone), release.commit], check=True, capture_output=True)
    try:
        for shared in (".venv", "node_modules"):
            (clone / shared).symlink_to((ROOT / shared).resolve())
        old_env = _clean_env(base / "home")
        old_env["PYTHONPATH"] = str(clone)  # the release's own package, not the .venv's editable one
        mirror = provider_mirror()
        if mirror:
            old_env["LZ_PROVIDER_MIRROR"] = mirror  # its Makefile exported it: `make demo` is its demo
        # The emulator stands for AWS, which is the same before and after the upgrade: today's,
        # recorded as the old release reads it (pid, port, endpoint), so its demo uses it.
        info = server.start(clone / ".lz")
        (clone / ".lz" / "emulator.json").write_text(json.dumps({"pid": info.pid, "port": info.port, "endpoint": info.endpoint}))
        old_demo = _run_group(
            ["bash", "-c", _demo_until_mfa_enable(clone / "scripts" / "demo.sh"), str(clone / "scripts" / "demo.sh")], clone, old_env, OLD_DEMO_TIMEOUT
        )
        assert old_demo.returncode == 0, f"{release.version}'s demo failed:\n{old_demo.stdout[-4000:]}\n{old_demo.stderr[-4000:]}" + _failed_logs(
            clone / ".lz", base
        )
        work = clone / ".lz"
        endpoint = json.loads((work / "emulator.json").read_text())["endpoint"]
        accounts = dict(json.loads((work / "account_ids.json").read_text()))
        env = _clean_env(base / "home")
        env.update(
            PYTHONPATH=str(ROOT),
            PYTHONSAFEPATH="1",  # today's package, also in the synth worker lz starts
            GNUPGHOME=str(work / "demo-gnupg"),
            LZ_AWS_DIR=str(work / "aws"),
            LZ_CONFIG=str(work / "demo" / "project.yaml"),
        )
        yield Upgrade(clone, env, endpoint, accounts, kept_ids(endpoint, accounts), old_demo)
    finally:
        server.stop(clone / ".lz")
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(clone)], capture_output=True, check=False)


@pytest.fixture(scope="module")
def upgraded(upgrade: Upgrade) -> Iterator[Upgrade]:
    """Today's documented upgrade: `lz plan`, read it, `lz up`. The plan read here is of the
    stacks CHANGELOG.md says lose something (the identities stacks): `lz up` plans every stack
    again before it applies, so a full `lz plan` first would only repeat the other stacks' plans."""
    read = [a for stack in RELEASE_DESTROYS for a in ("--stack", stack)]
    for step, args in (("login", ("mfa", "login", "--demo-codes")), ("plan", ("plan", *read)), ("up", ("up", "--demo-codes"))):
        upgrade.runs[step] = upgrade.lz(*args)
    yield upgrade


def test_the_old_release_deployed_its_demo_with_mfa(upgrade: Upgrade) -> None:
    assert json.loads((upgrade.clone / ".lz" / "mfa-state.json").read_text())["enforced"] is True
    assert "lz_stack" not in (upgrade.clone / ".lz" / "stacks" / "security-identities" / "cdk.tf.json").read_text()  # the oldest state format
    assert any(k.startswith("mfa device ") for k in upgrade.before) and any(k.startswith("access key ") for k in upgrade.before)


def test_plan_names_the_retired_attachments_as_destroys(upgraded: Upgrade) -> None:
    plan = upgraded.runs["plan"]
    out = " ".join((plan.stdout + plan.stderr).split())  # the console wraps long lines
    for run in (plan, upgraded.runs["up"]):  # the up planned every stack of the old work dir
        text = " ".join((run.stdout + run.stderr).split())
        assert "does not generate" not in text and "internal error" not in text, text
    for stack in RELEASE_DESTROYS:
        done = re.search(rf"{stack}: done \([\d.]+s\): ([^;]*); destroys what this project no longer generates: ([^:]*) \S+:", out)
        assert done, out
        counts, named = done.groups()
        destroyed = re.findall(r"(\d+) to destroy", counts)
        assert destroyed and int(destroyed[0]) == len(RETIRED.findall(named)) == len(named.split(", ")), done.group(0)


def test_nothing_people_use_is_destroyed_or_replaced(upgraded: Upgrade) -> None:
    after = kept_ids(upgraded.endpoint, upgraded.accounts)
    changed = {k: (v, after.get(k)) for k, v in upgraded.before.items() if after.get(k) != v}
    assert changed == {}


def test_passwords_and_mfa_login_still_work(upgraded: Upgrade) -> None:
    shown = upgraded.lz("passwords", "show", USER)
    assert shown.stdout.strip()
    upgraded.lz("mfa", "login", "--demo-codes")


def test_a_second_up_changes_nothing(upgraded: Upgrade) -> None:
    """Planned again: the stacks the upgrade's `lz up` changed. The others it planned with no
    changes after the upgrade, and nothing has written to them since."""
    done = stack_results(upgraded.runs["up"].stderr)
    project, _ = load_project(Path(upgraded.env["LZ_CONFIG"]))
    assert sorted(done) == sorted(layers.stack_ids(project)), upgraded.runs["up"].stderr
    applied = sorted(stack for stack, detail in done.items() if detail != "no changes")
    assert set(RELEASE_DESTROYS) <= set(applied), done
    again = upgraded.lz("up", "--refresh", "--demo-codes", *(a for stack in applied for a in ("--stack", stack)))
    assert stack_results(again.stderr) == dict.fromkeys(applied, "no changes"), again.stderr
    changed = [line for line in (again.stdout + again.stderr).splitlines() if CHANGES.search(line)]
    assert changed == []
