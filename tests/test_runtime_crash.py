"""An exception inside a stack task that is not an expected error is a bug: the other stacks
finish, then lz exits 3 with a crash log holding the task's traceback (cli/errors.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import landing_zone
from landing_zone.cli import main as cli
from landing_zone.cli.errors import EXIT_BUG, EXIT_USER
from landing_zone.deploy import command
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.graph import DONE, Task, run_graph


def _fake_run_command(failure: Exception) -> Any:
    def run_command(project: object, settings: object, action: str, selection: object, **kwargs: object) -> list[Task]:
        tasks = [Task("management-tf-backend", "management", "tf-backend"), Task("security-tf-backend", "security", "tf-backend")]

        def work(task: Task) -> str:
            if task.name == "management-tf-backend":
                raise failure
            return "no changes"

        return run_graph(tasks, work, parallel=2)

    return run_command


@pytest.fixture
def lz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LZ_WORK_DIR", str(tmp_path / ".lz"))
    monkeypatch.setenv("LZ_EMULATOR_ENDPOINT", "http://127.0.0.1:9")  # no emulator is started
    monkeypatch.setattr(cli, "load_project", lambda settings: object())
    return tmp_path / ".lz"


def test_an_unexpected_exception_in_a_stack_is_exit_3_with_a_crash_log(lz: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken_fingerprint() -> None:
        raise KeyError("lz-applied")

    try:
        broken_fingerprint()
    except KeyError as exc:
        failure: Exception = exc
    monkeypatch.setattr(command, "run_command", _fake_run_command(failure))
    assert cli.main(["up"]) == EXIT_BUG
    err = capsys.readouterr().err
    assert "lz up: 1/2 stacks ok" in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("internal error: StackCrashed: management-tf-backend: KeyError: 'lz-applied'; traceback in ")
    log = Path(last.split("; traceback in ")[1])
    assert log.parent == lz / "logs"
    assert "in broken_fingerprint" in log.read_text(), "the task's own traceback"
    assert log.read_text().startswith(f"lz {landing_zone.__version__}, Python "), "which release crashed"


def test_an_expected_error_in_a_stack_stays_a_one_line_error(lz: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(command, "run_command", _fake_run_command(DeployError("IAM Identity Center is not enabled")))
    assert cli.main(["up"]) == EXIT_USER
    err = capsys.readouterr().err
    assert "error: management-tf-backend: failed: IAM Identity Center is not enabled" in err
    assert "internal error" not in err
    assert not list(lz.glob("logs/crash-*")), "no crash log for an expected error"


def test_the_other_stacks_still_finish() -> None:
    tasks = _fake_run_command(RuntimeError("boom"))(None, None, "up", None)
    assert [t.status for t in tasks] == ["failed", DONE]
