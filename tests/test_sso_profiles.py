"""`lz sso` without AWS: which profiles a person gets, the INI they become, the token cache, the device polling."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from landing_zone.aws import inifile, sso_token
from landing_zone.postdeploy import sso

ASSIGNMENTS = [
    ("Administrator", "Administrators", "management"),
    ("DevOps", "DevOps", "security"),
    ("DevOps", "DevOps", "shared"),
    ("FinOps", "FinOps", "management"),
]
MEMBERS = {"Administrators": ("ada@example.com",), "DevOps": ("ada@example.com", "bob@example.com"), "FinOps": ("bob@example.com",)}
IDS = {"management": "000123456789", "security": "111111111111", "shared": "222222222222"}
ORDER = ["management", "security", "shared"]


def test_grants_of_one_person_and_of_every_group() -> None:
    bob = sso.grants(ASSIGNMENTS, MEMBERS, IDS, ORDER, "bob@example.com")
    assert [(g.account, g.permission_set) for g in bob] == [("management", "FinOps"), ("security", "DevOps"), ("shared", "DevOps")]
    everyone = sso.grants(ASSIGNMENTS, MEMBERS, IDS, ORDER, None)
    assert len(everyone) == 4 and everyone[0] == sso.Grant("management", IDS["management"], "Administrator")
    assert sso.grants(ASSIGNMENTS, MEMBERS, IDS, ORDER, "nobody@example.com") == []


def test_config_is_the_aws_cli_v2_format_and_keeps_other_profiles() -> None:
    existing = "# mine\n[profile other]\nregion = eu-west-1\n"
    grants = sso.grants(ASSIGNMENTS, MEMBERS, IDS, ORDER, "ada@example.com")
    text = inifile.update(existing, sso.config_updates("me", "me", start_url="https://d-1.awsapps.com/start", region="us-east-1", grants=grants, endpoint=None))
    assert text.startswith(existing)
    sections = inifile.read(text)
    assert sections["sso-session me"] == {
        "sso_start_url": "https://d-1.awsapps.com/start",
        "sso_region": "us-east-1",
        "sso_registration_scopes": "sso:account:access",
    }
    assert sections["profile me-shared-devops"] == {
        "sso_session": "me",
        "sso_account_id": IDS["shared"],
        "sso_role_name": "DevOps",
        "region": "us-east-1",
        "output": "json",
    }
    assert set(sections) == {"profile other", "sso-session me", "profile me-management-administrator", "profile me-security-devops", "profile me-shared-devops"}


def test_a_key_and_role_profile_of_the_same_name_is_a_clash() -> None:
    """`lz credentials configure`'s `me-shared-devops` (role_arn + source_profile): merging SSO
    keys into it would leave a profile botocore still resolves through the role."""
    existing = (
        "[profile me-shared-devops]\nrole_arn = arn:aws:iam::222222222222:role/DevOps\nsource_profile = me-security\n[profile me-sso-only]\nsso_session = me\n"
    )
    grants = sso.grants(ASSIGNMENTS, MEMBERS, IDS, ORDER, "ada@example.com")
    updates = sso.config_updates("me", "me", start_url="https://d-1.awsapps.com/start", region="us-east-1", grants=grants, endpoint=None)
    assert sso.clashes(inifile.read(existing), updates) == ["profile me-shared-devops"]
    assert sso.clashes(inifile.read(inifile.update("", updates)), updates) == []  # its own profiles again: no clash


def test_token_cache_is_botocores_file(tmp_path: Path) -> None:
    path = sso_token.write(
        "me",
        start_url="https://d-1.awsapps.com/start",
        region="us-east-1",
        token={"accessToken": "tok", "expiresIn": 3600},
        client={"clientId": "cid", "clientSecret": "sec", "clientSecretExpiresAt": 2000000000},
        home=tmp_path,
    )
    assert path == tmp_path / ".aws/sso/cache" / f"{hashlib.sha1(b'me').hexdigest()}.json"
    assert path.stat().st_mode & 0o777 == 0o600
    data = json.loads(path.read_text())
    assert data["accessToken"] == "tok" and data["expiresAt"].endswith("Z") and data["clientId"] == "cid"
    cached = sso_token.read("me", tmp_path)
    assert cached is not None and 3500 < cached.left(datetime.now(UTC)).total_seconds() <= 3600
    assert sso_token.remove("me", tmp_path) and sso_token.read("me", tmp_path) is None


class _Pending(Exception):
    pass


class _SlowDown(Exception):
    pass


class _Expired(Exception):
    pass


class _Denied(Exception):
    pass


class FakeOidc:
    """CreateToken answers from a script: an exception class to raise, or the token."""

    class exceptions:  # botocore's attribute name
        AuthorizationPendingException = _Pending
        SlowDownException = _SlowDown
        ExpiredTokenException = _Expired
        AccessDeniedException = _Denied

    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.calls = 0

    def create_token(self, **_: Any) -> dict[str, Any]:
        answer = self.script[self.calls]
        self.calls += 1
        if isinstance(answer, type):
            raise answer()
        return dict(answer)


DEVICE = sso.Device({"clientId": "c", "clientSecret": "s"}, {"deviceCode": "d", "userCode": "AB-CD", "verificationUri": "u", "interval": 2, "expiresIn": 60})


def test_polls_at_the_returned_interval_and_slows_down() -> None:
    slept: list[float] = []
    oidc = FakeOidc([_Pending, _SlowDown, _Pending, {"accessToken": "t", "expiresIn": 10}])
    assert sso.wait_for_token(oidc, DEVICE, sleep=slept.append, clock=lambda: 0.0)["accessToken"] == "t"
    assert slept == [2, 7, 7]


@pytest.mark.parametrize(("answer", "words"), [(_Expired, "expired"), (_Denied, "denied")])
def test_expiry_and_denial_are_clear(answer: type[Exception], words: str) -> None:
    with pytest.raises(sso.SsoLoginError, match=words):
        sso.wait_for_token(FakeOidc([_Pending, answer]), DEVICE, sleep=lambda _: None, clock=lambda: 0.0)


def test_gives_up_when_the_code_expires_while_pending() -> None:
    now = iter(range(0, 1000, 30))
    with pytest.raises(sso.SsoLoginError, match="expired"):
        sso.wait_for_token(FakeOidc([_Pending] * 10), DEVICE, sleep=lambda _: None, clock=lambda: float(next(now)))


def test_auth_sso_without_a_token_names_lz_sso_login(tmp_path: Path) -> None:
    from landing_zone.config.model import Project
    from landing_zone.deploy.auth import sso_credentials, uses_sso
    from landing_zone.deploy.errors import DeployError
    from landing_zone.settings import Settings

    project = Project.model_validate(
        {"project_name": "probe", "short_name": "pr", "organization": {"accounts": [{"name": "management", "email": "m@example.com"}]}}
    )
    settings = Settings(config_path=tmp_path / "project.yaml", target="aws", auth="sso")
    assert uses_sso(project, settings) and not uses_sso(project, Settings(config_path=tmp_path / "project.yaml"))
    with pytest.raises(DeployError, match=r"SSO session pr is not signed in: run `lz sso login`"):
        sso_credentials(project, settings, ["management"], {"management": "000123456789"})
