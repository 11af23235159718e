"""Start, find and stop the emulator process.

The emulator runs as a child process (`python -m landing_zone.emulator`) that binds a
free port on 127.0.0.1 and, once it answers, writes `<work_dir>/emulator.json`
(pid, port, endpoint, its start time) atomically. That file is how `lz up`, `lz synth`
and main.py find a long-lived emulator; `settings.read_emulator` is its one reader. A pid
alone is not an identity (pids wrap within the hour here): nothing is signalled unless the
process still has the recorded start time and runs the emulator module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path

from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import EmulatorRecord, emulator_file, process_start, read_emulator

EmulatorInfo = EmulatorRecord  # the name the CLI and tests know


class EmulatorError(Exception):
    pass


def _state_file(work_dir: Path) -> Path:
    return emulator_file(work_dir)


def this_process(port: int) -> EmulatorInfo:
    """The record the emulator process writes about itself."""
    pid = os.getpid()
    return EmulatorInfo(pid=pid, port=port, endpoint=f"http://127.0.0.1:{port}", started=process_start(pid))


def _reap(pid: int) -> None:
    """Collect `pid` if it is our exited child: a zombie still answers os.kill(pid, 0)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # not our child (started by another process): init reaps it


def _alive(pid: int) -> bool:
    _reap(pid)
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def answers(endpoint: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


def status(work_dir: Path) -> EmulatorInfo | None:
    """The emulator recorded in `work_dir`, if its process is alive (the same process) and answering."""
    info = read_emulator(work_dir)
    if info is None:
        return None
    _reap(info.pid)
    if not info.alive or not answers(info.endpoint):
        return None
    return info


def start(work_dir: Path, *, port: int = 0, timeout: float = 60.0) -> EmulatorInfo:
    """Start an emulator for `work_dir` (or return the one already running there)."""
    running = status(work_dir)
    if running:
        return running
    work_dir.mkdir(parents=True, exist_ok=True)
    state = _state_file(work_dir)
    state.unlink(missing_ok=True)
    log_dir = work_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    with open(log_dir / "emulator.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "landing_zone.emulator", "--port", str(port), "--state-file", str(state)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives `lz emulator start`; not killed by the terminal's Ctrl-C
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EmulatorError(f"emulator exited with code {proc.returncode}; see {log_dir / 'emulator.log'}")
        info = status(work_dir)
        if info:
            return info
        time.sleep(0.2)
    proc.kill()
    raise EmulatorError(f"emulator did not answer within {timeout:.0f}s; see {log_dir / 'emulator.log'}")


def stop(work_dir: Path, timeout: float = 10.0) -> bool:
    """Stop the emulator of `work_dir`; False when none was running.

    A record whose pid now belongs to another process (or an emulator that exited) is
    removed without signalling anyone.
    """
    info = read_emulator(work_dir)
    _state_file(work_dir).unlink(missing_ok=True)
    if info is None:
        return False
    _reap(info.pid)
    if not info.alive:
        return False
    os.kill(info.pid, signal.SIGTERM)
    if not _gone(info.pid, timeout) and info.alive:
        os.kill(info.pid, signal.SIGKILL)
        # SIGKILL is only queued: return once it is gone, or the caller's next start races it
        if not _gone(info.pid, 10.0):
            raise EmulatorError(f"emulator pid {info.pid} survived SIGKILL")
    return True


def _gone(pid: int, timeout: float) -> bool:
    """Wait for `pid` to exit. Not `info.alive`: an exiting process loses its cmdline before it exits."""
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def record(state_file: Path, info: EmulatorInfo) -> None:
    atomic_write_text(state_file, json.dumps(asdict(info)))
