"""The operator journey after `lz up`, on the embedded emulator, through the `lz` CLI.

The organization and IAM users are made with boto3 (the stacks are not deployed here);
then: bootstrap profiles, a user's keys from the console CSV, MFA enrollment, profiles
with the MFA serial, and boto3 itself using the generated files to assume OAAR/DevOps
in member accounts with a code pyotp computes from the enrolled device's seed.
The emulator doesn't enforce MFA: the tests check what was sent and cached.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pyotp
import pytest

from landing_zone.aws import inifile, mfa_sessions
from landing_zone.cli.main import main
from landing_zone.config import load_project
from landing_zone.emulator import server
from landing_zone.settings import EMULATOR_SECRET, emulator_access_key
from tests.postdeploy.support import gnupghome, make_project  # noqa: F401 - fixture

MANAGEMENT_ID = "000123456789"  # the repo's project.yaml
REGION = "us-east-1"


@dataclass
class Emulator:
    endpoint: str
    work_dir: Path
    accounts: dict[str, str]

    def admin(self, account: str = "management") -> Any:
        """A boto3 session with admin rights in `account` (OAAR for member accounts)."""
        base = boto3.Session(aws_access_key_id=emulator_access_key(MANAGEMENT_ID), aws_secret_access_key=EMULATOR_SECRET, region_name=REGION)
        if account == "management":
            return base
        c = base.client("sts", endpoint_url=self.endpoint).assume_role(
            RoleArn=f"arn:aws:iam::{self.accounts[account]}:role/OrganizationAccountAccessRole", RoleSessionName="setup"
        )["Credentials"]
        return boto3.Session(
            aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"], region_name=REGION
        )

    def iam(self, account: str = "management") -> Any:
        return self.admin(account).client("iam", endpoint_url=self.endpoint)


def _ensure_role(iam: Any, name: str, trusted_account: str) -> None:
    # Another room makes CreateAccount create OAAR; don't depend on it (nor on DevOps being deployed).
    try:
        iam.get_role(RoleName=name)
    except iam.exceptions.NoSuchEntityException:
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"}, "Action": "sts:AssumeRole"}],
        }
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    work_dir = tmp_path_factory.mktemp("pd-emulator") / ".lz"
    info = server.start(work_dir)
    try:
        emu = Emulator(info.endpoint, work_dir, {"management": MANAGEMENT_ID})
        org = emu.admin().client("organizations", endpoint_url=info.endpoint)
        org.create_organization(FeatureSet="ALL")
        for name in ("security", "shared"):
            status = org.create_account(AccountName=f"myexample-{name}", Email=f"myexample-aws+{name}@example.com")
            emu.accounts[name] = status["CreateAccountStatus"]["AccountId"]
        for name in ("security", "shared"):
            iam = emu.iam(name)
            _ensure_role(iam, "OrganizationAccountAccessRole", MANAGEMENT_ID)
            _ensure_role(iam, "DevOps", emu.accounts["security"])
        for account in ("management", "security"):
            emu.iam(account).create_user(UserName="natasha.romanoff")  # what the identities stack makes
        yield emu
    finally:
        server.stop(work_dir, timeout=3)  # a throwaway emulator: no need to wait for a clean exit


@pytest.fixture
def lz(emulator: Emulator, tmp_path: Path, gnupghome: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `lz …` in a project dir against the emulator; returns (exit code, stdout, stderr)."""
    project = make_project(tmp_path / "proj", gnupghome)
    monkeypatch.setenv("LZ_CONFIG", str(project))
    monkeypatch.setenv("LZ_WORK_DIR", str(emulator.work_dir))
    monkeypatch.setenv("LZ_TARGET", "local")
    monkeypatch.setenv("LZ_AWS_DIR", str(tmp_path / "aws"))

    def run(*args: str, ok: bool = True) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        if ok:
            assert code == 0, out.err
        return code, out.out, out.err

    run.project = project  # type: ignore[attr-defined]  # the fixture hands tests its project and files dir on the function
    run.files = tmp_path / "aws" / "me"  # type: ignore[attr-defined]  # (see above)
    return run


def use_generated_files(monkeypatch: pytest.MonkeyPatch, files: Path, endpoint: str) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(files / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(files / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)  # the profiles are the real-AWS ones; only the endpoint differs


def assume_with_profile(profile: str, code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """boto3 reads the generated profile and assumes its role; returns the identity and what STS got."""
    session = boto3.Session(profile_name=profile)
    sent: list[dict[str, Any]] = []
    session.events.register("before-call.sts.AssumeRole", lambda params, **_: sent.append(dict(params["body"])))
    provider = session._session.get_component("credential_provider").get_provider("assume-role")
    provider._prompter = lambda prompt: code  # the MFA prompt botocore shows a person
    return session.client("sts").get_caller_identity(), sent


def seed_of(emulator: Emulator, serial: str) -> str:
    account, name = serial.split(":")[4], serial.rsplit("/", 1)[-1]
    return (emulator.work_dir / "demo-mfa" / f"{account}-{name}.seed").read_text().strip()


def test_management_journey(emulator: Emulator, lz: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # 1. Bootstrap profiles (on the emulator the bootstrap keys are the management account's key).
    lz("credentials", "configure", "--type", "BOOTSTRAP")
    config = inifile.read((lz.files / "config").read_text())
    assert config["profile me-shared-oaar"]["role_arn"] == (f"arn:aws:iam::{emulator.accounts['shared']}:role/OrganizationAccountAccessRole")

    # 2. Natasha's access keys (the console step) → MANAGEMENT credentials from the CSV.
    csv = tmp_path / "natasha_accessKeys.csv"
    lz("credentials", "emulator-access-key", "natasha.romanoff", "--out", str(csv))
    lz("credentials", "configure", "--type", "MANAGEMENT", "--credentials-file", str(csv))

    # 3. MFA from the CLI; the profiles get the serial.
    _, out, _ = lz("mfa", "enroll", "natasha.romanoff", "--demo-codes")
    serial = f"arn:aws:iam::{MANAGEMENT_ID}:mfa/natasha.romanoff"
    assert serial in out
    lz("credentials", "configure", "--type", "MANAGEMENT", "--skip-access-keys-setup", "--fetch-mfa-device")
    config_text = (lz.files / "config").read_text()
    config = inifile.read(config_text)
    assert config["profile me-security-oaar"]["mfa_serial"] == serial
    assert config["profile me-security-oaar"]["source_profile"] == "me-management"
    lz("credentials", "configure", "--type", "MANAGEMENT", "--skip-access-keys-setup", "--fetch-mfa-device")
    assert (lz.files / "config").read_text() == config_text  # re-run: identical

    # 4. boto3 itself uses the generated files, with a code pyotp computes from the device's seed.
    code = pyotp.TOTP(seed_of(emulator, serial)).now()
    use_generated_files(monkeypatch, lz.files, emulator.endpoint)
    identity, sent = assume_with_profile("me-security-oaar", code)
    assert identity["Account"] == emulator.accounts["security"]
    assert ":assumed-role/OrganizationAccountAccessRole/" in identity["Arn"]
    assert [(s["RoleArn"], s["SerialNumber"], s["TokenCode"]) for s in sent] == [
        (f"arn:aws:iam::{emulator.accounts['security']}:role/OrganizationAccountAccessRole", serial, code)
    ]

    # 5. `lz mfa login` caches the session; the deploy hook reuses it without asking.
    _, _, err = lz("mfa", "login", "--profile", "me-shared-oaar", "--code", code)
    assert "me-shared-oaar: MFA session valid until" in err
    project = load_project(lz.project)[0]

    def no_prompt(text: str) -> str:
        raise AssertionError("the cache is fresh: no code needed")

    creds = mfa_sessions.cached_credentials(project, "me-shared-oaar", tmp_path / "aws", no_prompt)
    sts = boto3.client(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
        endpoint_url=emulator.endpoint,
    )
    assert sts.get_caller_identity()["Account"] == emulator.accounts["shared"]
    cached = json.loads((lz.files / "cache" / "me-shared-oaar.json").read_text())
    assert cached["MfaSerial"] == serial and code not in json.dumps(cached)
    # Logged in again without --profile: the fresh cache is reused, the others need a code.
    _, _, err = lz("mfa", "login", "--profile", "me-shared-oaar")
    assert "cached session valid until" in err
    code_, _, err = lz("mfa", "login", ok=False)
    assert code_ == 1 and "no MFA code: pass --code (no terminal to ask on)" in err


def test_security_journey(emulator: Emulator, lz: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lz("credentials", "configure", "--type", "BOOTSTRAP")
    csv = tmp_path / "natasha_security.csv"
    lz("credentials", "emulator-access-key", "natasha.romanoff", "--account", "security", "--out", str(csv))
    lz("credentials", "configure", "--type", "SECURITY", "--credentials-file", str(csv))
    lz("mfa", "enroll", "natasha.romanoff", "--account", "security", "--demo-codes")
    lz("credentials", "configure", "--type", "SECURITY", "--skip-access-keys-setup", "--fetch-mfa-device")
    config = inifile.read((lz.files / "config").read_text())
    serial = f"arn:aws:iam::{emulator.accounts['security']}:mfa/natasha.romanoff"
    assert "profile me-management-devops" not in config
    assert config["profile me-shared-devops"] == {
        "region": REGION,
        "output": "json",
        "role_arn": f"arn:aws:iam::{emulator.accounts['shared']}:role/DevOps",
        "source_profile": "me-security",
        "mfa_serial": serial,
    }
    # The bootstrap profiles are still there, untouched by the SECURITY run.
    assert config["profile me-shared-oaar"]["source_profile"] == "me-bootstrap"

    code = pyotp.TOTP(seed_of(emulator, serial)).now()
    use_generated_files(monkeypatch, lz.files, emulator.endpoint)
    identity, sent = assume_with_profile("me-shared-devops", code)
    assert identity["Account"] == emulator.accounts["shared"] and ":assumed-role/DevOps/" in identity["Arn"]
    assert sent[0]["SerialNumber"] == serial and sent[0]["TokenCode"] == code


def test_errors_are_one_line(emulator: Emulator, lz: Any) -> None:
    code, _, err = lz("credentials", "configure", "--type", "SECURITY", ok=False)
    assert code == 1 and err.splitlines()[-1].startswith("error: no access keys given")
    assert [line for line in err.splitlines() if line.startswith("error")] == [err.splitlines()[-1]]
    code, _, err = lz("mfa", "enroll", "natasha.romanoff", ok=False)
    assert code == 1 and err == f"error: no credentials for account management in {lz.files}: run `lz credentials configure` or pass --profile\n"
    code, _, err = lz("credentials", "configure", "--type", "NOPE", ok=False)
    assert code == 1 and "unknown credentials type 'NOPE'" in err


def test_no_emulator_running(tmp_path: Path, gnupghome: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "proj", gnupghome)
    monkeypatch.setenv("LZ_WORK_DIR", str(tmp_path / ".lz"))
    assert main(["credentials", "configure", "--type", "BOOTSTRAP", "--config", str(project)]) == 1
    assert capsys.readouterr().err == "error: no emulator is running (start one with `lz emulator start`)\n"
    assert not (tmp_path / ".lz" / "aws").exists()
