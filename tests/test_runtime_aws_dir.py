"""`--target aws` reads the project's files where LZ_AWS_DIR puts them (lz's sessions and the
synthesized providers alike), and says what is missing when the bootstrap profile is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing_zone.aws import files
from landing_zone.aws.errors import AwsError
from landing_zone.aws.sessions import require_profile, session
from landing_zone.config import Project, load_project
from landing_zone.settings import Settings
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    from tests.synth_helpers import prepare_project

    return load_project(prepare_project(ROOT / "project.yaml", tmp_path_factory.mktemp("awsdir")))[0]


def _aws(tmp_path: Path) -> Settings:
    return Settings(config_path=tmp_path / "project.yaml", target="aws", work_dir=tmp_path / ".lz")


def test_bootstrap_credentials_come_from_lz_aws_dir(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_dir = tmp_path / "elsewhere"
    (aws_dir / project.short_name).mkdir(parents=True)
    (aws_dir / project.short_name / "credentials").write_text(
        f"[{project.short_name}-bootstrap]\naws_access_key_id = AKIAFROMLZAWSDIR0000\naws_secret_access_key = s\n"
    )
    monkeypatch.setenv("LZ_AWS_DIR", str(aws_dir))
    creds = session(project, _aws(tmp_path)).get_credentials()
    assert creds.access_key == "AKIAFROMLZAWSDIR0000"


def test_no_profile_names_the_files_read_and_the_command(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LZ_AWS_DIR", str(tmp_path / "empty"))
    with pytest.raises(AwsError) as caught:
        require_profile(project, _aws(tmp_path))
    message = str(caught.value)
    base = tmp_path / "empty" / project.short_name
    assert f"no profile {project.short_name}-bootstrap in {base / 'config'} or {base / 'credentials'}" in message
    assert "`lz credentials configure --type BOOTSTRAP --credentials-file KEYS.csv`" in message
    assert "\n" not in message


def test_the_synthesized_provider_reads_the_same_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert files.terraform_dir({}) == "~/.aws", "the default stays portable (snapshots)"
    monkeypatch.setenv("LZ_AWS_DIR", str(tmp_path / "elsewhere"))
    from landing_zone.stacks import target

    shared = target._shared_files(type("P", (), {"short_name": "me"})())
    assert shared == {"shared_config_files": [f"{tmp_path}/elsewhere/me/config"], "shared_credentials_files": [f"{tmp_path}/elsewhere/me/credentials"]}
