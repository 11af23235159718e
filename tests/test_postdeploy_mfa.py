"""MFA: enrolling a virtual device, and the cached MFA sessions (moto in-process).

moto accepts any MFA code, so these tests check what was sent to STS and what was cached.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pyotp
import pytest
from moto import mock_aws

from landing_zone.aws import inifile, mfa_sessions, profiles
from landing_zone.aws.errors import AwsError
from landing_zone.aws.files import AwsFiles, write_private
from landing_zone.config import load_project
from landing_zone.config.model import Project
from landing_zone.postdeploy import mfa, totp
from landing_zone.settings import Settings
from tests.postdeploy.support import PROJECT_YAML, gnupghome, make_project  # noqa: F401 - fixture
from tests.test_postdeploy_credentials import FakeConsole

REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"
MEMBER = "210987654321"
SERIAL = f"arn:aws:iam::{MOTO_ACCOUNT}:mfa/natasha.romanoff"
ROLE = f"arn:aws:iam::{MEMBER}:role/OrganizationAccountAccessRole"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every AWS API call made (operation, params), through moto."""
    from botocore.client import BaseClient

    seen: list[tuple[str, dict[str, Any]]] = []
    real = BaseClient._make_api_call

    def record(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        seen.append((operation, dict(params)))
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    with mock_aws():
        yield seen


@pytest.fixture
def project(tmp_path: Path, gnupghome: Path) -> Project:
    path = make_project(tmp_path / "proj", gnupghome, PROJECT_YAML.replace("000123456789", MOTO_ACCOUNT))
    return load_project(path)[0]


@pytest.fixture
def aws_dir(tmp_path: Path) -> Path:
    """An aws dir with management keys and an MFA role profile into a member account."""
    root = tmp_path / "aws"
    files = AwsFiles.of(root, "me")
    write_private(files.credentials, "[me-management]\naws_access_key_id = AKIAEXAMPLEKEY000000\naws_secret_access_key = s\n")
    write_private(
        files.config,
        inifile.update(
            "",
            {
                "profile me-shared-oaar": {"region": REGION, "role_arn": ROLE, "source_profile": "me-management", "mfa_serial": SERIAL},
                "profile me-plain-oaar": {"region": REGION, "role_arn": ROLE, "source_profile": "me-management"},
            },
        ),
    )
    return root


SETTINGS = Settings(config_path=Path("project.yaml"), target="aws")


def no_prompt(text: str) -> str:
    raise AssertionError(f"unexpected prompt: {text}")


def assume_calls(calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [p for op, p in calls if op == "AssumeRole"]


def test_login_sends_serial_and_code_and_caches(calls: list, project: Project, aws_dir: Path) -> None:
    creds = mfa_sessions.login(project, "me-shared-oaar", "975310", aws_dir=aws_dir, settings=SETTINGS)
    [sent] = assume_calls(calls)
    assert sent == {"RoleArn": ROLE, "RoleSessionName": "lz-me-shared-oaar", "SerialNumber": SERIAL, "TokenCode": "975310", "DurationSeconds": 3600}
    cache = aws_dir / "me" / "cache" / "me-shared-oaar.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    cached = json.loads(cache.read_text())
    assert cached["AccessKeyId"] == creds["AccessKeyId"] and cached["RoleArn"] == ROLE and cached["MfaSerial"] == SERIAL
    assert "975310" not in cache.read_text() and "TokenCode" not in cached  # the code is not kept
    # The cached credentials are the member account's.
    sess = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"], region_name=REGION
    )
    assert sess.client("sts").get_caller_identity()["Account"] == MEMBER


def test_cached_credentials_reused_until_30_minutes_remain(calls: list, project: Project, aws_dir: Path) -> None:
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return "654321"

    first = mfa_sessions.cached_credentials(project, "me-shared-oaar", aws_dir, prompt, settings=SETTINGS)
    assert prompts == [f"MFA code for me-shared-oaar ({SERIAL})"]
    expires = datetime.fromisoformat(first["Expiration"])

    # 31 minutes left: reused, no prompt, no call.
    again = mfa_sessions.cached_credentials(project, "me-shared-oaar", aws_dir, no_prompt, settings=SETTINGS, now=expires - timedelta(minutes=31))
    assert again == first and len(assume_calls(calls)) == 1
    # 29 minutes left: one new code, one new assume-role.
    mfa_sessions.cached_credentials(project, "me-shared-oaar", aws_dir, prompt, settings=SETTINGS, now=expires - timedelta(minutes=29))
    assert len(prompts) == 2 and len(assume_calls(calls)) == 2
    assert mfa_sessions.as_env(first)["AWS_SESSION_TOKEN"] == first["SessionToken"]


def test_cache_ignored_when_the_profile_changed(calls: list, project: Project, aws_dir: Path) -> None:
    mfa_sessions.login(project, "me-shared-oaar", "123456", aws_dir=aws_dir, settings=SETTINGS)
    files = AwsFiles.of(aws_dir, "me")
    other = ROLE.replace(MEMBER, "333333333333")
    files.config.write_text(inifile.update(files.config.read_text(), {"profile me-shared-oaar": {"role_arn": other}}))
    assert mfa_sessions.read_cache(files, profiles.role_profile(files, "me-shared-oaar")) is None


def test_login_errors(calls: list, project: Project, aws_dir: Path) -> None:
    with pytest.raises(AwsError, match="6 digits"):
        mfa_sessions.login(project, "me-shared-oaar", "12345", aws_dir=aws_dir, settings=SETTINGS)
    with pytest.raises(AwsError, match="has no mfa_serial"):
        mfa_sessions.login(project, "me-plain-oaar", "123456", aws_dir=aws_dir, settings=SETTINGS)
    with pytest.raises(AwsError, match="no profile me-nope"):
        mfa_sessions.login(project, "me-nope", "123456", aws_dir=aws_dir, settings=SETTINGS)
    assert assume_calls(calls) == []


def test_profile_session_uses_the_cache_for_mfa_profiles(calls: list, project: Project, aws_dir: Path) -> None:
    mfa_sessions.login(project, "me-shared-oaar", "123456", aws_dir=aws_dir, settings=SETTINGS)
    sess = mfa_sessions.profile_session(project, "me-shared-oaar", aws_dir=aws_dir, settings=SETTINGS, prompt=no_prompt)
    assert sess.client("sts").get_caller_identity()["Account"] == MEMBER
    plain = mfa_sessions.profile_session(project, "me-plain-oaar", aws_dir=aws_dir, settings=SETTINGS, prompt=no_prompt)
    assert plain.client("sts").get_caller_identity()["Account"] == MEMBER
    assert profiles.mfa_profiles(AwsFiles.of(aws_dir, "me")) == ["me-shared-oaar"]


# --- enroll ---


def test_enroll_shows_qr_and_secret_and_enables_with_two_codes(calls: list) -> None:
    iam = boto3.client("iam", region_name=REGION)
    iam.create_user(UserName="natasha.romanoff")
    fake = FakeConsole(interactive=True)
    console = fake.console()

    def prompt(text: str, hide: bool) -> str:
        # The person reads the secret off the terminal into an authenticator app.
        seed = re.search(r"secret by hand: (\w+)", "\n".join(fake.lines)).group(1)  # type: ignore[union-attr]  # no match fails the test, as it should
        step = 0 if text.startswith("First") else 30
        return pyotp.TOTP(seed).at(1_700_000_000 + step)

    serial = mfa.enroll(iam, "natasha.romanoff", label="myexample-management", console=console.__class__(console.echo, prompt, console.confirm, True))
    assert serial == SERIAL
    shown = "\n".join(fake.lines)
    assert "▄" in shown or "█" in shown  # a QR code drawn with block characters
    [enable] = [p for op, p in calls if op == "EnableMFADevice"]
    seed = re.search(r"secret by hand: (\w+)", shown).group(1)  # type: ignore[union-attr]  # no match fails the test, as it should
    assert enable["AuthenticationCode1"] == pyotp.TOTP(seed).at(1_700_000_000)
    assert enable["AuthenticationCode2"] == pyotp.TOTP(seed).at(1_700_000_030)
    assert iam.list_mfa_devices(UserName="natasha.romanoff")["MFADevices"][0]["SerialNumber"] == SERIAL

    with pytest.raises(AwsError, match="already has an MFA device"):
        mfa.enroll(iam, "natasha.romanoff", label="x", console=console, codes=lambda d: ("1", "2"))


def test_enroll_needs_a_terminal_and_creates_nothing_without_one(calls: list) -> None:
    boto3.client("iam", region_name=REGION).create_user(UserName="kit.walker")
    with pytest.raises(AwsError, match="needs a terminal"):
        mfa.enroll(boto3.client("iam", region_name=REGION), "kit.walker", label="x", console=FakeConsole().console())
    assert [op for op, _ in calls if op == "CreateVirtualMFADevice"] == []


def test_enroll_bad_codes_delete_the_device_so_a_rerun_works(calls: list) -> None:
    iam = boto3.client("iam", region_name=REGION)
    iam.create_user(UserName="kit.walker")
    with pytest.raises(AwsError, match="6 digits"):
        mfa.enroll(iam, "kit.walker", label="x", console=FakeConsole().console(), codes=lambda d: ("abc", "def"))
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    # A device left by an interrupted run is replaced.
    iam.create_virtual_mfa_device(VirtualMFADeviceName="kit.walker")
    serial = mfa.enroll(iam, "kit.walker", label="x", console=FakeConsole().console(), codes=lambda d: (totp.code(d.seed, 0), totp.code(d.seed, 30)))
    assert serial.endswith(":mfa/kit.walker")


def test_enroll_unknown_user(calls: list) -> None:
    with pytest.raises(AwsError, match="no IAM user nobody"):
        mfa.enroll(boto3.client("iam", region_name=REGION), "nobody", label="x", console=FakeConsole().console(), codes=lambda d: ("123456", "654321"))


def test_seed_not_in_repr_and_uri_format() -> None:
    device = mfa.NewDevice("arn:aws:iam::1:mfa/u", "SEEDSEED", mfa.otpauth_uri("SEEDSEED", "u", "myexample-management"))
    assert "SEEDSEED" not in repr(device)
    assert device.uri == ("otpauth://totp/Amazon%20Web%20Services%3Au%40myexample-management?secret=SEEDSEED&issuer=Amazon%20Web%20Services")


def test_totp_matches_pyotp() -> None:
    seed = pyotp.random_base32()
    for at in (0, 59, 1_700_000_000, 1_999_999_999):
        assert totp.code(seed, at) == pyotp.TOTP(seed).at(at)
