"""After `lz mfa enable`, commands that read deployed state (`lz passwords show` through
deploy/outputs.py, `lz inventory`, `lz unlock`) run with the MFA role sessions, as `lz up` does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from landing_zone.config import Project, load_project
from landing_zone.deploy import auth, command
from landing_zone.deploy.outputs import stack_outputs
from landing_zone.settings import Settings
from tests.conftest import ROOT

SESSION = {"AccessKeyId": "ASIAMFASESSION000001", "SecretAccessKey": "secret", "SessionToken": "token"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    from tests.synth_helpers import prepare_project

    return load_project(prepare_project(ROOT / "project.yaml", tmp_path_factory.mktemp("mfa-reads")))[0]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A work dir where the identities stack was applied, then MFA enabled; a fake terraform on PATH."""
    work, out = tmp_path / ".lz", tmp_path / "cdktf.out"
    stack = "security-identities"
    (work / "stacks" / stack / ".terraform").mkdir(parents=True)
    (out / "stacks" / stack).mkdir(parents=True)
    (out / "stacks" / stack / "cdk.tf.json").write_text("{}")
    (work / "mfa-state.json").write_text(json.dumps({"enforced": True}))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "terraform").write_text(f"""#!/bin/sh
echo "$AWS_ACCESS_KEY_ID" > {tmp_path}/key-seen
echo '{{"users": {{"value": {{}}}}}}'
""")
    (bin_dir / "terraform").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return Settings(config_path=tmp_path / "project.yaml", work_dir=work, out_dir=out, endpoint="http://127.0.0.1:1")


def test_stack_outputs_use_the_mfa_session_of_the_stacks_account(project: Project, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []

    def sessions(project: Project, settings: Settings, accounts: list[str], code_for: object) -> dict[str, dict[str, str]]:
        asked.append(accounts)
        return dict.fromkeys(accounts, SESSION)

    monkeypatch.setattr(auth, "session_credentials", sessions)
    assert stack_outputs(project, settings, "security-identities") == {"users": {}}
    assert asked == [["security"]]
    assert (settings.work_dir.parent / "key-seen").read_text().strip() == SESSION["AccessKeyId"]


def test_before_mfa_no_session_is_asked_for(project: Project, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    (settings.work_dir / "mfa-state.json").write_text(json.dumps({"enforced": False}))
    monkeypatch.setattr(auth, "session_credentials", lambda *a, **k: pytest.fail("no MFA session before MFA is on"))
    assert stack_outputs(project, settings, "security-identities") == {"users": {}}


def test_inventory_reads_with_the_management_session(project: Project, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "session_credentials", lambda p, s, accounts, c: dict.fromkeys(accounts, SESSION))
    ctx = command.read_context(project, settings, ["management"], lambda p, s: "")
    assert ctx.settings.auth == "mfa"
    assert ctx.session().get_credentials().access_key == SESSION["AccessKeyId"]
