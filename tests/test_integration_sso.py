"""A person on Identity Center, through the real clients: `lz sso configure` and `lz sso login --demo`
write the standard files, and boto3's own SSO credential provider uses them with no lz in between."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from landing_zone import naming
from landing_zone.aws import inifile, sso_token
from tests.deployment import Deployment

pytestmark = pytest.mark.integration

PERSON = "natasha.romanoff@example.com"  # project.yaml: groups administrators and devops


def _ids(deployment: Deployment) -> dict[str, str]:
    ids: dict[str, str] = json.loads((deployment.work_dir / "account_ids.json").read_text())
    return ids


# A fresh interpreter, as a user's AWS CLI or script is: botocore reads the token cache
# directory (~/.aws/sso/cache) from HOME once, when it is imported.
_CALLER = "import boto3, json, sys; print(json.dumps(boto3.Session(profile_name=sys.argv[1]).client('sts').get_caller_identity()))"


def _caller(config: Path, home: Path, profile: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(config.with_name("no-credentials")), "HOME": str(home)}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return subprocess.run([sys.executable, "-c", _CALLER, profile], env=env, capture_output=True, text=True, timeout=120, check=False)


def _identity(config: Path, home: Path, profile: str) -> dict[str, Any]:
    run = _caller(config, home, profile)
    assert run.returncode == 0, run.stderr
    identity: dict[str, Any] = json.loads(run.stdout)
    return identity


def test_sso_profiles_and_token_reach_each_account_as_the_reserved_role(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    short = deployment.project.short_name
    # The person's own AWS directory: the operator's (`lz credentials configure`) may hold
    # key-and-role profiles of the same names, which lz sso configure refuses to merge into.
    aws_dir = deployment.work_dir / "sso-person"
    configured = deployment.lz("sso", "configure", "--user", PERSON, "--aws-dir", str(aws_dir))
    config = aws_dir / short / "config"
    assert config.stat().st_mode & 0o777 == 0o600
    sections = inifile.read(config.read_text())
    session = naming.sso_session(short, emulator=True)
    assert sections[naming.sso_session_section(session)]["sso_start_url"].startswith("https://d-")
    profiles = {s.removeprefix("profile ") for s in sections if s.startswith("profile ")}
    assert profiles == {f"{short}-management-administrator", f"{short}-security-devops", f"{short}-shared-devops"}, configured.stdout

    deployment.lz("sso", "login", "--demo", "--user", PERSON, "--aws-dir", str(aws_dir))
    home = Path(deployment.env["HOME"])
    cached = sso_token.cache_file(session, home)
    assert cached.stat().st_mode & 0o777 == 0o600 and json.loads(cached.read_text())["accessToken"]

    ids = _ids(deployment)
    for account, role in (("shared", "DevOps"), ("management", "Administrator")):
        identity = _identity(config, home, naming.sso_profile(short, account, role))
        assert identity["Account"] == ids[account]
        assert f":assumed-role/AWSReservedSSO_{role}_" in identity["Arn"] and identity["Arn"].endswith(f"/{PERSON}")

    # `lz up` as the SSO operator: management's stack with the Administrator set, a member's
    # through OAAR from it; nothing changes. Two stacks stand for all (each plan costs minutes
    # on a loaded machine); both re-run as before afterwards, so later tests see the usual state.
    stacks = ("--stack", "management-sso", "--stack", "shared-identities")
    monkeypatch.setitem(deployment.env, "LZ_AUTH", "sso")
    up = deployment.lz("up", "--refresh", *stacks)
    assert "lz up: 2/2 stacks ok" in up.stderr and up.stderr.count("no changes") == 2, up.stderr
    provider = json.loads((deployment.work_dir / "stacks" / "shared-identities" / "cdk.tf.json").read_text())["provider"]["aws"][0]
    assert "access_key" not in provider and "assume_role" not in provider  # the SSO-issued credentials, in the environment

    deployment.lz("sso", "logout", "--aws-dir", str(aws_dir))
    assert not cached.exists()
    refused = deployment.lz("up", *stacks, check=False)
    assert refused.returncode == 1 and "run `lz sso login`" in refused.stderr, refused.stderr
    monkeypatch.delitem(deployment.env, "LZ_AUTH")
    deployment.lz("up", *stacks)  # back to the bootstrap credentials the other tests use
    refused_client = _caller(config, home, naming.sso_profile(short, "shared", "DevOps"))  # no token: botocore's SSO provider refuses
    assert refused_client.returncode != 0 and "SSOTokenLoadError" in refused_client.stderr, refused_client.stderr
