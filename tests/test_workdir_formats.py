"""Every file lz reads from the work dir, as an earlier release (or a damaged disk) left it:
read as "nothing recorded" or rebuilt with a one-line notice, never a crash. And a work dir
an earlier release ran in, which recorded no provider mirror, still runs offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from landing_zone.access import diff
from landing_zone.aws.files import AwsFiles
from landing_zone.aws.mfa_sessions import read_cache
from landing_zone.aws.profiles import RoleProfile
from landing_zone.cli import worklock
from landing_zone.deploy import account_ids, auth, fingerprint, locks, tfenv
from landing_zone.settings import Settings, read_emulator

# What a file of another release's shape may hold: not JSON, not UTF-8, JSON of the wrong shape.
ODD = [b"", b"not json", b"\xff\xfe\x00garbage", b"[]", b"5", b'"text"', b"null", b'{"pid": "x", "port": [], "fingerprint": 3}']


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"LZ_WORK_DIR": str(tmp_path / ".lz"), "LZ_CONFIG": str(tmp_path / "project.yaml"), **env})


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("content", ODD)
def test_account_ids_of_another_shape_are_ignored_with_a_notice(tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings(tmp_path)
    _write(account_ids.account_ids_file(settings), content)
    assert account_ids.known_account_ids(settings) == {}
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "account_ids.json" in err and "lz up records it again" in err


def test_account_ids_as_recorded_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings(tmp_path)
    _write(account_ids.account_ids_file(settings), b'{"security": "111122223333"}')
    assert account_ids.known_account_ids(settings) == {"security": "111122223333"}
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("content", ODD)
def test_single_value_records_read_as_nothing_recorded(tmp_path: Path, content: bytes) -> None:
    settings = _settings(tmp_path)
    work = settings.work_dir
    _write(work / "mfa-state.json", content)
    _write(work / "emulator.json", content)
    _write(work / "stacks" / "s" / fingerprint.RECORD, content)
    _write(work / worklock.HOLDER, content)
    assert auth.recorded(settings) is None
    assert read_emulator(work) is None
    assert fingerprint.recorded(work / "stacks" / "s") is None
    assert worklock._holder(work) == "another lz"


@pytest.mark.parametrize("content", [*ODD, b'{"pid": "12x", "lz_pid": null}'])
def test_a_run_record_of_another_shape_is_dropped(tmp_path: Path, content: bytes) -> None:
    workdir = tmp_path / "stacks" / "s"
    record = _write(workdir / locks.RUN_RECORD, content)
    _write(workdir / locks.STALE, content)
    locks.recover(workdir)
    assert locks.stale(workdir) == {}
    assert not record.exists() or locks._read_json(record) == {}


@pytest.mark.parametrize(
    "content",
    [
        *ODD,
        b'{"Expiration": "2099-01-01T00:00:00", "RoleArn": "r", "MfaSerial": "m"}',  # no time zone
        b'{"Expiration": "2099-01-01T00:00:00+00:00", "RoleArn": "r", "MfaSerial": "m"}',  # no keys
    ],
)
def test_an_mfa_session_cache_of_another_shape_is_a_miss(tmp_path: Path, content: bytes) -> None:
    files = AwsFiles.of(tmp_path / "aws", "me")
    rp = RoleProfile("me-security-admin", "r", "me-security", "m", "us-east-1")
    _write(files.cache_file(rp.name), content)
    assert read_cache(files, rp) is None


def test_a_previous_synth_lz_cannot_read_is_an_empty_diff_with_a_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / "stacks" / "management-identities" / "cdk.tf.json", b"\xff{ truncated")
    assert diff.load_or_empty(tmp_path) == {}
    assert "previous synth unreadable" in capsys.readouterr().err
    odd = {"management-identities": {"resource": {"aws_iam_role": {"x": {"assume_role_policy": 5}}}, "provider": []}}
    diff.render_changes(odd, {})  # whatever access model it yields, no exception


def test_a_terraform_rc_lz_cannot_read_is_rewritten(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    rc = _write(settings.work_dir / "terraform.rc", b"\xff\xfe")
    tfenv.write_cli_config(settings)
    text = rc.read_text()  # utf-8 again, as this release writes it (with a mirror: no plugin cache)
    assert "disable_checkpoint = true" in text and ("plugin_cache_dir" in text or "filesystem_mirror" in text)


def _old_rc(work: Path, mirror: Path | None) -> None:
    """terraform.rc as 0.1.0 wrote it (with LZ_PROVIDER_MIRROR exported, or without); no mirror record."""
    text = f'plugin_cache_dir = "{work}/plugin-cache"\ndisable_checkpoint = true\n'
    if mirror:
        text += f'provider_installation {{\n  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["registry.terraform.io/*/*"]\n  }}\n}}\n'
    _write(work / "terraform.rc", text.encode())


def test_an_earlier_releases_work_dir_keeps_its_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    settings = _settings(tmp_path)
    _old_rc(settings.work_dir, mirror)
    monkeypatch.setattr(tfenv, "find_mirror", lambda: pytest.fail("the old terraform.rc names the mirror"))
    env = tfenv.terraform_env(settings)  # any run: `lz plan` after the upgrade, LZ_PROVIDER_MIRROR unset
    assert env["LZ_PROVIDER_MIRROR"] == str(mirror)
    assert f'path    = "{mirror}"' in Path(env["TF_CLI_CONFIG_FILE"]).read_text()
    assert (settings.work_dir / tfenv.MIRROR_NOTE).read_text().strip() == str(mirror)


def test_an_earlier_releases_work_dir_without_a_mirror_looks_for_one_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path)
    _old_rc(settings.work_dir, None)
    looked: list[bool] = []
    monkeypatch.setattr(tfenv, "find_mirror", lambda: looked.append(True))  # finds none
    assert "LZ_PROVIDER_MIRROR" not in tfenv.terraform_env(settings)
    assert "LZ_PROVIDER_MIRROR" not in tfenv.terraform_env(settings)
    assert looked == [True]  # recorded as "none found": not every run scans the disk

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    other = _settings(tmp_path / "other")
    _old_rc(other.work_dir, None)
    monkeypatch.setattr(tfenv, "find_mirror", lambda: mirror)  # e.g. the machine's /opt/tf-plugins
    assert tfenv.terraform_env(other)["LZ_PROVIDER_MIRROR"] == str(mirror)


def test_a_fresh_work_dir_does_not_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tfenv, "find_mirror", lambda: pytest.fail("no earlier run here: no search"))
    assert "LZ_PROVIDER_MIRROR" not in tfenv.terraform_env(_settings(tmp_path))


def test_json_helper_reads_objects_only(tmp_path: Path) -> None:
    assert locks._read_json(_write(tmp_path / "r.json", json.dumps({"a": 1}).encode())) == {"a": 1}
