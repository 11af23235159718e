"""Writing the operator's ~/.aws/<short>/ files: through symlinks, never over a read-only file,
CRLF kept, an unreadable file reported, no secret left in a temp file, one writer at a time."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from landing_zone.aws import files, inifile
from landing_zone.aws.errors import AwsError
from landing_zone.aws.files import AwsFiles
from tests.conftest import ROOT


def test_a_symlinked_config_is_written_through_the_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "aws-config"
    dotfiles.parent.mkdir()
    dotfiles.write_text("[profile old]\nregion = us-east-1\n")
    link = tmp_path / "me" / "config"
    link.parent.mkdir()
    link.symlink_to(dotfiles)
    files.write_keeping_mode(link, "[profile new]\nregion = eu-west-1\n")
    assert link.is_symlink() and link.resolve() == dotfiles
    assert dotfiles.read_text() == "[profile new]\nregion = eu-west-1\n"
    files.write_private(link, "[profile newer]\n")
    assert link.is_symlink() and dotfiles.read_text() == "[profile newer]\n"


@pytest.mark.parametrize("write", [files.write_keeping_mode, files.write_private])
def test_a_read_only_file_is_refused_not_overwritten(tmp_path: Path, write: Callable[[Path, str], None]) -> None:
    config = tmp_path / "config"
    config.write_text("[profile keep]\n")
    config.chmod(0o444)
    with pytest.raises(AwsError, match=f"^{config} is read-only: not overwritten"):
        write(config, "[profile new]\n")
    assert config.read_text() == "[profile keep]\n"


def test_crlf_files_keep_crlf(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_bytes(b"# mine\r\n[profile a]\r\nregion = us-east-1\r\n")
    text = files.read_text(config)
    assert "\r\n" in text
    files.write_keeping_mode(config, inifile.update(text, {"profile b": {"region": "eu-west-1"}}))
    data = config.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") == 6, data


@pytest.mark.parametrize("text", ["region = x\n[profile a]\n", "[profile a]\nthis is not a key\n", "[profile a\n"])
def test_an_unparseable_file_is_reported(tmp_path: Path, text: str) -> None:
    with pytest.raises(AwsError, match="not a valid AWS config/credentials file .*nothing was written"):
        files.check_parses(tmp_path / "config", text)


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_bytes(b"[profile \xff]\n")
    with pytest.raises(AwsError, match="not UTF-8"):
        files.read_text(config)


def test_a_temp_file_a_killed_write_left_is_removed(tmp_path: Path) -> None:
    project = AwsFiles.of(tmp_path, "me")
    project.root.mkdir(parents=True)
    leftover = project.root / ".credentials.k1ll3d.tmp"
    leftover.write_text("[me-bootstrap]\naws_secret_access_key = SECRET\n")
    with files.locked(project):
        pass
    assert not leftover.exists()


def test_a_read_only_backup_dir_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text("[profile a]\n")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(shutil, "copy2", refuse)
    with pytest.raises(AwsError, match=r"^cannot back up .*config to config\.[0-9-]+\.bak: Permission denied \(nothing was written\)$"):
        files.backup(config)


WRITER = """
import sys, time
from pathlib import Path
from landing_zone.aws import files, inifile
project = files.AwsFiles.of(Path(sys.argv[1]), "me")
with files.locked(project):
    text = files.read_text(project.credentials)
    time.sleep(0.3)  # widen the read-update-write window: without the lock, updates get lost
    files.write_private(project.credentials, inifile.update(text, {sys.argv[2]: {"aws_access_key_id": sys.argv[2]}}))
"""


def test_concurrent_updates_lose_no_profile(tmp_path: Path) -> None:
    names = [f"me-p{i}" for i in range(5)]
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), n], cwd=ROOT) for n in names]
    assert [p.wait(timeout=120) for p in procs] == [0] * len(names)
    written = inifile.read(files.read_text(AwsFiles.of(tmp_path, "me").credentials))
    assert sorted(written) == names
