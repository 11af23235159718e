"""The error policy every `lz` command shares (landing_zone/cli/errors.py).

Expected failure: `error: ...` lines, exit 1. Ctrl-C: exit 130. Anything else: one line
naming a crash log that holds the traceback, exit 3.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from landing_zone.cli import errors
from landing_zone.cli import main as cli
from landing_zone.cli.errors import EXIT_BUG, EXIT_INTERRUPT, EXIT_USER, UserError
from landing_zone.config.errors import ConfigError, Problem

MonkeyPatch = pytest.MonkeyPatch
Capture = pytest.CaptureFixture[str]


def _raising(exc: BaseException) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


def run_with(exc: BaseException, monkeypatch: MonkeyPatch, capsys: Capture) -> tuple[int, str]:
    """Run `lz validate` with its first step raising `exc`; (exit code, stderr)."""
    monkeypatch.setattr(cli, "load_settings", _raising(exc))
    code = cli.main(["validate", "project.yaml"])
    out, err = capsys.readouterr()
    assert out == ""
    return code, err


@pytest.fixture(autouse=True)
def work_dir(tmp_path: Path, monkeypatch: MonkeyPatch) -> Path:
    monkeypatch.setenv("LZ_WORK_DIR", str(tmp_path / ".lz"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / ".lz"


def test_expected_error_is_one_line_and_exit_1(monkeypatch: MonkeyPatch, capsys: Capture) -> None:
    code, err = run_with(UserError("no emulator is running"), monkeypatch, capsys)
    assert (code, err) == (EXIT_USER, "error: no emulator is running\n")


def test_config_error_prints_a_line_per_problem(monkeypatch: MonkeyPatch, capsys: Capture) -> None:
    problems = [Problem(3, 1, "short_name", "bad"), Problem(1, 1, "project_name", "worse")]
    code, err = run_with(ConfigError("p.yaml", problems), monkeypatch, capsys)
    assert code == EXIT_USER
    assert err.splitlines() == ["error: p.yaml:1:1: project_name: worse", "error: p.yaml:3:1: short_name: bad"]


def test_settings_error_from_the_real_path(capsys: Capture, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setenv("LZ_TARGET", "mars")
    assert cli.main(["synth"]) == EXIT_USER
    assert capsys.readouterr().err == "error: unknown target 'mars': use one of local, aws\n"


def test_keyboard_interrupt_exits_130(monkeypatch: MonkeyPatch, capsys: Capture) -> None:
    code, err = run_with(KeyboardInterrupt(), monkeypatch, capsys)
    assert (code, err) == (EXIT_INTERRUPT, "interrupted\n")


def test_unexpected_error_names_a_crash_log_with_the_traceback(monkeypatch: MonkeyPatch, capsys: Capture, work_dir: Path) -> None:
    code, err = run_with(RuntimeError("boom\nsecond line"), monkeypatch, capsys)
    assert code == EXIT_BUG
    assert err.count("\n") == 1, "one line"
    head, log = err.strip().split("; traceback in ")
    assert head == "internal error: RuntimeError: boom"
    log_file = Path(log)
    assert log_file.parent == work_dir / "logs"
    text = log_file.read_text()
    assert text.startswith("Traceback (most recent call last):")
    assert "RuntimeError: boom" in text and "in fail" in text


def test_crash_logs_never_overwrite_each_other(monkeypatch: MonkeyPatch, capsys: Capture, work_dir: Path) -> None:
    for _ in range(3):
        run_with(ValueError("again"), monkeypatch, capsys)
    assert len(list((work_dir / "logs").glob("crash-*.log"))) == 3


def test_unwritable_crash_log_still_one_line_exit_3(monkeypatch: MonkeyPatch, capsys: Capture, work_dir: Path) -> None:
    work_dir.write_text("a file where the work dir should be")
    code, err = run_with(OSError("disk on fire"), monkeypatch, capsys)
    assert code == EXIT_BUG
    assert err.count("\n") == 1 and err.startswith("internal error: OSError: disk on fire; no crash log (")


def test_usage_errors_keep_clicks_exit_2(capsys: Capture) -> None:
    assert cli.main(["validate", "--no-such-option"]) == 2
    assert "No such option" in capsys.readouterr().err


def test_expected_names_are_real_exception_classes() -> None:
    """EXPECTED matches by name: a renamed or moved class must fail here, not in production."""
    for dotted in errors.EXPECTED:
        module, name = dotted.rsplit(".", 1)
        cls = getattr(importlib.import_module(module), name)
        assert issubclass(cls, Exception) and errors.is_expected(cls.__new__(cls))  # no __init__: any signature
    assert not errors.is_expected(RuntimeError("x"))


def test_subclasses_of_expected_errors_are_expected() -> None:
    class Special(UserError):
        pass

    assert errors.is_expected(Special("x"))


def test_entry_point_exit_codes_in_a_real_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LZ_"))} | {"HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "landing_zone.cli.main", "validate", str(tmp_path)]  # a directory, not a file
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == EXIT_USER
    assert proc.stdout == f"{tmp_path}: <root>: cannot read: Is a directory\n"
    assert proc.stderr == f"error: {tmp_path}: 1 problem\n"


def test_ctrl_c_outside_a_command_exits_130(capsys: Capture, work_dir: Path) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    assert errors.run_guarded(interrupted, lambda: work_dir) == EXIT_INTERRUPT
    assert capsys.readouterr().err == "interrupted\n"


def test_an_explicit_exit_code_is_kept(monkeypatch: MonkeyPatch, capsys: Capture) -> None:
    import typer

    code, err = run_with(typer.Exit(4), monkeypatch, capsys)
    assert (code, err) == (4, "")
