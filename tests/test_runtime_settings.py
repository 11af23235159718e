"""Settings lz reads from LZ_* (and AWS_ENDPOINT_URL), and `lz env`'s provider mirror."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing_zone.deploy import tfenv
from landing_zone.settings import COMMAND_TIMEOUT, LOCK_TIMEOUT, Settings, SettingsError


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"LZ_WORK_DIR": str(tmp_path / ".lz"), **env})


@pytest.mark.parametrize("value", ["bootstrap", "mfa"])
def test_lz_auth_known_modes(tmp_path: Path, value: str) -> None:
    assert _settings(tmp_path, LZ_AUTH=value).auth == value


def test_lz_auth_unknown_mode_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="LZ_AUTH: unknown mode 'MFA': use one of bootstrap, mfa"):
        _settings(tmp_path, LZ_AUTH="MFA")


def test_aws_endpoint_url_is_the_emulator_endpoint_for_local(tmp_path: Path) -> None:
    assert _settings(tmp_path, AWS_ENDPOINT_URL="http://127.0.0.1:4599").endpoint == "http://127.0.0.1:4599"
    both = _settings(tmp_path, AWS_ENDPOINT_URL="http://127.0.0.1:1", LZ_EMULATOR_ENDPOINT="http://127.0.0.1:2")
    assert both.endpoint == "http://127.0.0.1:2", "LZ_EMULATOR_ENDPOINT wins"
    assert _settings(tmp_path, AWS_ENDPOINT_URL="http://x", LZ_TARGET="aws").endpoint is None, "never on AWS"


def test_timeouts_default_and_override(tmp_path: Path) -> None:
    plain = _settings(tmp_path)
    assert (plain.command_timeout, plain.lock_timeout) == (COMMAND_TIMEOUT, LOCK_TIMEOUT)
    custom = _settings(tmp_path, LZ_COMMAND_TIMEOUT="90", LZ_LOCK_TIMEOUT="15s")
    assert (custom.command_timeout, custom.lock_timeout) == (90.0, 15)
    with pytest.raises(SettingsError, match="LZ_LOCK_TIMEOUT: 'soon' is not a number of seconds"):
        _settings(tmp_path, LZ_LOCK_TIMEOUT="soon")


def test_find_mirror_is_the_scripts_logic(tmp_path: Path) -> None:
    (tmp_path / "a" / "node_modules" / "registry.terraform.io").mkdir(parents=True)
    (tmp_path / "opt" / "plugins" / "registry.terraform.io" / "hashicorp").mkdir(parents=True)
    assert tfenv.find_mirror(tmp_path) == tmp_path / "opt" / "plugins"
    assert tfenv.find_mirror(tmp_path, depth=2) is None


def test_lz_env_finds_and_remembers_the_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "registry.terraform.io").mkdir(parents=True)
    monkeypatch.setattr(tfenv, "find_mirror", lambda: mirror)
    settings = _settings(tmp_path)
    assert settings.provider_mirror is None
    env = tfenv.terraform_env(settings, search=True)  # `lz env`
    assert env["LZ_PROVIDER_MIRROR"] == str(mirror)
    assert str(mirror) in Path(env["TF_CLI_CONFIG_FILE"]).read_text()
    monkeypatch.setattr(tfenv, "find_mirror", lambda: None)
    again = tfenv.terraform_env(settings)  # any later run in this work dir
    assert str(mirror) in Path(again["TF_CLI_CONFIG_FILE"]).read_text()


def test_a_run_with_lz_provider_mirror_is_remembered_for_lz_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "m"
    mirror.mkdir()
    tfenv.write_cli_config(_settings(tmp_path, LZ_PROVIDER_MIRROR=str(mirror)))  # a run under make
    monkeypatch.setattr(tfenv, "find_mirror", lambda: None)
    config = tfenv.write_cli_config(_settings(tmp_path), search=True)  # `lz env` without the variable
    assert f'path    = "{mirror}"' in config.read_text()


def test_terraform_gets_a_lazier_garbage_collector_unless_the_user_chose_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOGC", raising=False)
    assert tfenv.full_env(_settings(tmp_path))["GOGC"] == "400"
    monkeypatch.setenv("GOGC", "100")
    assert "GOGC" not in tfenv.terraform_env(_settings(tmp_path))
    assert tfenv.full_env(_settings(tmp_path))["GOGC"] == "100"
