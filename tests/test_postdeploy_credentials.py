"""`credentials configure` against moto in-process (target aws: no endpoint, mock_aws intercepts).

moto maps unknown access keys to its default account 123456789012, which plays the
management account; the organization's member accounts are created in each test.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pyotp
import pytest
from moto import mock_aws

from landing_zone.aws import inifile
from landing_zone.aws.errors import AwsError
from landing_zone.aws.profiles import stored_key
from landing_zone.aws.sessions import AccessKey
from landing_zone.config import editor
from landing_zone.postdeploy import credentials, mfa
from landing_zone.postdeploy.ui import Console
from landing_zone.settings import Settings
from tests.postdeploy.support import PROJECT_YAML, gnupghome, make_project  # noqa: F401 - fixture

MOTO_ACCOUNT = "123456789012"
REGION = "us-east-1"
BOOTSTRAP_KEY = AccessKey("AKIABOOTSTRAPEXAMPLE", "bootstrap-secret")


@dataclass
class FakeConsole:
    answers: list[str] = field(default_factory=list)
    confirm_answer: bool = False
    interactive: bool = False
    lines: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    def console(self) -> Console:
        def prompt(text: str, hide: bool) -> str:
            self.questions.append(text)
            return self.answers.pop(0)

        def confirm(text: str) -> bool:
            self.questions.append(text)
            return self.confirm_answer

        return Console(echo=self.lines.append, prompt=prompt, confirm=confirm, interactive=self.interactive)


@dataclass
class Org:
    accounts: dict[str, str]  # name → id, management included

    def session_in(self, account: str) -> Any:
        """Admin session in a member account (moto created OAAR there)."""
        sts = boto3.client("sts", region_name=REGION)
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{self.accounts[account]}:role/OrganizationAccountAccessRole", RoleSessionName="test-setup")["Credentials"]
        return boto3.Session(
            aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"], region_name=REGION
        )


@pytest.fixture
def org() -> Iterator[Org]:
    with mock_aws():
        client = boto3.client("organizations", region_name=REGION)
        client.create_organization(FeatureSet="ALL")
        accounts = {"management": MOTO_ACCOUNT}
        for name in ("security", "shared"):
            status = client.create_account(AccountName=f"myexample-{name}", Email=f"x+{name}@example.com")
            accounts[name] = status["CreateAccountStatus"]["AccountId"]
        client.create_account(AccountName="someone-elses", Email="other@example.com")  # not this project's
        yield Org(accounts)


@pytest.fixture
def project(tmp_path: Path, gnupghome: Path) -> Path:
    # The management id is unknown: the first BOOTSTRAP run records it.
    return make_project(tmp_path / "proj", gnupghome, PROJECT_YAML.replace(", id: '000123456789'", ""))


@pytest.fixture
def aws_dir(tmp_path: Path) -> Path:
    return tmp_path / "aws"


def run(project: Path, aws_dir: Path, cred_type: str = "BOOTSTRAP", console: FakeConsole | None = None, **kw: Any) -> credentials.Result:
    settings = Settings(config_path=project, target="aws", work_dir=project.parent / ".lz")
    req = credentials.Request(cred_type, **kw)
    return credentials.configure(req, config_path=project, settings=settings, aws_dir=aws_dir, console=(console or FakeConsole()).console())


def config_of(aws_dir: Path) -> dict[str, dict[str, str]]:
    return inifile.read((aws_dir / "me" / "config").read_text())


def user_key(session: Any, user: str) -> AccessKey:
    iam = session.client("iam")
    iam.create_user(UserName=user)
    k = iam.create_access_key(UserName=user)["AccessKey"]
    return AccessKey(k["AccessKeyId"], k["SecretAccessKey"])


def enroll(session: Any, user: str) -> str:
    """Enroll a device the way `lz mfa enroll` does, codes from pyotp; returns the seed."""
    seen: list[str] = []

    def codes(device: mfa.NewDevice) -> tuple[str, str]:
        seen.append(device.seed)
        totp = pyotp.TOTP(device.seed)
        return totp.at(0), totp.at(30)

    mfa.enroll(session.client("iam"), user, label="myexample-management", console=FakeConsole().console(), codes=codes)
    return seen[0]


def test_first_bootstrap_run_records_the_id_and_writes_profiles(org: Org, project: Path, aws_dir: Path) -> None:
    before = project.read_text()
    result = run(project, aws_dir, key=BOOTSTRAP_KEY)

    assert result.management_id_written == MOTO_ACCOUNT
    changed = [(a, b) for a, b in zip(before.splitlines(), project.read_text().splitlines(), strict=True) if a != b]
    assert changed == [
        ("  - {name: management, email: myexample-aws@example.com}", f"  - {{name: management, email: myexample-aws@example.com, id: '{MOTO_ACCOUNT}'}}")
    ]

    creds = aws_dir / "me" / "credentials"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert inifile.read(creds.read_text()) == {"me-bootstrap": {"aws_access_key_id": BOOTSTRAP_KEY.key_id, "aws_secret_access_key": BOOTSTRAP_KEY.secret}}
    config = config_of(aws_dir)
    assert list(config) == [
        "profile me-bootstrap",
        "profile me-management-oaar",
        "profile me-security-oaar",
        "profile me-shared-oaar",
    ]  # (someone-elses is not ours)
    assert config["profile me-security-oaar"] == {
        "region": "us-east-1",
        "output": "json",
        "role_arn": f"arn:aws:iam::{org.accounts['security']}:role/OrganizationAccountAccessRole",
        "source_profile": "me-bootstrap",
    }
    assert config["profile me-bootstrap"] == {"region": "us-east-1", "output": "json"}
    assert result.backup is None  # there was no config file to back up


def test_rerun_changes_nothing(org: Org, project: Path, aws_dir: Path) -> None:
    run(project, aws_dir, key=BOOTSTRAP_KEY)
    files = {p.name: p.read_bytes() for p in (aws_dir / "me").iterdir()}
    yaml_before = project.read_bytes()
    again = run(project, aws_dir, key=BOOTSTRAP_KEY)
    assert not again.credentials_changed and not again.config_changed and again.backup is None
    assert {p.name: p.read_bytes() for p in (aws_dir / "me").iterdir()} == files
    assert project.read_bytes() == yaml_before
    # Without keys (CI re-run): the stored ones are kept.
    assert not run(project, aws_dir).credentials_changed


def test_other_profiles_and_comments_are_kept_and_config_backed_up(org: Org, project: Path, aws_dir: Path) -> None:
    (aws_dir / "me").mkdir(parents=True)
    config = "# my own notes\n[profile personal]\nregion = eu-west-1\n\n[profile me-security-oaar]\nregion = old\ncli_pager =\n"
    creds = "[personal]\naws_access_key_id = AKIAPERSONAL\naws_secret_access_key = s\n# keep me\n"
    (aws_dir / "me" / "config").write_text(config)
    (aws_dir / "me" / "credentials").write_text(creds)

    result = run(project, aws_dir, key=BOOTSTRAP_KEY)
    new_config = (aws_dir / "me" / "config").read_text()
    assert new_config.startswith("# my own notes\n[profile personal]\nregion = eu-west-1\n\n[profile me-security-oaar]\nregion = us-east-1\ncli_pager =\n")
    assert (aws_dir / "me" / "credentials").read_text().startswith(creds)
    assert result.backup and result.backup.read_text() == config


def test_keys_of_another_account_are_refused_and_nothing_is_written(org: Org, tmp_path: Path, gnupghome: Path, aws_dir: Path) -> None:
    project = make_project(tmp_path / "p2", gnupghome)  # says management is 000123456789
    before = project.read_text()
    with pytest.raises(AwsError, match=f"belong to account {MOTO_ACCOUNT}.*000123456789"):
        run(project, aws_dir, key=BOOTSTRAP_KEY)
    assert project.read_text() == before and not (aws_dir / "me").exists()

    # Interactively, the operator may say the file is wrong.
    fake = FakeConsole(interactive=True, confirm_answer=True)
    assert run(project, aws_dir, console=fake, key=BOOTSTRAP_KEY).management_id_written == MOTO_ACCOUNT
    assert f"id: '{MOTO_ACCOUNT}'" in project.read_text()


def test_invalid_keys_are_not_kept(org: Org, project: Path, aws_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    def reject(*_: object, **__: object) -> None:
        raise ClientError({"Error": {"Code": "InvalidClientTokenId", "Message": "bad"}}, "GetCallerIdentity")

    monkeypatch.setattr("botocore.client.BaseClient._make_api_call", reject)
    with pytest.raises(AwsError, match="not accepted.*InvalidClientTokenId"):
        run(project, aws_dir, key=BOOTSTRAP_KEY)
    assert not (aws_dir / "me" / "credentials").exists()


def test_existing_keys_need_overwrite_flag(org: Org, project: Path, aws_dir: Path) -> None:
    run(project, aws_dir, key=BOOTSTRAP_KEY)
    other = AccessKey("AKIAOTHEREXAMPLE0000", "other-secret")
    with pytest.raises(AwsError, match="--overwrite-existing-credentials"):
        run(project, aws_dir, key=other)
    assert run(project, aws_dir, key=other, overwrite=True).credentials_changed
    assert stored_key(credentials.AwsFiles.of(aws_dir, "me"), "me-bootstrap") == other


def test_skip_access_keys_setup(org: Org, project: Path, aws_dir: Path) -> None:
    with pytest.raises(AwsError, match="no access keys for profile me-bootstrap"):
        run(project, aws_dir, skip_keys=True)
    run(project, aws_dir, key=BOOTSTRAP_KEY)
    assert not run(project, aws_dir, skip_keys=True).credentials_changed


def test_keys_prompted_when_interactive(org: Org, project: Path, aws_dir: Path) -> None:
    fake = FakeConsole(interactive=True, answers=[BOOTSTRAP_KEY.key_id, BOOTSTRAP_KEY.secret])
    run(project, aws_dir, console=fake)
    assert fake.questions == ["Access key ID", "Secret access key"]
    with pytest.raises(AwsError, match="no access keys given"):
        run(project, aws_dir / "other")  # not interactive, nothing given


def test_management_keys_with_mfa_device(org: Org, project: Path, aws_dir: Path) -> None:
    run(project, aws_dir, key=BOOTSTRAP_KEY)
    admin = boto3.Session(region_name=REGION)
    key = user_key(admin, "natasha.romanoff")
    with pytest.raises(AwsError, match="no MFA device yet.*lz mfa enroll natasha.romanoff"):
        run(project, aws_dir, "MANAGEMENT", key=key, fetch_mfa=True)
    assert "me-management" not in inifile.read((aws_dir / "me" / "credentials").read_text())  # checked before kept

    enroll(admin, "natasha.romanoff")
    result = run(project, aws_dir, "MANAGEMENT", key=key, fetch_mfa=True)
    serial = f"arn:aws:iam::{MOTO_ACCOUNT}:mfa/natasha.romanoff"
    assert result.mfa_serial == serial
    config = config_of(aws_dir)
    for acct in ("management", "security", "shared"):
        assert config[f"profile me-{acct}-oaar"]["source_profile"] == "me-management"
        assert config[f"profile me-{acct}-oaar"]["mfa_serial"] == serial

    # Re-run without --fetch-mfa-device: the serial stays (same source profile) ...
    run(project, aws_dir, "MANAGEMENT", skip_keys=True)
    assert config_of(aws_dir)["profile me-shared-oaar"]["mfa_serial"] == serial
    # ... but bootstrap keys can't answer natasha's device: switching back drops it.
    run(project, aws_dir, "BOOTSTRAP", skip_keys=True)
    assert "mfa_serial" not in config_of(aws_dir)["profile me-shared-oaar"]


def test_management_keys_must_be_the_management_account(org: Org, project: Path, aws_dir: Path) -> None:
    run(project, aws_dir, key=BOOTSTRAP_KEY)
    key = user_key(org.session_in("shared"), "natasha.romanoff")
    with pytest.raises(AwsError, match=f"belong to account {org.accounts['shared']}"):
        run(project, aws_dir, "MANAGEMENT", key=key)


def test_security_keys_get_devops_profiles_in_member_accounts(org: Org, project: Path, aws_dir: Path) -> None:
    security = org.session_in("security")
    key = user_key(security, "natasha.romanoff")
    editor.edit_file(project, lambda text: editor.with_management_id(text, MOTO_ACCOUNT))
    with pytest.raises(AwsError, match="run `lz credentials configure --type BOOTSTRAP`"):
        run(project, aws_dir, "SECURITY", key=key)  # member ids unknown yet (and its keys can't list them)

    run(project, aws_dir, key=BOOTSTRAP_KEY)
    enroll(security, "natasha.romanoff")
    run(project, aws_dir, "SECURITY", key=key, fetch_mfa=True)
    config = config_of(aws_dir)
    assert "profile me-management-devops" not in config  # DevOps lives in member accounts only
    assert config["profile me-shared-devops"] == {
        "region": "us-east-1",
        "output": "json",
        "role_arn": f"arn:aws:iam::{org.accounts['shared']}:role/DevOps",
        "source_profile": "me-security",
        "mfa_serial": f"arn:aws:iam::{org.accounts['security']}:mfa/natasha.romanoff",
    }
    # Keys of the wrong account are refused.
    with pytest.raises(AwsError, match="not the security account"):
        run(project, aws_dir, "SECURITY", key=user_key(org.session_in("shared"), "kit.walker"), overwrite=True)


def test_organization_not_created_yet(project: Path, aws_dir: Path) -> None:
    with mock_aws():
        result = run(project, aws_dir, key=BOOTSTRAP_KEY)
    assert result.accounts == {"management": MOTO_ACCOUNT}
    assert list(config_of(aws_dir)) == ["profile me-bootstrap", "profile me-management-oaar"]


# --- the console's CSV and the environment ---


def test_console_csv(tmp_path: Path) -> None:
    csv = tmp_path / "accessKeys.csv"
    csv.write_text("\ufeffAccess key ID,Secret access key\nAKIAEXAMPLE,abc/def+ghi\n", encoding="utf-8")
    assert credentials.read_key_csv(csv) == AccessKey("AKIAEXAMPLE", "abc/def+ghi")
    # The "download .csv" of a new user has more columns.
    csv.write_text("User name,Password,Access key ID,Secret access key,Console login link\nn,p,AKIAX,sec,https://x\n")
    assert credentials.read_key_csv(csv) == AccessKey("AKIAX", "sec")


@pytest.mark.parametrize(
    "text, message",
    [
        ("User name,Password\nn,p\n", "expected the columns"),
        ("Access key ID,Secret access key\n", "found 0"),
        ("Access key ID,Secret access key\nA,s\nB,t\n", "found 2"),
        ("Access key ID,Secret access key\nA,\n", "secret access key is empty"),
    ],
)
def test_console_csv_errors(tmp_path: Path, text: str, message: str) -> None:
    csv = tmp_path / "k.csv"
    csv.write_text(text)
    with pytest.raises(AwsError, match=message):
        credentials.read_key_csv(csv)


def test_secret_never_in_repr() -> None:
    key = AccessKey("AKIAEXAMPLE", "very-secret", "token-secret")
    assert "very-secret" not in repr(key) and "token-secret" not in repr(key)


def test_key_from_env() -> None:
    assert credentials.key_from_env({}) is None
    assert credentials.key_from_env({"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s"}) == AccessKey("A", "s")


def test_json_of_result_has_no_secret(org: Org, project: Path, aws_dir: Path) -> None:
    result = run(project, aws_dir, key=BOOTSTRAP_KEY)
    assert BOOTSTRAP_KEY.secret not in json.dumps(result.__dict__, default=str)
