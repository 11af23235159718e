"""`lz emulator stop` signals the emulator only: a recorded pid that now names another
process (pids wrap within the hour) is left alone, and emulator.json has one reader."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from landing_zone import settings as settings_mod
from landing_zone.emulator import server
from landing_zone.settings import process_start, read_emulator, running_emulator_endpoint


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """An unrelated process of ours: what a wrapped pid in emulator.json could name."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _record(work_dir: Path, pid: int, started: str | None) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    body = {"pid": pid, "port": 1, "endpoint": "http://127.0.0.1:1"}
    if started is not None:
        body["started"] = started
    (work_dir / "emulator.json").write_text(json.dumps(body))


@pytest.mark.parametrize("started", ["right", "wrong", None])
def test_stop_never_signals_a_process_that_is_not_the_emulator(tmp_path: Path, bystander: subprocess.Popen[bytes], started: str | None) -> None:
    # "right": pid and start time match, but the process runs something else (no emulator module).
    value = {"right": process_start(bystander.pid), "wrong": "boot/1", None: None}[started]
    _record(tmp_path, bystander.pid, value)
    assert server.stop(tmp_path, timeout=1) is False
    assert bystander.poll() is None, "the bystander was signalled"
    assert not (tmp_path / "emulator.json").exists(), "the stale record is removed"


def test_a_recorded_pid_of_another_process_is_no_running_emulator(tmp_path: Path, bystander: subprocess.Popen[bytes]) -> None:
    _record(tmp_path, bystander.pid, process_start(bystander.pid))
    assert running_emulator_endpoint(tmp_path) is None
    assert server.status(tmp_path) is None


def test_the_real_emulator_is_recognised_and_stopped(tmp_path: Path) -> None:
    info = server.start(tmp_path)
    record = read_emulator(tmp_path)
    assert record is not None and record.alive and record.started == process_start(info.pid)
    assert running_emulator_endpoint(tmp_path) == info.endpoint
    assert server.stop(tmp_path) is True
    assert read_emulator(tmp_path) is None


def test_emulator_json_has_one_reader() -> None:
    """Only settings.read_emulator opens emulator.json (the others go through it)."""
    package = Path(settings_mod.__file__).parent
    readers = [p.relative_to(package) for p in package.rglob("*.py") if '"emulator.json"' in p.read_text(encoding="utf-8")]
    assert readers == [Path("settings.py")]
