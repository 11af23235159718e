"""Files the post-deploy steps write: atomic, private where needed, project.yaml kept as written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from landing_zone.aws import files as awsdir
from landing_zone.aws.errors import AwsError
from landing_zone.config import editor
from landing_zone.config.editor import EditError
from landing_zone.settings import Settings
from tests.postdeploy.support import gnupghome, project_path  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_interrupted_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "me" / "config"
    awsdir.write_keeping_mode(target, "[profile old]\nregion = us-east-1\n")
    before = target.read_text()

    real_fdopen = os.fdopen

    class HalfWriter:
        """The temp file gets half the new text, then the disk is full."""

        def __init__(self, fd: int, *args: object, **kwargs: object) -> None:
            self.fh = real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]  # passes on whatever open() gave os.fdopen

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def fileno(self) -> int:
            return self.fh.fileno()

        def write(self, text: str) -> int:
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", HalfWriter)
    with pytest.raises(AwsError, match=f"cannot write {target}: No space left on device"):  # one line, exit 1
        awsdir.write_keeping_mode(target, "[profile new]\n" * 100)
    monkeypatch.undo()
    assert target.read_text() == before
    assert [p.name for p in target.parent.iterdir()] == ["config"]  # no temp file left behind


def test_private_files_and_dirs(tmp_path: Path) -> None:
    creds = tmp_path / "aws" / "me" / "credentials"
    awsdir.write_private(creds, "[me-bootstrap]\n")
    assert mode(creds) == 0o600 and mode(creds.parent) == 0o700


def test_write_keeping_mode_keeps_permissions(tmp_path: Path) -> None:
    f = tmp_path / "config"
    f.write_text("x\n")
    f.chmod(0o640)
    awsdir.write_keeping_mode(f, "y\n")
    assert f.read_text() == "y\n" and mode(f) == 0o640


def test_backup_never_overwrites(tmp_path: Path) -> None:
    f = tmp_path / "config"
    assert awsdir.backup(f) is None
    f.write_text("one\n")
    first = awsdir.backup(f)
    f.write_text("two\n")
    second = awsdir.backup(f)
    assert first and second and first != second
    assert first.read_text() == "one\n" and second.read_text() == "two\n"


def test_aws_dir_resolution(tmp_path: Path, isolated_env: Path) -> None:
    local = Settings(config_path=Path("project.yaml"), target="local", work_dir=tmp_path / ".lz")
    real = Settings(config_path=Path("project.yaml"), target="aws")
    assert awsdir.resolve(tmp_path / "x", real, env={}) == tmp_path / "x"
    assert awsdir.resolve(None, real, env={"LZ_AWS_DIR": str(tmp_path / "y")}) == tmp_path / "y"
    # Emulator keys never land in the real ~/.aws.
    assert awsdir.resolve(None, local, env={}) == tmp_path / ".lz" / "aws"
    assert awsdir.resolve(None, real, env={}) == isolated_env / ".aws"


# --- project.yaml: the management id ---

REFERENCE = (ROOT / "project.yaml").read_text()


def diff_lines(a: str, b: str) -> list[tuple[str, str]]:
    return [(x, y) for x, y in zip(a.splitlines(), b.splitlines(), strict=True) if x != y]


def test_missing_id_added_to_a_flow_mapping_only_that_line_changes() -> None:
    text = REFERENCE.replace(", id: '000123456789'", "")
    out = editor.with_management_id(text, "111122223333")
    assert diff_lines(text, out) == [
        ("  - {name: management, email: myexample-aws@example.com}", "  - {name: management, email: myexample-aws@example.com, id: '111122223333'}"),
    ]
    assert editor.management_id(out) == "111122223333"


def test_changed_id_replaced_keeping_comments_and_alignment() -> None:
    out = editor.with_management_id(REFERENCE, "111122223333")
    assert diff_lines(REFERENCE, out) == [
        (
            "  - {name: management, email: myexample-aws@example.com, id: '000123456789'}",
            "  - {name: management, email: myexample-aws@example.com, id: '111122223333'}",
        ),
    ]


def test_block_mapping_gets_an_id_line() -> None:
    text = "organization:\n  accounts:\n    - name: management   # payer\n      email: a@b.co\n    - name: x\n      email: y@z.co\n"
    out = editor.with_management_id(text, "111122223333")
    assert out == text.replace("email: a@b.co\n", "email: a@b.co\n      id: '111122223333'\n")


def test_unquoted_id_becomes_quoted() -> None:
    text = "organization:\n  accounts:\n  - {name: management, id: 000123456789}  # note\n"
    assert editor.with_management_id(text, "111122223333") == text.replace("000123456789", "'111122223333'")


def test_no_management_account() -> None:
    with pytest.raises(EditError, match="no account named 'management'"):
        editor.with_management_id("organization:\n  accounts:\n  - {name: x}\n", "111122223333")


def test_load_allowing_missing_id(project_path: Path) -> None:
    path = project_path
    path.write_text(REFERENCE.replace(", id: '000123456789'", ""))
    project, _, missing = editor.load_allowing_missing_management_id(path)
    assert missing and project.management.id == editor.PLACEHOLDER_ID
    assert path.read_text() == REFERENCE.replace(", id: '000123456789'", "")  # nothing written yet
